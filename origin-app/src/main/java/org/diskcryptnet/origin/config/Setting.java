package org.diskcryptnet.origin.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One configuration value as written, before it is checked: a scalar ({@code String}) or a list of scalars,
 * with where it came from and the directory its relative paths are resolved against.
 */
public record Setting(String key, Object value, String where, Path baseDir) {

    public boolean isList() {
        return value instanceof List<?>;
    }

    @SuppressWarnings("unchecked")
    public List<String> list() {
        return isList() ? (List<String>) value : List.of((String) value);
    }

    public String text() {
        return isList() ? String.join(",", list()) : (String) value;
    }
}

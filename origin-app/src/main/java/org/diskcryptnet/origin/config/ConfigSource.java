package org.diskcryptnet.origin.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The raw settings of one run: the YAML file flattened to dotted keys ({@code listen.http}), each with its line,
 * then the command-line flags laid over them. Nothing is interpreted here; {@link OriginConfig#bind} checks it all.
 */
public final class ConfigSource {

    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();

    public static ConfigSource empty() {
        return new ConfigSource();
    }

    /** Reads a YAML file; syntax errors become problems (with their line) rather than exceptions. */
    public static ConfigSource load(Path file) {
        ConfigSource source = new ConfigSource();
        String name = file.toString();
        Path baseDir = file.toAbsolutePath().getParent();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoadSettings settings = LoadSettings.builder().setLabel(name).setAllowDuplicateKeys(false).build();
            Optional<Node> root = new Compose(settings).composeReader(reader);
            if (root.isEmpty()) {
                return source; // an empty file: every default applies
            }
            if (!(root.get() instanceof MappingNode mapping)) {
                source.problem(where(name, root.get()), "the configuration must be a mapping of settings");
                return source;
            }
            source.flatten(name, baseDir, "", mapping);
        } catch (MarkedYamlEngineException e) {
            Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
            String where = mark.map(m -> name + ":" + (m.getLine() + 1)).orElse(name);
            source.problem(where, "YAML syntax: " + e.getProblem());
        } catch (YamlEngineException e) {
            source.problem(name, "YAML: " + e.getMessage());
        } catch (IOException e) {
            source.problem(name, "cannot read: " + e.getMessage());
        }
        return source;
    }

    private void flatten(String name, Path baseDir, String prefix, MappingNode mapping) {
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                problem(where(name, tuple.getKeyNode()), "setting names must be plain words");
                continue;
            }
            String key = prefix + keyNode.getValue();
            Node value = tuple.getValueNode();
            String where = where(name, keyNode);
            switch (value) {
                case MappingNode nested -> flatten(name, baseDir, key + ".", nested);
                case ScalarNode scalar -> put(new Setting(key, scalar.getValue(), where, baseDir));
                case SequenceNode sequence -> {
                    List<String> items = new ArrayList<>();
                    for (Node item : sequence.getValue()) {
                        if (item instanceof ScalarNode s) {
                            items.add(s.getValue());
                        } else {
                            problem(where(name, item), key + ": list items must be plain values");
                        }
                    }
                    put(new Setting(key, List.copyOf(items), where, baseDir));
                }
                default -> problem(where, key + ": unsupported YAML node");
            }
        }
    }

    private void put(Setting setting) {
        Setting previous = settings.putIfAbsent(setting.key(), setting);
        if (previous != null) {
            problem(setting.where(), setting.key() + " is already set at " + previous.where());
        }
    }

    /** A command-line flag: replaces what the file said. Relative paths are taken from the working directory. */
    public ConfigSource override(String key, String value, String flag) {
        settings.put(key, new Setting(key, value, flag, Path.of("").toAbsolutePath()));
        return this;
    }

    public Map<String, Setting> settings() {
        return settings;
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private void problem(String where, String message) {
        problems.add(new ConfigProblem(where, message));
    }

    private static String where(String name, Node node) {
        return node.getStartMark().map(m -> name + ":" + (m.getLine() + 1)).orElse(name);
    }
}

package org.diskcryptnet.origin.config;

/** One thing wrong with the configuration, and where it was said: {@code "origin.yaml:12"} or {@code "--http"}. */
public record ConfigProblem(String where, String message) {
    @Override
    public String toString() {
        return where + ": " + message;
    }
}

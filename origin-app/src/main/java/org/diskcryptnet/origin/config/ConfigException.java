package org.diskcryptnet.origin.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a configuration, reported together so an operator fixes them in one pass. */
public final class ConfigException extends Exception {

    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}

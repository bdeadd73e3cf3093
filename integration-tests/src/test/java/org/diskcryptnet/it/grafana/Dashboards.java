package org.diskcryptnet.it.grafana;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.diskcryptnet.it.support.OriginProcess;

/** The dashboards under {@code grafana/dashboards}, and the PromQL expressions of their panels. */
final class Dashboards {

    record Query(String dashboard, String panel, String expr) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private Dashboards() {}

    static Path dir() {
        return OriginProcess.repoRoot().resolve("grafana/dashboards");
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Every panel, rows' nested panels included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            for (JsonNode nested : p.path("panels")) {
                all.add(nested);
            }
        }
        return all;
    }

    static List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (Path file : files()) {
            JsonNode d = read(file);
            for (JsonNode panel : panels(d)) {
                for (JsonNode target : panel.path("targets")) {
                    if (target.hasNonNull("expr")) {
                        queries.add(new Query(file.getFileName().toString(), panel.path("title").asText(),
                                target.get("expr").asText()));
                    }
                }
            }
        }
        return queries;
    }

    /**
     * What is wrong with Prometheus' answer to {@code q} for a dashboard: invalid, no series, or only NaN (nothing
     * to draw); null when it is fine.
     */
    static String problem(Query q, JsonNode answer) {
        JsonNode result = answer.path("data").path("result");
        if (!"success".equals(answer.path("status").asText())) {
            return q.dashboard() + " / " + q.panel() + ": invalid: " + answer.path("error").asText() + "\n    " + q.expr();
        } else if (result.isEmpty()) {
            return q.dashboard() + " / " + q.panel() + ": no series\n    " + q.expr();
        }
        for (JsonNode series : result) {
            if (!series.path("value").get(1).asText().equals("NaN")) {
                return null;
            }
        }
        return q.dashboard() + " / " + q.panel() + ": only NaN (nothing to draw)\n    " + q.expr();
    }

    /** What Grafana would send for the dashboard's variables and its built-in interval variables. */
    static String expand(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "5m")
                .replace("${instance}", ".*").replace("$instance", ".*");
    }
}

package org.diskcryptnet.it.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

/**
 * The dashboard JSON itself: a schema version Grafana 10+ loads, unique panel ids, every variable used and
 * every used variable defined, every query on the dashboard's datasource variable, units and thresholds on every
 * panel, every panel on the grid.
 */
class DashboardJsonTest {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)");
    private static final Set<String> BUILT_IN = Set.of("__rate_interval", "__interval", "__range", "__interval_ms",
            "__range_s", "__all_variables");

    @Test
    void thereAreDashboards() {
        assertFalse(Dashboards.files().isEmpty(), "no dashboards under " + Dashboards.dir());
    }

    /** The overview and one dashboard per layer: TLS, disk, network and TCP (the netmap transport), event loops. */
    @Test
    void theOverviewAndEveryLayerHaveADashboard() {
        Set<String> uids = new HashSet<>();
        for (Path file : Dashboards.files()) {
            uids.add(Dashboards.read(file).path("uid").asText());
        }
        for (String uid : List.of("dcn-overview", "dcn-tls", "dcn-disk", "dcn-network", "dcn-event-loops")) {
            assertTrue(uids.contains(uid), "no dashboard with uid " + uid + " among " + uids);
        }
    }

    @Test
    void everyDashboardIsWellFormed() {
        List<String> problems = new ArrayList<>();
        Set<String> uids = new HashSet<>();
        for (Path file : Dashboards.files()) {
            String name = file.getFileName().toString();
            JsonNode d = Dashboards.read(file);
            if (d.path("schemaVersion").asInt() < 36) {
                problems.add(name + ": schemaVersion " + d.path("schemaVersion") + " is older than Grafana 9.3+ (36)");
            }
            if (!uids.add(d.path("uid").asText(""))) {
                problems.add(name + ": uid missing or used by another dashboard");
            }
            Set<String> defined = new HashSet<>();
            for (JsonNode v : d.path("templating").path("list")) {
                defined.add(v.path("name").asText());
            }
            if (!defined.contains("datasource") || !defined.contains("instance")) {
                problems.add(name + ": needs the datasource and instance variables");
            }
            Set<String> used = new HashSet<>();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : Dashboards.panels(d)) {
                String title = panel.path("title").asText();
                if (!ids.add(panel.path("id").asInt(-1)) || panel.path("id").asInt(-1) < 0) {
                    problems.add(name + ": panel \"" + title + "\" has a missing or duplicate id " + panel.path("id"));
                }
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                if (!panel.path("datasource").path("uid").asText().equals("${datasource}")) {
                    problems.add(name + ": panel \"" + title + "\" is not on the ${datasource} variable");
                }
                if (panel.path("fieldConfig").path("defaults").path("unit").asText("").isEmpty()) {
                    problems.add(name + ": panel \"" + title + "\" has no unit");
                }
                JsonNode steps = panel.path("fieldConfig").path("defaults").path("thresholds").path("steps");
                if (!steps.isArray() || steps.isEmpty() || !steps.get(0).path("value").isNull()) {
                    problems.add(name + ": panel \"" + title + "\" needs thresholds starting with a base step (value null)");
                }
                JsonNode pos = panel.path("gridPos");
                if (pos.path("w").asInt(0) <= 0 || pos.path("h").asInt(0) <= 0 || pos.path("x").asInt(0) + pos.path("w").asInt(0) > 24) {
                    problems.add(name + ": panel \"" + title + "\" has no place on the 24-column grid: " + pos);
                }
                if (!panel.path("targets").elements().hasNext()) {
                    problems.add(name + ": panel \"" + title + "\" has no query");
                }
                for (JsonNode t : panel.path("targets")) {
                    collect(t.path("expr").asText(), used);
                    collect(t.path("datasource").path("uid").asText(), used);
                }
                collect(panel.path("datasource").path("uid").asText(), used);
            }
            for (JsonNode v : d.path("templating").path("list")) {
                collect(v.path("datasource").path("uid").asText(), used);
                collect(v.path("query").isTextual() ? v.path("query").asText() : v.path("query").path("query").asText(), used);
            }
            used.removeAll(BUILT_IN);
            for (String u : used) {
                if (!defined.contains(u)) {
                    problems.add(name + ": $" + u + " is used but not defined");
                }
            }
            for (String v : defined) {
                if (!used.contains(v)) {
                    problems.add(name + ": variable " + v + " is defined but never used");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theScrapeConfigPointsAtTheAdminPort() throws Exception {
        String yml = java.nio.file.Files.readString(Dashboards.dir().resolveSibling("prometheus.yml"));
        assertTrue(yml.contains("metrics_path: /metrics"), yml);
        assertTrue(yml.contains("127.0.0.1:9464"), yml);
        assertEquals(1, yml.split("job_name:").length - 1, yml);
    }

    private static void collect(String text, Set<String> into) {
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            into.add(m.group(1));
        }
    }
}

package org.diskcryptnet.it.support;

import java.time.Duration;

/** The origin's {@code /metrics} (Prometheus text format), fetched and summed as the ITs need it. */
public final class PrometheusText {

    private PrometheusText() {}

    /** The admin listener's {@code /metrics}, fetched with curl inside {@code namespace}; fails if curl does. */
    public static String scrape(String namespace, int adminPort) throws Exception {
        Proc.Result r = Proc.run(Duration.ofSeconds(30), "ip", "netns", "exec", namespace, "curl", "-sS",
                "--max-time", "20", "http://127.0.0.1:" + adminPort + "/metrics");
        if (r.exit() != 0) {
            throw new AssertionError("scraping /metrics in " + namespace + ": " + r);
        }
        return r.out();
    }

    /** The sum of the series of {@code name} whose line contains {@code label} (null: every series). */
    public static double sum(String metrics, String name, String label) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " "))
                    && (label == null || line.contains(label))) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}

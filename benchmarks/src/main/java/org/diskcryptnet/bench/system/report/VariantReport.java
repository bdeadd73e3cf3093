package org.diskcryptnet.bench.system.report;

import java.util.List;

import org.diskcryptnet.bench.system.variant.Variant;

/**
 * A variant as the report shows it: what it is, whether it ran ({@code "ran"}, or {@code "could not run: "} with
 * the server's own message), its configuration as started, and its correctness probes.
 */
public record VariantReport(Variant variant, String status, String configuration, List<String> probes) {

    public boolean ran() {
        return status.startsWith("ran");
    }
}

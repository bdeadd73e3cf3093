package org.diskcryptnet.bench.system.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diskcryptnet.bench.system.measure.RunRecord;

/**
 * {@code latest.json}: the invocation, every variant (with its status and configuration), and one record per
 * variant × workload × connections with the fields ({@code variant, protocol, cache, storage,
 * connections, gbps, rps, p99_ms, errors, cpu_s_per_gb, cpu_ratio_to_nginx}: medians over the rounds), their
 * ranges, the other figures, and the raw runs. NaN (not measured) is written as null.
 */
public final class JsonOut {

    private final StringBuilder b = new StringBuilder();
    private boolean first = true;

    private JsonOut() {}

    public static void write(Path file, RunInfo info, List<VariantReport> variants, List<CellSummary> cells)
            throws IOException {
        JsonOut j = new JsonOut();
        j.open('{');
        j.field("date", info.date()).field("commit", info.commit()).field("machine", info.machine())
                .field("command", info.command()).field("mode", info.mode()).field("load_before", info.loadBefore())
                .field("load_after", info.loadAfter());
        j.key("settings").strings(info.settings());
        j.key("notes").strings(info.notes());
        j.key("variants").open('[');
        for (VariantReport v : variants) {
            j.open('{');
            j.field("name", v.variant().name()).field("family", v.variant().family())
                    .field("protocol", v.variant().protocol().scheme()).field("summary", v.variant().summary())
                    .field("bypasses_page_cache", v.variant().bypassesPageCache())
                    .field("peer", v.variant().peer()).field("status", v.status())
                    .field("configuration", v.configuration());
            j.key("probes").strings(v.probes());
            j.close('}');
        }
        j.close(']');
        j.key("records").open('[');
        for (CellSummary c : cells) {
            j.open('{');
            j.field("variant", c.variant()).field("family", c.family()).field("protocol", c.protocol())
                    .field("cache", c.cache()).field("storage", c.storage()).field("connections", c.connections())
                    .field("rounds", c.runs().size())
                    .field("gbps", c.gbps().median()).field("rps", c.rps().median())
                    .field("p50_ms", c.p50Ms().median()).field("p99_ms", c.p99Ms().median())
                    .field("errors", c.errors()).field("requests", c.requests())
                    .field("cpu_s_per_gb", c.cpuSPerGb().median())
                    .field("jit_cpu_s_per_gb", c.jitCpuSPerGb().median())
                    .field("cpu_ratio_to_nginx", c.cpuRatioToNginx()).field("gbps_ratio_to_nginx", c.gbpsRatioToNginx())
                    .field("peer", c.peer())
                    .field("client_cpu_s_per_gb", c.clientCpuSPerGb().median())
                    .field("client_tcp_mem_mib", c.clientTcpMemMiB().median())
                    .field("client_zero_windows_per_s", c.clientZeroWindowsPerS().median())
                    .field("disk_reads_per_byte_served", c.diskReadsPerByte().median())
                    .field("page_cache_growth_mib", c.cacheGrowthMiB().median())
                    .field("server_page_cache_mib", c.serverCacheMiB().median())
                    .field("softirq_share", c.softirq().median()).field("host_busy_share", c.hostBusy().median())
                    .field("steal_share", c.steal().median());
            j.key("range").open('{');
            j.range("gbps", c.gbps()).range("rps", c.rps()).range("p50_ms", c.p50Ms()).range("p99_ms", c.p99Ms())
                    .range("cpu_s_per_gb", c.cpuSPerGb()).range("client_cpu_s_per_gb", c.clientCpuSPerGb());
            j.close('}');
            j.key("runs").open('[');
            for (RunRecord r : c.runs()) {
                j.open('{');
                j.field("round", r.round()).field("duration_s", r.wrk().durationSeconds())
                        .field("requests", r.wrk().requests()).field("bytes", r.wrk().bytes())
                        .field("gbps", r.gbps()).field("rps", r.rps()).field("p50_ms", r.wrk().p50Ms())
                        .field("p90_ms", r.wrk().p90Ms()).field("p99_ms", r.wrk().p99Ms()).field("max_ms", r.wrk().maxMs())
                        .field("errors_connect", r.wrk().connectErrors()).field("errors_read", r.wrk().readErrors())
                        .field("errors_write", r.wrk().writeErrors()).field("errors_status", r.wrk().statusErrors())
                        .field("errors_timeout", r.wrk().timeouts()).field("server_cpu_s", r.serverCpuSeconds())
                        .field("server_jit_cpu_s", r.serverJitCpuSeconds())
                        .field("cpu_s_per_gb", r.cpuSecondsPerGb()).field("client_cpu_s", r.wrk().clientCpuSeconds())
                        .field("wrk_threads", r.wrk().threads()).field("server_read_bytes", r.serverReadBytes())
                        .field("client_tcp_mem_mib", r.client().tcpMemMiB())
                        .field("client_zero_window_adverts", r.client().zeroWindowAdverts())
                        .field("page_cache_growth_mib", r.pageCacheGrowthMiB())
                        .field("server_page_cache_mib", r.serverCacheMiB())
                        .field("softirq_share", r.host().softirq()).field("host_busy_share", r.host().busy())
                        .field("steal_share", r.host().steal()).field("load1", r.load1());
                j.close('}');
            }
            j.close(']');
            j.close('}');
        }
        j.close(']');
        j.close('}');
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, j.b.append('\n').toString());
    }

    private JsonOut open(char c) {
        comma();
        b.append(c);
        first = true;
        return this;
    }

    private JsonOut close(char c) {
        b.append(c);
        first = false;
        return this;
    }

    private void comma() {
        if (!first) {
            b.append(',');
        }
        first = false;
    }

    private JsonOut key(String k) {
        comma();
        quote(k);
        b.append(':');
        first = true;
        return this;
    }

    private JsonOut field(String k, String v) {
        key(k);
        first = false;
        if (v == null) {
            b.append("null");
        } else {
            quote(v);
        }
        return this;
    }

    private JsonOut field(String k, double v) {
        key(k);
        first = false;
        b.append(Double.isNaN(v) || Double.isInfinite(v) ? "null" : Double.toString(v));
        return this;
    }

    private JsonOut field(String k, long v) {
        key(k);
        first = false;
        b.append(v);
        return this;
    }

    private JsonOut field(String k, boolean v) {
        key(k);
        first = false;
        b.append(v);
        return this;
    }

    private JsonOut range(String k, Stat s) {
        key(k).open('[');
        first = true;
        comma();
        b.append(s.present() ? Double.toString(s.min()) : "null").append(',')
                .append(s.present() ? Double.toString(s.max()) : "null");
        return close(']');
    }

    private JsonOut strings(List<String> values) {
        open('[');
        for (String v : values) {
            comma();
            quote(v);
        }
        return close(']');
    }

    private void quote(String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}

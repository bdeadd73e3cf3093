package org.diskcryptnet.bench.system.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diskcryptnet.bench.system.measure.ClientKernel;
import org.diskcryptnet.bench.system.measure.HostStats;
import org.diskcryptnet.bench.system.measure.RunRecord;
import org.diskcryptnet.bench.system.measure.Wrk;

/**
 * Draws the plots again from a {@code latest.json}, without measuring: {@code run-origin-vs-nginx --replot FILE}.
 * The raw runs in the file are enough to rebuild every cell.
 */
public final class Replot {

    private Replot() {}

    @SuppressWarnings("unchecked")
    public static List<Path> replot(Path json) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) JsonIn.parse(Files.readString(json));
        List<RunRecord> runs = new ArrayList<>();
        Map<String, String> peers = new LinkedHashMap<>();
        for (Object o : (List<Object>) doc.get("records")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (c.get("peer") != null) {
                peers.put((String) c.get("variant"), (String) c.get("peer"));
            }
            for (Object ro : (List<Object>) c.get("runs")) {
                Map<String, Object> r = (Map<String, Object>) ro;
                Wrk.Outcome w = new Wrk.Outcome(d(r, "duration_s"), l(r, "requests"), l(r, "bytes"),
                        l(r, "errors_connect"), l(r, "errors_read"), l(r, "errors_write"), l(r, "errors_status"),
                        l(r, "errors_timeout"), d(r, "p50_ms"), d(r, "p90_ms"), d(r, "p99_ms"), d(r, "max_ms"),
                        d(r, "client_cpu_s"), (int) l(r, "wrk_threads"));
                runs.add(new RunRecord((String) c.get("variant"), (String) c.get("family"), (String) c.get("protocol"),
                        (String) c.get("cache"), (String) c.get("storage"), (int) d(c, "connections"),
                        (int) l(r, "round"), w, d(r, "server_cpu_s"), d(r, "server_jit_cpu_s"), l(r, "server_read_bytes"),
                        d(r, "page_cache_growth_mib"), d(r, "server_page_cache_mib"),
                        new HostStats.Shares(d(r, "softirq_share"), d(r, "host_busy_share"), d(r, "steal_share")),
                        d(r, "load1"), new ClientKernel.Usage(d(r, "client_zero_window_adverts"),
                        d(r, "client_tcp_mem_mib"))));
            }
        }
        List<CellSummary> cells = CellSummary.summarise(runs, peers);
        int rounds = runs.stream().mapToInt(RunRecord::round).max().orElse(0);
        String commit = String.valueOf(doc.get("commit"));
        return Plots.write(json.toAbsolutePath().getParent(), cells, doc.get("date") + ", commit " + commit
                + ", " + cores(String.valueOf(doc.get("machine"))) + " cores shared by client and server; median and "
                + "min–max of " + rounds + " round(s)");
    }

    private static String cores(String machine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) cores").matcher(machine);
        return m.find() ? m.group(1) : "?";
    }

    private static double d(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? Double.NaN : (Double) v;
    }

    private static long l(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? 0 : ((Double) v).longValue();
    }
}

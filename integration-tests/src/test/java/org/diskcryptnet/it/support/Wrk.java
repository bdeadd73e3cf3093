package org.diskcryptnet.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** wrk as the load peer: a script that asks for a list of paths in turn, and the checks every run of it gets. */
public final class Wrk {

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in [\\d.]+\\w+, ([\\d.]+)(\\w+) read");

    private Wrk() {
    }

    /** Writes a wrk script to {@code file} that requests {@code paths} (each starting with /) round-robin. */
    public static Path roundRobin(Path file, List<String> paths) throws IOException {
        StringBuilder lua = new StringBuilder("local paths = {");
        for (String p : paths) {
            lua.append('"').append(p).append("\",");
        }
        lua.append("}\nlocal n = 0\nrequest = function()\n  n = n + 1\n"
                + "  return wrk.format(\"GET\", paths[(n % #paths) + 1])\nend\n");
        return Files.writeString(file, lua);
    }

    /**
     * Checks a run's report: exit 0, no socket error, no status outside 2xx and 3xx, more than {@code minRequests}
     * requests, and at least {@code share} of {@code meanBody} bytes read per completed request (wrk counts headers
     * and bodies, so every completed body was read whole). Returns the report.
     */
    public static String assertClean(Proc.Result wrk, long minRequests, double meanBody, double share) {
        assertEquals(0, wrk.exit(), wrk.toString());
        String out = wrk.out();
        assertFalse(out.contains("Non-2xx or 3xx responses"), out);
        assertFalse(out.contains("Socket errors"), out);
        Matcher m = REQUESTS.matcher(out);
        assertTrue(m.find(), out);
        long requests = Long.parseLong(m.group(1));
        assertTrue(requests > minRequests, out);
        double read = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
            case "GB" -> 1e9 * 1.073741824;
            case "MB" -> 1e6 * 1.048576;
            case "KB" -> 1e3 * 1.024;
            default -> 1;
        };
        assertTrue(read >= requests * meanBody * share, "bodies read: " + out);
        return out;
    }
}

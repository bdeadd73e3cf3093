package org.diskcryptnet.origin.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the process's open-file limit (RLIMIT_NOFILE) covers {@code server.max_connections}. On kernel sockets
 * a connection holds a descriptor, and one more while a file is being sent to it; on the userspace stack only the
 * file's. Past the limit, accepts fail and lookups answer 503, so the start-up message says so before that happens.
 */
final class OpenFileBudget {

    /** Descriptors held whatever the load: the JVM's jars and libraries, listeners, epoll, io_uring, the log. */
    static final int BASE = 256;

    private OpenFileBudget() {}

    static long needed(int maxConnections, boolean kernelSockets) {
        return (long) maxConnections * (kernelSockets ? 2 : 1) + BASE;
    }

    /** The soft limit on open files, from {@code /proc/self/limits}; -1 if unlimited or unknown. */
    static long currentLimit() {
        try {
            return softLimit(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The soft limit of the "Max open files" line of a {@code /proc/PID/limits} text; -1 if unlimited or absent. */
    static long softLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
            }
        }
        return -1;
    }

    /** A warning for the start-up message, or null when {@code limit} (-1: none) covers the connections. */
    static String warning(int maxConnections, boolean kernelSockets, long limit) {
        long needed = needed(maxConnections, kernelSockets);
        if (limit < 0 || needed <= limit) {
            return null;
        }
        return String.format("the open-file limit is %,d, and server.max_connections %,d may need %,d descriptors (%s, "
                        + "and about %d for the process itself). Past the limit, connections are not accepted and "
                        + "files are answered 503: raise the limit (ulimit -n, systemd LimitNOFILE=) or lower "
                        + "server.max_connections.", limit, maxConnections, needed,
                kernelSockets ? "a socket per connection and a file each being sent" : "a file per connection being "
                        + "sent; the userspace stack's connections hold none", BASE);
    }
}

package org.diskcryptnet.bench.system.variant;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One server configuration under test: how to start it, what it serves over, and which nginx variant it is judged
 * against. A new column of the benchmark (a transport, a storage path) is one more {@code Variant} in
 * {@link Variants#all}.
 */
public sealed interface Variant permits NginxVariant, OriginVariant {

    /** HTTP/1.1 in the clear, or over TLS 1.3 with AES-128-GCM. */
    enum Protocol {
        HTTP, HTTPS;

        public String scheme() {
            return this == HTTP ? "http" : "https";
        }
    }

    /** Unique, stable; used in tables, JSON, file names and {@code --variants}. */
    String name();

    /** {@code nginx} or {@code origin}. */
    String family();

    Protocol protocol();

    /**
     * True if the variant reads around the page cache (O_DIRECT): then warm and cold are the same experiment, and
     * it runs in the cold column only.
     */
    boolean bypassesPageCache();

    /** The nginx variant this one is compared with (ratios), or null for nginx itself. */
    String peer();

    /** One line for the report: what this variant is. */
    String summary();

    /** Writes what the server needs under {@code context.dir()} and says how to start it. */
    Launch prepare(Context context) throws IOException;

    /**
     * True if the server runs its own TCP/IP stack on a packet port: it is then reached on the testbed's second
     * veth pair, at the stack's own address, not the kernel's.
     */
    default boolean userspaceStack() {
        return false;
    }

    /**
     * Where and what a server is to serve.
     *
     * @param address         the address it listens on (the kernel's, or the userspace stack's own)
     * @param packetInterface the server namespace's interface of the second veth pair, which a userspace stack
     *                        takes whole (no kernel address on it)
     */
    record Context(Path contentRoot, String address, int port, Path dir, Path certificate, Path privateKey,
                   int cores, Path repoRoot, int fileLimit, String packetInterface) {}

    /** A server command line (run inside the server namespace), its environment, and its configuration as text. */
    record Launch(List<String> command, Map<String, String> environment, String configuration) {}
}

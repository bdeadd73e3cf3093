package org.diskcryptnet.bench.system.variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The diskcryptnet origin, started with {@code ./origin serve --config FILE}: one listener (HTTP or HTTPS), no admin
 * port, no access log (nginx runs with {@code access_log off} too), and every other setting at its default.
 *
 * @param transport {@code server.transport}: {@code epoll}, {@code nio}, or {@link #XDP} for the netmap transport
 *                  (issues 7/8) on AF_XDP over a veth pair of its own, every queue, one loop per queue;
 *                  {@link #PACKET} for the same stack on AF_PACKET there.
 * @param storage   {@code content.storage}: {@code buffered} (page cache, sendfile) or {@code direct} (O_DIRECT
 *                  through transport-diskmap). Where the origin refuses a value at start, the runner reports the
 *                  variant as "could not run" with the origin's own message.
 * @param eventLoops {@code server.event_loops}, 0 = one per core (the default).
 * @param serverSetup what the transport needs in the server namespace before the origin starts; empty for
 *                  kernel sockets.
 * @param settings  further settings as {@code key=value}, passed as {@code --set} (e.g.
 *                  {@code tls.record_layer=sslhandler}); {@code -Dkey=value} is a system property of the origin's
 *                  JVM instead (ORIGIN_JAVA_OPTS).
 */
public record OriginVariant(String name, String transport, String storage, Protocol protocol, int eventLoops,
                            String peer, List<String> serverSetup, List<String> settings) implements Variant {

    /** The transport value that puts the origin on its own TCP/IP stack over AF_XDP (the netmap transport). */
    public static final String XDP = "xdp";
    /** The same stack over AF_PACKET (TPACKET rings), which can take a virtio-net header (server.offloads). */
    public static final String PACKET = "packet";

    @Override
    public boolean userspaceStack() {
        return transport.equals(XDP) || transport.equals(PACKET);
    }

    @Override
    public String family() {
        return "origin";
    }

    @Override
    public boolean bypassesPageCache() {
        return storage.equals("direct");
    }

    @Override
    public String summary() {
        return "origin, transport " + transport + ", storage " + storage + ", " + protocol
                + (protocol == Protocol.HTTPS ? " (TLS 1.3 AES-128-GCM, the origin's own HTTPS path)" : "")
                + ", " + (eventLoops == 0 ? "one event loop per core" : eventLoops + " event loop(s)")
                + (settings.isEmpty() ? "" : ", " + String.join(", ", settings));
    }

    @Override
    public Launch prepare(Context c) throws IOException {
        Files.createDirectories(c.dir());
        String listener = c.address() + ":" + c.port();
        // on a packet port the stack owns its address: the interface is named, every queue used, one loop each
        String serverTransport = userspaceStack() ? transport + ":" + c.packetInterface() : transport;
        String stackAddress = userspaceStack() ? "  address: " + c.address() + "/24\n" : "";
        String yaml = """
            # %s
            content:
              root: %s
              storage: %s
            listen:
              http: %s
              https: %s
              admin: off
            %sserver:
              transport: %s
            %s  event_loops: %d
              max_connections: 65536
              drain_timeout: 1s
            access_log:
              path: off
            """.formatted(summary(), c.contentRoot(), storage,
                protocol == Protocol.HTTP ? listener : "off",
                protocol == Protocol.HTTPS ? listener : "off",
                protocol == Protocol.HTTPS ? "tls:\n  certificate: " + c.certificate() + "\n  private_key: "
                        + c.privateKey() + "\n  protocols: [TLSv1.3]\n" : "",
                serverTransport, stackAddress, eventLoops);
        Path file = c.dir().resolve("origin.yaml");
        Files.writeString(file, yaml);
        String launcher = c.repoRoot().resolve("origin").toString();
        String javaOpts = System.getenv().getOrDefault("DCNB_ORIGIN_JAVA_OPTS", "");
        List<String> command = new java.util.ArrayList<>(List.of(launcher, "serve", "--config", file.toString()));
        for (String s : settings) {
            if (s.startsWith("-D")) {
                javaOpts = (javaOpts + " " + s).strip();
            } else {
                command.add("--set");
                command.add(s);
            }
        }
        return new Launch(List.copyOf(command), javaOpts.isEmpty() ? Map.of() : Map.of("ORIGIN_JAVA_OPTS", javaOpts),
                (javaOpts.isEmpty() ? "" : "ORIGIN_JAVA_OPTS=\"" + javaOpts + "\" ") + String.join(" ", command)
                        + "\n\n" + yaml);
    }
}

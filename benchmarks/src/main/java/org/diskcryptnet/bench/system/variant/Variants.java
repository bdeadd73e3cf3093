package org.diskcryptnet.bench.system.variant;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.diskcryptnet.bench.system.variant.NginxVariant.Mode;
import org.diskcryptnet.bench.system.variant.Variant.Protocol;

/** Every variant the benchmark knows, and the default selection. The place where a new column plugs in. */
public final class Variants {

    private Variants() {}

    /**
     * All variants, in the order they run within a round (A B A B: each round runs every variant once per cell).
     * {@code cores} is the machine's: "as many workers as cores" and the origin's default of one loop per core.
     */
    public static List<Variant> all(int cores) {
        String wN = "-w" + cores;
        List<Variant> v = new ArrayList<>();
        v.add(new NginxVariant("nginx-sendfile-w1", Mode.SENDFILE, 1));
        v.add(new NginxVariant("nginx-sendfile" + wN, Mode.SENDFILE, cores));
        v.add(new NginxVariant("nginx-directio-w1", Mode.DIRECTIO, 1));
        v.add(new NginxVariant("nginx-directio" + wN, Mode.DIRECTIO, cores));
        v.add(new NginxVariant("nginx-directio-ob-w1", Mode.DIRECTIO_OB, 1));
        v.add(new NginxVariant("nginx-directio-ob" + wN, Mode.DIRECTIO_OB, cores));
        v.add(new NginxVariant("nginx-https-w1", Mode.HTTPS, 1));
        v.add(new NginxVariant("nginx-https" + wN, Mode.HTTPS, cores));
        v.add(new NginxVariant("nginx-https-directio" + wN, Mode.HTTPS_DIRECTIO, cores));

        // The origin runs one event loop per core, so its peer is nginx with one worker per core, same data path.
        v.add(origin("origin-epoll-buffered-http", "epoll", "buffered", Protocol.HTTP, "nginx-sendfile" + wN));
        v.add(origin("origin-epoll-buffered-https", "epoll", "buffered", Protocol.HTTPS, "nginx-https" + wN));
        v.add(origin("origin-epoll-direct-http", "epoll", "direct", Protocol.HTTP, "nginx-directio-ob" + wN));
        v.add(origin("origin-epoll-direct-https", "epoll", "direct", Protocol.HTTPS, "nginx-https-directio" + wN));
        v.add(origin("origin-nio-buffered-http", "nio", "buffered", Protocol.HTTP, "nginx-sendfile" + wN));
        v.add(origin("origin-nio-buffered-https", "nio", "buffered", Protocol.HTTPS, "nginx-https" + wN));
        v.add(new OriginVariant("origin-epoll-buffered-http-l1", "epoll", "buffered", Protocol.HTTP, 1,
                "nginx-sendfile-w1", List.of(), List.of()));
        // The origin's HTTPS through Netty's SslHandler instead of its in-place record layer (issue 5's baseline).
        v.add(new OriginVariant("origin-epoll-buffered-https-sslhandler", "epoll", "buffered", Protocol.HTTPS, 0,
                "nginx-https" + wN, List.of(), List.of("tls.record_layer=sslhandler")));

        // The netmap transport (issues 7/8): the origin's own TCP/IP stack on AF_XDP, over a second veth pair that
        // it takes whole (Testbed), one queue and one event loop per core. With direct storage, bodies go through
        // the Disk|Crypt|Net send path: read when TCP may send, sealed in place, re-read on loss.
        v.add(origin("origin-netmap-direct-http", OriginVariant.XDP, "direct", Protocol.HTTP, "nginx-directio-ob" + wN));
        v.add(origin("origin-netmap-direct-https", OriginVariant.XDP, "direct", Protocol.HTTPS,
                "nginx-https-directio" + wN));
        v.add(origin("origin-netmap-buffered-https", OriginVariant.XDP, "buffered", Protocol.HTTPS, "nginx-https" + wN));
        // The same path with every segment read on its own (network.disk_send.read_ahead=off): the read windows' A/B.
        v.add(new OriginVariant("origin-netmap-direct-https-per-segment", OriginVariant.XDP, "direct", Protocol.HTTPS,
                0, "nginx-https-directio" + wN, List.of(), List.of("network.disk_send.read_ahead=off")));
        // The read windows with an 8x budget (4 MiB a loop): windows are evicted unused at 100+ connections at 512 KiB.
        v.add(new OriginVariant("origin-netmap-direct-https-budget-4m", OriginVariant.XDP, "direct", Protocol.HTTPS,
                0, "nginx-https-directio" + wN, List.of(), List.of("network.disk_send.budget=4194304")));
        // The stack completing every TCP checksum itself instead of leaving it to the kernel (AF_XDP tx metadata).
        v.add(new OriginVariant("origin-netmap-direct-https-stack-checksums", OriginVariant.XDP, "direct",
                Protocol.HTTPS, 0, "nginx-https-directio" + wN, List.of(),
                List.of("-Dorg.diskcryptnet.xdp.txChecksumOffload=false")));
        // The same stack on AF_PACKET with a virtio-net header (server.offloads=on): the kernel cuts the stack's
        // segments of up to 64 KiB into MSS-sized ones (GSO), as a NIC with TSO would; AF_XDP has no such offload,
        // so this prices the per-frame cost that copy-mode AF_XDP over veth pays.
        v.add(new OriginVariant("origin-packet-offloads-direct-https", OriginVariant.PACKET, "direct",
                Protocol.HTTPS, 0, "nginx-https-directio" + wN, List.of(), List.of("server.offloads=on")));
        return List.copyOf(v);
    }

    private static Variant origin(String name, String transport, String storage, Protocol p, String peer) {
        return new OriginVariant(name, transport, storage, p, 0, peer, List.of(), List.of());
    }

    /** The default selection (patterns; {@code N} = cores): what the issue asks to compare. */
    public static final List<String> DEFAULTS = List.of(
            "nginx-sendfile-w1", "nginx-sendfile-wN", "nginx-directio-wN", "nginx-directio-ob-w1",
            "nginx-directio-ob-wN", "nginx-https-w1", "nginx-https-wN", "nginx-https-directio-wN",
            "origin-epoll-buffered-http", "origin-epoll-buffered-https",
            "origin-epoll-direct-http", "origin-epoll-direct-https");

    /**
     * The variants whose names match any of {@code patterns} ({@code *} wildcards, {@code wN} = one worker per
     * core), in {@link #all} order, plus the nginx peers of the selected origin variants so that every ratio has its
     * denominator. Throws with the known names if a pattern matches nothing.
     */
    public static List<Variant> select(List<String> patterns, int cores) {
        List<Variant> all = all(cores);
        Set<String> chosen = new LinkedHashSet<>();
        for (String p : patterns) {
            String glob = p.replace("wN", "w" + cores);
            Pattern re = Pattern.compile(("\\Q" + glob + "\\E").replace("*", "\\E.*\\Q"));
            boolean any = false;
            for (Variant v : all) {
                if (re.matcher(v.name()).matches()) {
                    chosen.add(v.name());
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException("no variant matches \"" + p + "\"; known: "
                        + String.join(", ", all.stream().map(Variant::name).toList()));
            }
        }
        for (Variant v : all) {
            if (chosen.contains(v.name()) && v.peer() != null) {
                chosen.add(v.peer());
            }
        }
        return all.stream().filter(v -> chosen.contains(v.name())).toList();
    }
}

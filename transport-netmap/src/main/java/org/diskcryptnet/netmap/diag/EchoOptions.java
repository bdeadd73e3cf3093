package org.diskcryptnet.netmap.diag;

import java.util.List;
import java.util.Locale;

import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.tcp.TcpConfig;

/**
 * The command line of {@code origin echo}: which port, which address, which TCP port, which mode, and optional
 * fault injection.
 *
 * @param port        the port URI ({@code xdp:IF[@queue]}, {@code packet:IF}, {@code tap:NAME}, {@code netmap:IF})
 * @param address     our IPv4 address with prefix, e.g. {@code 198.18.0.2/24}
 * @param listenPort  the TCP port to listen on
 * @param mode        echo, sink (discard) or source (chargen)
 * @param sourceBytes source mode: bytes sent on each connection before the FIN; 0 = until the client closes
 * @param faults      the fault injector's spec ({@code loss=0.05,reorder=0.05,dup=0.01,seed=1}), or null
 * @param portOptions ring size, XDP mode, offloads
 * @param seconds     stop after this many seconds; 0 = until SIGINT/SIGTERM
 * @param quiet       no per-second lines (a summary at the end still)
 * @param tcp         the stack's settings: SYN backlog and SYN cookies from the command line, the rest defaults
 */
public record EchoOptions(PortUri port, String address, int listenPort, Mode mode, long sourceBytes, String faults,
                          PortOptions portOptions, int seconds, boolean quiet, TcpConfig tcp) {

    /** What the server does with a connection. */
    public enum Mode {
        /** Send back every byte received; close after the client's FIN and the last byte echoed. */
        ECHO,
        /** Read and drop (RFC 863 discard). */
        SINK,
        /** Send a chargen pattern (RFC 864) produced on demand, never buffered; read and drop input. */
        SOURCE
    }

    static final String USAGE = """
            Usage: origin echo --port URI --address A.B.C.D/N --listen PORT [options]
              --port URI            xdp:IF[@queue] | packet:IF | tap:NAME | netmap:IF
              --address A.B.C.D/N   the stack's own address (the kernel on that link must not own it)
              --listen PORT         TCP port to serve
              --mode echo|sink|source          (default echo)
              --bytes N             source: bytes per connection, then FIN (default 0: until the client closes)
              --faults SPEC         inject faults on the port: loss=P,reorder=P,dup=P,corrupt=P,seed=N
              --ring N              slots per ring (power of two, default 1024)
              --offloads            tap:, packet: checksum offload and large segments (GSO) both ways
              --xdp-mode auto|native|generic   (default auto)
              --syn-backlog N       half-open connections before SYN cookies are sent (default 1024)
              --syn-cookies auto|always|never  (default auto: beyond the SYN backlog)
              --seconds N           stop after N seconds (default: run until SIGINT or SIGTERM)
              --quiet               no per-second lines
            Prints one line of counters per second.
            """;

    /** Parses the arguments after {@code echo}; IllegalArgumentException with a message fit for the user. */
    public static EchoOptions parse(List<String> args) {
        PortUri port = null;
        String address = null;
        int listen = -1;
        Mode mode = Mode.ECHO;
        long bytes = 0;
        String faults = null;
        PortOptions options = PortOptions.defaults();
        int seconds = 0;
        boolean quiet = false;
        TcpConfig.Builder tcp = TcpConfig.builder();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (flag.equals("--offloads")) {
                // a virtio-net header on every frame: partial checksums and large segments both ways
                options = options.withOffloads(true);
                continue;
            }
            if (flag.equals("--quiet")) {
                quiet = true;
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                value = args.get(++i);
            }
            switch (flag) {
                case "--port" -> port = PortUri.parse(value);
                case "--address" -> address = value;
                case "--listen" -> listen = number(flag, value, 1, 65535);
                case "--mode" -> {
                    try {
                        mode = Mode.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--mode is echo, sink or source, not \"" + value + "\"");
                    }
                }
                case "--bytes" -> bytes = longNumber(flag, value);
                case "--faults" -> faults = value;
                case "--ring" -> options = options.withRingSize(number(flag, value, 8, 65536));
                case "--xdp-mode" -> {
                    try {
                        options = options.withXdpMode(PortOptions.XdpMode.valueOf(value.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--xdp-mode is auto, native or generic, not \"" + value + "\"");
                    }
                }
                case "--syn-backlog" -> tcp.synBacklog(number(flag, value, 0, 1 << 20));
                case "--syn-cookies" -> {
                    try {
                        tcp.synCookies(TcpConfig.SynCookies.valueOf(value.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--syn-cookies is auto, always or never, not \"" + value + "\"");
                    }
                }
                case "--seconds" -> seconds = number(flag, value, 1, Integer.MAX_VALUE);
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (port == null || address == null || listen < 0) {
            throw new IllegalArgumentException("--port, --address and --listen are required");
        }
        if (port.kind() == PortUri.Kind.PIPE) {
            throw new IllegalArgumentException("a pipe: port has no other end outside this process; use xdp:, packet:, tap: or netmap:");
        }
        if (options.offloads() && port.kind() != PortUri.Kind.TAP && port.kind() != PortUri.Kind.PACKET) {
            // AF_XDP and netmap frames carry no virtio-net header to describe a partial checksum or a segment size
            throw new IllegalArgumentException("--offloads is for tap: and packet: ports (virtio-net header), not "
                    + port.kind().name().toLowerCase(Locale.ROOT) + ":");
        }
        if (bytes != 0 && mode != Mode.SOURCE) {
            throw new IllegalArgumentException("--bytes is for --mode source");
        }
        return new EchoOptions(port, address, listen, mode, bytes, faults, options, seconds, quiet, tcp.build());
    }

    private static int number(String flag, String value, int min, int max) {
        long n = longNumber(flag, value);
        if (n < min || n > max) {
            throw new IllegalArgumentException(flag + " " + value + " is outside " + min + ".." + max);
        }
        return (int) n;
    }

    private static long longNumber(String flag, String value) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a non-negative number, not \"" + value + "\"");
        }
    }
}

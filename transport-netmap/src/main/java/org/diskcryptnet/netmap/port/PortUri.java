package org.diskcryptnet.netmap.port;

import java.util.Locale;

/**
 * The name of a port, as the configuration and {@code ./origin echo --port} take it:
 * {@code xdp:IF[@queue]}, {@code packet:IF}, {@code tap:NAME}, {@code netmap:IF}, {@code pipe:NAME}; netmap pipes
 * are <code>netmap:NAME&#123;N</code> (master end) and <code>netmap:NAME&#125;N</code> (slave end), as netmap itself names them.
 *
 * @param kind      the backend
 * @param name      interface, TAP device or pipe name
 * @param queue     the first hardware queue to bind ({@code xdp:} only; 0 otherwise)
 */
public record PortUri(Kind kind, String name, int queue) {

    public enum Kind { NETMAP, XDP, PACKET, TAP, PIPE }

    public static PortUri parse(String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0 || colon == uri.length() - 1) {
            throw new IllegalArgumentException("\"" + uri + "\" is not a port URI: xdp:IF[@queue], packet:IF, tap:NAME, netmap:IF or pipe:NAME");
        }
        Kind kind;
        try {
            kind = Kind.valueOf(uri.substring(0, colon).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + uri + "\": unknown port kind \"" + uri.substring(0, colon)
                    + "\" (xdp, packet, tap, netmap, pipe)");
        }
        String rest = uri.substring(colon + 1);
        int queue = 0;
        int at = rest.indexOf('@');
        if (at >= 0) {
            if (kind != Kind.XDP) {
                throw new IllegalArgumentException("\"" + uri + "\": only xdp: ports take @queue");
            }
            try {
                queue = Integer.parseInt(rest.substring(at + 1));
            } catch (NumberFormatException e) {
                queue = -1;
            }
            if (queue < 0) {
                throw new IllegalArgumentException("\"" + uri + "\": the queue after @ must be a number");
            }
            rest = rest.substring(0, at);
        }
        if (kind == Kind.NETMAP) {
            // netmap names: an interface, a VALE port (valeX:Y) or a pipe end NAME{N (master) / NAME}N (slave);
            // NETMAP_REQ_IFNAMSIZ is 64 including the NUL (net/netmap.h)
            if (rest.isEmpty() || rest.length() > 63 || !rest.matches("[A-Za-z0-9_.:-]+([{}][0-9]+)?")) {
                throw new IllegalArgumentException("\"" + uri + "\": \"" + rest + "\" is not a netmap port name "
                        + "(IF, valeX:Y, or a pipe end NAME{N / NAME}N; at most 63 characters)");
            }
        } else if (rest.isEmpty() || rest.length() > 15 || !rest.matches("[A-Za-z0-9_.:-]+")) {
            // IFNAMSIZ is 16 including the NUL (linux/if.h)
            throw new IllegalArgumentException("\"" + uri + "\": \"" + rest + "\" is not an interface name (1-15 of A-Z a-z 0-9 _ . - :)");
        }
        return new PortUri(kind, rest, queue);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + name + (kind == Kind.XDP && queue != 0 ? "@" + queue : "");
    }
}

package org.diskcryptnet.netmap.port;

import org.diskcryptnet.netmap.port.netmap.Netmap;
import org.diskcryptnet.netmap.port.netmap.NetmapPort;
import org.diskcryptnet.netmap.port.packet.AfPacket;
import org.diskcryptnet.netmap.port.packet.AfPacketPort;
import org.diskcryptnet.netmap.port.tap.Tap;
import org.diskcryptnet.netmap.port.tap.TapPort;
import org.diskcryptnet.netmap.port.xdp.Xdp;
import org.diskcryptnet.netmap.port.xdp.XdpPort;

/**
 * Opens a port by its URI, and says which kinds this machine can open (each backend's probe, like Netty's
 * {@code Epoll.isAvailable()}). Kernel ports are opened in the calling thread's network namespace.
 */
public final class Ports {

    private Ports() {}

    /**
     * Opens {@code uri} with {@code options}.
     *
     * @throws PortException with a {@link PortException.Reason} and a message naming the cure: no such interface,
     *                       missing privilege, missing kernel support (e.g. "netmap module not loaded"), busy device
     */
    public static PacketPort open(PortUri uri, PortOptions options) {
        return switch (uri.kind()) {
            case XDP -> XdpPort.open(uri, options);
            case PACKET -> AfPacketPort.open(uri, options);
            case TAP -> TapPort.open(uri, options);
            case NETMAP -> NetmapPort.open(uri, options);
            case PIPE -> openPipe(uri, options);
        };
    }

    /** Parses and opens, e.g. {@code Ports.open("xdp:eth0@2", options)}. */
    public static PacketPort open(String uri, PortOptions options) {
        return open(PortUri.parse(uri), options);
    }

    /** The first open of a pipe name makes the pipe and returns one end, the second returns the other. */
    private static PacketPort openPipe(PortUri uri, PortOptions options) {
        return org.diskcryptnet.netmap.port.pipe.PipePort.open(uri);
    }

    /** Whether ports of {@code kind} can be opened on this machine. */
    public static boolean isAvailable(PortUri.Kind kind) {
        return unavailabilityCause(kind) == null;
    }

    /** Why ports of {@code kind} cannot be opened here, or null if they can. */
    public static Throwable unavailabilityCause(PortUri.Kind kind) {
        return switch (kind) {
            case XDP -> Xdp.unavailabilityCause();
            case PACKET -> AfPacket.unavailabilityCause();
            case TAP -> Tap.unavailabilityCause();
            case NETMAP -> Netmap.unavailabilityCause();
            case PIPE -> null;
        };
    }
}

package org.diskcryptnet.netmap.port.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortException.Reason;

/**
 * A network interface as the ports need to know it, looked up in the network namespace of the calling thread
 * (socket ioctls act in the namespace of the socket, which is that of the thread that made it).
 *
 * @param name     the interface name
 * @param index    ifindex
 * @param mac      hardware address (6 bytes for Ethernet)
 * @param mtu      MTU in bytes
 * @param up       IFF_UP is set
 * @param rxQueues rx queues (ethtool channels; 1 where the driver does not say)
 * @param txQueues tx queues (likewise)
 */
public record NetDevice(String name, int index, byte[] mac, int mtu, boolean up, int rxQueues, int txQueues) {

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;

    /** Looks {@code name} up; {@link Reason#NO_SUCH_INTERFACE} if there is none in this namespace. */
    public static NetDevice lookup(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            int fd = Errno.check(Libc.socket(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), state, "socket(AF_INET)");
            try {
                MemorySegment ifr = IfReq.allocate(arena, name);
                if (Libc.ioctl(state, fd, IfReq.SIOCGIFINDEX, ifr) < 0) {
                    int errno = Libc.errno(state);
                    if (errno == Errno.ENODEV) {
                        throw new PortException(Reason.NO_SUCH_INTERFACE,
                                "no such interface \"" + name + "\" in this network namespace", errno);
                    }
                    throw Errno.failure("SIOCGIFINDEX " + name, errno);
                }
                int index = IfReq.intValue(ifr);
                Errno.check(Libc.ioctl(state, fd, IfReq.SIOCGIFMTU, ifr), state, "SIOCGIFMTU " + name);
                int mtu = IfReq.intValue(ifr);
                Errno.check(Libc.ioctl(state, fd, IfReq.SIOCGIFHWADDR, ifr), state, "SIOCGIFHWADDR " + name);
                byte[] mac = IfReq.hardwareAddress(ifr);
                Errno.check(Libc.ioctl(state, fd, IfReq.SIOCGIFFLAGS, ifr), state, "SIOCGIFFLAGS " + name);
                boolean up = (IfReq.flags(ifr) & IfReq.IFF_UP) != 0;

                int rx = 1, tx = 1;
                MemorySegment channels = arena.allocate(Ethtool.CHANNELS);
                Ethtool.CMD.set(channels, 0L, Ethtool.ETHTOOL_GCHANNELS);
                IfReq.data(ifr, channels);
                if (Libc.ioctl(state, fd, IfReq.SIOCETHTOOL, ifr) == 0) {
                    int combined = (int) Ethtool.COMBINED_COUNT.get(channels, 0L);
                    rx = Math.max(1, (int) Ethtool.RX_COUNT.get(channels, 0L) + combined);
                    tx = Math.max(1, (int) Ethtool.TX_COUNT.get(channels, 0L) + combined);
                } // EOPNOTSUPP: the driver does not count its queues (tun, lo); one each
                return new NetDevice(name, index, mac, mtu, up, rx, tx);
            } finally {
                Libc.close(state, fd);
            }
        }
    }

    public String macText() {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }
}

package org.diskcryptnet.netmap.port.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct ifreq} (linux/if.h) and the socket ioctls that use it (linux/sockios.h): the interface name
 * followed by a 24-byte union of which the ports use the index, the MTU, the flags, the hardware address and
 * the data pointer.
 */
public final class IfReq {

    /** IFNAMSIZ: 15 characters and the NUL. */
    public static final int NAME_SIZE = 16;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(NAME_SIZE, JAVA_BYTE).withName("ifr_name"),
            MemoryLayout.unionLayout(
                    JAVA_INT.withName("ifr_ifindex"),
                    JAVA_SHORT.withName("ifr_flags"),
                    MemoryLayout.structLayout(JAVA_SHORT.withName("sa_family"),
                            MemoryLayout.sequenceLayout(14, JAVA_BYTE).withName("sa_data")).withName("ifr_hwaddr"),
                    JAVA_LONG.withName("ifr_data"),
                    MemoryLayout.sequenceLayout(24, JAVA_BYTE).withName("ifr_map")).withName("ifr_ifru"));

    private static final long UNION = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("ifr_ifru"));
    private static final long HWADDR_DATA = UNION + 2;

    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCGIFMTU = 0x8921;
    public static final long SIOCGIFHWADDR = 0x8927;
    public static final long SIOCGIFINDEX = 0x8933;
    public static final long SIOCETHTOOL = 0x8946;

    /** IFF_UP in ifr_flags (linux/if.h). */
    public static final int IFF_UP = 0x1;

    private IfReq() {}

    public static MemorySegment allocate(Arena arena, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= NAME_SIZE) {
            throw new IllegalArgumentException("interface name longer than 15 characters: " + name);
        }
        MemorySegment ifr = arena.allocate(LAYOUT);
        MemorySegment.copy(bytes, 0, ifr, JAVA_BYTE, 0, bytes.length);
        return ifr;
    }

    public static String name(MemorySegment ifr) {
        return ifr.getString(0, StandardCharsets.US_ASCII);
    }

    public static int intValue(MemorySegment ifr) {
        return ifr.get(JAVA_INT, UNION);
    }

    public static short flags(MemorySegment ifr) {
        return ifr.get(JAVA_SHORT, UNION);
    }

    public static void flags(MemorySegment ifr, short flags) {
        ifr.set(JAVA_SHORT, UNION, flags);
    }

    public static void data(MemorySegment ifr, MemorySegment data) {
        ifr.set(JAVA_LONG, UNION, data.address());
    }

    public static byte[] hardwareAddress(MemorySegment ifr) {
        byte[] mac = new byte[6];
        MemorySegment.copy(ifr, JAVA_BYTE, HWADDR_DATA, mac, 0, 6);
        return mac;
    }
}

package org.diskcryptnet.netmap.port.tap;

/**
 * The TUN/TAP ABI (linux/if_tun.h, Documentation/networking/tuntap.rst): the ioctls on {@code /dev/net/tun}, the
 * ifreq flags of TUNSETIFF, and the offload bits of TUNSETOFFLOAD. The ifreq itself is
 * {@link org.diskcryptnet.netmap.port.linux.IfReq}; the per-frame header is
 * {@link org.diskcryptnet.netmap.port.linux.VirtioNetHdr}.
 */
final class TunAbi {

    static final String DEVICE = "/dev/net/tun";

    // _IOW('T', n, int) = 0x40000000 | 4 << 16 | 'T' << 8 | n
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final long TUNGETFEATURES = 0x800454cfL;

    static final short IFF_TAP = 0x0002;
    static final short IFF_MULTI_QUEUE = 0x0100;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;

    /** "You can hand me unchecksummed packets", and large TCP segments over IPv4, IPv6, with ECN. */
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_TSO_ECN = 0x08;

    private TunAbi() {}
}

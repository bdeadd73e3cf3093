package org.diskcryptnet.netmap.port.testbed;

import java.nio.ByteBuffer;

/**
 * Hand-built Ethernet, ARP (RFC 826), IPv4 (RFC 791) and ICMP echo (RFC 792) frames for the port tests, which run
 * without the userspace stack. Test code: simple and allocating.
 */
public final class Frames {

    public static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    public static final int ETH_ARP = 0x0806, ETH_IPV4 = 0x0800;

    private Frames() {}

    public static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 | Integer.parseInt(p[3]);
    }

    public static byte[] arp(int op, byte[] srcMac, int srcIp, byte[] dstMac, int dstIp) {
        ByteBuffer b = ByteBuffer.allocate(60); // padded to the Ethernet minimum
        b.put(op == 1 ? BROADCAST : dstMac).put(srcMac).putShort((short) ETH_ARP);
        b.putShort((short) 1).putShort((short) ETH_IPV4).put((byte) 6).put((byte) 4).putShort((short) op);
        b.put(srcMac).putInt(srcIp).put(op == 1 ? new byte[6] : dstMac).putInt(dstIp);
        return b.array();
    }

    /** An ICMP echo request (type 8) or reply (type 0) with correct IPv4 and ICMP checksums. */
    public static byte[] icmpEcho(int type, byte[] srcMac, byte[] dstMac, int srcIp, int dstIp, int id, int seq, byte[] payload) {
        int icmpLength = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + 20 + icmpLength));
        b.put(dstMac).put(srcMac).putShort((short) ETH_IPV4);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + icmpLength)).putShort((short) seq).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 1).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        b.putShort(ip + 10, (short) checksum(b.array(), ip, 20));
        int icmp = b.position();
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(payload);
        b.putShort(icmp + 2, (short) checksum(b.array(), icmp, icmpLength));
        return b.array();
    }

    public static int checksum(byte[] a, int offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((a[offset + i] & 0xFF) << 8) | (a[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            sum += (a[offset + length - 1] & 0xFF) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    public static int etherType(byte[] f) {
        return f.length < 14 ? -1 : u16(f, 12);
    }

    public static byte[] srcMac(byte[] f) {
        return java.util.Arrays.copyOfRange(f, 6, 12);
    }

    public static int arpOp(byte[] f) {
        return u16(f, 20);
    }

    public static int arpSenderIp(byte[] f) {
        return ByteBuffer.wrap(f).getInt(28);
    }

    public static int arpTargetIp(byte[] f) {
        return ByteBuffer.wrap(f).getInt(38);
    }

    public static int ipProtocol(byte[] f) {
        return f[14 + 9] & 0xFF;
    }

    public static int ipSource(byte[] f) {
        return ByteBuffer.wrap(f).getInt(14 + 12);
    }

    public static int ipDestination(byte[] f) {
        return ByteBuffer.wrap(f).getInt(14 + 16);
    }

    public static int ipHeaderLength(byte[] f) {
        return (f[14] & 0x0F) * 4;
    }

    public static int ipTotalLength(byte[] f) {
        return u16(f, 16);
    }

    public static int icmpType(byte[] f) {
        return f[14 + ipHeaderLength(f)] & 0xFF;
    }

    public static int icmpSequence(byte[] f) {
        return u16(f, 14 + ipHeaderLength(f) + 6);
    }

    public static boolean ipChecksumOk(byte[] f) {
        return checksum(f, 14, ipHeaderLength(f)) == 0;
    }

    public static int u16(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }
}

package org.diskcryptnet.netmap.port.testbed;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Hand-built IPv4 TCP segments (RFC 791, RFC 9293 section 3.1) for the offload tests of the ports, which must
 * show a kernel TCP peer accepting partial checksums and large segments without the userspace stack.
 */
public final class TinyTcp {

    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

    private TinyTcp() {}

    /**
     * One Ethernet frame with an IPv4 TCP segment. With {@code partial}, the TCP checksum field holds only the
     * folded pseudo-header sum, as Linux leaves it for a device with checksum offload (CHECKSUM_PARTIAL).
     */
    public static byte[] segment(byte[] srcMac, byte[] dstMac, int srcIp, int dstIp, int srcPort, int dstPort,
                                 long seq, long ack, int flags, byte[] payload, boolean partial) {
        int tcpLength = 20 + payload.length;
        int ipLength = 20 + tcpLength;
        ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + ipLength));
        b.put(dstMac).put(srcMac).putShort((short) Frames.ETH_IPV4);
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        b.putShort(24, (short) Frames.checksum(b.array(), 14, 20));
        b.putShort((short) srcPort).putShort((short) dstPort).putInt((int) seq).putInt((int) ack)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        b.put(payload);
        long pseudo = pseudoHeaderSum(srcIp, dstIp, tcpLength);
        int check;
        if (partial) {
            long s = pseudo;
            while ((s >> 16) != 0) {
                s = (s & 0xFFFF) + (s >> 16);
            }
            check = (int) s;
        } else {
            check = fold(pseudo + sum(b.array(), 34, tcpLength));
        }
        b.putShort(34 + 16, (short) check);
        return b.array();
    }

    public static boolean checksumOk(byte[] f) {
        int ihl = Frames.ipHeaderLength(f);
        int tcpLength = Frames.ipTotalLength(f) - ihl;
        long s = pseudoHeaderSum(Frames.ipSource(f), Frames.ipDestination(f), tcpLength) + sum(f, 14 + ihl, tcpLength);
        return fold(s) == 0;
    }

    public static boolean isTcp(byte[] f) {
        return Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 6;
    }

    public static int flags(byte[] f) {
        return f[14 + Frames.ipHeaderLength(f) + 13] & 0xFF;
    }

    public static long seq(byte[] f) {
        return ByteBuffer.wrap(f).getInt(14 + Frames.ipHeaderLength(f) + 4) & 0xFFFF_FFFFL;
    }

    /**
     * Where the bytes after {@code next} (a 32-bit sequence number) start in segment {@code f}'s {@code length} bytes
     * of payload, or -1 if it holds none (empty, all old, or beyond {@code next}). Modulo 2^32 (RFC 9293 section
     * 3.4): an ISN within a transfer's length of 2^32 wraps. A retransmission may begin before {@code next}.
     */
    public static int newFrom(byte[] f, int length, long next) {
        int behind = (int) (next - seq(f)); // how far next lies past the segment's first byte
        return length > 0 && behind >= 0 && behind < length ? behind : -1;
    }

    public static long ack(byte[] f) {
        return ByteBuffer.wrap(f).getInt(14 + Frames.ipHeaderLength(f) + 8) & 0xFFFF_FFFFL;
    }

    public static int sourcePort(byte[] f) {
        return Frames.u16(f, 14 + Frames.ipHeaderLength(f));
    }

    public static byte[] payload(byte[] f) {
        int ihl = Frames.ipHeaderLength(f);
        int offset = 14 + ihl + ((f[14 + ihl + 12] >> 4) & 0x0F) * 4;
        return Arrays.copyOfRange(f, offset, 14 + Frames.ipTotalLength(f));
    }

    private static long pseudoHeaderSum(int src, int dst, int tcpLength) {
        return (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 6 + tcpLength;
    }

    private static long sum(byte[] a, int offset, int length) {
        long s = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            s += ((a[offset + i] & 0xFF) << 8) | (a[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            s += (a[offset + length - 1] & 0xFF) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >> 16) != 0) {
            s = (s & 0xFFFF) + (s >> 16);
        }
        return (int) (~s & 0xFFFF);
    }
}

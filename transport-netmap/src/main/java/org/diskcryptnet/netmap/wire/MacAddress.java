package org.diskcryptnet.netmap.wire;

/**
 * 48-bit Ethernet addresses held as the low 48 bits of a {@code long} (first octet most significant), so that
 * the data path compares and stores them without arrays.
 */
public final class MacAddress {

    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    public static final long NONE = 0;

    private MacAddress() {
    }

    public static long of(byte[] octets) {
        if (octets.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 octets, not " + octets.length);
        }
        long v = 0;
        for (byte b : octets) {
            v = v << 8 | (b & 0xFF);
        }
        return v;
    }

    public static byte[] toBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) mac;
            mac >>>= 8;
        }
        return b;
    }

    /** Parses {@code 02:00:00:00:00:01}. */
    public static long parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("\"" + text + "\" is not a MAC address (six hex octets separated by ':')");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("\"" + text + "\" is not a MAC address (six hex octets separated by ':')");
            }
            try {
                v = v << 8 | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not a MAC address (six hex octets separated by ':')");
            }
        }
        return v;
    }

    /** Multicast and broadcast addresses have the I/G bit (least significant bit of the first octet) set. */
    public static boolean isGroup(long mac) {
        return (mac >>> 40 & 1) != 0;
    }

    public static String format(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int o = (int) (mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(o >> 4, 16)).append(Character.forDigit(o & 15, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}

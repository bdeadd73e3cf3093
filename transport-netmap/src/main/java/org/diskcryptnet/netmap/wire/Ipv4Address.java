package org.diskcryptnet.netmap.wire;

/** IPv4 addresses held as an {@code int} (first octet most significant), and their text form. */
public final class Ipv4Address {

    public static final int ANY = 0;
    public static final int BROADCAST = 0xFFFF_FFFF;

    private Ipv4Address() {
    }

    /** Parses dotted-quad text, e.g. {@code 198.18.0.2}. */
    public static int parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address (a.b.c.d)");
        }
        int v = 0;
        for (String p : parts) {
            int o;
            try {
                o = p.isEmpty() || p.length() > 3 ? -1 : Integer.parseInt(p);
            } catch (NumberFormatException e) {
                o = -1;
            }
            if (o < 0 || o > 255) {
                throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address (a.b.c.d, each 0-255)");
            }
            v = v << 8 | o;
        }
        return v;
    }

    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    /** The netmask of a prefix length 0..32. */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not within 0..32");
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** 224.0.0.0/4 (RFC 5771). */
    public static boolean isMulticast(int address) {
        return (address >>> 28) == 0xE;
    }

    public static byte[] toBytes(int address) {
        return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
    }

    public static int of(byte[] octets) {
        if (octets.length != 4) {
            throw new IllegalArgumentException("an IPv4 address has 4 octets, not " + octets.length);
        }
        return (octets[0] & 0xFF) << 24 | (octets[1] & 0xFF) << 16 | (octets[2] & 0xFF) << 8 | (octets[3] & 0xFF);
    }
}

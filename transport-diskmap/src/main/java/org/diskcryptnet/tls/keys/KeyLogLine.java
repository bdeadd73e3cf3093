package org.diskcryptnet.tls.keys;

import java.util.Arrays;

/**
 * One line of the NSS key log format, as BoringSSL's key log callback hands it over:
 * {@code LABEL <client_random hex> <secret hex>}. Parsed straight from the callback's bytes, so the secret never
 * exists as a {@code String}.
 *
 * @param label        e.g. {@code CLIENT_TRAFFIC_SECRET_0}, {@code SERVER_TRAFFIC_SECRET_0}, {@code CLIENT_RANDOM}
 * @param clientRandom the 32-byte client random the line belongs to
 * @param secret       the secret; the caller zeroes it when done
 */
public record KeyLogLine(String label, byte[] clientRandom, byte[] secret) {

    /** TLS 1.3 client application traffic secret, generation 0. */
    public static final String CLIENT_TRAFFIC_SECRET_0 = "CLIENT_TRAFFIC_SECRET_0";
    /** TLS 1.3 server application traffic secret, generation 0. */
    public static final String SERVER_TRAFFIC_SECRET_0 = "SERVER_TRAFFIC_SECRET_0";
    /** TLS 1.2 master secret. */
    public static final String CLIENT_RANDOM = "CLIENT_RANDOM";

    /** The line, or null if it is not three space-separated fields of a label and two hex strings. */
    public static KeyLogLine parse(byte[] line) {
        int firstSpace = indexOf(line, 0);
        int secondSpace = firstSpace < 0 ? -1 : indexOf(line, firstSpace + 1);
        if (secondSpace < 0) {
            return null;
        }
        int end = line.length;
        while (end > secondSpace + 1 && (line[end - 1] == '\n' || line[end - 1] == '\r' || line[end - 1] == 0)) {
            end--;
        }
        byte[] random = hex(line, firstSpace + 1, secondSpace);
        byte[] secret = hex(line, secondSpace + 1, end);
        if (random == null || secret == null) {
            if (secret != null) {
                Arrays.fill(secret, (byte) 0);
            }
            return null;
        }
        char[] label = new char[firstSpace];
        for (int i = 0; i < firstSpace; i++) {
            label[i] = (char) (line[i] & 0xff);
        }
        return new KeyLogLine(new String(label), random, secret);
    }

    private static int indexOf(byte[] line, int from) {
        for (int i = from; i < line.length; i++) {
            if (line[i] == ' ') {
                return i;
            }
        }
        return -1;
    }

    private static byte[] hex(byte[] line, int from, int to) {
        int n = to - from;
        if (n <= 0 || (n & 1) != 0) {
            return null;
        }
        byte[] out = new byte[n / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(line[from + 2 * i], 16);
            int lo = Character.digit(line[from + 2 * i + 1], 16);
            if (hi < 0 || lo < 0) {
                Arrays.fill(out, (byte) 0);
                return null;
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }
}

package org.diskcryptnet.tls.netty;

import java.util.Arrays;

import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.FastThreadLocal;

import org.diskcryptnet.tls.keys.KeyLogLine;

/**
 * The secrets BoringSSL's key log callback delivers for one connection, from the callback to the takeover (the same
 * event-loop turn, microseconds later), then zeroed. Connections are found by their {@code SSL*} in a map owned by
 * the event loop's thread: the callback runs on the thread that drives the handshake, so no map is shared between
 * loops.
 */
final class KeyCapture {

    private static final FastThreadLocal<LongObjectHashMap<KeyCapture>> BY_SSL = new FastThreadLocal<>() {
        @Override
        protected LongObjectHashMap<KeyCapture> initialValue() {
            return new LongObjectHashMap<>();
        }
    };

    byte[] clientTrafficSecret;
    byte[] serverTrafficSecret;
    byte[] masterSecret;

    static void register(long ssl, KeyCapture capture) {
        BY_SSL.get().put(ssl, capture);
    }

    static void unregister(long ssl) {
        BY_SSL.get().remove(ssl);
    }

    /** The capture of the connection whose handshake this thread is running, or null. */
    static KeyCapture of(long ssl) {
        return BY_SSL.get().get(ssl);
    }

    /** Keeps the line's secret if it is one the record layer needs; zeroes it otherwise. */
    void accept(KeyLogLine line) {
        switch (line.label()) {
            case KeyLogLine.CLIENT_TRAFFIC_SECRET_0 -> clientTrafficSecret = replace(clientTrafficSecret, line.secret());
            case KeyLogLine.SERVER_TRAFFIC_SECRET_0 -> serverTrafficSecret = replace(serverTrafficSecret, line.secret());
            case KeyLogLine.CLIENT_RANDOM -> masterSecret = replace(masterSecret, line.secret());
            default -> Arrays.fill(line.secret(), (byte) 0);
        }
    }

    private static byte[] replace(byte[] old, byte[] now) {
        if (old != null) {
            Arrays.fill(old, (byte) 0);
        }
        return now;
    }

    void clear() {
        for (byte[] b : new byte[][] {clientTrafficSecret, serverTrafficSecret, masterSecret}) {
            if (b != null) {
                Arrays.fill(b, (byte) 0);
            }
        }
        clientTrafficSecret = serverTrafficSecret = masterSecret = null;
    }
}

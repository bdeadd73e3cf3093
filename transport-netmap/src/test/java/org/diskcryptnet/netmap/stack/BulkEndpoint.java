package org.diskcryptnet.netmap.stack;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpHandler;

/**
 * One side of a bulk transfer: sends {@code toSend} bytes of a seeded pseudo-random stream (then FIN) and
 * reads everything the peer sends until its FIN, hashing both directions with SHA-256.
 */
final class BulkEndpoint implements TcpHandler {

    private static final int CHUNK = 64 * 1024;

    private final long toSend;
    private final byte[] chunk = new byte[CHUNK];
    private final MemorySegment chunkSegment = MemorySegment.ofArray(chunk);
    private final byte[] in = new byte[CHUNK];
    private final MemorySegment inSegment = MemorySegment.ofArray(in);
    private final MessageDigest sentDigest;
    private final MessageDigest receivedDigest;
    private long state;
    private int chunkFill;
    private int chunkPos;
    long sent;
    long received;
    boolean inputDone;
    boolean outputDone;
    TcpCloseCause closed;
    TcpConnection connection;

    BulkEndpoint(long toSend, long seed) {
        this.toSend = toSend;
        this.state = seed * 0x9E3779B97F4A7C15L + 1;
        try {
            this.sentDigest = MessageDigest.getInstance("SHA-256");
            this.receivedDigest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private void refill() {
        int n = (int) Math.min(CHUNK, toSend - sent);
        for (int i = 0; i < n; i += 8) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            long v = state;
            for (int j = 0; j < 8 && i + j < n; j++) {
                chunk[i + j] = (byte) v;
                v >>>= 8;
            }
        }
        chunkFill = n;
        chunkPos = 0;
    }

    void pump(TcpConnection c) {
        connection = c;
        while (sent < toSend) {
            if (chunkPos == chunkFill) {
                refill();
            }
            int n = c.write(chunkSegment, chunkPos, chunkFill - chunkPos);
            if (n == 0) {
                return;
            }
            sentDigest.update(chunk, chunkPos, n);
            chunkPos += n;
            sent += n;
        }
        if (!outputDone) {
            outputDone = true;
            c.shutdownOutput();
        }
    }

    @Override
    public void connected(TcpConnection c) {
        pump(c);
    }

    @Override
    public void writable(TcpConnection c) {
        pump(c);
    }

    @Override
    public void readable(TcpConnection c) {
        int n;
        while ((n = c.read(inSegment, 0, CHUNK)) > 0) {
            receivedDigest.update(in, 0, n);
            received += n;
        }
        if (n < 0) {
            inputDone = true;
        }
    }

    @Override
    public void inputShutdown(TcpConnection c) {
        readable(c);
    }

    @Override
    public void closed(TcpConnection c, TcpCloseCause cause) {
        closed = cause;
    }

    boolean done() {
        return inputDone && outputDone;
    }

    String sentHash() {
        return HexFormat.of().formatHex(sentDigest.digest());
    }

    String receivedHash() {
        return HexFormat.of().formatHex(receivedDigest.digest());
    }
}

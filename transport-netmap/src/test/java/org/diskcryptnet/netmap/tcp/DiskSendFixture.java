package org.diskcryptnet.netmap.tcp;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.DiskReader;
import org.diskcryptnet.disk.DiskStats;
import org.diskcryptnet.disk.memory.Fault;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.netmap.datapath.DiskSendConfig;
import org.diskcryptnet.netmap.datapath.DiskSendPath;
import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.crypto.AeadEngines;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordProtection;
import org.diskcryptnet.tls.record.TlsAlertException;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send path's deterministic test bed: real TCP layers ({@link TcpTestbed}, time as an argument) over one loop's
 * {@link DiskSendPath} reading through the in-memory disk backend on the same clock. A loop iteration is: TCP
 * output, one batch of reads, the completions polled, TCP again.
 */
abstract class DiskSendFixture {

    static final int R = REMOTE_ISN + 1;
    static final int L = LOCAL_ISN + 1;
    static final int MSS = 1460;
    static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;
    static final byte[] SECRET = TcpTestbed.bytes(32, 77);

    @TempDir
    Path dir;

    final List<TcpTestbed> beds = new ArrayList<>();
    final Arena arena = Arena.ofConfined();
    /** Reads of files whose name starts with this fail (the in-memory backend's fault plan). */
    volatile String failing = "\0";
    /** Iterations whose batch left units that only reads in flight could let go. */
    int iterationsWaitingForReads;
    /** How long every read takes, in the TCP clock. */
    long readDelay;
    MemoryBackend backend;
    DiskReader reader;
    DiskSendPath path;

    @AfterEach
    void close() {
        beds.forEach(TcpTestbed::close);
        if (path != null) {
            path.close();
        }
        arena.close();
    }

    TcpTestbed bed() {
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().congestion(TcpConfig.Congestion.RENO)
                .sendBuffer(256 * 1024).build());
        if (!beds.isEmpty()) {
            b.now = beds.getFirst().now;
        }
        beds.add(b);
        return b;
    }

    /** The disk and the path; {@code memoryAlignment} 1 models a device that DMAs to any address. */
    void disk(DiskSendConfig config, int memoryAlignment) {
        backend = new MemoryBackend((file, offset, length, seq) -> file.path().getFileName().toString()
                .startsWith(failing) ? Fault.ioError() : Fault.delay(readDelay), 512, memoryAlignment, () -> beds.getFirst().now);
        DiskQueue queue = backend.newQueue(256);
        reader = new DiskReader(queue, new DiskStats("memory"));
        path = new DiskSendPath(reader, config);
    }

    DiskFile file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return backend.openFile(p);
    }

    /** One loop iteration over every connection of the loop. */
    void iterate() throws IOException {
        beds.forEach(TcpTestbed::settle);
        path.runBatch();
        if (path.waitsForReads()) {
            // the loop may sleep on it: units must be waiting, and a completion must be coming
            assertTrue(path.waitingUnits() > 0 && reader.inFlight() > 0, "waiting for reads, and none in flight");
            iterationsWaitingForReads++;
        }
        reader.poll();
        beds.forEach(TcpTestbed::settle);
    }

    void iterate(int times) throws IOException {
        for (int i = 0; i < times; i++) {
            iterate();
        }
    }

    /** The path of the paper: every unit (segment or record) read on its own, no read windows. */
    static DiskSendConfig perUnit(boolean directIntoFrames) {
        return DiskSendConfig.defaults(directIntoFrames).withReadAhead(DiskSendConfig.READ_AHEAD_OFF);
    }

    void advance(long millis) {
        beds.forEach(b -> b.advance(millis));
    }

    static final class Owner extends AbstractReferenceCounted {
        @Override
        protected void deallocate() {
        }

        @Override
        public ReferenceCounted touch(Object hint) {
            return this;
        }
    }

    static RecordProtection writeKey() {
        return RecordProtection.tls13(SUITE, AeadEngines.named("jdk"), SECRET.clone(), 0);
    }

    /** The byte stream the peer received: first copy of each sequence number. */
    /** Ten segments were sent, and they carry {@code content} from {@code from} on, one MSS each. */
    static void assertTenSegmentsOf(List<Seg> sent, byte[] content, int from) {
        assertEquals(10, sent.size());
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(Arrays.copyOfRange(content, from + i * MSS, from + (i + 1) * MSS), sent.get(i).payload);
        }
    }

    static byte[] stream(List<Seg> segments, int length) {
        return stream(segments, L, length);
    }

    static byte[] stream(List<Seg> segments, int firstSeq, int length) {
        byte[] out = new byte[length];
        boolean[] have = new boolean[length];
        for (Seg s : segments) {
            int at = s.seq - firstSeq;
            for (int i = 0; i < s.payload.length && at + i < length; i++) {
                if (!have[at + i]) {
                    out[at + i] = s.payload[i];
                    have[at + i] = true;
                }
            }
        }
        for (int i = 0; i < length; i++) {
            assertTrue(have[i], "byte " + i + " of the stream arrived");
        }
        return out;
    }

    /** Opens every record of {@code wire} in order and returns the plaintext. */
    byte[] open(byte[] wire) throws TlsAlertException {
        RecordProtection key = writeKey();
        try {
            MemorySegment m = arena.allocate(wire.length);
            MemorySegment.copy(wire, 0, m, ValueLayout.JAVA_BYTE, 0, wire.length);
            java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
            int at = 0;
            while (at < wire.length) {
                int length = RecordProtection.HEADER + (((wire[at + 3] & 0xff) << 8) | (wire[at + 4] & 0xff));
                long r = key.open(m, at, length);
                assertEquals(ContentType.APPLICATION_DATA, (int) (r >>> 32));
                int n = (int) r;
                byte[] bytes = m.asSlice(at + key.headerLength(), n).toArray(ValueLayout.JAVA_BYTE);
                plain.write(bytes, 0, n);
                at += length;
            }
            return plain.toByteArray();
        } finally {
            key.release();
        }
    }

    static int highest(List<Seg> segments, int from) {
        int h = from;
        for (Seg s : segments) {
            h = Math.max(h, s.seq + s.payload.length);
        }
        return h;
    }

    /**
     * Runs {@code steps} loop iterations 250 µs apart, every connection acknowledging all it has received, and checks
     * after each that the budget holds: what each connection (bed) received.
     */
    List<List<Seg>> runAcknowledgingWithinBudget(int steps) throws IOException {
        List<List<Seg>> received = new ArrayList<>();
        beds.forEach(b -> received.add(new ArrayList<>()));
        for (int step = 0; step < steps; step++) {
            iterate();
            assertTrue(path.counters().budgetInUse <= path.config().budgetBytes(),
                    "step " + step + ": " + path.counters().budgetInUse);

            for (int i = 0; i < beds.size(); i++) {
                List<Seg> got = beds.get(i).recv();
                received.get(i).addAll(got);
                if (!got.isEmpty()) {
                    beds.get(i).send(in().seq(R).ack(highest(got, L)).win(WINDOW));
                }
            }
            advanceNanos(TimeUnit.MICROSECONDS.toNanos(250));
        }
        return received;
    }

    void advanceNanos(long nanos) {
        beds.forEach(b -> b.advanceNanos(nanos));
    }

}

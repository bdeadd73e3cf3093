package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.TcpHeader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One {@link TcpLayer} with a clock the test moves and a sink that records every segment it emits: the tests
 * say "at time t the peer sends this, we expect that", as smoltcp's socket tests do. Sequence numbers are fixed
 * (our ISN {@link #LOCAL_ISN}, the peer's {@link #REMOTE_ISN}) so that expected segments are written literally.
 */
final class TcpTestbed implements SegmentSink, AutoCloseable {

    static final int LOCAL_IP = Ipv4Address.parse("198.18.60.1");
    static final int REMOTE_IP = Ipv4Address.parse("198.18.60.2");
    static final int LOCAL_PORT = 18601;
    static final int REMOTE_PORT = 18602;
    static final int LOCAL_ISN = 10_000;
    static final int REMOTE_ISN = 50_000;
    static final long START = TimeUnit.SECONDS.toNanos(1000);
    /** The window we advertise with the base config: 64 KiB buffer, no scaling. */
    static final int WINDOW = 65535;

    private static final int FRAMES = 256;
    private static final int FRAME_SIZE = 70_000;

    final TcpLayer layer;
    final DropCounters drops = new DropCounters();
    final TcpConfig config;
    long now = START;
    int framesAvailable = Integer.MAX_VALUE;
    /** TCP bytes one frame may carry with segmentation offload (0: none), as a GSO port offers. */
    int segmentationLimit;
    /** The payload of the largest segment handed to {@link #submitSegmented}, before it is cut. */
    int largestSegmentedPayload;
    boolean unreachable;
    /** Each segment is announced first ({@link TcpLayer#announce}), with keys of no connection, as a port's rx does. */
    boolean announceSegments;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment frames = arena.allocate((long) FRAMES * FRAME_SIZE);
    private final MemorySegment input = arena.allocate(FRAME_SIZE);
    private final TcpHeader parser = new TcpHeader();
    private final TcpHeader inputView = new TcpHeader();
    private final List<Seg> sent = new ArrayList<>();
    private int nextFrame;

    TcpTestbed() {
        this(base().build());
    }

    TcpTestbed(TcpConfig config) {
        this.config = config;
        this.layer = new TcpLayer(config, LOCAL_IP, this, drops, InitialSequenceNumbers.fixed(LOCAL_ISN), 42);
    }

    /** No window scaling, timestamps or SACK (each test turns on what it tests), 64 KiB buffers, MSS 1460. */
    static TcpConfig.Builder base() {
        return TcpConfig.builder().mss(1460).receiveBuffer(64 * 1024).sendBuffer(64 * 1024)
                .windowScaling(false).timestamps(false).sack(false).bufferPoolBytes(16L * 1024 * 1024)
                .maxConnections(64);
    }

    // ---- SegmentSink ----

    @Override
    public int reserve(int remoteIp, int maxTcpLength) {
        assertTrue(maxTcpLength <= FRAME_SIZE, "segment fits a frame");
        if (unreachable) {
            return UNREACHABLE;
        }
        if (framesAvailable == 0) {
            return NO_FRAME;
        }
        if (framesAvailable != Integer.MAX_VALUE) {
            framesAvailable--;
        }
        int f = nextFrame;
        nextFrame = (nextFrame + 1) % FRAMES;
        return f;
    }

    @Override
    public MemorySegment memory() {
        return frames;
    }

    @Override
    public long tcpOffset(int frame) {
        return (long) frame * FRAME_SIZE;
    }

    @Override
    public void submit(int frame, int localIp, int remoteIp, int tcpLength) {
        assertEquals(LOCAL_IP, localIp);
        long off = tcpOffset(frame);
        TcpHeader.writeChecksum(frames, off, tcpLength, localIp, remoteIp);
        assertNull(parser.wrap(frames, off, tcpLength), "we emit well-formed segments");
        assertTrue(parser.checksumValid(localIp, remoteIp));
        sent.add(Seg.parse(parser));
    }

    @Override
    public int segmentationLimit() {
        return segmentationLimit;
    }

    /** A large segment, recorded as the segments the port would cut it into (FIN and PSH on the last only). */
    @Override
    public void submitSegmented(int frame, int localIp, int remoteIp, int tcpLength, int segmentPayload) {
        assertTrue(segmentationLimit > 0 && tcpLength <= segmentationLimit, "a large segment within the limit");
        long off = tcpOffset(frame);
        TcpHeader.writeChecksum(frames, off, tcpLength, localIp, remoteIp);
        assertNull(parser.wrap(frames, off, tcpLength), "we emit well-formed segments");
        Seg whole = Seg.parse(parser);
        int lastFlags = whole.flags;
        int n = whole.payload.length;
        largestSegmentedPayload = Math.max(largestSegmentedPayload, n);
        for (int at = 0; at < n; at += segmentPayload) {
            Seg part = Seg.parse(parser);
            boolean last = at + segmentPayload >= n;
            part.seq = whole.seq + at;
            part.flags = last ? lastFlags : lastFlags & ~(TcpHeader.FIN | TcpHeader.PSH);
            part.payload = java.util.Arrays.copyOfRange(whole.payload, at, Math.min(n, at + segmentPayload));
            sent.add(part);
        }
    }

    // ---- driving ----

    /** The peer's segment arrives now; then events are dispatched and output flushed, as a loop iteration does. */
    void send(Seg s) {
        int len = s.write(input, 0);
        assertNull(inputView.wrap(input, 0, len), "test segments are well-formed");
        if (announceSegments) {
            layer.announce(REMOTE_IP + 1, s.srcPort, s.dstPort);
            layer.announce(REMOTE_IP, s.srcPort, s.dstPort);
            layer.announce(REMOTE_IP, s.srcPort + 1, s.dstPort);
            layer.prefetchAnnounced();
        }
        layer.segmentArrived(now, REMOTE_IP, LOCAL_IP, inputView);
        settle();
    }

    void settle() {
        for (int i = 0; i < 3; i++) {
            layer.dispatchEvents();
            layer.flushOutput(now);
        }
        layer.dispatchEvents();
    }

    /** Moves the clock by {@code millis} and runs the timers that became due. */
    void advance(long millis) {
        advanceNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    void advanceNanos(long nanos) {
        now += nanos;
        layer.processTimers(now);
        settle();
    }

    List<Seg> recv() {
        List<Seg> out = new ArrayList<>(sent);
        sent.clear();
        return out;
    }

    void expect(Seg... segments) {
        assertEquals(List.of(segments), recv());
    }

    void expectNothing() {
        assertEquals(List.of(), recv());
    }

    long dropped(DropReason r) {
        return drops.get(r);
    }

    // ---- templates ----

    /** A segment from the peer to us. */
    static Seg in() {
        return Seg.seg().ports(REMOTE_PORT, LOCAL_PORT);
    }

    /** A segment from us to the peer. */
    static Seg out() {
        return Seg.seg().ports(LOCAL_PORT, REMOTE_PORT);
    }

    // ---- fixtures ----

    TcpListener listen(Recorder app) {
        return layer.listen(LOCAL_PORT, 16, app);
    }

    /** Passive open completed and accepted; no segments left to expect. */
    TcpConnection establishedServer(Recorder app) {
        listen(app);
        send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        expect(out().syn().seq(LOCAL_ISN).ack(REMOTE_ISN + 1).win(WINDOW).mss(config.mss));
        send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW));
        expectNothing();
        return app.acceptOne(this);
    }

    /** Active open completed; no segments left to expect. */
    TcpConnection establishedClient(Recorder app) {
        TcpConnection c = layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, now);
        settle();
        expect(out().syn().seq(LOCAL_ISN).win(WINDOW).mss(config.mss));
        send(in().syn().seq(REMOTE_ISN).ack(LOCAL_ISN + 1).win(WINDOW).mss(1460));
        expect(out().seq(LOCAL_ISN + 1).ack(REMOTE_ISN + 1).win(WINDOW));
        assertTrue(app.events.contains("connected"));
        app.events.clear();
        return c;
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** Queues {@code data} on {@code c} and flushes (as a handler writing would). */
    void write(TcpConnection c, byte[] data) {
        MemorySegment src = arena.allocate(Math.max(1, data.length));
        MemorySegment.copy(MemorySegment.ofArray(data), 0, src, 0, data.length);
        assertEquals(data.length, c.write(src, 0, data.length), "the send buffer takes it all");
        settle();
    }

    int tryWrite(TcpConnection c, byte[] data) {
        MemorySegment src = arena.allocate(Math.max(1, data.length));
        MemorySegment.copy(MemorySegment.ofArray(data), 0, src, 0, data.length);
        int n = c.write(src, 0, data.length);
        settle();
        return n;
    }

    MemorySegment scratch(int size) {
        return arena.allocate(size);
    }

    @Override
    public void close() {
        layer.close();
        arena.close();
    }

    static void assertAccepted(TcpConnection c) {
        assertNotNull(c, "a connection was accepted");
    }
}

package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.function.IntFunction;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;
import static org.diskcryptnet.netmap.wire.TcpHeader.RST;
import static org.diskcryptnet.netmap.wire.TcpHeader.SYN;

/**
 * One event loop's TCP (share-nothing: one instance per loop, one local address). Pure in the smoltcp sense:
 * time is an argument of every entry point, segments arrive through {@link #segmentArrived} and leave through
 * the {@link SegmentSink}, and nothing here blocks, spawns threads or does I/O.
 *
 * <p>A loop iteration calls, in this order: {@link #segmentArrived} for each received segment,
 * {@link #processTimers}, {@link #dispatchEvents} (handlers read, write, close), then {@link #flushOutput},
 * which emits everything the connections may send, batching ACKs across the received batch.
 *
 * <p>Connections are preallocated ({@link TcpConfig#maxConnections}) and found in O(1); buffers come from one
 * per-loop {@link BlockPool}; nothing is allocated per segment.
 */
public final class TcpLayer implements AutoCloseable {

    /** RFC 9293 section 3.7.1: the MSS assumed when the peer sends no MSS option (IPv4). */
    static final int DEFAULT_MSS = 536;
    /** Received segments whose connections are loaded together ({@link #announce}). */
    public static final int PREFETCH_GROUP = GroupPrefetch.GROUP;
    /** RFC 7323 section 5.5: TS.Recent is invalid after 24 days of idleness. */
    static final long PAWS_IDLE_LIMIT = 24L * 24 * 3600 * 1_000_000_000L;
    private static final int EPHEMERAL_FIRST = 32768;
    private static final int EPHEMERAL_COUNT = 61000 - 32768;

    private final TcpConfig config;
    private final int localIp;
    private final SegmentSink sink;
    private final InitialSequenceNumbers isn;
    private final DropCounters drops;
    private final TcpCounters counters = new TcpCounters();
    private final BlockPool pool;
    private final TcpConnection[] connections;
    private final ConnectionTable table;
    private final GroupPrefetch prefetch;
    private final TcpListener[] listeners = new TcpListener[65536];
    private final TimerWheel wheel = new TimerWheel();
    private final TcpOutput output;
    private final TcpInput input;
    private final TcpTimers timers;
    private final PassiveOpen passiveOpen;
    private TcpConnection freeList;
    /** Connections whose last write the pool refused (linked by {@code nextPoolWaiter}). */
    private TcpConnection poolWaiters;
    private TcpConnection dirtyHead;
    private TcpConnection dirtyTail;
    private final PendingEvents events = new PendingEvents(this);
    private final ConnectionClosing closing;
    private final PendingProductions productions;
    private int nextEphemeral;
    private long now;
    private long challengeWindowStart = Long.MIN_VALUE;
    private int challengeAcks;
    private IntFunction<TcpListener> listenerSource;

    /** A layer with RFC 6528 ISNs and SYN-cookie / timestamp secrets drawn from {@link SecureRandom}. */
    public TcpLayer(TcpConfig config, int localIp, SegmentSink sink, DropCounters drops) {
        this(config, localIp, sink, drops, InitialSequenceNumbers.rfc6528(), new SecureRandom().nextLong());
    }

    /** A layer with the given ISN source and secret (tests make both fixed for reproducible segments). */
    public TcpLayer(TcpConfig config, int localIp, SegmentSink sink, DropCounters drops,
                    InitialSequenceNumbers isn, long secret) {
        this.config = config;
        this.localIp = localIp;
        this.sink = sink;
        this.isn = isn;
        this.drops = drops;
        this.pool = new BlockPool(config.bufferPoolBytes);
        this.connections = new TcpConnection[config.maxConnections];
        for (int i = config.maxConnections - 1; i >= 0; i--) {
            connections[i] = new TcpConnection(this, i, config, pool);
            connections[i].nextFree = freeList;
            freeList = connections[i];
        }
        counters.connectionsByState[TcpState.CLOSED.ordinal()] = config.maxConnections;
        this.table = new ConnectionTable(config.maxConnections);
        this.prefetch = new GroupPrefetch(table);
        this.output = new TcpOutput(this, config, sink, counters);
        this.input = new TcpInput(this, config, output, counters, drops);
        this.timers = new TcpTimers(this, config, output, counters);
        SipHash mac = new SipHash(secret, secret * 0x9E3779B97F4A7C15L + 1);
        this.passiveOpen = new PassiveOpen(this, config, output, counters, drops, new SynCookies(mac), isn);
        this.closing = new ConnectionClosing(this, config, counters);
        this.productions = new PendingProductions(this, sink, counters);
        this.nextEphemeral = (int) ((secret >>> 16) % EPHEMERAL_COUNT);
        if (nextEphemeral < 0) {
            nextEphemeral += EPHEMERAL_COUNT;
        }
    }

    public TcpConfig config() {
        return config;
    }

    public int localAddress() {
        return localIp;
    }

    public TcpCounters counters() {
        return counters;
    }

    public DropCounters drops() {
        return drops;
    }

    /** The loop's buffer memory (for pool occupancy metrics). */
    public BlockPool bufferPool() {
        return pool;
    }

    TcpInput input() {
        return input;
    }

    TcpOutput output() {
        return output;
    }

    /** Every connection object (for tests that look inside). */
    TcpConnection[] connectionObjects() {
        return connections;
    }

    // ======================================================================================== user calls

    /** Passive open on {@code port} (RFC 9293 OPEN, passive) with an accept queue of {@code backlog}. */
    public TcpListener listen(int port, int backlog, TcpListenerHandler handler) {
        if (port <= 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port + " is not within 1..65535");
        }
        if (listeners[port] != null) {
            throw new IllegalStateException("port " + port + " already has a listener");
        }
        TcpListener l = new TcpListener(this, port, Math.max(1, backlog), handler);
        listeners[port] = l;
        return l;
    }

    /**
     * Where a listener comes from when a segment opens a connection to a port that has none yet: a listening
     * socket shared by several loops (SO_REUSEPORT-like, one TcpLayer per loop) is installed in each loop
     * lazily, by the first segment for it, instead of by a cross-thread task that could arrive after the SYN.
     * The source returns null (no listener: RST as usual) or a listener it made with {@link #listen}.
     */
    public void listenerSource(IntFunction<TcpListener> source) {
        this.listenerSource = source;
    }

    /** The listener on {@code port}, or null. */
    public TcpListener listenerFor(int port) {
        return port > 0 && port <= 0xFFFF ? listeners[port] : null;
    }

    /** Active open from an ephemeral port (RFC 9293 OPEN, active). */
    public TcpConnection connect(int remoteIp, int remotePort, TcpHandler handler, long now) {
        for (int i = 0; i < EPHEMERAL_COUNT; i++) {
            int port = EPHEMERAL_FIRST + nextEphemeral;
            nextEphemeral = nextEphemeral + 1 == EPHEMERAL_COUNT ? 0 : nextEphemeral + 1;
            if (listeners[port] == null && table.get(ConnectionTable.key(remoteIp, remotePort, port)) == null) {
                return connect(port, remoteIp, remotePort, handler, now);
            }
        }
        throw new IllegalStateException("no free local port towards " + remotePort);
    }

    /** Active open from a given local port. */
    public TcpConnection connect(int localPort, int remoteIp, int remotePort, TcpHandler handler, long now) {
        if (remotePort <= 0 || remotePort > 0xFFFF || localPort <= 0 || localPort > 0xFFFF) {
            throw new IllegalArgumentException("ports must be within 1..65535");
        }
        if (table.get(ConnectionTable.key(remoteIp, remotePort, localPort)) != null) {
            throw new IllegalStateException("a connection with that address and ports exists");
        }
        TcpConnection c = allocate();
        if (c == null) {
            throw new IllegalStateException("all " + config.maxConnections + " connections are in use");
        }
        this.now = now;
        c.localIp = localIp;
        c.remoteIp = remoteIp;
        c.localPort = localPort;
        c.remotePort = remotePort;
        c.iss = isn.next(localIp, localPort, remoteIp, remotePort, now);
        c.sndUna = c.iss;
        c.sndNxt = c.iss;
        c.sndMax = c.iss;
        c.recover = c.iss;
        c.tsOffset = timestampOffset(c);
        c.handler = handler;
        c.appOwned = true;
        c.lastReceiveTime = now;
        register(c, TcpState.SYN_SENT);
        counters.activeOpens++;
        markDirty(c);
        return c;
    }

    PassiveOpen passiveOpen() {
        return passiveOpen;
    }

    // ======================================================================================== the loop

    /**
     * Announces a segment that {@link #segmentArrived} will be given soon: its connection's state is loaded together
     * with that of the other segments announced before {@link #prefetchAnnounced} ({@link GroupPrefetch}). At most
     * {@link #PREFETCH_GROUP} segments are announced at a time; more are ignored.
     */
    public void announce(int sourceIp, int sourcePort, int localPort) {
        prefetch.add(ConnectionTable.key(sourceIp, sourcePort, localPort));
    }

    /** Loads the state of the connections of the segments announced since the last call. */
    public void prefetchAnnounced() {
        prefetch.fetch();
    }

    /** A TCP segment for our address whose checksum the interface has verified. */
    public void segmentArrived(long now, int sourceIp, int destinationIp, TcpHeader seg) {
        this.now = now;
        counters.segmentsReceived++;
        int localPort = seg.destinationPort();
        TcpConnection c = table.get(ConnectionTable.key(sourceIp, seg.sourcePort(), localPort));
        TcpListener l = listeners[localPort];
        if (c == null && l == null && listenerSource != null) {
            l = listenerSource.apply(localPort);
        }
        if (c != null) {
            if (c.state == TcpState.TIME_WAIT && (seg.flags() & (SYN | ACK | RST)) == SYN && l != null
                    && timeWaitMayReopen(c, seg)) {
                closing.terminate(c, TcpCloseCause.NORMAL); // RFC 9293 section 3.6.1 / RFC 6191: a new incarnation
            } else {
                input.segment(c, seg, now);
                return;
            }
        }
        if (l != null) {
            passiveOpen.segment(l, destinationIp, sourceIp, seg, now);
            return;
        }
        drops.increment(DropReason.TCP_NO_LISTENER);
        int flags = seg.flags();
        if ((flags & RST) == 0) {
            // RFC 9293 section 3.10.7.1, CLOSED STATE
            if ((flags & ACK) != 0) {
                output.sendStateless(destinationIp, sourceIp, localPort, seg.sourcePort(), seg.acknowledgment(), 0,
                        RST, 0, 0, -1, false, false, 0, 0);
            } else {
                int segLen = seg.payloadLength() + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
                output.sendStateless(destinationIp, sourceIp, localPort, seg.sourcePort(), 0,
                        seg.sequence() + segLen, RST | ACK, 0, 0, -1, false, false, 0, 0);
            }
        }
    }

    private static boolean timeWaitMayReopen(TcpConnection c, TcpHeader seg) {
        TcpOptions opt = seg.options();
        if (c.tsEnabled && opt.timestamps) {
            return SeqNum.gt(opt.tsVal, c.tsRecent);
        }
        return SeqNum.gt(seg.sequence(), c.rcvNxt);
    }

    /** Fires every timer due at {@code now}; the number fired. */
    public int processTimers(long now) {
        this.now = now;
        return wheel.expire(now, timers);
    }

    /**
     * The time of the earliest pending timer, or {@link Long#MAX_VALUE}: how long a loop with nothing else to do
     * may block. Cheap while some timer is due within one wheel revolution (about 4.4 s; see {@link TimerWheel}),
     * a scan of every scheduled connection otherwise.
     */
    public long nextTimerDeadline() {
        return wheel.earliest();
    }

    /** Whether some connection has something to send (a flush would do work). */
    public boolean hasPendingOutput() {
        return dirtyHead != null;
    }

    /** Emits what every connection with something to send may send now; the number of connections served. */
    public int flushOutput(long now) {
        this.now = now;
        TcpConnection c = dirtyHead;
        TcpConnection last = dirtyTail;
        dirtyHead = null;
        dirtyTail = null;
        int served = 0;
        while (c != null) {
            TcpConnection next = c.nextDirty;
            c.nextDirty = null;
            c.dirty = false;
            if (!output.output(c, now)) {
                // Out of transmit frames: this one and the rest (still linked, still marked) go first at the next
                // flush, ahead of those marked during this one. Spliced back whole: at a thousand connections a
                // full ring stops thousands of flushes a second, and walking the rest each time cost more than
                // the flushes did.
                TcpConnection rest = next;
                if (!c.dirty) { // else its output marked it again: it is on the new list already
                    c.dirty = true;
                    c.nextDirty = next;
                    rest = c;
                    if (next == null) {
                        last = c;
                    }
                }
                if (rest != null) {
                    last.nextDirty = dirtyHead;
                    if (dirtyHead == null) {
                        dirtyTail = last;
                    }
                    dirtyHead = rest;
                }
                counters.outputDeferred++;
                return served;
            }
            if (c.sourceFailed && c.state != TcpState.CLOSED) {
                terminate(c, TcpCloseCause.SOURCE_FAILED);
            }
            served++;
            c = next;
        }
        return served;
    }

    /** Delivers collected events to handlers; the number delivered. */
    public int dispatchEvents() {
        return dispatchEvents(Long.MAX_VALUE);
    }

    /** {@link #dispatchEvents()} until {@code System.nanoTime()} passes {@code deadline} (at least one handler). */
    public int dispatchEvents(long deadline) {
        wakePoolWaiters();
        return events.dispatch(deadline);
    }

    /** Whether events wait for handlers (a dispatch stopped at its deadline, or the pool has room for a waiter). */
    public boolean hasPendingEvents() {
        return events.hasPending() || (poolWaiters != null && pool.available() > 0);
    }

    /**
     * {@code c}'s write found room in its own send buffer but no free block in the loop's pool: the blocks come
     * back with other connections' ACKs (or reads), so it is told when any does, not at an ACK of its own.
     */
    void waitForPool(TcpConnection c) {
        if (!c.waitsForPool) {
            c.waitsForPool = true;
            c.nextPoolWaiter = poolWaiters;
            poolWaiters = c;
        }
    }

    /** Every pool waiter gets its writable event once a block is free; one that finds none again waits again. */
    private void wakePoolWaiters() {
        if (poolWaiters == null || pool.available() == 0) {
            return;
        }
        TcpConnection c = poolWaiters;
        poolWaiters = null;
        while (c != null) {
            TcpConnection next = c.nextPoolWaiter;
            c.nextPoolWaiter = null;
            c.waitsForPool = false;
            if (c.writeBlocked && c.state != TcpState.CLOSED) {
                c.writeBlocked = false;
                event(c, TcpConnection.EV_WRITABLE);
            }
            c = next;
        }
    }

    /** The next hop {@code ip} was just resolved: SYNs that could not go out go now. */
    public void neighbourResolved(int ip) {
        for (TcpConnection c : connections) {
            if (c.synAwaitingNeighbour && c.remoteIp == ip) {
                c.synAwaitingNeighbour = false;
                if (c.state == TcpState.SYN_SENT || c.state == TcpState.SYN_RECEIVED) {
                    c.sndNxt = c.iss;
                    markDirty(c);
                }
            }
        }
    }

    @Override
    public void close() {
        for (TcpConnection c : connections) {
            c.send.clear();
            c.receive.clear();
        }
        pool.close();
    }

    // ======================================================================================== lifecycle

    TcpConnection allocate() {
        TcpConnection c = freeList;
        if (c == null) {
            // no free object: the oldest TIME-WAIT connection nobody holds makes room (as a small kernel would)
            closing.reclaimTimeWait();
            c = freeList;
            if (c == null) {
                return null;
            }
        }
        freeList = c.nextFree;
        c.nextFree = null;
        c.resetForReuse(config, config.mss);
        return c;
    }

    void pushFree(TcpConnection c) {
        c.send.clear();
        c.receive.clear();
        c.handler = null;
        c.nextFree = freeList;
        freeList = c;
    }

    void register(TcpConnection c, TcpState state) {
        c.key = ConnectionTable.key(c.remoteIp, c.remotePort, c.localPort);
        table.put(c.key, c);
        setState(c, state);
    }

    void setState(TcpConnection c, TcpState state) {
        counters.connectionsByState[c.state.ordinal()]--;
        counters.connectionsByState[state.ordinal()]++;
        c.state = state;
    }

    /** Options of the peer's SYN against ours (RFC 9293 3.7.1, RFC 7323 sections 2.2 and 3.2, RFC 2018). */
    void negotiate(TcpConnection c, TcpOptions opt, long now) {
        int peerMss = opt.mss > 0 ? opt.mss : DEFAULT_MSS;
        c.mssOption = Math.max(64, Math.min(peerMss, config.mss));
        c.wsEnabled = config.windowScaling && opt.windowScale >= 0;
        c.sndWscale = c.wsEnabled ? Math.min(opt.windowScale, 14) : 0; // RFC 7323 section 2.3: at most 14
        c.rcvWscale = c.wsEnabled ? config.receiveWindowShift() : 0;
        c.sackEnabled = config.sack && opt.sackPermitted;
        c.tsEnabled = config.timestamps && opt.timestamps;
        if (c.tsEnabled) {
            c.tsRecent = opt.tsVal;
            c.tsRecentTime = now;
            if (c.passive) {
                c.tsOffset = timestampOffset(c);
            }
        }
        c.cc.reset(c.mssOption - (c.tsEnabled ? TcpOptions.TIMESTAMPS_ALIGNED_LENGTH : 0),
                config.initialWindowSegments);
    }

    private int timestampOffset(TcpConnection c) {
        return isn.timestampOffset(c.localIp, c.localPort, c.remoteIp, c.remotePort);
    }

    /** SYN-RECEIVED to ESTABLISHED; false if the listener's accept queue is full. */
    boolean handshakeCompleted(TcpConnection c, long now) {
        TcpListener l = c.listener;
        if (c.passive && l != null) {
            if (l.queueFull() || l.closed) {
                return false;
            }
            l.halfOpen--;
        }
        established(c, now);
        if (c.passive && l != null) {
            l.enqueue(c);
            events.acceptable(l);
        } else {
            events.post(c, TcpConnection.EV_CONNECTED);
        }
        return true;
    }

    void established(TcpConnection c, long now) {
        setState(c, TcpState.ESTABLISHED);
        c.retransmissions = 0;
        c.rtxDeadline = TcpConnection.NEVER;
        if (c.synRetransmitted) {
            c.rtt.restartAfterSynTimeout(3_000_000_000L);  // RFC 6298 section 5.7
            c.cc.cwnd(c.cc.mss);                            // RFC 5681 section 3.1: IW of one segment
        }
        if (c.keepAliveEnabled) {
            c.keepAliveDeadline = now + c.keepAliveIdle;
        }
        reschedule(c);
        if (c.finAfterHandshake) {
            closing.shutdownOutput(c);
        }
    }

    // ======================================================================================== delegates

    void terminate(TcpConnection c, TcpCloseCause cause) {
        closing.terminate(c, cause);
    }

    ConnectionClosing closing() {
        return closing;
    }

    int produce(TcpConnection c, int frame, long offset, int len, MemorySegment m, long dst, int headerLength,
                boolean retransmission, int segmentPayload) {
        return productions.produce(c, frame, offset, len, m, dst, headerLength, retransmission, segmentPayload);
    }

    /** The completion {@link SendSource}s report to (exposed for tests that produce asynchronously). */
    ProduceCompletion completion() {
        return productions;
    }

    void forget(TcpConnection c) {
        table.remove(c.key);
        wheel.cancel(c);
    }

    void unlisten(TcpListener l) {
        listeners[l.port] = null;
    }

    long now() {
        return now;
    }

    // ======================================================================================== helpers

    void markDirty(TcpConnection c) {
        if (c.dirty) {
            return;
        }
        c.dirty = true;
        c.nextDirty = null;
        if (dirtyTail != null) {
            dirtyTail.nextDirty = c;
        } else {
            dirtyHead = c;
        }
        dirtyTail = c;
    }

    /** Tells the handler of {@code c} about {@code kinds} once this iteration's segments and timers are done. */
    void event(TcpConnection c, int kinds) {
        events.post(c, kinds);
    }

    void readable(TcpConnection c) {
        events.post(c, TcpConnection.EV_READABLE);
    }

    void touched(TcpConnection c, long now) {
        c.lastReceiveTime = now;
    }

    void reschedule(TcpConnection c) {
        wheel.schedule(c, c.nextDeadline());
    }

    void delayAck(TcpConnection c) {
        if (c.delayedAckDeadline == TcpConnection.NEVER) {
            c.delayedAckDeadline = now + config.delayedAck;
            reschedule(c);
        }
    }

    void keepAliveChanged(TcpConnection c) {
        c.keepAliveDeadline = c.keepAliveEnabled && c.state.synchronizedState()
                ? Math.max(now, c.lastReceiveTime) + c.keepAliveIdle : TcpConnection.NEVER;
        reschedule(c);
    }

    /** The application read: if the window can open noticeably, tell the peer now (window update). */
    void consumed(TcpConnection c) {
        if (!c.state.synchronizedState() || c.finReceived) {
            return;
        }
        long advertised = c.rcvAdv - c.rcvNxt;
        long free = c.receive.free();
        long threshold = Math.min(c.receive.capacity() / 2, 2L * c.mssOption);
        if (free - advertised >= threshold) {
            c.ackNow = true;
            markDirty(c);
        }
    }

    /** RFC 5961 section 7: challenge ACKs at most {@link TcpConfig#challengeAckLimit} per second per loop. */
    void challengeAck(TcpConnection c, long now) {
        if (now - challengeWindowStart >= 1_000_000_000L || challengeWindowStart == Long.MIN_VALUE) {
            challengeWindowStart = now;
            challengeAcks = 0;
        }
        if (challengeAcks < config.challengeAckLimit) {
            challengeAcks++;
            counters.challengeAcksSent++;
            c.ackNow = true;
            markDirty(c);
        } else {
            counters.challengeAcksThrottled++;
        }
    }
}

package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.wire.Ipv4Address;

/**
 * One TCP connection: the transmission control block of RFC 9293 section 3.3.1 and the user interface of
 * section 3.9.1 (SEND, RECEIVE, CLOSE, ABORT, STATUS), without threads or I/O: segments reach it through
 * {@link TcpLayer#segmentArrived}, leave it through the layer's {@link SegmentSink}, and events go to its
 * {@link TcpHandler}. Objects are preallocated by the layer and reused; {@link #id()} tells incarnations apart.
 * All methods must be called on the loop's thread.
 */
public final class TcpConnection {

    static final long NEVER = Long.MAX_VALUE;

    static final int EV_CONNECTED = 1;
    static final int EV_READABLE = 2;
    static final int EV_WRITABLE = 4;
    static final int EV_INPUT_SHUTDOWN = 8;
    static final int EV_CLOSED = 16;

    final TcpLayer layer;
    final int index;
    int generation;
    TcpState state = TcpState.CLOSED;
    int localIp;
    int remoteIp;
    int localPort;
    int remotePort;
    long key;
    TcpHandler handler;
    /** The listener a passive connection belongs to until accepted; null for active ones. */
    TcpListener listener;
    boolean passive;
    boolean accepted;
    /** The user called close(): no more input is delivered; RFC 1122 section 4.2.2.13 applies. */
    boolean userClosed;

    // ---- send sequence space (RFC 9293 section 3.3.1, figure 4) ----
    int iss;
    int sndUna;
    int sndNxt;
    /** Highest sequence number sent + 1 (SND.NXT before a go-back-N restart after a timeout). */
    int sndMax;
    int sndWl1;
    int sndWl2;
    long sndWnd;
    long maxSndWnd;
    /** The last window update made SND.WND larger: a reader draining its buffer, whose next read opens it more. */
    boolean sndWndOpening;
    int sndWscale;
    /** Stream offset of SND.UNA: -1 while our SYN is unacknowledged. */
    long sndUnaOffset;
    boolean finQueued;
    int finSeq;
    /** End of the last segment shorter than the MSS we sent (Minshall's Nagle variant). */
    int smallSegmentEnd;
    boolean smallSegmentSent;
    /**
     * The congestion window at which the last output stopped with data left to send, or -1. That window is in use
     * even when the flight falls short of it by less than a unit the source will not split (a TLS record sealed in
     * one frame). A window changed since (a loss, a timeout, an undone timeout) was not the limit.
     */
    long cwndLimitedAt;
    /** MSS of the connection (min of the peer's MSS option and ours), before per-segment options. */
    int mssOption;

    // ---- receive sequence space ----
    int irs;
    int rcvNxt;
    /** Right edge of the window we advertised: we never shrink it (RFC 9293 section 3.8.6.2.2). */
    int rcvAdv;
    int rcvWscale;
    int lastAckSent;
    boolean finReceived;
    /** Stream offset of the peer's FIN if it arrived (possibly out of order), else -1. */
    long peerFinOffset;

    // ---- negotiated options ----
    boolean wsEnabled;
    boolean tsEnabled;
    boolean sackEnabled;
    int tsRecent;
    long tsRecentTime;
    int tsOffset;

    // ---- timers (absolute deadlines in the caller's nanoseconds) ----
    long rtxDeadline = NEVER;
    boolean persistMode;
    int persistBackoff;
    long delayedAckDeadline = NEVER;
    long keepAliveDeadline = NEVER;
    long timeWaitDeadline = NEVER;
    int retransmissions;
    int keepAliveProbes;
    long lastReceiveTime;
    boolean synRetransmitted;
    final RttEstimator rtt;
    boolean rttTiming;
    int rttSeq;
    /** RFC 8985 section 7: the retransmission timer is a probe timeout now; a probe is out, up to tlpEndSeq. */
    boolean ptoArmed;
    boolean tlpOutstanding;
    int tlpEndSeq;
    /** Everything un-SACKed below this counts as lost (set when a tail loss probe is SACKed above holes). */
    int probeLostEdge;
    boolean probeLossKnown;
    /** Eifel (RFC 3522): armed by a timeout, the TSval of its retransmission and the window to restore. */
    boolean eifelArmed;
    int eifelTs;
    long eifelCwnd;
    long eifelSsthresh;
    /** TSval of our last retransmission, and whether one happened since the last RTT sample. */
    int tsLastRetransmission;
    boolean retransmittedSinceSample;
    long rttStart;

    // ---- congestion control and loss recovery ----
    final Reno reno = new Reno();
    final Cubic cubic = new Cubic();
    CongestionControl cc;
    final SackScoreboard scoreboard;
    final RetransmissionLog rxtLog;
    final RackLossDetection rack = new RackLossDetection();
    int dupAcks;
    /** Consecutive ACKs that looked like SACK reneging (see TcpInput#renegingCheck). */
    int renegingSuspicion;
    boolean inRecovery;
    boolean sackRecovery;
    int recoveryPoint;
    int highRxt;
    boolean rescueDone;
    /** RFC 6582: the highest sequence sent when the last fast retransmit started. */
    int recover;
    boolean firstPartialAck;
    /** RFC 3042: new segments allowed past cwnd by the first two duplicate ACKs. */
    int limitedTransmit;

    // ---- acknowledgment state ----
    int segmentsUnacked;
    boolean ackNow;
    /** Data segments still to be acknowledged without delay (quick-ACK mode, see TcpInput). */
    int quickAcks;

    // ---- user options ----
    boolean noDelay;
    boolean keepAliveEnabled;
    long keepAliveIdle;
    long keepAliveInterval;
    int keepAliveCount;
    boolean writeBlocked;
    boolean sendReset;
    boolean sourceFailed;
    int events;
    TcpCloseCause closeCause;

    final ReceiveBuffer receive;
    final SendQueue send;

    // ---- intrusive links owned by the layer ----
    boolean dirty;
    TcpConnection nextDirty;
    boolean inEventList;
    TcpConnection nextEvent;
    boolean releaseAfterEvents;
    TcpConnection timerPrev;
    TcpConnection timerNext;
    int timerSlot = -1;
    long timerDeadline = NEVER;
    /** The {@link ConnectionList} holding this connection (accept queue, TIME-WAIT, orphans), or null. */
    ConnectionList list;
    TcpConnection listPrev;
    TcpConnection listNext;
    TcpConnection nextFree;
    boolean waitsForPool;
    TcpConnection nextPoolWaiter;
    /** The application holds this connection (connected by it or accepted, and not closed by it). */
    boolean appOwned;
    /** A SYN the sink could not send (next hop unresolved): sent as soon as the neighbour is known. */
    boolean synAwaitingNeighbour;
    /** Output shutdown requested during the handshake: the FIN follows once established. */
    boolean finAfterHandshake;

    TcpConnection(TcpLayer layer, int index, TcpConfig config, BlockPool pool) {
        this.layer = layer;
        this.index = index;
        this.rtt = new RttEstimator(config.initialRto, config.minRto, config.maxRto);
        this.scoreboard = new SackScoreboard(Math.max(8, config.maxOutOfOrderRanges));
        this.rxtLog = new RetransmissionLog(Math.max(8, config.maxOutOfOrderRanges));
        this.receive = new ReceiveBuffer(pool, config.receiveBuffer, config.maxOutOfOrderRanges);
        this.send = new SendQueue(pool, config.sendBuffer, config.sendQueueEntries);
    }

    // ======================================================================================== identity

    /** Tells this incarnation from earlier and later ones of the same object: generation and index. */
    public long id() {
        return (long) generation << 32 | index;
    }

    public TcpState state() {
        return state;
    }

    public int localAddress() {
        return localIp;
    }

    public int localPort() {
        return localPort;
    }

    public int remoteAddress() {
        return remoteIp;
    }

    public int remotePort() {
        return remotePort;
    }

    public TcpHandler handler() {
        return handler;
    }

    /** Sets the handler; for an accepted connection, events that happened before are delivered now. */
    public void handler(TcpHandler handler) {
        this.handler = handler;
        if (handler != null && state != TcpState.CLOSED) {
            if (receive.readable() > 0) {
                layer.event(this, EV_READABLE);
            }
            if (finReceived) {
                layer.event(this, EV_INPUT_SHUTDOWN);
            }
        }
    }

    // ======================================================================================== receiving

    /** In-order bytes ready to read. */
    public int readableBytes() {
        return receive.readable();
    }

    /** The peer's FIN arrived: once {@link #readableBytes()} are read, input is over. */
    public boolean inputShutdown() {
        return finReceived;
    }

    /**
     * Copies up to {@code max} bytes into {@code dst} and consumes them (RFC 9293 RECEIVE).
     *
     * @return bytes copied; 0 if none yet; -1 at the end of input (FIN received and everything read)
     */
    public int read(MemorySegment dst, long dstOffset, int max) {
        int n = receive.read(dst, dstOffset, max);
        if (n > 0) {
            layer.consumed(this);
            return n;
        }
        return finReceived || state == TcpState.CLOSED ? -1 : 0;
    }

    /**
     * Zero-copy receive: the length of the run of readable bytes that lies contiguously in {@link #readMemory()}
     * from {@link #readMemoryOffset()}; a receiver wraps or copies them, then calls {@link #consume}.
     */
    public int readSpan() {
        return receive.span();
    }

    public MemorySegment readMemory() {
        return receive.memory();
    }

    public long readMemoryOffset() {
        return receive.spanOffset();
    }

    public void consume(int n) {
        receive.consume(n);
        if (n > 0) {
            layer.consumed(this);
        }
    }

    // ======================================================================================== sending

    /**
     * Queues bytes from {@code src} (copied into the connection's send buffer, kept until acknowledged).
     *
     * @return the bytes taken, possibly fewer than {@code length} (0 when the buffer is full: a
     *         {@link TcpHandler#writable} event follows when there is room again)
     * @throws IllegalStateException if output was shut down or the connection is closed
     */
    public int write(MemorySegment src, long srcOffset, int length) {
        requireWritable();
        int n = send.appendCopy(src, srcOffset, length);
        if (n < length) {
            writeBlocked = true;
            if (send.memorySpace() > 0 && !send.entriesFull()) {
                layer.waitForPool(this); // the loop's pool, not this queue, was full: no ACK of ours would tell
            }
        }
        if (n > 0) {
            layer.markDirty(this);
        }
        return n;
    }

    /**
     * Queues {@code length} regenerable bytes produced by {@code source} when they may be sent (see
     * {@link SendSource} for the contract). False if the send queue has no free entry (a
     * {@link TcpHandler#writable} event follows).
     */
    public boolean write(SendSource source, long length) {
        requireWritable();
        if (length <= 0) {
            throw new IllegalArgumentException("a send source needs a positive length, not " + length);
        }
        if (!send.appendSource(source, length)) {
            writeBlocked = true;
            return false;
        }
        layer.markDirty(this);
        return true;
    }

    /**
     * Asks for a {@link TcpHandler#writable} event at the next acknowledgment that frees send space, for a
     * caller that stopped writing by a limit of its own (Netty's {@code SO_SNDBUF}) rather than a full queue.
     */
    public void requestWritable() {
        writeBlocked = true;
    }

    /** In-memory bytes {@link #write(MemorySegment, long, int)} would take now. */
    public int writableBytes() {
        return state == TcpState.CLOSED || finQueued ? 0 : send.memorySpace();
    }

    /** Bytes queued (in memory or regenerable) that the peer has not acknowledged yet. */
    public long unacknowledgedBytes() {
        return send.unacknowledged();
    }

    public boolean outputShutdown() {
        return finQueued;
    }

    private void requireWritable() {
        if (finQueued) {
            throw new IllegalStateException("output of " + this + " is shut down");
        }
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    // ======================================================================================== closing

    /** Half-close: a FIN follows the queued bytes; input continues (RFC 9293 CLOSE in ESTABLISHED). */
    public void shutdownOutput() {
        layer.closing().shutdownOutput(this);
    }

    /**
     * Closes: a FIN follows the queued bytes and the handler gets no more events. If received bytes were not
     * read, or bytes arrive later, the peer is reset instead (RFC 1122 section 4.2.2.13).
     */
    public void close() {
        layer.closing().userClose(this);
    }

    /** Resets the connection at once (RFC 9293 ABORT; SO_LINGER 0): queued data is discarded. */
    public void abort() {
        layer.closing().userAbort(this);
    }

    // ======================================================================================== options

    /** RFC 9293 section 3.7.4: true disables Nagle's algorithm (TCP_NODELAY). */
    public void noDelay(boolean value) {
        noDelay = value;
        if (value) {
            layer.markDirty(this);
        }
    }

    public boolean noDelay() {
        return noDelay;
    }

    /** RFC 1122 section 4.2.3.6 keepalives, with the loop's default timing. */
    public void keepAlive(boolean value) {
        keepAliveEnabled = value;
        layer.keepAliveChanged(this);
    }

    public void keepAlive(long idleNanos, long intervalNanos, int probes) {
        if (idleNanos <= 0 || intervalNanos <= 0 || probes < 1) {
            throw new IllegalArgumentException("keepalive needs positive idle and interval times and at least one probe");
        }
        keepAliveIdle = idleNanos;
        keepAliveInterval = intervalNanos;
        keepAliveCount = probes;
        keepAliveEnabled = true;
        layer.keepAliveChanged(this);
    }

    public boolean keepAlive() {
        return keepAliveEnabled;
    }

    /**
     * SO_RCVBUF: the receive window this connection offers, at most {@link TcpConfig#receiveBuffer} (which also
     * fixed the window scale offered in the SYN). A smaller value takes effect as the window slides: the right
     * edge already advertised is never withdrawn (RFC 9293 section 3.8.6.2.2).
     */
    public void receiveBufferSize(int bytes) {
        receive.limit(bytes);
    }

    public int receiveBufferSize() {
        return receive.limit();
    }

    /** SO_SNDBUF: in-memory bytes this connection queues, at most {@link TcpConfig#sendBuffer}. */
    public void sendBufferSize(int bytes) {
        send.limit(bytes);
    }

    public int sendBufferSize() {
        return send.limit();
    }

    // ======================================================================================== status

    /** Payload bytes per full segment we send (MSS less the options every segment carries). */
    public int sendMss() {
        return cc.mss;
    }

    public long congestionWindow() {
        return cc.cwnd();
    }

    public long slowStartThreshold() {
        return cc.ssthresh();
    }

    /** The smoothed RTT in nanoseconds (the initial RTO before any sample). */
    public long smoothedRtt() {
        return rtt.srtt();
    }

    public long retransmissionTimeout() {
        return rtt.rto();
    }

    /** The peer's receive window in bytes, scaled. */
    public long peerWindow() {
        return sndWnd;
    }

    boolean timestampsEnabled() {
        return tsEnabled;
    }

    boolean sackEnabled() {
        return sackEnabled;
    }

    boolean windowScalingEnabled() {
        return wsEnabled;
    }

    // ======================================================================================== internals

    /** Clears every protocol field for a new incarnation (the intrusive links are the layer's business). */
    void resetForReuse(TcpConfig config, int mss) {
        generation++;
        state = TcpState.CLOSED;
        handler = null;
        listener = null;
        passive = false;
        accepted = false;
        userClosed = false;
        appOwned = false;
        iss = sndUna = sndNxt = sndMax = sndWl1 = sndWl2 = 0;
        sndWnd = maxSndWnd = 0;
        sndWndOpening = false;
        sndWscale = 0;
        sndUnaOffset = -1;
        finQueued = false;
        finSeq = 0;
        smallSegmentEnd = 0;
        smallSegmentSent = false;
        cwndLimitedAt = -1;
        mssOption = mss;
        irs = rcvNxt = rcvAdv = rcvWscale = lastAckSent = 0;
        finReceived = false;
        peerFinOffset = -1;
        wsEnabled = tsEnabled = sackEnabled = false;
        tsRecent = 0;
        tsRecentTime = 0;
        tsOffset = 0;
        rtxDeadline = delayedAckDeadline = keepAliveDeadline = timeWaitDeadline = NEVER;
        persistMode = false;
        persistBackoff = 0;
        retransmissions = 0;
        keepAliveProbes = 0;
        lastReceiveTime = 0;
        synRetransmitted = false;
        rtt.reset();
        rttTiming = false;
        rttSeq = 0;
        tsLastRetransmission = 0;
        retransmittedSinceSample = false;
        eifelArmed = false;
        ptoArmed = false;
        tlpOutstanding = false;
        tlpEndSeq = 0;
        probeLostEdge = 0;
        probeLossKnown = false;
        eifelTs = 0;
        eifelCwnd = 0;
        eifelSsthresh = 0;
        rttStart = 0;
        cc = config.congestion == TcpConfig.Congestion.CUBIC ? cubic : reno;
        cc.reset(mss, config.initialWindowSegments);
        scoreboard.clear();
        rxtLog.clear();
        rack.clear();
        dupAcks = 0;
        renegingSuspicion = 0;
        inRecovery = sackRecovery = false;
        recoveryPoint = highRxt = recover = 0;
        rescueDone = false;
        firstPartialAck = false;
        limitedTransmit = 0;
        segmentsUnacked = 0;
        ackNow = false;
        quickAcks = TcpInput.QUICK_ACKS;
        noDelay = config.noDelay;
        keepAliveEnabled = false;
        keepAliveIdle = config.keepAliveIdle;
        keepAliveInterval = config.keepAliveInterval;
        keepAliveCount = config.keepAliveProbes;
        writeBlocked = false;
        sendReset = false;
        sourceFailed = false;
        synAwaitingNeighbour = false;
        finAfterHandshake = false;
        events = 0;
        closeCause = null;
        releaseAfterEvents = false;
        receive.reset();
        send.reset();
    }

    /** Sequence number of send stream offset {@code offset}. */
    int seqOf(long offset) {
        return sndUna + (int) (offset - sndUnaOffset);
    }

    /** Send stream offset of sequence number {@code seq} (at or above SND.UNA). */
    long offsetOf(int seq) {
        return sndUnaOffset + (seq - sndUna);
    }

    /** Bytes sent and not acknowledged (FlightSize of RFC 5681). */
    int flightSize() {
        return sndNxt - sndUna;
    }

    long nextDeadline() {
        return Math.min(Math.min(Math.min(rtxDeadline, rack.deadline()), delayedAckDeadline),
                Math.min(keepAliveDeadline, timeWaitDeadline));
    }

    @Override
    public String toString() {
        return "tcp " + Ipv4Address.format(localIp) + ':' + localPort + " > " + Ipv4Address.format(remoteIp) + ':'
                + remotePort + ' ' + state;
    }

    /**
     * {@link GroupPrefetch}: a field of each cache line of this object. HotSpot lays fields out by size (longs, ints,
     * booleans, references: 448 bytes, seven lines), so the first long, two longs and two ints spaced along the
     * runs, a boolean and the last reference reach every line.
     */
    long prefetchLines() {
        return key + rtxDeadline + timerDeadline + rcvNxt + dupAcks + (inRecovery ? 1 : 0) + (nextFree == null ? 0 : 1);
    }

    /** {@link GroupPrefetch}: the parts an acknowledgment updates (their references are in this object's lines). */
    long prefetchParts() {
        return rtt.prefetch() + cc.prefetch() + send.prefetch() + receive.prefetch() + scoreboard.prefetch()
                + rxtLog.prefetch() + rack.prefetch();
    }

    /** {@link GroupPrefetch}: what the parts point to. */
    long prefetchBuffers() {
        return send.prefetchEntries();
    }
}

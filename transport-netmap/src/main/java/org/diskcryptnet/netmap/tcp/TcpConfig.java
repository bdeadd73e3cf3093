package org.diskcryptnet.netmap.tcp;

import java.util.concurrent.TimeUnit;

/**
 * The settings of one loop's TCP instance. Defaults follow the RFCs and, where an RFC leaves a choice, Linux's
 * defaults; each deviation says why. Times are nanoseconds of the clock the caller passes in.
 */
public final class TcpConfig {

    /** Congestion avoidance algorithm. */
    public enum Congestion { CUBIC, RENO }

    /** When a listener answers SYNs with SYN cookies (RFC 4987 section 3.6) instead of keeping state. */
    public enum SynCookies { AUTO, ALWAYS, NEVER }

    /** Largest payload per segment we accept (advertised MSS): the interface's MTU minus 40. */
    public final int mss;
    /** Bytes of in-order plus out-of-order data buffered per connection: the largest receive window. */
    public final int receiveBuffer;
    /** Bytes of in-memory data queued per connection (regenerable ranges are not counted). */
    public final int sendBuffer;
    public final boolean windowScaling;
    public final boolean timestamps;
    public final boolean sack;
    public final Congestion congestion;
    /** RFC 6298 section 2.1: 1 s. */
    public final long initialRto;
    /** RFC 6298 section 2.4 says 1 s; Linux uses 200 ms, so do we (one RTT on a LAN is far below either). */
    public final long minRto;
    /** RFC 6298 section 2.5: at least 60 s. */
    public final long maxRto;
    /** RFC 9293 section 3.8.6.3: below 500 ms; Linux's 40 ms. */
    public final long delayedAck;
    /** Maximum segment lifetime; TIME_WAIT lasts twice this (RFC 9293 section 3.4.2). Linux: 60 s TIME_WAIT. */
    public final long msl;
    /** How long an orphaned FIN_WAIT_2 waits for the peer's FIN (Linux tcp_fin_timeout). */
    public final long finWait2Timeout;
    /** SYN retransmissions before the connect fails (Linux tcp_syn_retries). */
    public final int synRetries;
    /** Data retransmissions of one segment before the connection is dropped (RFC 9293 R2; Linux tcp_retries2). */
    public final int maxRetransmissions;
    /**
     * Data retransmissions before an orphan (a connection the application has closed) is dropped: fewer than
     * {@link #maxRetransmissions}, as Linux's tcp_orphan_retries, since nobody waits for its outcome and a peer
     * that went away without a RST reaching us would hold its object for minutes.
     */
    public final int orphanRetries;
    /** RFC 1122 section 4.2.3.6: idle time before the first keepalive, at least two hours by default. */
    public final long keepAliveIdle;
    public final long keepAliveInterval;
    public final int keepAliveProbes;
    /** Connection objects preallocated per loop, TIME_WAIT included. */
    public final int maxConnections;
    /** Half-open (SYN_RECEIVED) connections per listener before SYN cookies take over. */
    public final int synBacklog;
    public final SynCookies synCookies;
    /** RFC 5961 section 7: challenge ACKs sent per second per loop, at most. */
    public final int challengeAckLimit;
    /**
     * Off-heap memory per loop for send and receive buffers (both directions, all connections). Unless set, a
     * block per connection object and at least 64 MiB: reserved, and faulted in only as blocks are first used.
     */
    public final long bufferPoolBytes;
    /** Distinct out-of-order ranges held per connection (holes the reassembly tracks). */
    public final int maxOutOfOrderRanges;
    /** Entries (runs of in-memory bytes or regenerable sources) in one connection's send queue. */
    public final int sendQueueEntries;
    /** RFC 6928: initial window of up to 10 segments. */
    public final int initialWindowSegments;
    /** RFC 9293 section 3.7.4 (Nagle) off: send small segments at once. */
    public final boolean noDelay;

    private static final long DEFAULT_MIN_BUFFER_POOL_BYTES = 64L * 1024 * 1024;
    /** The builder's bufferPoolBytes: 0 while it follows maxConnections. */
    private final long explicitBufferPoolBytes;

    private TcpConfig(Builder b) {
        this.mss = b.mss;
        this.receiveBuffer = b.receiveBuffer;
        this.sendBuffer = b.sendBuffer;
        this.windowScaling = b.windowScaling;
        this.timestamps = b.timestamps;
        this.sack = b.sack;
        this.congestion = b.congestion;
        this.initialRto = b.initialRto;
        this.minRto = b.minRto;
        this.maxRto = b.maxRto;
        this.delayedAck = b.delayedAck;
        this.msl = b.msl;
        this.finWait2Timeout = b.finWait2Timeout;
        this.synRetries = b.synRetries;
        this.maxRetransmissions = b.maxRetransmissions;
        this.orphanRetries = b.orphanRetries;
        this.keepAliveIdle = b.keepAliveIdle;
        this.keepAliveInterval = b.keepAliveInterval;
        this.keepAliveProbes = b.keepAliveProbes;
        this.maxConnections = b.maxConnections;
        this.synBacklog = b.synBacklog;
        this.synCookies = b.synCookies;
        this.challengeAckLimit = b.challengeAckLimit;
        this.explicitBufferPoolBytes = b.bufferPoolBytes;
        this.bufferPoolBytes = b.bufferPoolBytes > 0 ? b.bufferPoolBytes
                : Math.max(DEFAULT_MIN_BUFFER_POOL_BYTES, (long) b.maxConnections * BlockPool.BLOCK_SIZE);
        this.maxOutOfOrderRanges = b.maxOutOfOrderRanges;
        this.sendQueueEntries = b.sendQueueEntries;
        this.initialWindowSegments = b.initialWindowSegments;
        this.noDelay = b.noDelay;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The most connection objects a loop may preallocate ({@link Builder#maxConnections}). */
    public static final int MAX_CONNECTIONS = 1 << 22;

    public Builder toBuilder() {
        Builder b = new Builder();
        b.mss = mss;
        b.receiveBuffer = receiveBuffer;
        b.sendBuffer = sendBuffer;
        b.windowScaling = windowScaling;
        b.timestamps = timestamps;
        b.sack = sack;
        b.congestion = congestion;
        b.initialRto = initialRto;
        b.minRto = minRto;
        b.maxRto = maxRto;
        b.delayedAck = delayedAck;
        b.msl = msl;
        b.finWait2Timeout = finWait2Timeout;
        b.synRetries = synRetries;
        b.maxRetransmissions = maxRetransmissions;
        b.orphanRetries = orphanRetries;
        b.keepAliveIdle = keepAliveIdle;
        b.keepAliveInterval = keepAliveInterval;
        b.keepAliveProbes = keepAliveProbes;
        b.maxConnections = maxConnections;
        b.synBacklog = synBacklog;
        b.synCookies = synCookies;
        b.challengeAckLimit = challengeAckLimit;
        b.bufferPoolBytes = explicitBufferPoolBytes;
        b.maxOutOfOrderRanges = maxOutOfOrderRanges;
        b.sendQueueEntries = sendQueueEntries;
        b.initialWindowSegments = initialWindowSegments;
        b.noDelay = noDelay;
        return b;
    }

    /** The window scale shift we offer: the smallest that lets the receive buffer be advertised (RFC 7323 section 2.3). */
    int receiveWindowShift() {
        if (!windowScaling) {
            return 0;
        }
        int shift = 0;
        while (shift < 14 && (receiveBuffer >>> shift) > 0xFFFF) {
            shift++;
        }
        return shift;
    }

    /** Builder with the defaults described on each field. */
    public static final class Builder {
        private int mss = 1460;
        private int receiveBuffer = 512 * 1024;
        private int sendBuffer = 512 * 1024;
        private boolean windowScaling = true;
        private boolean timestamps = true;
        private boolean sack = true;
        private Congestion congestion = Congestion.CUBIC;
        private long initialRto = TimeUnit.SECONDS.toNanos(1);
        private long minRto = TimeUnit.MILLISECONDS.toNanos(200);
        private long maxRto = TimeUnit.SECONDS.toNanos(60);
        private long delayedAck = TimeUnit.MILLISECONDS.toNanos(40);
        private long msl = TimeUnit.SECONDS.toNanos(30);
        private long finWait2Timeout = TimeUnit.SECONDS.toNanos(60);
        private int synRetries = 6;
        private int maxRetransmissions = 15;
        private int orphanRetries = 8; // Linux's tcp_orphan_retries (0 there means 8): about 50 s from a 200-ms RTO
        private long keepAliveIdle = TimeUnit.HOURS.toNanos(2);
        private long keepAliveInterval = TimeUnit.SECONDS.toNanos(75);
        private int keepAliveProbes = 9;
        private int maxConnections = 4096;
        private int synBacklog = 1024; // as Linux's tcp_max_syn_backlog on a machine with memory to spare
        private SynCookies synCookies = SynCookies.AUTO;
        private int challengeAckLimit = 1000;
        private long bufferPoolBytes; // 0: derived from maxConnections
        private int maxOutOfOrderRanges = 64;
        private int sendQueueEntries = 64;
        private int initialWindowSegments = 10;
        private boolean noDelay = false;

        private Builder() {
        }

        public Builder mss(int v) {
            this.mss = requireRange("mss", v, 88, 65495);
            return this;
        }

        /** Rounded up to whole buffer blocks. */
        public Builder receiveBuffer(int v) {
            this.receiveBuffer = roundToBlocks(requireRange("receiveBuffer", v, 1, 1 << 30));
            return this;
        }

        /** Rounded up to whole buffer blocks. */
        public Builder sendBuffer(int v) {
            this.sendBuffer = roundToBlocks(requireRange("sendBuffer", v, 1, 1 << 30));
            return this;
        }

        public Builder windowScaling(boolean v) {
            this.windowScaling = v;
            return this;
        }

        public Builder timestamps(boolean v) {
            this.timestamps = v;
            return this;
        }

        public Builder sack(boolean v) {
            this.sack = v;
            return this;
        }

        public Builder congestion(Congestion v) {
            this.congestion = v;
            return this;
        }

        public Builder initialRto(long v, TimeUnit unit) {
            this.initialRto = unit.toNanos(v);
            return this;
        }

        public Builder minRto(long v, TimeUnit unit) {
            this.minRto = unit.toNanos(v);
            return this;
        }

        public Builder maxRto(long v, TimeUnit unit) {
            this.maxRto = unit.toNanos(v);
            return this;
        }

        public Builder delayedAck(long v, TimeUnit unit) {
            this.delayedAck = unit.toNanos(v);
            return this;
        }

        public Builder msl(long v, TimeUnit unit) {
            this.msl = unit.toNanos(v);
            return this;
        }

        public Builder finWait2Timeout(long v, TimeUnit unit) {
            this.finWait2Timeout = unit.toNanos(v);
            return this;
        }

        public Builder synRetries(int v) {
            this.synRetries = requireRange("synRetries", v, 0, 30);
            return this;
        }

        public Builder maxRetransmissions(int v) {
            this.maxRetransmissions = requireRange("maxRetransmissions", v, 1, 30);
            return this;
        }

        public Builder orphanRetries(int v) {
            this.orphanRetries = requireRange("orphanRetries", v, 1, 30);
            return this;
        }

        public Builder keepAlive(long idle, long interval, TimeUnit unit, int probes) {
            this.keepAliveIdle = unit.toNanos(idle);
            this.keepAliveInterval = unit.toNanos(interval);
            this.keepAliveProbes = requireRange("keepAliveProbes", probes, 1, 127);
            return this;
        }

        public Builder maxConnections(int v) {
            this.maxConnections = requireRange("maxConnections", v, 1, MAX_CONNECTIONS);
            return this;
        }

        public Builder synBacklog(int v) {
            this.synBacklog = requireRange("synBacklog", v, 0, 1 << 20);
            return this;
        }

        public Builder synCookies(SynCookies v) {
            this.synCookies = v;
            return this;
        }

        public Builder challengeAckLimit(int v) {
            this.challengeAckLimit = requireRange("challengeAckLimit", v, 0, Integer.MAX_VALUE);
            return this;
        }

        public Builder bufferPoolBytes(long v) {
            if (v < BlockPool.BLOCK_SIZE || v > (1L << 40)) {
                throw new IllegalArgumentException("bufferPoolBytes " + v + " is not within "
                        + BlockPool.BLOCK_SIZE + ".." + (1L << 40));
            }
            this.bufferPoolBytes = v;
            return this;
        }

        public Builder maxOutOfOrderRanges(int v) {
            this.maxOutOfOrderRanges = requireRange("maxOutOfOrderRanges", v, 1, 4096);
            return this;
        }

        public Builder sendQueueEntries(int v) {
            this.sendQueueEntries = requireRange("sendQueueEntries", v, 2, 1 << 16);
            return this;
        }

        public Builder initialWindowSegments(int v) {
            this.initialWindowSegments = requireRange("initialWindowSegments", v, 1, 100);
            return this;
        }

        public Builder noDelay(boolean v) {
            this.noDelay = v;
            return this;
        }

        public TcpConfig build() {
            if (minRto > maxRto || initialRto < minRto || initialRto > maxRto) {
                throw new IllegalArgumentException("RTO bounds must satisfy minRto <= initialRto <= maxRto");
            }
            return new TcpConfig(this);
        }

        private static int roundToBlocks(int v) {
            return (v + BlockPool.BLOCK_SIZE - 1) & -BlockPool.BLOCK_SIZE;
        }

        private static int requireRange(String name, int v, int min, int max) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(name + " " + v + " is not within " + min + ".." + max);
            }
            return v;
        }
    }
}

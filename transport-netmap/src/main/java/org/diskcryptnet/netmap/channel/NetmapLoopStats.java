package org.diskcryptnet.netmap.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.diskcryptnet.netmap.datapath.DiskSendConfig;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;
import org.diskcryptnet.netmap.datapath.DiskSendPath;
import org.diskcryptnet.netmap.port.PortCounters;
import org.diskcryptnet.netmap.stack.StackCounters;
import org.diskcryptnet.netmap.tcp.TcpCounters;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;

/**
 * What one loop of the netmap transport has counted, for a metrics scrape on another thread. The loop keeps
 * writing its counters as plain longs (no fence, no atomic on the data path); every getter here is an opaque
 * read, so each scrape reads the field afresh and never a value the JIT cached, and sees the loop's stores in
 * their order per field. Reading allocates nothing and takes no lock; a value may be a few packets old.
 */
public final class NetmapLoopStats {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** The interface's frame counters ({@link StackCounters}). */
    public enum Interface {
        RX_FRAMES("rxFrames"), RX_BYTES("rxBytes"), TX_FRAMES("txFrames"), TX_BYTES("txBytes");

        final VarHandle field;

        Interface(String name) {
            this.field = field(StackCounters.class, name);
        }
    }

    /** The port queue's own counters ({@link PortCounters}): what it refused before the stack saw it. */
    public enum Port {
        RX_DROPPED("rxDropped"), RX_NO_BUFFER("rxNoBuffer"), RX_RING_FULL("rxRingFull"), TX_ERRORS("txErrors"),
        RX_KICKS("rxKicks"), TX_KICKS("txKicks"), RX_READ_WHOLE("rxFramesReadWhole");

        final VarHandle field;

        Port(String name) {
            this.field = field(PortCounters.class, name);
        }
    }

    /** The TCP layer's event counters ({@link TcpCounters}). */
    public enum Tcp {
        SEGMENTS_RECEIVED("segmentsReceived"), SEGMENTS_SENT("segmentsSent"),
        RETRANSMITTED_SEGMENTS("retransmittedSegments"), RETRANSMITTED_BYTES("retransmittedBytes"),
        RTO_EVENTS("rtoEvents"), SPURIOUS_TIMEOUTS("spuriousTimeouts"), TAIL_LOSS_PROBES("tailLossProbes"),
        SACK_RECOVERIES("sackRecoveries"), NEW_RENO_RECOVERIES("newRenoRecoveries"),
        LOST_RETRANSMISSIONS("lostRetransmissions"), ACTIVE_OPENS("activeOpens"), PASSIVE_OPENS("passiveOpens"),
        SYN_COOKIES_SENT("synCookiesSent"), SYN_COOKIES_ACCEPTED("synCookiesAccepted"),
        RESETS_SENT("resetsSent"), RESETS_RECEIVED("resetsReceived"), CONNECTIONS_TIMED_OUT("connectionsTimedOut"),
        ORPHANS_RESET("orphansReset"), SOURCE_BYTES_REGENERATED("sourceBytesRegenerated"),
        OUTPUT_DEFERRED("outputDeferred");

        final VarHandle field;

        Tcp(String name) {
            this.field = field(TcpCounters.class, name);
        }
    }

    /** The loop's read-ahead for {@code DefaultFileRegion}s ({@link FileReadAhead}). */
    public enum FileRun {
        /** Runs read: one pread each. */
        RUNS("runs"),
        /** File bytes the runs read. */
        BYTES_READ("bytesRead"),
        /** File bytes segments took from runs (less than read: a run another source took over before its end). */
        BYTES_SERVED("bytesServed"),
        /** Segments read on their own, one pread each: retransmissions, jumps, segments larger than a run. */
        BYPASSED("bypassed");

        final VarHandle field;

        FileRun(String name) {
            this.field = field(FileReadAhead.class, name);
        }
    }

    /** What the loop's {@link IdleStrategy} did with iterations ({@link LoopIdler}). */
    public enum Idle {
        /** Iterations that found work (frames, timers, channels ready): the strategy starts over. */
        BUSY("busy"),
        /** Idle iterations that only spun; every idle iteration of {@link IdleStrategy#busyPoll()}. */
        SPIN("spins"),
        YIELD("yields"),
        /** Idle iterations that parked or blocked in poll(2). */
        PARK("parks");

        final VarHandle field;

        Idle(String name) {
            this.field = field(LoopIdler.class, name);
        }
    }

    /** The disk send path's counters ({@link DiskSendCounters}), summed over the storages the loop sends from. */
    public enum DiskSend {
        /** File bytes between disk read and transmission now (the per-loop budget in use). */
        BUDGET_IN_USE("budgetInUse"),
        FILE_BYTES_SENT("fileBytesSent"),
        /** Of those, bytes the CPU copied (0 where the frames take the disk read). */
        CPU_COPIED_BYTES("cpuCopiedBytes"),
        DISK_READS("diskReads"),
        /** Reads of bytes produced before: a lost segment read again from disk. */
        DISK_RE_READS("diskReReads"),
        RE_READ_BYTES("reReadBytes"),
        BATCHES("batches"),
        /** Batches that stopped because the budget was used up. */
        BATCHES_BOUND_BY_BUDGET("batchesBoundByBudget"),
        READ_FAILURES("readFailures"),
        /** Plaintext bytes sealed in the frame they are sent from, and in a staging slot (records across segments). */
        SEALED_IN_PLACE_BYTES("sealedInPlaceBytes"),
        SEALED_IN_STAGING_BYTES("sealedInStagingBytes"),
        /** TLS records sealed again (same sequence number) for a retransmission. */
        RECORDS_RESEALED("recordsResealed"),
        /** Connections reset because their file changed before a lost range of it was read again. */
        FILE_CHANGED_ABORTS("fileChangedAborts"),
        /** Units refused outright (no room in the send path's tables, or a read that cannot fit): connection reset. */
        REFUSED_UNITS("refusedUnits"),
        /** Read windows read, their bytes (whole blocks), file bytes copied out of them, windows evicted idle. */
        WINDOW_READS("windowReads"),
        WINDOW_BYTES_READ("windowBytesRead"),
        WINDOW_BYTES_SERVED("windowBytesServed"),
        WINDOW_EVICTIONS("windowEvictions");

        final VarHandle field;

        DiskSend(String name) {
            this.field = field(DiskSendCounters.class, name);
        }
    }

    private final String port;
    private final int queue;
    private final StackCounters stack;
    private final TcpCounters tcp;
    private final DropCounters drops;
    private final PortCounters portCounters;
    private final LoopIdler idler;
    private final NetmapIoHandler handler;
    private final DiskSendConfig diskSend;

    NetmapLoopStats(String port, int queue, StackCounters stack, PortCounters portCounters, LoopIdler idler,
                    NetmapIoHandler handler, DiskSendConfig diskSend) {
        this.port = port;
        this.queue = queue;
        this.stack = stack;
        this.tcp = stack.tcp();
        this.drops = stack.drops();
        this.portCounters = portCounters;
        this.idler = idler;
        this.handler = handler;
        this.diskSend = diskSend;
    }

    /** The port's URI ({@code tap:dcn0}, {@code xdp:eth0@0}, ...). */
    public String port() {
        return port;
    }

    /** The port queue the loop serves; loop {@code i} of a group serves queue {@code i}. */
    public int queue() {
        return queue;
    }

    public long get(Interface counter) {
        return (long) counter.field.getOpaque(stack);
    }

    public long get(Port counter) {
        return (long) counter.field.getOpaque(portCounters);
    }

    public long get(Tcp counter) {
        return (long) counter.field.getOpaque(tcp);
    }

    public long get(Idle counter) {
        return (long) counter.field.getOpaque(idler);
    }

    /** 0 before the loop sent a {@code DefaultFileRegion}, and with the read-ahead off. */
    public long get(FileRun counter) {
        FileReadAhead r = handler.fileReadAheadForScrape();
        return r == null ? 0 : (long) counter.field.getOpaque(r);
    }

    /** Summed over the loop's disk send paths; 0 before the loop sent a file from disk. */
    public long get(DiskSend counter) {
        long sum = 0;
        for (DiskSendPath p : handler.sendPathsForScrape()) {
            sum += (long) counter.field.getOpaque(p.counters());
        }
        return sum;
    }

    /** The per-loop budget of file bytes between disk read and transmission, for each storage sent from. */
    public long diskSendBudgetBytes() {
        return diskSend.budgetBytes();
    }

    /** Bytes a read window reads beyond the run TCP asked for; -1: no windows, one read per segment. */
    public int diskSendReadAheadBytes() {
        return diskSend.readAheadBytes();
    }

    /** The most disk reads the loop submits per iteration (one batch, across its connections). */
    public int diskSendBatchReads() {
        return diskSend.maxReadsPerBatch();
    }

    public long drops(DropReason reason) {
        return drops.getOpaque(reason);
    }

    /** Connections in {@code state} now (CLOSED counts connection objects released, not live ones). */
    public long connections(TcpState state) {
        return (long) LONGS.getOpaque(tcp.connectionsByState, state.ordinal());
    }

    private static VarHandle field(Class<?> owner, String name) {
        try {
            return MethodHandles.lookup().findVarHandle(owner, name, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

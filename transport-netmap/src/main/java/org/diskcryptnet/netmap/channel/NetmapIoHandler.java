package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.disk.DiskLoop;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;
import org.diskcryptnet.netmap.datapath.DiskSendPath;
import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.stack.NetworkInterface;
import org.diskcryptnet.netmap.stack.StackCounters;
import org.diskcryptnet.netmap.tcp.TcpLayer;
import org.diskcryptnet.netmap.tcp.TcpListener;

/**
 * The Netty 4.2 {@link IoHandler} of one event loop on the userspace stack: the loop owns one queue pair of the
 * port, the {@link NetworkInterface} and {@link TcpLayer} on it (their timers, their buffer pool) and the
 * channels registered with it; nothing is shared with other loops on the data path. Use it as
 * {@code new MultiThreadIoEventLoopGroup(n, NetmapIoHandler.newFactory(config))} with {@code n} equal to
 * {@link NetmapConfig#queues()}: loop {@code i} serves queue {@code i}.
 *
 * <p>{@link #run} is one duty cycle: channels that asked to read again, then one poll of the stack (receive a
 * batch, fire TCP timers, deliver connection events to the channels, flush what they wrote, hand frames to
 * the port). When a cycle did nothing and Netty's context allows blocking, the {@link IdleStrategy} spins,
 * backs off or blocks until frames, a task, a TCP timer or a scheduled task are due.
 */
public final class NetmapIoHandler implements IoHandler {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(NetmapIoHandler.class);
    /** Every address of the process, for copies between a connection's buffers and a ByteBuf's memory address. */
    static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int STAGING_BYTES = 64 * 1024;
    /** {@code -Dorg.diskcryptnet.netmap.fileReadAhead=false}: one pread per segment of a DefaultFileRegion (A/B). */
    private static final boolean FILE_READ_AHEAD =
            Boolean.parseBoolean(System.getProperty("org.diskcryptnet.netmap.fileReadAhead", "true"));
    /** TCP's clock starts well above 0 (its timer wheel treats negative times as unset). */
    private static final long CLOCK_BASE = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
    private static final long TIMER_HORIZON = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MAX_TX_SYNCS = 64;
    /** How often the loop copies the kernel's counters of its queue (PacketPort.refreshCounters): a system call. */
    private static final long KERNEL_COUNTERS_PERIOD = TimeUnit.SECONDS.toNanos(1);
    private static final VarHandle SEND_PATHS;
    private static final VarHandle READ_AHEAD;

    static {
        try {
            SEND_PATHS = MethodHandles.lookup().findVarHandle(NetmapIoHandler.class, "sendPaths", DiskSendPath[].class);
            READ_AHEAD = MethodHandles.lookup().findVarHandle(NetmapIoHandler.class, "fileReadAhead",
                    FileReadAhead.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ThreadAwareExecutor executor;
    private final PortShare share;
    private final int queue;
    private final PacketPort port;
    private final PacketRing tx;
    private final NetworkInterface nif;
    private final TcpLayer tcp;
    private final LoopIdler idler;
    private final NetmapLoopStats stats;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment staging;
    private final ByteBuffer stagingBuffer;
    private FileReadAhead fileReadAhead;
    /** When the loop next copies its queue's kernel counters (PacketPort.refreshCounters). */
    private long nextKernelCounters;
    private NetmapRegistration registrations;
    private NetmapRegistration readyHead;
    private NetmapRegistration readyTail;
    private int channels;
    private boolean destroyed;
    /** The disk send paths of this loop, one per storage's disk queue (issue 8); usually one. */
    private DiskLoop[] diskLoops = new DiskLoop[0];
    private DiskSendPath[] sendPaths = new DiskSendPath[0];
    /** Per disk loop: whether the idler sleeps on its completions (else the loop polls while reads are in flight). */
    private boolean[] diskWatched = new boolean[0];

    private NetmapIoHandler(ThreadAwareExecutor executor, PortShare share) {
        this.executor = executor;
        this.share = share;
        this.queue = share.claimQueue(this);
        boolean ok = false;
        try {
            this.port = share.port();
            this.tx = port.txRing(queue);
            NetmapConfig config = share.config();
            this.nif = new NetworkInterface(port, queue, config.interfaceConfig(), config.tcp());
            this.nif.shareNeighbours(share.neighbours());
            this.tcp = nif.tcp();
            this.tcp.listenerSource(this::listenerFor);
            this.idler = new LoopIdler(config.idle(), port, queue);
            this.stats = new NetmapLoopStats(port.uri(), queue, nif.counters(), port.counters(queue), idler, this,
                    config.diskSend(port.features().dmaReadable()));
            this.staging = arena.allocate(STAGING_BYTES, 64);
            this.stagingBuffer = staging.asByteBuffer();
            ok = true;
        } finally {
            if (!ok) {
                share.release(this);
            }
        }
    }

    /**
     * A factory for the loops of one group: the first loop opens the port with {@link NetmapConfig#queues()}
     * queue pairs (in the thread that builds the group: for a kernel port, in that thread's network namespace),
     * and each loop takes the next queue.
     */
    public static IoHandlerFactory newFactory(NetmapConfig config) {
        Netmap.ensureAvailability();
        PortShare share = new PortShare(config);
        return executor -> new NetmapIoHandler(executor, share);
    }

    // ======================================================================================== the duty cycle

    @Override
    public int run(IoHandlerContext context) {
        idler.loopThread(Thread.currentThread());
        long now = now();
        if (now >= nextKernelCounters) {
            port.refreshCounters(queue);
            nextKernelCounters = now + KERNEL_COUNTERS_PERIOD;
        }
        int work = runReady();
        work += pollDisks();
        work += nif.poll(now);
        work += runDiskBatches();
        boolean txBusy = drainTx();
        if (work > 0 || txBusy || outputBusy() || tcp.hasPendingEvents() || readyHead != null || disksBusy()) {
            idler.busy();
        } else if (context.canBlock()) {
            long t = now();
            idler.idle(context, Math.min(tcp.nextTimerDeadline(), t + TIMER_HORIZON) - t);
        }
        return work;
    }

    /** Completions of the send paths' reads: their frames go out with this iteration's flush. */
    private int pollDisks() {
        int n = 0;
        for (int i = 0; i < sendPaths.length; i++) {
            if (diskLoops[i].reader().inFlight() > 0 && !diskLoops[i].reader().isClosed()) {
                try {
                    n += diskLoops[i].reader().poll();
                } catch (IOException e) {
                    logger.warn("{}: reaping disk completions failed", this, e);
                }
            }
        }
        return n;
    }

    /** One batch of reads per send path, for what TCP asked in this iteration. */
    private int runDiskBatches() {
        int n = 0;
        for (DiskSendPath p : sendPaths) {
            if (p.waitingUnits() > 0) {
                n += p.runBatch();
            }
        }
        return n;
    }

    /**
     * TCP output that only polling would let go. Not so when every tx slot is reserved for segments whose payload
     * the send paths are still producing: at 1,000 connections the loop spent most of its iterations (over a million
     * a second) flushing for slots that only a disk completion could give back. Whether that completion wakes a
     * sleeping loop is {@link #disksBusy}'s question: the slots' units are waiting or reading in a send path.
     */
    private boolean outputBusy() {
        return tcp.hasPendingOutput() && !nif.slotsWaitForProductions();
    }

    /**
     * Reads that only polling would notice: units that may be read now, or reads in flight on a queue whose
     * completions do not wake the idler (no eventfd, or a strategy that does not block in poll(2)). Units that wait
     * for a read in flight on a watched queue are not: its completion wakes the loop.
     */
    private boolean disksBusy() {
        for (int i = 0; i < sendPaths.length; i++) {
            boolean watched = diskWatched[i];
            if (!watched && diskLoops[i].reader().inFlight() > 0
                    || sendPaths[i].waitingUnits() > 0 && !(watched && sendPaths[i].waitsForReads())) {
                return true;
            }
        }
        return false;
    }

    /** The send path over {@code disk}, this loop's queue of a storage; made on first use. */
    DiskSendPath sendPath(DiskLoop disk) {
        for (int i = 0; i < diskLoops.length; i++) {
            if (diskLoops[i] == disk) {
                return sendPaths[i];
            }
        }
        DiskSendPath p = new DiskSendPath(disk.reader(), share.config().diskSend(port.features().dmaReadable()));
        disk.ownerPolls(); // pollDisks() reaps this queue's completions, also those of a DiskRegionWriter here
        diskLoops = java.util.Arrays.copyOf(diskLoops, diskLoops.length + 1);
        DiskSendPath[] paths = java.util.Arrays.copyOf(sendPaths, sendPaths.length + 1);
        diskLoops[diskLoops.length - 1] = disk;
        diskWatched = java.util.Arrays.copyOf(diskWatched, diskWatched.length + 1);
        diskWatched[diskWatched.length - 1] = idler.watch(disk.queue());
        paths[paths.length - 1] = p;
        SEND_PATHS.setRelease(this, paths); // published whole to a scrape (NetmapLoopStats), once per storage
        return p;
    }

    /** The loop's read-ahead for a reader on another thread, or null before a file region was sent (acquire). */
    FileReadAhead fileReadAheadForScrape() {
        return (FileReadAhead) READ_AHEAD.getAcquire(this);
    }

    /** The loop's send paths for a reader on another thread (acquire: the array as the loop published it). */
    DiskSendPath[] sendPathsForScrape() {
        return (DiskSendPath[]) SEND_PATHS.getAcquire(this);
    }

    /** The counters of this loop's first disk send path, or null if it sent no file yet (loop thread only). */
    public DiskSendCounters diskSendCounters() {
        return sendPaths.length == 0 ? null : sendPaths[0].counters();
    }

    /** Whether the port takes frames larger than a segment and cuts them (TSO/GSO): TCP then sends such frames. */
    boolean segmentationOffload() {
        return port.features().segmentationOffload();
    }

    /** This loop as Netty's {@link EventLoop} (the executor Netty built the handler for). */
    EventLoop eventLoop() {
        return (EventLoop) executor;
    }

    @Override
    public void wakeup() {
        idler.wakeup();
    }

    /** Channels that asked for a read while their bytes were already waiting. */
    private int runReady() {
        int n = 0;
        NetmapRegistration r;
        while ((r = readyHead) != null) {
            readyHead = r.nextReady;
            if (readyHead == null) {
                readyTail = null;
            }
            r.nextReady = null;
            r.inReadyList = false;
            if (r.isValid()) {
                r.deliver(NetmapIoEvent.READABLE);
                n++;
            }
        }
        return n;
    }

    void scheduleRead(NetmapRegistration r) {
        if (r.inReadyList) {
            return;
        }
        r.inReadyList = true;
        if (readyTail != null) {
            readyTail.nextReady = r;
        } else {
            readyHead = r;
        }
        readyTail = r;
    }

    // ======================================================================================== registrations

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof NetmapIoHandle h)) {
            throw new IllegalArgumentException("IoHandle of type " + handle.getClass().getSimpleName() + " not supported");
        }
        if (destroyed) {
            throw new IllegalStateException("the loop of " + port.uri() + " queue " + queue + " is shut down");
        }
        NetmapRegistration r = new NetmapRegistration(this, h);
        r.nextRegistration = registrations;
        if (registrations != null) {
            registrations.prevRegistration = r;
        }
        registrations = r;
        channels++;
        h.registered();
        return r;
    }

    void unlink(NetmapRegistration r) {
        if (r.prevRegistration != null) {
            r.prevRegistration.nextRegistration = r.nextRegistration;
        } else if (registrations == r) {
            registrations = r.nextRegistration;
        }
        if (r.nextRegistration != null) {
            r.nextRegistration.prevRegistration = r.prevRegistration;
        }
        r.prevRegistration = null;
        r.nextRegistration = null;
        channels--;
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return NetmapIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public void prepareToDestroy() {
        for (NetmapRegistration r = registrations; r != null; ) {
            NetmapRegistration next = r.nextRegistration;
            r.closeHandle();
            r = next;
        }
    }

    @Override
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        try {
            nif.close();
        } catch (RuntimeException e) {
            logger.debug("closing the stack of {} queue {}", port.uri(), queue, e);
        } finally {
            for (DiskSendPath p : sendPaths) {
                p.close();
            }
            idler.close();
            arena.close();
            share.release(this);
        }
    }

    // ======================================================================================== for channels

    /**
     * Emits what the connections may send now and hands the frames to the port: a channel's flush puts its bytes
     * on the wire at once, as a kernel socket's write does, instead of at the end of the loop iteration (a
     * handler may block the loop thread after flushing, and the peer must still get the bytes).
     */
    void flushNow() {
        if (tcp.hasPendingOutput()) {
            tcp.flushOutput(now());
        }
        nif.flushTx();
        drainTx();
    }

    /**
     * Syncs the tx ring until every submitted frame left or the port stops making progress: a port may move only
     * a batch per sync (AF_XDP in copy mode transmits 32 frames per kick, a pipe what the peer's ring takes), and
     * frames left in the ring would otherwise wait for the next event, which the missing frames would never
     * cause. True if frames are still in flight (the loop then must not block).
     */
    private boolean drainTx() {
        int inFlight = txInFlight();
        for (int i = 0; inFlight > 0 && i < MAX_TX_SYNCS; i++) {
            port.txSync(queue);
            int now = txInFlight();
            if (now >= inFlight) {
                break; // completions come later (a NIC's DMA, a full peer): the idle strategy must not block
            }
            inFlight = now;
        }
        return inFlight > 0;
    }

    /** Slots of the tx ring handed to the port and not completed yet. */
    private int txInFlight() {
        return tx.size() - 1 - tx.space();
    }

    /** TCP's clock: nanoseconds, monotonic, always positive. */
    long now() {
        return System.nanoTime() - CLOCK_BASE;
    }

    /** Starts this loop's thread if it has not run yet: a task is what starts a Netty loop. */
    void start() {
        if (!inLoop()) {
            try {
                executor.execute(NOTHING);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                // a loop that is shutting down reads nothing more anyway
            }
        }
    }

    private static final Runnable NOTHING = () -> { };

    ThreadAwareExecutor executor() {
        return executor;
    }

    boolean inLoop() {
        return executor.isExecutorThread(Thread.currentThread());
    }

    NetworkInterface networkInterface() {
        return nif;
    }

    TcpLayer tcp() {
        return tcp;
    }

    PortShare share() {
        return share;
    }

    /** The queue of the port this loop serves. */
    public int queue() {
        return queue;
    }

    /** This loop's stack counters (read them on the loop's thread, or accept torn values). */
    public StackCounters counters() {
        return nif.counters();
    }

    /** This loop's counters for a scrape from any thread (opaque reads, no lock, no allocation). */
    public NetmapLoopStats stats() {
        return stats;
    }

    /** A loop-owned scratch area for copies that cannot go straight from a ByteBuf's address. */
    MemorySegment staging() {
        return staging;
    }

    /** The loop's read-ahead for DefaultFileRegions, made on first use; null when turned off. */
    FileReadAhead fileReadAhead() {
        if (fileReadAhead == null && FILE_READ_AHEAD && !destroyed) {
            READ_AHEAD.setRelease(this, new FileReadAhead(arena)); // published to a scrape (NetmapLoopStats)
        }
        return fileReadAhead;
    }

    /** The same scratch area as a ByteBuffer (position and limit are the caller's to set). */
    ByteBuffer stagingBuffer() {
        return stagingBuffer;
    }

    /** How often this loop parked or blocked for lack of work (diagnostics). */
    public long idlerParks() {
        return idler.parks;
    }

    int registeredChannels() {
        return channels;
    }

    /** TcpLayer's listener source: a server channel bound on the whole group gets a listener in this loop. */
    private TcpListener listenerFor(int localPort) {
        NetmapServerSocketChannel server = share.listener(localPort);
        return server == null ? null : server.listenIn(this, localPort);
    }

    @Override
    public String toString() {
        return "NetmapIoHandler(" + port.uri() + " queue " + queue + ")";
    }
}

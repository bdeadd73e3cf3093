package org.diskcryptnet.disk.uring;

import static org.diskcryptnet.disk.uring.IoUringAbi.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.diskcryptnet.disk.DiskCompletionHandler;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.FileVersionCheck;
import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.linux.EventFd;
import org.diskcryptnet.disk.linux.LinuxException;

/**
 * {@link DiskQueue} on an io_uring ring: IORING_OP_READ / READ_FIXED of O_DIRECT descriptors (regular files
 * and block devices). Registered memory becomes fixed buffers, registered files fixed-file slots; an eventfd
 * registered with the ring lets an event loop sleep in epoll until a completion arrives.
 *
 * <p>Also the base of the NVMe passthrough queue, which needs the same ring with 128-byte SQEs.
 */
public class IoUringDiskQueue implements DiskQueue {

    private static final int MAX_FIXED_BUFFERS = 8;

    protected final IoUring ring;
    private final IoUringOptions options;
    private final boolean deferTaskrun;
    private final int depth;
    private final EventFd eventFd;
    private final long[] bufferStart = new long[MAX_FIXED_BUFFERS];
    private final long[] bufferEnd = new long[MAX_FIXED_BUFFERS];
    private int buffers;
    /** The fixed-buffer table is sparse (Linux 5.19+): memory is added slot by slot, with reads in flight. */
    private final boolean sparseBuffers;
    private final Object[] fixedFiles;
    private final FileVersionCheck versions = new FileVersionCheck();
    private int inFlight;
    private int queued;
    private boolean closed;

    public IoUringDiskQueue(IoUringOptions options, int depth) throws IOException {
        this(options, depth, 0);
    }

    protected IoUringDiskQueue(IoUringOptions options, int depth, int extraSetupFlags) throws IOException {
        this(options, depth, extraSetupFlags, true);
    }

    /** {@code sparseTable} false: the table of a kernel before 5.19 (registered whole), on any kernel, for tests. */
    IoUringDiskQueue(IoUringOptions options, int depth, int extraSetupFlags, boolean sparseTable) throws IOException {
        int entries = Math.max(options.sqEntries(), Integer.highestOneBit(Math.max(depth, 1) * 2 - 1));
        this.options = options;
        this.ring = setupWithFallback(entries, options, extraSetupFlags);
        this.deferTaskrun = (ring.setupFlags() & IORING_SETUP_DEFER_TASKRUN) != 0;
        this.depth = Math.min(depth, ring.sqEntries());
        EventFd efd = null;
        boolean sparse = false;
        try {
            efd = EventFd.create(true);
            ring.registerEventFd(efd.fd());
            if (options.fixedFileSlots() > 0) {
                ring.registerSparseFiles(options.fixedFileSlots());
            }
            sparse = sparseTable && options.registerBuffers() && registerSparseBuffers(ring);
        } catch (IOException | RuntimeException e) {
            if (efd != null) {
                efd.close();
            }
            ring.close();
            throw e;
        }
        this.eventFd = efd;
        this.sparseBuffers = sparse;
        this.fixedFiles = new Object[options.fixedFileSlots()];
    }

    /** False on a kernel without sparse buffer tables (before 5.19): the whole table is then registered at once. */
    private static boolean registerSparseBuffers(IoUring ring) {
        try {
            ring.registerSparseBuffers(MAX_FIXED_BUFFERS);
            return true;
        } catch (LinuxException e) {
            return false;
        }
    }

    /** Kernels before 6.1 lack DEFER_TASKRUN: fall back to COOP_TASKRUN rather than failing. */
    private static IoUring setupWithFallback(int entries, IoUringOptions options, int extra) throws LinuxException {
        try {
            return IoUring.setup(entries, options.setupFlags(extra), options.sqThreadIdleMs());
        } catch (LinuxException e) {
            if (e.errno() != Errno.EINVAL || options.sqPoll()) {
                throw e;
            }
            return IoUring.setup(entries, IORING_SETUP_COOP_TASKRUN | extra, options.sqThreadIdleMs());
        }
    }

    @Override
    public String backend() {
        return "io_uring";
    }

    public IoUring ring() {
        return ring;
    }

    @Override
    public int depth() {
        return depth;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public int queued() {
        return queued;
    }

    @Override
    public boolean read(DiskFile file, long offset, int length, MemorySegment dst, long dstOffset, long userData) {
        DiskQueue.checkAligned(file, offset, length, dst, dstOffset);
        if (inFlight >= depth) {
            return false;
        }
        long sqe = ring.nextSqe();
        if (sqe < 0) {
            return false;
        }
        int slot = file.fixedSlot(this);
        long address = dst.address() + dstOffset;
        prepareRead(ring.sqes(), sqe, slot >= 0 ? slot : file.fd(), slot >= 0, address, length, offset,
                fixedBufferIndex(address, length), userData);
        inFlight++;
        queued++;
        return true;
    }

    /** Takes one more slot for a read whose SQE a subclass fills itself; -1 when full. */
    protected long reserveSqe() {
        if (inFlight >= depth) {
            return -1;
        }
        long sqe = ring.nextSqe();
        if (sqe >= 0) {
            inFlight++;
            queued++;
        }
        return sqe;
    }

    /** Whether memory can be added to the fixed buffers with reads in flight (a sparse table, Linux 5.19+). */
    boolean sparseBufferTable() {
        return sparseBuffers;
    }

    /** The fixed buffer holding [address, address + length), or -1. */
    public int fixedBufferIndex(long address, long length) {
        for (int i = 0; i < buffers; i++) {
            if (address >= bufferStart[i] && address + length <= bufferEnd[i]) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int submit() throws IOException {
        ring.flush();
        if (queued == 0) {
            return 0;
        }
        if ((ring.setupFlags() & IORING_SETUP_SQPOLL) != 0) {
            if ((ring.sqFlags() & IORING_SQ_NEED_WAKEUP) != 0) {
                ring.enter(0, 0, IORING_ENTER_SQ_WAKEUP);
            }
            int submitted = queued;
            queued = 0;
            return submitted;
        }
        int submitted = 0;
        while (submitted < queued) {
            try {
                int r = ring.enter(queued - submitted, 0, 0);
                if (r == 0) {
                    break; // EINTR: the rest goes with the next submit
                }
                submitted += r;
            } catch (LinuxException e) {
                if (e.errno() == Errno.EAGAIN || e.errno() == Errno.EBUSY) {
                    break; // the kernel is short of resources or the CQ is full: retry after reaping
                }
                throw e;
            }
        }
        queued -= submitted;
        return submitted;
    }

    @Override
    public int poll(DiskCompletionHandler handler) throws IOException {
        if (inFlight == 0) {
            return 0;
        }
        if (ring.cqReady() == 0) {
            if ((ring.sqFlags() & announced()) == 0) {
                return 0; // nothing ready and nothing announced: no system call
            }
            ring.enter(0, 0, IORING_ENTER_GETEVENTS); // run deferred completion work, flush an overflow
        }
        int n = reap(handler);
        if (queued > 0) {
            submit(); // reads queued by the callbacks just run go down together, now
        }
        return n;
    }

    /** SQ ring flags that say completions are waiting in the kernel for an enter to post them. */
    private int announced() {
        return deferTaskrun ? IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW : IORING_SQ_CQ_OVERFLOW;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With DEFER_TASKRUN the kernel runs a bounded batch of completion work per enter (20 on Linux 6.18); when
     * it leaves some behind it sets IORING_SQ_TASKRUN again but does not signal the eventfd, which it only does when
     * the first completion of an empty batch arrives. So the flag, not the eventfd alone, says whether to poll
     * again.
     */
    @Override
    public boolean completionsPending() {
        return inFlight > 0 && (ring.cqReady() > 0 || (ring.sqFlags() & announced()) != 0);
    }

    @Override
    public int await(DiskCompletionHandler handler) throws IOException {
        if (inFlight == 0) {
            return 0;
        }
        if (ring.cqReady() == 0) {
            ring.flush();
            int r = ring.enter(queued, 1, IORING_ENTER_GETEVENTS);
            queued = Math.max(0, queued - r);
        }
        // Reads the handler queues stay queued: the next await submits them and waits in one io_uring_enter.
        return reap(handler);
    }

    private int reap(DiskCompletionHandler handler) {
        int ready = ring.cqReady();
        MemorySegment cq = ring.cqRing();
        for (int i = 0; i < ready; i++) {
            long cqe = ring.cqe(0);
            long userData = cqeUserData(cq, cqe);
            int res = cqeResult(cq, cqe);
            // Hand the entry back before the callback: a callback may submit more, or (re)enter poll.
            ring.cqAdvance(1);
            inFlight--;
            complete(cq, cqe, userData, res, handler);
        }
        return ready;
    }

    /** Delivers one completion; the passthrough queue overrides it to gather split commands. */
    protected void complete(MemorySegment cq, long cqe, long userData, int res, DiskCompletionHandler handler) {
        handler.complete(userData, res);
    }

    @Override
    public int completionFd() {
        return eventFd.fd();
    }

    @Override
    public long drainCompletionFd() {
        return eventFd.drain();
    }

    @Override
    public boolean registerBuffers(MemorySegment... segments) {
        if (!options.registerBuffers()) {
            return false;
        }
        return sparseBuffers ? registerInSlots(segments) : registerWholeTable(segments);
    }

    /** Each segment into an empty slot of the sparse table, all or none (a failed one undoes the others). */
    private boolean registerInSlots(MemorySegment... segments) {
        int[] slots = new int[segments.length];
        for (int k = 0; k < segments.length; k++) {
            int slot = emptySlot();
            if (slot < 0 || !fill(slot, segments[k])) {
                for (int done = 0; done < k; done++) {
                    clearSlot(slots[done]);
                }
                return false;
            }
            slots[k] = slot;
            remember(slot, segments[k]);
        }
        return true;
    }

    /** Slot {@code slot} holds {@code segment}: reads into it are READ_FIXED from now on. */
    private void remember(int slot, MemorySegment segment) {
        bufferStart[slot] = segment.address();
        bufferEnd[slot] = segment.address() + segment.byteSize();
        buffers = Math.max(buffers, slot + 1);
    }

    private boolean fill(int slot, MemorySegment segment) {
        try {
            ring.updateBuffer(slot, segment);
            return true;
        } catch (LinuxException e) {
            return false; // typically ENOMEM: RLIMIT_MEMLOCK too small to pin; plain reads still work
        }
    }

    /** A slot that holds no memory (never used, or forgotten), or -1 if all hold some. */
    private int emptySlot() {
        for (int i = 0; i < MAX_FIXED_BUFFERS; i++) {
            if (i >= buffers || bufferEnd[i] == bufferStart[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Forgets the slot's memory, and with a sparse table unpins it once no request uses it. */
    private void clearSlot(int slot) {
        bufferStart[slot] = 0;
        bufferEnd[slot] = 0;
        if (sparseBuffers) {
            try {
                ring.updateBuffer(slot, MemorySegment.NULL);
            } catch (LinuxException e) {
                // stays pinned until the ring closes; no read is matched to it again
            }
        }
    }

    /**
     * Without a sparse table the table is registered whole (IORING_REGISTER_BUFFERS may not be called twice), so
     * adding memory means registering old and new together, while no read uses them.
     */
    private boolean registerWholeTable(MemorySegment... segments) {
        List<MemorySegment> all = new ArrayList<>();
        for (int i = 0; i < buffers; i++) {
            if (bufferEnd[i] > bufferStart[i]) { // (not forgotten)
                all.add(MemorySegment.ofAddress(bufferStart[i]).reinterpret(bufferEnd[i] - bufferStart[i]));
            }
        }
        Collections.addAll(all, segments);
        if (all.size() > MAX_FIXED_BUFFERS) {
            return false;
        }
        try {
            if (buffers > 0) {
                if (inFlight > 0) {
                    return false;
                }
                ring.unregisterBuffers();
                buffers = 0;
            }
            ring.registerBuffers(all.toArray(MemorySegment[]::new));
        } catch (LinuxException e) {
            return false; // typically ENOMEM: RLIMIT_MEMLOCK too small to pin; plain reads still work
        }
        for (int i = 0; i < all.size(); i++) {
            remember(i, all.get(i));
        }
        return true;
    }

    /**
     * With a sparse table the slot is emptied (an update to a null iovec), which unpins the memory once no request
     * uses it, and can take other memory later; without one the table stays registered until the ring closes or is
     * registered again, and only the lookup forgets the memory.
     */
    @Override
    public void unregisterBuffers(MemorySegment... segments) {
        for (MemorySegment s : segments) {
            for (int i = 0; i < buffers; i++) {
                if (bufferEnd[i] > bufferStart[i] && bufferStart[i] == s.address()
                        && bufferEnd[i] == s.address() + s.byteSize()) {
                    clearSlot(i);
                }
            }
        }
    }

    @Override
    public boolean registerFile(DiskFile file) {
        if (file.fd() < 0) {
            return false;
        }
        int slot = registerFixedFd(file.fd(), file);
        if (slot < 0) {
            return false;
        }
        file.setFixedSlot(this, slot);
        return true;
    }

    /** Installs {@code fd} in a free fixed-file slot owned by {@code owner}; returns the slot, or -1. */
    protected int registerFixedFd(int fd, Object owner) {
        for (int slot = 0; slot < fixedFiles.length; slot++) {
            if (fixedFiles[slot] == null) {
                try {
                    ring.updateFile(slot, fd);
                } catch (LinuxException e) {
                    return -1;
                }
                fixedFiles[slot] = owner;
                return slot;
            }
        }
        return -1;
    }

    @Override
    public void unregisterFile(DiskFile file) {
        int slot = file.fixedSlot(this);
        if (slot < 0) {
            return;
        }
        fixedFiles[slot] = null;
        file.setFixedSlot(null, -1);
        if (!closed) {
            try {
                ring.updateFile(slot, -1);
            } catch (LinuxException e) {
                // the slot stays occupied in the kernel until the ring closes; harmless
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Object o : fixedFiles) {
            if (o instanceof DiskFile f) {
                f.setFixedSlot(null, -1);
            }
        }
        ring.close();
        eventFd.close();
        versions.close();
    }

    /** False once closed: its statx buffer is gone, and so are the rings, so no read of the file follows anyway. */
    @Override
    public boolean fileChanged(DiskFile file) {
        return !closed && versions.changed(file);
    }
}

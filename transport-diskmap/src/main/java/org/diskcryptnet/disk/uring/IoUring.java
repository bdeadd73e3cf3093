package org.diskcryptnet.disk.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.diskcryptnet.disk.uring.IoUringAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.IoUringSyscalls;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.Mman;
import org.diskcryptnet.disk.linux.Native;

/**
 * One io_uring instance mapped into this process: the submission ring, the SQE array and the completion ring
 * (io_uring_setup(2), io_uring_enter(2), io_uring_register(2)). Owned by one thread; nothing here locks.
 *
 * <p>Producer/consumer rules (io_uring(7)): the application writes SQEs, then publishes the SQ tail with a
 * release store; it reads the CQ tail with an acquire load, consumes entries, then publishes the CQ head with a
 * release store. The kernel's side mirrors that. Reaping completions is therefore a couple of loads: no system
 * call happens unless entries must be submitted or deferred completion work must run.
 */
public final class IoUring implements AutoCloseable {

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int fd;
    private final int setupFlags;
    private final int features;
    private final int sqEntries;
    private final int cqEntries;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqeSize;
    private final long cqeSize;
    private final long sqHeadOff, sqTailOff, sqFlagsOff, sqArrayOff;
    private final long cqHeadOff, cqTailOff, cqesOff;
    private final int sqMask, cqMask;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errnoBox;
    private int sqTail;          // local tail: entries prepared, not yet published
    private int sqPublished;     // tail as last published to the kernel
    private boolean closed;

    private IoUring(int fd, MemorySegment p, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes) {
        this.fd = fd;
        this.setupFlags = p.get(JAVA_INT, param("flags"));
        this.features = p.get(JAVA_INT, param("features"));
        this.sqEntries = p.get(JAVA_INT, param("sq_entries"));
        this.cqEntries = p.get(JAVA_INT, param("cq_entries"));
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqeSize = (setupFlags & IORING_SETUP_SQE128) != 0 ? SQE128_SIZE : SQE_SIZE;
        this.cqeSize = (setupFlags & IORING_SETUP_CQE32) != 0 ? CQE32_SIZE : CQE_SIZE;
        this.sqHeadOff = Integer.toUnsignedLong(p.get(JAVA_INT, sqOff("head")));
        this.sqTailOff = Integer.toUnsignedLong(p.get(JAVA_INT, sqOff("tail")));
        this.sqFlagsOff = Integer.toUnsignedLong(p.get(JAVA_INT, sqOff("flags")));
        this.sqArrayOff = Integer.toUnsignedLong(p.get(JAVA_INT, sqOff("array")));
        this.cqHeadOff = Integer.toUnsignedLong(p.get(JAVA_INT, cqOff("head")));
        this.cqTailOff = Integer.toUnsignedLong(p.get(JAVA_INT, cqOff("tail")));
        this.cqesOff = Integer.toUnsignedLong(p.get(JAVA_INT, cqOff("cqes")));
        this.sqMask = sqRing.get(JAVA_INT, Integer.toUnsignedLong(p.get(JAVA_INT, sqOff("ring_mask"))));
        this.cqMask = cqRing.get(JAVA_INT, Integer.toUnsignedLong(p.get(JAVA_INT, cqOff("ring_mask"))));
        this.errnoBox = Native.newErrnoBox(arena);
        // The SQ array maps ring slots to SQE indexes; an identity map set once lets slot i always use SQE i.
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, sqArrayOff + 4L * i, i);
        }
        this.sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
        this.sqPublished = sqTail;
    }

    /**
     * io_uring_setup with {@code entries} SQ entries (a power of two is used as is), a CQ twice as large, and
     * {@code flags} (IORING_SETUP_*). {@code sqThreadIdleMs} matters only with SQPOLL.
     */
    public static IoUring setup(int entries, int flags, int sqThreadIdleMs) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(PARAMS);
            p.set(JAVA_INT, param("flags"), flags | IORING_SETUP_CQSIZE);
            p.set(JAVA_INT, param("cq_entries"), entries * 2);
            p.set(JAVA_INT, param("sq_thread_idle"), sqThreadIdleMs);
            int fd = (int) IoUringSyscalls.setup(entries, p);
            MemorySegment sqRing = null;
            MemorySegment cqRing = null;
            try {
                int sqEntries = p.get(JAVA_INT, param("sq_entries"));
                int cqEntries = p.get(JAVA_INT, param("cq_entries"));
                long sqSize = Integer.toUnsignedLong(p.get(JAVA_INT, sqOff("array"))) + 4L * sqEntries;
                long cqeSize = (flags & IORING_SETUP_CQE32) != 0 ? CQE32_SIZE : CQE_SIZE;
                long cqSize = Integer.toUnsignedLong(p.get(JAVA_INT, cqOff("cqes"))) + cqeSize * cqEntries;
                boolean single = (p.get(JAVA_INT, param("features")) & IORING_FEAT_SINGLE_MMAP) != 0;
                int prot = Mman.PROT_READ | Mman.PROT_WRITE;
                int mapFlags = Mman.MAP_SHARED | Mman.MAP_POPULATE;
                if (single) {
                    sqRing = Mman.map(fd, Math.max(sqSize, cqSize), prot, mapFlags, IORING_OFF_SQ_RING, "sq+cq ring");
                    cqRing = sqRing;
                } else {
                    sqRing = Mman.map(fd, sqSize, prot, mapFlags, IORING_OFF_SQ_RING, "sq ring");
                    cqRing = Mman.map(fd, cqSize, prot, mapFlags, IORING_OFF_CQ_RING, "cq ring");
                }
                long sqeSize = (flags & IORING_SETUP_SQE128) != 0 ? SQE128_SIZE : SQE_SIZE;
                MemorySegment sqes = Mman.map(fd, sqeSize * sqEntries, prot, mapFlags, IORING_OFF_SQES, "sqes");
                return new IoUring(fd, p, sqRing, cqRing, sqes);
            } catch (LinuxException | RuntimeException e) {
                if (cqRing != null && cqRing != sqRing) {
                    Mman.unmap(cqRing);
                }
                if (sqRing != null) {
                    Mman.unmap(sqRing);
                }
                Fcntl.close(fd);
                throw e;
            }
        }
    }

    public int fd() {
        return fd;
    }

    public int setupFlags() {
        return setupFlags;
    }

    public int features() {
        return features;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** The SQE array; entries are addressed by the offsets {@link #nextSqe()} returns. */
    public MemorySegment sqes() {
        return sqes;
    }

    /** The CQ ring mapping; entries are addressed by the offsets {@link #cqe(int)} returns. */
    public MemorySegment cqRing() {
        return cqRing;
    }

    /** Free SQ slots: the ring size minus entries the kernel has not consumed yet. */
    public int sqSpace() {
        int head = (int) INT.getAcquire(sqRing, sqHeadOff);
        return sqEntries - (sqTail - head);
    }

    /** Offset of the next free SQE, zeroed, or -1 when the SQ is full. The entry is published by {@link #flush()}. */
    public long nextSqe() {
        if (sqSpace() <= 0) {
            return -1;
        }
        long sqe = (sqTail & sqMask) * sqeSize;
        for (long k = 0; k < sqeSize; k += 8) {
            sqes.set(JAVA_LONG, sqe + k, 0L);
        }
        sqTail++;
        return sqe;
    }

    /** Publishes the prepared SQEs to the kernel (release store of the SQ tail); returns how many were new. */
    public int flush() {
        int n = sqTail - sqPublished;
        if (n > 0) {
            INT.setRelease(sqRing, sqTailOff, sqTail);
            sqPublished = sqTail;
        }
        return n;
    }

    /** The SQ ring flags the kernel sets: NEED_WAKEUP (SQPOLL asleep), CQ_OVERFLOW, TASKRUN. */
    public int sqFlags() {
        VarHandle.fullFence(); // order the tail store above against this load (io_uring(7), SQPOLL wakeup)
        return (int) INT.getAcquire(sqRing, sqFlagsOff);
    }

    /** io_uring_enter; returns the number of SQEs consumed. EINTR is reported as 0, other failures thrown. */
    public int enter(int toSubmit, int minComplete, int flags) throws LinuxException {
        long r = IoUringSyscalls.enter(errnoBox, fd, toSubmit, minComplete, flags);
        if (r < 0) {
            int errno = Native.errno(errnoBox);
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new LinuxException("io_uring_enter", errno);
        }
        return (int) r;
    }

    /** Completions ready to be read (acquire load of the CQ tail); no system call. */
    public int cqReady() {
        int tail = (int) INT.getAcquire(cqRing, cqTailOff);
        int head = (int) INT.get(cqRing, cqHeadOff);
        return tail - head;
    }

    /** Offset in {@link #cqRing()} of the {@code i}-th ready completion. */
    public long cqe(int i) {
        int head = (int) INT.get(cqRing, cqHeadOff);
        return cqesOff + ((head + i) & cqMask) * cqeSize;
    }

    /** Hands {@code n} consumed completions back to the kernel (release store of the CQ head). */
    public void cqAdvance(int n) {
        int head = (int) INT.get(cqRing, cqHeadOff);
        INT.setRelease(cqRing, cqHeadOff, head + n);
    }

    /** IORING_REGISTER_BUFFERS: the segments become fixed buffers 0..n-1 (pinned for the ring's life). */
    public void registerBuffers(MemorySegment... buffers) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            register(IORING_REGISTER_BUFFERS, iovecs(a, buffers), buffers.length, "IORING_REGISTER_BUFFERS");
        }
    }

    /**
     * IORING_REGISTER_BUFFERS2 with a sparse table of {@code slots} empty fixed buffers (Linux 5.19), filled by
     * {@link #updateBuffers}: memory can then be added while reads are in flight, where a whole-table
     * IORING_REGISTER_BUFFERS must first be unregistered.
     */
    public void registerSparseBuffers(int slots) throws LinuxException {
        registerSparse(IORING_REGISTER_BUFFERS2, slots, "IORING_REGISTER_BUFFERS2");
    }

    /**
     * IORING_REGISTER_BUFFERS_UPDATE of one slot of a table made by {@link #registerSparseBuffers}: {@code buffer}
     * becomes fixed buffer {@code slot} (pinned until the slot is updated again or the ring closes); an empty segment
     * ({@link MemorySegment#NULL}) empties the slot. Needs no quiescing: requests in flight keep what they use. One
     * slot a call, because the kernel stops a multi-slot update at the first failure and reports how many it did.
     */
    public void updateBuffer(int slot, MemorySegment buffer) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = iovecs(a, buffer);
            MemorySegment upd = a.allocate(RSRC_UPDATE2);
            upd.set(JAVA_INT, RSRC_UPDATE2_OFFSET, slot);
            upd.set(JAVA_LONG, RSRC_UPDATE2_DATA, iov.address());
            upd.set(JAVA_INT, RSRC_UPDATE2_NR, 1);
            register(IORING_REGISTER_BUFFERS_UPDATE, upd, (int) RSRC_UPDATE2.byteSize(),
                    "IORING_REGISTER_BUFFERS_UPDATE");
        }
    }

    private static MemorySegment iovecs(Arena a, MemorySegment... buffers) {
        MemorySegment iov = a.allocate(IOVEC, buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            iov.set(JAVA_LONG, i * IOVEC.byteSize() + IOVEC_BASE, buffers[i].address());
            iov.set(JAVA_LONG, i * IOVEC.byteSize() + IOVEC_LEN, buffers[i].byteSize());
        }
        return iov;
    }

    /** IORING_UNREGISTER_BUFFERS: drops every fixed buffer (none may be in use by a read in flight). */
    public void unregisterBuffers() throws LinuxException {
        register(IORING_UNREGISTER_BUFFERS, MemorySegment.NULL, 0, "IORING_UNREGISTER_BUFFERS");
    }

    /** IORING_REGISTER_FILES2 with a sparse table of {@code slots} empty entries, filled by {@link #updateFile}. */
    public void registerSparseFiles(int slots) throws LinuxException {
        registerSparse(IORING_REGISTER_FILES2, slots, "IORING_REGISTER_FILES2");
    }

    /** A struct io_uring_rsrc_register of {@code slots} empty entries (IORING_RSRC_REGISTER_SPARSE). */
    private void registerSparse(int opcode, int slots, String what) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(RSRC_REGISTER);
            reg.set(JAVA_INT, RSRC_REGISTER_NR, slots);
            reg.set(JAVA_INT, RSRC_REGISTER_FLAGS, IORING_RSRC_REGISTER_SPARSE);
            register(opcode, reg, (int) RSRC_REGISTER.byteSize(), what);
        }
    }

    /** IORING_REGISTER_FILES_UPDATE of one slot: {@code fd} >= 0 installs, -1 clears. */
    public void updateFile(int slot, int fileFd) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT);
            fds.set(JAVA_INT, 0, fileFd);
            MemorySegment upd = a.allocate(RSRC_UPDATE);
            upd.set(JAVA_INT, RSRC_UPDATE_OFFSET, slot);
            upd.set(JAVA_LONG, RSRC_UPDATE_DATA, fds.address());
            register(IORING_REGISTER_FILES_UPDATE, upd, 1, "IORING_REGISTER_FILES_UPDATE");
        }
    }

    /** IORING_REGISTER_EVENTFD: the kernel signals {@code eventFd} whenever it posts a completion. */
    public void registerEventFd(int eventFd) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, eventFd);
            register(IORING_REGISTER_EVENTFD, v, 1, "IORING_REGISTER_EVENTFD");
        }
    }

    private void register(int opcode, MemorySegment arg, int nrArgs, String what) throws LinuxException {
        long r = IoUringSyscalls.register(errnoBox, fd, opcode, arg, nrArgs);
        if (r < 0) {
            throw new LinuxException("io_uring_register(" + what + ")", Native.errno(errnoBox));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Mman.unmap(sqes);
        if (cqRing != sqRing) {
            Mman.unmap(cqRing);
        }
        Mman.unmap(sqRing);
        Fcntl.close(fd);
        arena.close();
    }
}

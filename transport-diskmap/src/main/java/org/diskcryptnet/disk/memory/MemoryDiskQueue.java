package org.diskcryptnet.disk.memory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import org.diskcryptnet.disk.DiskCompletionHandler;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;

/**
 * The in-memory {@link DiskQueue}: a read is recorded when queued, becomes due when submitted (plus its fault's
 * delay), and is carried out (bytes copied into the destination, as a device's DMA would at completion) when a
 * poll finds it due. Completions come in the order reads become due. Single-threaded, like the real queues.
 */
public final class MemoryDiskQueue implements DiskQueue {

    private final int depth;
    private final FaultPlan faults;
    private final LongSupplier clock;
    private final long[] userData;
    private final DiskFile[] files;
    private final long[] offsets;
    private final int[] lengths;
    private final MemorySegment[] dsts;
    private final long[] dstOffsets;
    private final Fault[] plan;
    private final long[] due;      // Long.MAX_VALUE: queued, not submitted; -1: free
    private int inFlight;
    private int queued;
    private long sequence;

    MemoryDiskQueue(int depth, FaultPlan faults, LongSupplier clock) {
        this.depth = depth;
        this.faults = faults;
        this.clock = clock;
        this.userData = new long[depth];
        this.files = new DiskFile[depth];
        this.offsets = new long[depth];
        this.lengths = new int[depth];
        this.dsts = new MemorySegment[depth];
        this.dstOffsets = new long[depth];
        this.plan = new Fault[depth];
        this.due = new long[depth];
        java.util.Arrays.fill(due, -1);
    }

    @Override
    public String backend() {
        return "memory";
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
    public boolean read(DiskFile file, long offset, int length, MemorySegment dst, long dstOffset, long ud) {
        DiskQueue.checkAligned(file, offset, length, dst, dstOffset);
        if (inFlight >= depth) {
            return false;
        }
        int i = 0;
        while (due[i] != -1) {
            i++;
        }
        userData[i] = ud;
        files[i] = file;
        offsets[i] = offset;
        lengths[i] = length;
        dsts[i] = dst;
        dstOffsets[i] = dstOffset;
        plan[i] = faults.decide(file, offset, length, sequence++);
        due[i] = Long.MAX_VALUE;
        inFlight++;
        queued++;
        return true;
    }

    @Override
    public int submit() {
        long now = clock.getAsLong();
        int n = 0;
        for (int i = 0; i < depth; i++) {
            if (due[i] == Long.MAX_VALUE) {
                due[i] = now + plan[i].delayNanos();
                n++;
            }
        }
        queued = 0;
        return n;
    }

    @Override
    public int poll(DiskCompletionHandler handler) {
        int n = 0;
        while (true) {
            int next = nextDue(clock.getAsLong());
            if (next < 0) {
                return n;
            }
            complete(next, handler);
            n++;
        }
    }

    private int nextDue(long now) {
        int best = -1;
        for (int i = 0; i < depth; i++) {
            if (due[i] >= 0 && due[i] != Long.MAX_VALUE && due[i] <= now && (best < 0 || due[i] < due[best])) {
                best = i;
            }
        }
        return best;
    }

    private void complete(int i, DiskCompletionHandler handler) {
        Fault fault = plan[i];
        DiskFile file = files[i];
        MemorySegment content = ((MemoryFile) file.backendState()).content;
        long available = Math.max(0, Math.min(lengths[i], content.byteSize() - offsets[i]));
        if (fault.shortBytes() >= 0) {
            available = Math.min(available, fault.shortBytes());
        }
        int result;
        if (fault.result() < 0) {
            result = fault.result();
        } else {
            if (available > 0) { // a read at or past the end (of a truncated file) returns 0, as pread(2) does
                MemorySegment.copy(content, offsets[i], dsts[i], dstOffsets[i], available);
            }
            result = (int) available;
        }
        long ud = userData[i];
        due[i] = -1;
        files[i] = null;
        dsts[i] = null;
        inFlight--;
        handler.complete(ud, result);
    }

    @Override
    public int await(DiskCompletionHandler handler) throws IOException {
        if (inFlight == 0) {
            return 0;
        }
        if (queued > 0) {
            submit();
        }
        while (true) {
            int n = poll(handler);
            if (n > 0) {
                return n;
            }
            LockSupport.parkNanos(10_000);
        }
    }

    @Override
    public int completionFd() {
        return -1;
    }

    @Override
    public boolean registerBuffers(MemorySegment... buffers) {
        return true; // nothing to pin
    }

    @Override
    public void unregisterBuffers(MemorySegment... buffers) {}

    /** The version the file has now (moved by {@link MemoryBackend#write} and {@code truncate}) against its opening. */
    @Override
    public boolean fileChanged(DiskFile file) {
        return !((MemoryFile) file.backendState()).version.sameVersion(file.version());
    }

    @Override
    public boolean registerFile(DiskFile file) {
        return false;
    }

    @Override
    public void unregisterFile(DiskFile file) {}

    @Override
    public void close() {}
}

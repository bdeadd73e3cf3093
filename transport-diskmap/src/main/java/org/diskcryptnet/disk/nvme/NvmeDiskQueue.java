package org.diskcryptnet.disk.nvme;

import static org.diskcryptnet.disk.uring.IoUringAbi.IORING_SETUP_CQE32;
import static org.diskcryptnet.disk.uring.IoUringAbi.IORING_SETUP_SQE128;
import static org.diskcryptnet.disk.uring.IoUringAbi.SQE_CMD;
import static org.diskcryptnet.disk.uring.IoUringAbi.prepareNop;
import static org.diskcryptnet.disk.uring.IoUringAbi.prepareUringCmd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.disk.DiskCompletionHandler;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.DiskResult;
import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.uring.IoUringDiskQueue;
import org.diskcryptnet.disk.uring.IoUringOptions;

/**
 * The passthrough {@link DiskQueue}: a ring with 128-byte SQEs and 32-byte CQEs whose reads of mapped files and
 * NVMe devices are NVMe Read commands (IORING_OP_URING_CMD on the namespace's generic device), the paper's
 * "application-owned NVMe queue pair" as close as Linux safely allows. One read becomes as many commands as its
 * extents and the controller's largest transfer require; its completion is delivered when the last one
 * completes. Files the backend could not map are read on the same ring with IORING_OP_READ and O_DIRECT.
 *
 * <p>After a passthrough read of a file, its statx is compared with the one taken when it was mapped
 * ({@link #fileChanged}): a file that was written, truncated or replaced meanwhile fails the read with
 * {@link DiskResult#FILE_CHANGED} instead of serving blocks that may now belong to something else.
 */
public final class NvmeDiskQueue extends IoUringDiskQueue {

    private static final long PASSTHROUGH = 1L << 62;
    private static final int COMMANDS_PER_READ = 4;

    private final int readDepth;
    private int reads;
    private final long[] parentUserData;
    private final DiskFile[] parentFile;
    private final int[] parentPending;
    private final int[] parentExpected;
    private final int[] parentError;
    private final int[] free;
    private int freeCount;
    // One entry per passthrough command in flight, so a command can be sent again (see complete()).
    private final int[] cmdParent;
    private final NvmeNamespace[] cmdNamespace;
    private final long[] cmdSlba;
    private final int[] cmdBlocks;
    private final long[] cmdAddress;
    private final boolean[] cmdFixed;
    private final int[] cmdFree;
    private int cmdFreeCount;
    private boolean fixedBuffersWork = true;
    private final NvmeNamespace[] registeredNs = new NvmeNamespace[8];
    private final int[] registeredSlot = new int[8];

    NvmeDiskQueue(IoUringOptions options, int depth) throws IOException {
        super(options.withEntries(Math.max(options.sqEntries(), Integer.highestOneBit(depth * COMMANDS_PER_READ * 2 - 1))),
                depth * COMMANDS_PER_READ, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
        this.readDepth = depth;
        this.parentUserData = new long[depth];
        this.parentFile = new DiskFile[depth];
        this.parentPending = new int[depth];
        this.parentExpected = new int[depth];
        this.parentError = new int[depth];
        this.free = new int[depth];
        for (int i = 0; i < depth; i++) {
            free[freeCount++] = depth - 1 - i;
        }
        int commands = depth * COMMANDS_PER_READ;
        this.cmdParent = new int[commands];
        this.cmdNamespace = new NvmeNamespace[commands];
        this.cmdSlba = new long[commands];
        this.cmdBlocks = new int[commands];
        this.cmdAddress = new long[commands];
        this.cmdFixed = new boolean[commands];
        this.cmdFree = new int[commands];
        for (int i = 0; i < commands; i++) {
            cmdFree[cmdFreeCount++] = commands - 1 - i;
        }
    }

    @Override
    public String backend() {
        return "nvme";
    }

    @Override
    public int depth() {
        return readDepth;
    }

    @Override
    public int inFlight() {
        return reads;
    }

    @Override
    public boolean read(DiskFile file, long offset, int length, MemorySegment dst, long dstOffset, long userData) {
        if (!(file.backendState() instanceof PassthroughFile pf) || !pf.passthrough()) {
            if (reads >= readDepth || !super.read(file, offset, length, dst, dstOffset, userData)) {
                return false;
            }
            reads++;
            return true;
        }
        DiskQueue.checkAligned(file, offset, length, dst, dstOffset);
        if (reads >= readDepth || freeCount == 0) {
            return false;
        }
        NvmeNamespace ns = pf.namespace();
        ExtentMap map = pf.map();
        int lba = ns.lbaSize();
        if (offset % lba != 0 || length % lba != 0) {
            throw new IllegalArgumentException("passthrough reads are in " + lba + "-byte logical blocks");
        }
        long end = Math.min(offset + length, map.mappedEnd());
        int commands = countCommands(map, ns, offset, end);
        if (ring.sqSpace() < Math.max(1, commands) || cmdFreeCount < Math.max(1, commands)) {
            return false;
        }
        int p = free[--freeCount];
        parentUserData[p] = userData;
        parentFile[p] = file;
        parentPending[p] = Math.max(1, commands);
        parentExpected[p] = (int) Math.max(0, Math.min(length, file.size() - offset));
        parentError[p] = 0;
        if (commands == 0) {
            int c = cmdFree[--cmdFreeCount];
            cmdParent[c] = p;
            cmdNamespace[c] = null;
            prepareNop(ring.sqes(), reserveSqe(), PASSTHROUGH | c); // nothing mapped there: 0 bytes, like EOF
        }
        long address = dst.address() + dstOffset;
        long at = offset;
        while (at < end) {
            int extent = map.extentAt(at);
            int bytes = (int) Math.min(Math.min(end - at, map.contiguousFrom(extent, at)), ns.maxTransfer());
            int c = cmdFree[--cmdFreeCount];
            cmdParent[c] = p;
            cmdNamespace[c] = ns;
            cmdSlba[c] = map.deviceOffset(extent, at) / lba;
            cmdBlocks[c] = bytes / lba;
            cmdAddress[c] = address;
            sendCommand(c, reserveSqe(), fixedBuffersWork);
            address += bytes;
            at += bytes;
        }
        reads++;
        return true;
    }

    private void sendCommand(int c, long sqe, boolean fixed) {
        NvmeNamespace ns = cmdNamespace[c];
        int bytes = cmdBlocks[c] * ns.lbaSize();
        int slot = namespaceSlot(ns);
        int bufIndex = fixed ? fixedBufferIndex(cmdAddress[c], bytes) : -1;
        cmdFixed[c] = bufIndex >= 0;
        prepareUringCmd(ring.sqes(), sqe, slot >= 0 ? slot : ns.fd(), slot >= 0, NvmeAbi.NVME_URING_CMD_IO,
                bufIndex, PASSTHROUGH | c);
        NvmeAbi.prepareRead(ring.sqes(), sqe + SQE_CMD, ns.nsid(), cmdSlba[c], cmdBlocks[c], cmdAddress[c], bytes);
    }

    private static int countCommands(ExtentMap map, NvmeNamespace ns, long offset, long end) {
        int n = 0;
        long at = offset;
        while (at < end) {
            int extent = map.extentAt(at);
            at += Math.min(Math.min(end - at, map.contiguousFrom(extent, at)), ns.maxTransfer());
            n++;
        }
        return n;
    }

    /** The generic device's fixed-file slot in this ring, registering it on first use; -1 if none is free. */
    private int namespaceSlot(NvmeNamespace ns) {
        for (int i = 0; i < registeredNs.length; i++) {
            if (registeredNs[i] == ns) {
                return registeredSlot[i];
            }
            if (registeredNs[i] == null) {
                int slot = registerFixedFd(ns.fd(), ns);
                registeredNs[i] = ns;
                registeredSlot[i] = slot;
                return slot;
            }
        }
        return -1;
    }

    @Override
    protected void complete(MemorySegment cq, long cqe, long userData, int res, DiskCompletionHandler handler) {
        if ((userData & PASSTHROUGH) == 0) {
            reads--;
            handler.complete(userData, res);
            return;
        }
        int c = (int) (userData & 0xffff_ffffL);
        int p = cmdParent[c];
        if (res == -Errno.EINVAL && cmdFixed[c]) {
            // Linux 6.1 refuses registered buffers for NVMe passthrough (IORING_URING_CMD_FIXED) with EINVAL even
            // though it defines the flag; send this command again with the plain buffer, and stop asking.
            fixedBuffersWork = false;
            long sqe = reserveSqeForRetry();
            if (sqe >= 0) {
                sendCommand(c, sqe, false);
                return;
            }
        }
        cmdNamespace[c] = null;
        cmdFree[cmdFreeCount++] = c;
        if (res < 0 && parentError[p] == 0) {
            parentError[p] = res;
        } else if (res > 0 && parentError[p] == 0) {
            parentError[p] = DiskResult.DEVICE_STATUS; // an NVMe status code (NVMe Base Specification §4.6.1)
        }
        if (--parentPending[p] > 0) {
            return;
        }
        DiskFile file = parentFile[p];
        int result = parentError[p] != 0 ? parentError[p] : fileChanged(file) ? DiskResult.FILE_CHANGED : parentExpected[p];
        long ud = parentUserData[p];
        parentFile[p] = null;
        free[freeCount++] = p;
        reads--;
        handler.complete(ud, result);
    }

    /** An SQE for resending a command from inside a completion; the base counts it as a new entry in flight. */
    private long reserveSqeForRetry() {
        return reserveSqe();
    }

    /** Whether passthrough commands still use registered buffers (false after the kernel refused them). */
    public boolean fixedBuffersForPassthrough() {
        return fixedBuffersWork;
    }
}

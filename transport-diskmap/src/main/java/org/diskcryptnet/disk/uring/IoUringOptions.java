package org.diskcryptnet.disk.uring;

/**
 * How a loop's ring is set up. The default is what a Netty event loop wants: the loop thread is the only
 * submitter (IORING_SETUP_SINGLE_ISSUER), and completion work runs only when the loop asks for it
 * (IORING_SETUP_DEFER_TASKRUN), so it is never interrupted by task work between its own steps; the kernel flags
 * pending completions in the SQ ring (IORING_SETUP_TASKRUN_FLAG) so that reaping costs a system call only
 * when there is something to reap. {@code sqPoll} instead starts a kernel thread that polls the SQ, which trades a
 * core for submissions without system calls (incompatible with DEFER_TASKRUN, which it then replaces).
 *
 * @param sqEntries       SQ size (the CQ gets twice as many)
 * @param sqPoll          IORING_SETUP_SQPOLL
 * @param sqThreadIdleMs  how long the SQPOLL thread spins before sleeping
 * @param fixedFileSlots  size of the sparse fixed-file table (0: none)
 * @param registerBuffers whether {@code registerBuffers} pins memory as fixed buffers
 */
public record IoUringOptions(int sqEntries, boolean sqPoll, int sqThreadIdleMs, int fixedFileSlots,
                             boolean registerBuffers) {

    public static final IoUringOptions DEFAULT = new IoUringOptions(256, false, 50, 64, true);

    public IoUringOptions {
        if (Integer.bitCount(sqEntries) != 1 || sqEntries > 32768) {
            throw new IllegalArgumentException("sqEntries must be a power of two up to 32768: " + sqEntries);
        }
    }

    public IoUringOptions withSqPoll(boolean on) {
        return new IoUringOptions(sqEntries, on, sqThreadIdleMs, fixedFileSlots, registerBuffers);
    }

    public IoUringOptions withEntries(int entries) {
        return new IoUringOptions(entries, sqPoll, sqThreadIdleMs, fixedFileSlots, registerBuffers);
    }

    public IoUringOptions withRegisterBuffers(boolean on) {
        return new IoUringOptions(sqEntries, sqPoll, sqThreadIdleMs, fixedFileSlots, on);
    }

    /** The IORING_SETUP_* flags these options ask for, before any fallback for an older kernel. */
    int setupFlags(int extra) {
        int flags = IoUringAbi.IORING_SETUP_SINGLE_ISSUER | extra;
        if (sqPoll) {
            flags |= IoUringAbi.IORING_SETUP_SQPOLL;
        } else {
            flags |= IoUringAbi.IORING_SETUP_DEFER_TASKRUN | IoUringAbi.IORING_SETUP_TASKRUN_FLAG;
        }
        return flags;
    }
}

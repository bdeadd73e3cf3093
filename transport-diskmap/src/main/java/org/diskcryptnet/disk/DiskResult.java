package org.diskcryptnet.disk;

import org.diskcryptnet.disk.linux.Errno;

/**
 * Results of a read: bytes read when >= 0; {@code -errno} for a kernel error; or one of the codes below, which
 * lie outside the errno range, for conditions the disk layer itself detects.
 */
public final class DiskResult {

    /** The read returned fewer bytes than the object needs: the file shrank (truncated while served). */
    public static final int SHORT_READ = -100_001;
    /** The file's size, times or inode changed since it was opened or mapped: its blocks cannot be trusted. */
    public static final int FILE_CHANGED = -100_002;
    /** The queue was closed with the read in flight. */
    public static final int QUEUE_CLOSED = -100_003;
    /** The device answered a passthrough command with a non-zero NVMe status. */
    public static final int DEVICE_STATUS = -100_004;

    private DiskResult() {}

    public static boolean isError(int result) {
        return result < 0;
    }

    /** Words for a log line: "short read (file truncated?)", "EIO (Input/output error)", ... */
    public static String describe(int result) {
        return switch (result) {
            case SHORT_READ -> "short read (the file is shorter than when it was opened: truncated?)";
            case FILE_CHANGED -> "the file changed since it was opened";
            case QUEUE_CLOSED -> "the disk queue was closed";
            case DEVICE_STATUS -> "the NVMe device reported an error status";
            default -> result >= 0 ? result + " bytes" : Errno.describe(-result);
        };
    }

    /** A short, stable tag for metrics: "short_read", "changed", "io", "eio", ... */
    public static String kind(int result) {
        return switch (result) {
            case SHORT_READ -> "short_read";
            case FILE_CHANGED -> "changed";
            case QUEUE_CLOSED -> "closed";
            case DEVICE_STATUS -> "device_status";
            default -> result == -Errno.EIO ? "eio" : "errno";
        };
    }
}

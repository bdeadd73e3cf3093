package org.diskcryptnet.disk.memory;

import org.diskcryptnet.disk.DiskResult;
import org.diskcryptnet.disk.linux.Errno;

/**
 * What the in-memory backend does to one read: complete it normally, fail it, return fewer bytes, or complete it
 * late. A delay combines with the others.
 *
 * @param result      0: the normal result; < 0: this error code instead (-errno or a {@link DiskResult} code)
 * @param shortBytes  >= 0: return at most this many bytes (a short read); -1: no limit
 * @param delayNanos  complete no earlier than this long after submission
 */
public record Fault(int result, int shortBytes, long delayNanos) {

    public static final Fault NONE = new Fault(0, -1, 0);

    /** The read fails with {@code -EIO}. */
    public static Fault ioError() {
        return new Fault(-Errno.EIO, -1, 0);
    }

    public static Fault error(int result) {
        if (result >= 0) {
            throw new IllegalArgumentException("an error result is negative: " + result);
        }
        return new Fault(result, -1, 0);
    }

    /** The read returns only {@code bytes} bytes, as if the file ended there. */
    public static Fault shortRead(int bytes) {
        return new Fault(0, bytes, 0);
    }

    public static Fault delay(long nanos) {
        return new Fault(0, -1, nanos);
    }

    public Fault delayed(long nanos) {
        return new Fault(result, shortBytes, nanos);
    }
}

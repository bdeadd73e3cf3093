package org.diskcryptnet.disk.linux;

import java.io.IOException;

/**
 * A kernel call that failed, with its errno and the call's name, so messages read like
 * {@code "openat2(/srv/a.mp4): EXDEV (Invalid cross-device link)"} instead of a bare number.
 */
public final class LinuxException extends IOException {

    private final int errno;

    public LinuxException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    public LinuxException(String call, int errno, String explanation) {
        super(call + ": " + Errno.describe(errno) + ": " + explanation);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}

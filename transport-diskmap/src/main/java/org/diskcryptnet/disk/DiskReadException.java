package org.diskcryptnet.disk;

import java.io.IOException;

/** A disk read for a response failed: the response cannot be completed. Carries the {@link DiskResult} code. */
public final class DiskReadException extends IOException {

    private final int result;

    public DiskReadException(String message, int result) {
        super(message + ": " + DiskResult.describe(result));
        this.result = result;
    }

    public int result() {
        return result;
    }
}

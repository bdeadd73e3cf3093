package org.diskcryptnet.netmap.datapath;

/**
 * File bytes sent as they are (HTTP): source position {@code p} is file byte {@code filePosition + p}; TCP cuts
 * segments where it likes.
 */
public final class PlainExtentSource extends ExtentSource {

    PlainExtentSource(DiskSendPath path) {
        super(path);
    }

    @Override
    long fileEndOf(long position) {
        return filePosition + position;
    }

    @Override
    void clear() {
    }
}

package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

/** Writes text through {@link TcpConnection#write(MemorySegment, long, int)} for tests. */
final class MemorySegmentWrite {

    private MemorySegmentWrite() {
    }

    static int write(TcpTestbed bed, TcpConnection c, String text) {
        byte[] b = text.getBytes();
        MemorySegment m = bed.scratch(b.length);
        m.copyFrom(MemorySegment.ofArray(b));
        int n = c.write(m, 0, b.length);
        return n;
    }
}

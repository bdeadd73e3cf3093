package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A regenerable {@link SendSource} for tests: byte {@code p} is {@link #byteAt}(p), produced on demand. It
 * records every request; in {@link Mode#DEFERRED} it answers {@link SendSource#PENDING} and fills the bytes
 * only when the test calls {@link #completeAll}, as a disk read would; {@link Mode#FAIL} fails every request.
 */
final class PatternSource implements SendSource {

    enum Mode { SYNC, DEFERRED, FAIL }

    /** One produce() call: position and length in the source. */
    record Request(long position, int length) {
    }

    final List<Request> requests = new ArrayList<>();
    final List<Long> acknowledged = new ArrayList<>();
    boolean released;
    Mode mode;
    private final List<Object[]> pending = new ArrayList<>();

    PatternSource(Mode mode) {
        this.mode = mode;
    }

    static byte byteAt(long p) {
        return (byte) (p * 7 + 3 + (p >>> 8));
    }

    static byte[] bytes(long from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = byteAt(from + i);
        }
        return b;
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        requests.add(new Request(position, length));
        switch (mode) {
            case FAIL -> {
                return FAILED;
            }
            case DEFERRED -> {
                pending.add(new Object[] {position, length, destination, destinationOffset, completion, ticket});
                return PENDING;
            }
            default -> {
                fill(position, length, destination, destinationOffset);
                return length;
            }
        }
    }

    private static void fill(long position, int length, MemorySegment d, long off) {
        for (int i = 0; i < length; i++) {
            d.set(ValueLayout.JAVA_BYTE, off + i, byteAt(position + i));
        }
    }

    /** Finishes every pending request, successfully or not. */
    void completeAll(boolean success) {
        List<Object[]> now = new ArrayList<>(pending);
        pending.clear();
        for (Object[] p : now) {
            if (success) {
                fill((Long) p[0], (Integer) p[1], (MemorySegment) p[2], (Long) p[3]);
            }
            ((ProduceCompletion) p[4]).produced((Long) p[5], success);
        }
    }

    int pendingCount() {
        return pending.size();
    }

    @Override
    public void acknowledged(long position) {
        acknowledged.add(position);
    }

    @Override
    public void release() {
        released = true;
    }
}

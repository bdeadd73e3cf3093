package org.diskcryptnet.netmap.diag;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.diskcryptnet.netmap.tcp.ProduceCompletion;
import org.diskcryptnet.netmap.tcp.SendSource;

/**
 * The character generator stream of RFC 864 as a regenerable {@link SendSource}: line {@code n} is the 72 printable
 * ASCII characters starting at {@code ' ' + n mod 95}, then CR LF. Byte {@code i} of the stream is a function of
 * {@code i} alone, so TCP produces it straight into the transmit frame and produces it again on retransmission; one
 * instance serves every connection. The pattern repeats every 95 lines (95 x 74 = 7,030 bytes).
 */
public final class Chargen implements SendSource {

    public static final int LINE = 74;
    public static final int PERIOD = 95 * LINE;

    private final MemorySegment pattern;

    public Chargen() {
        // one period plus room for the longest segment, so any run is one contiguous copy
        int size = PERIOD + 65536;
        pattern = Arena.ofAuto().allocate(size);
        for (int i = 0; i < size; i++) {
            pattern.set(ValueLayout.JAVA_BYTE, i, byteAt(i));
        }
    }

    /** Byte {@code position} of the stream. */
    public static byte byteAt(long position) {
        long line = position / LINE;
        int column = (int) (position % LINE);
        if (column == 72) {
            return '\r';
        }
        if (column == 73) {
            return '\n';
        }
        return (byte) (' ' + (line + column) % 95);
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        int total = length;
        long from = position % PERIOD;
        while (length > 65536) { // larger than any segment: never on the data path, but correct anyway
            MemorySegment.copy(pattern, from, destination, destinationOffset, 65536);
            position += 65536;
            destinationOffset += 65536;
            length -= 65536;
            from = position % PERIOD;
        }
        MemorySegment.copy(pattern, from, destination, destinationOffset, length);
        return total;
    }

    @Override
    public void acknowledged(long position) {
    }

    @Override
    public void release() {
    }
}

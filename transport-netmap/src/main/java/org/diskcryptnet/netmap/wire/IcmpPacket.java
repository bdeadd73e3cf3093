package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an ICMP message (RFC 792); the stack answers echo requests only:
 * <pre>
 *  0      1      2          4            6          8
 *  | type | code | checksum | identifier | sequence | data ...
 * </pre>
 */
public final class IcmpPacket {

    public static final int HEADER_LENGTH = 8;
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_ECHO_REQUEST = 8;

    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;

    private MemorySegment memory;
    private long offset;
    private int length;

    public DropReason wrap(MemorySegment memory, long offset, int length, boolean verifyChecksum) {
        this.memory = memory;
        this.offset = offset;
        this.length = length;
        if (length < HEADER_LENGTH) {
            return DropReason.ICMP_MALFORMED;
        }
        if (verifyChecksum && Checksum.sum(memory, offset, length) != 0xFFFF) {
            return DropReason.ICMP_BAD_CHECKSUM;
        }
        return null;
    }

    public int type() {
        return NetworkOrder.u8(memory, offset + TYPE);
    }

    public int code() {
        return NetworkOrder.u8(memory, offset + CODE);
    }

    public int length() {
        return length;
    }

    public long offset() {
        return offset;
    }

    /**
     * Turns the echo request copied to {@code offset} into its reply in place: type 0, and the checksum
     * updated for the one word that changed (RFC 1624) rather than summed again.
     */
    public static void turnIntoEchoReply(MemorySegment m, long offset) {
        int oldWord = NetworkOrder.u16(m, offset + TYPE);
        int newWord = TYPE_ECHO_REPLY << 8 | (oldWord & 0xFF);
        NetworkOrder.u16(m, offset + TYPE, newWord);
        int checksum = NetworkOrder.u16(m, offset + CHECKSUM);
        NetworkOrder.u16(m, offset + CHECKSUM, Checksum.update16(checksum, oldWord, newWord));
    }
}

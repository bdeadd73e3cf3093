package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.wire.NetworkOrder;
import org.diskcryptnet.netmap.wire.TcpHeader;

import static org.diskcryptnet.netmap.wire.TcpHeader.RST;

/**
 * Segments whose payload a {@link SendSource} is still producing ({@link SendSource#PENDING}): their frames are
 * reserved and their headers written; each is submitted when its last outstanding piece completes, or turned
 * into a RST (and its connection aborted) if one fails. A fixed table indexed by ticket; no allocation.
 */
final class PendingProductions implements ProduceCompletion {

    private static final int PENDING_RECORDS = 4096;

    private final TcpLayer layer;
    private final SegmentSink sink;
    private final TcpCounters counters;
    private final TcpConnection[] pendingConnection = new TcpConnection[PENDING_RECORDS];
    private final int[] pendingGeneration = new int[PENDING_RECORDS];
    private final int[] pendingFrame = new int[PENDING_RECORDS];
    private final int[] pendingLength = new int[PENDING_RECORDS];
    private final int[] pendingOutstanding = new int[PENDING_RECORDS];
    private final int[] pendingSegmentPayload = new int[PENDING_RECORDS];
    private final boolean[] pendingFailed = new boolean[PENDING_RECORDS];
    private final int[] pendingFree = new int[PENDING_RECORDS];
    private int pendingFreeCount;

    PendingProductions(TcpLayer layer, SegmentSink sink, TcpCounters counters) {
        this.layer = layer;
        this.sink = sink;
        this.counters = counters;
        for (int i = 0; i < PENDING_RECORDS; i++) {
            pendingFree[i] = PENDING_RECORDS - 1 - i;
        }
        pendingFreeCount = PENDING_RECORDS;
    }

    /**
     * Puts the payload of a segment in place: returns 0 when it is there (the caller submits the frame), the
     * number of pieces still being produced (submitted later, here), or -1 when a source failed (the frame was
     * turned into a RST and submitted; the connection is marked failed).
     */
    int produce(TcpConnection c, int frame, long offset, int len, MemorySegment m, long dst, int headerLength,
                boolean retransmission, int segmentPayload) {
        int slot = pendingFreeCount > 0 ? pendingFree[--pendingFreeCount] : -1;
        int r = c.send.produce(offset, len, m, dst, this, slot);
        long fromSources = c.send.lastSourceBytes();
        counters.sourceBytesProduced += fromSources;
        if (retransmission) {
            counters.sourceBytesRegenerated += fromSources;
        }
        if (r > 0 && slot >= 0) {
            pendingConnection[slot] = c;
            pendingGeneration[slot] = c.generation;
            pendingFrame[slot] = frame;
            pendingLength[slot] = headerLength + len;
            pendingOutstanding[slot] = r;
            pendingSegmentPayload[slot] = segmentPayload;
            pendingFailed[slot] = false;
            return r;
        }
        if (slot >= 0) {
            pendingFree[pendingFreeCount++] = slot;
        }
        if (r == 0) {
            return 0;
        }
        // a source failed (or went asynchronous without a ticket): the frame becomes a RST
        turnIntoReset(frame, c.localIp, c.remoteIp);
        c.sourceFailed = true;
        return -1;
    }

    /** A source finished the bytes of a pending segment. */
    @Override
    public void produced(long ticket, boolean success) {
        if (ticket < 0 || ticket >= PENDING_RECORDS || pendingConnection[(int) ticket] == null) {
            return;
        }
        int slot = (int) ticket;
        if (!success) {
            pendingFailed[slot] = true;
        }
        if (--pendingOutstanding[slot] > 0) {
            return;
        }
        TcpConnection c = pendingConnection[slot];
        pendingConnection[slot] = null;
        pendingFree[pendingFreeCount++] = slot;
        if (pendingFailed[slot]) {
            turnIntoReset(pendingFrame[slot], c.localIp, c.remoteIp);
            if (c.generation == pendingGeneration[slot] && c.state != TcpState.CLOSED) {
                layer.terminate(c, TcpCloseCause.SOURCE_FAILED);
            }
        } else if (pendingSegmentPayload[slot] > 0) {
            sink.submitSegmented(pendingFrame[slot], c.localIp, c.remoteIp, pendingLength[slot],
                    pendingSegmentPayload[slot]);
        } else {
            sink.submit(pendingFrame[slot], c.localIp, c.remoteIp, pendingLength[slot]);
        }
    }

    private void turnIntoReset(int frame, int localIp, int remoteIp) {
        MemorySegment m = sink.memory();
        long base = sink.tcpOffset(frame);
        int sport = NetworkOrder.u16(m, base);
        int dport = NetworkOrder.u16(m, base + 2);
        int seq = NetworkOrder.u32(m, base + 4);
        TcpHeader.write(m, base, sport, dport, seq, 0, TcpHeader.HEADER_LENGTH, RST, 0);
        sink.submit(frame, localIp, remoteIp, TcpHeader.HEADER_LENGTH);
        counters.resetsSent++;
    }
}

package org.diskcryptnet.netmap.tcp;

/**
 * The rules by which {@link TcpOutput} holds new data back for a later, larger frame although the windows would let
 * some of it go now: with segmentation offload a frame is the unit that costs (a send, a seal, an ACK), and a frame
 * that ends inside a TLS record costs a copy besides.
 */
final class OutputDeferral {

    private OutputDeferral() {
    }

    /**
     * Whether a frame the peer's window cuts short waits, as sender SWS avoidance (RFC 9293 section 3.8.6.2.1)
     * holds back less than a full-sized segment, which with segmentation offload is a frame: while an ACK is due
     * (data in flight) or while the window grows update by update (a slow reader draining its buffer a TLS record a
     * read; Linux announces each doubling). Sent at once, each such update would draw a small frame ending inside a
     * record (sealed in a staging slot and copied), and another update. A window that stays small goes as it is,
     * and the persist timer overrides the wait.
     */
    static boolean waitsForPeerWindow(TcpConnection c) {
        return c.flightSize() > 0 || c.sndWndOpening;
    }

    /**
     * Whether a new segment that would end inside a unit of its source (a TLS record) waits for the ACK that lets it
     * carry the whole unit, as Linux defers a TSO frame (tcp_tso_should_defer): only while data is in flight (that
     * ACK will come) and the unit fits both a frame and the window once the flight is acknowledged.
     */
    static boolean unitDeferred(TcpConnection c, long offset, int len, int frameMax) {
        long end = c.send.nextBoundary(offset + len);
        if (end == offset + len || c.flightSize() == 0) {
            return false;
        }
        long need = end - offset;
        return need <= frameMax && need <= Math.min(c.cc.cwnd(), c.sndWnd);
    }
}

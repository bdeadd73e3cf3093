package org.diskcryptnet.tls.netty;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.record.AlertDescription;

/**
 * What the record layer reports, for metrics. Called on event loops; implementations must be cheap and lock-free.
 * Data-path counts arrive in batches (per flushed buffer group, per finished region), not per record.
 */
public interface TlsStats {

    /** A handshake completed and the record layer took the connection over. */
    void handshakeCompleted(CipherSuite suite);

    /** A handshake failed; {@code reason} is a short, bounded name (an alert name, "timeout", "not_tls", "other"). */
    void handshakeFailed(String reason);

    /** {@code records} records carrying {@code plaintextBytes} bytes were sealed. */
    void sealed(long records, long plaintextBytes);

    /** A KeyUpdate was received from the peer ({@code received}) or sent by us. */
    void keyUpdate(boolean received);

    /** An alert was sent ({@code sent}) or received. */
    void alert(AlertDescription alert, boolean sent);

    /** Reports nothing. */
    TlsStats NONE = new TlsStats() {
        @Override
        public void handshakeCompleted(CipherSuite suite) {}

        @Override
        public void handshakeFailed(String reason) {}

        @Override
        public void sealed(long records, long plaintextBytes) {}

        @Override
        public void keyUpdate(boolean received) {}

        @Override
        public void alert(AlertDescription alert, boolean sent) {}
    };
}

package org.diskcryptnet.tls.netty;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.record.AlertDescription;

final class CountingStats implements TlsStats {
    final List<CipherSuite> handshakes = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final List<AlertDescription> alertsSent = new CopyOnWriteArrayList<>();
    final List<AlertDescription> alertsReceived = new CopyOnWriteArrayList<>();
    final AtomicLong records = new AtomicLong(), bytes = new AtomicLong(), updatesIn = new AtomicLong(),
            updatesOut = new AtomicLong();

    @Override
    public void handshakeCompleted(CipherSuite suite) {
        handshakes.add(suite);
    }

    @Override
    public void handshakeFailed(String reason) {
        failures.add(reason);
    }

    @Override
    public void sealed(long r, long b) {
        records.addAndGet(r);
        bytes.addAndGet(b);
    }

    @Override
    public void keyUpdate(boolean received) {
        (received ? updatesIn : updatesOut).incrementAndGet();
    }

    @Override
    public void alert(AlertDescription alert, boolean sent) {
        (sent ? alertsSent : alertsReceived).add(alert);
    }
}

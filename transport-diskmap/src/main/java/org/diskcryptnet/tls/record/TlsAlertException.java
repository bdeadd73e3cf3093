package org.diskcryptnet.tls.record;

import javax.net.ssl.SSLException;

/** The record layer must end the connection with this fatal alert (or, for a received alert, the peer did). */
public final class TlsAlertException extends SSLException {

    private final AlertDescription alert;
    private final boolean received;

    public TlsAlertException(AlertDescription alert, String detail) {
        this(alert, false, detail);
    }

    public TlsAlertException(AlertDescription alert, boolean received, String detail) {
        super((received ? "received fatal alert " : "fatal alert ") + alert.rfcName() + ": " + detail);
        this.alert = alert;
        this.received = received;
    }

    public AlertDescription alert() {
        return alert;
    }

    /** True if the peer sent the alert, false if we must send it. */
    public boolean received() {
        return received;
    }
}

package org.diskcryptnet.netmap.tcp;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Records a connection's (or listener's) events; optionally reads everything readable as it arrives. */
final class Recorder implements TcpHandler, TcpListenerHandler {

    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    boolean autoRead = true;
    TcpCloseCause closeCause;
    private final MemorySegment buffer = MemorySegment.ofArray(new byte[1 << 20]);

    @Override
    public void connected(TcpConnection c) {
        events.add("connected");
    }

    @Override
    public void readable(TcpConnection c) {
        events.add("readable");
        if (autoRead) {
            drain(c);
        }
    }

    void drain(TcpConnection c) {
        int n;
        while ((n = c.read(buffer, 0, (int) buffer.byteSize())) > 0) {
            received.write(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, n);
        }
    }

    @Override
    public void writable(TcpConnection c) {
        events.add("writable");
    }

    @Override
    public void inputShutdown(TcpConnection c) {
        events.add("inputShutdown");
    }

    @Override
    public void closed(TcpConnection c, TcpCloseCause cause) {
        events.add("closed:" + cause);
        closeCause = cause;
    }

    @Override
    public void acceptable(TcpListener l) {
        events.add("acceptable");
    }

    TcpConnection acceptOne(TcpTestbed bed) {
        TcpListener l = bed.layer.listenerFor(TcpTestbed.LOCAL_PORT);
        TcpConnection c = l.accept();
        assertNotNull(c, "the handshake put a connection in the accept queue");
        c.handler(this);
        events.clear();
        return c;
    }

    String text() {
        return received.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}

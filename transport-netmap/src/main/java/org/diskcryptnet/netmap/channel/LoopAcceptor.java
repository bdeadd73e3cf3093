package org.diskcryptnet.netmap.channel;

import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpListener;
import org.diskcryptnet.netmap.tcp.TcpListenerHandler;

/**
 * A {@link NetmapServerSocketChannel}'s listener in one loop: it takes the connections that loop's TCP completed,
 * makes each a {@link NetmapSocketChannel} that will live on this loop, and hands it to the server channel's
 * pipeline (on the server channel's loop). While the server channel does not want to read (auto-read off, no
 * {@code read()} pending), completed connections wait in the listener's accept queue.
 */
final class LoopAcceptor implements TcpListenerHandler {

    private final NetmapServerSocketChannel server;
    private final NetmapIoHandler loop;
    private TcpListener listener;

    LoopAcceptor(NetmapServerSocketChannel server, NetmapIoHandler loop) {
        this.server = server;
        this.loop = loop;
    }

    NetmapIoHandler loop() {
        return loop;
    }

    void listener(TcpListener listener) {
        this.listener = listener;
    }

    @Override
    public void acceptable(TcpListener l) {
        drain();
    }

    /** Accepts what is queued, if the server channel reads; on this loop's thread. */
    void drain() {
        TcpListener l = listener;
        if (l == null || l.isClosed()) {
            return;
        }
        if (!server.isOpen()) {
            close();
            return;
        }
        TcpConnection c;
        while (server.isAccepting() && (c = l.accept()) != null) {
            server.accepted(new NetmapSocketChannel(server, loop, c));
        }
    }

    /** The server channel closed: reset what waits, stop listening (on this loop's thread). */
    void close() {
        TcpListener l = listener;
        if (l != null && !l.isClosed()) {
            l.close();
        }
    }
}

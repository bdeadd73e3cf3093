package org.diskcryptnet.netmap.diag;

import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpHandler;
import org.diskcryptnet.netmap.tcp.TcpLayer;
import org.diskcryptnet.netmap.tcp.TcpListener;

/**
 * The connection handling of {@code origin echo}, one handler for all connections (no state per connection beyond
 * what TCP keeps): echo writes the received bytes back from the receive buffer (zero copy on the read side),
 * sink consumes them, source queues the chargen stream as a regenerable source.
 */
final class EchoServer implements TcpHandler {

    private final EchoOptions.Mode mode;
    private final long sourceBytes;
    private final Chargen chargen = new Chargen();
    long accepted;
    long closedNormally;
    long closedOtherwise;

    EchoServer(EchoOptions.Mode mode, long sourceBytes) {
        this.mode = mode;
        this.sourceBytes = sourceBytes;
    }

    TcpListener listen(TcpLayer tcp, int port) {
        return tcp.listen(port, 1024, listener -> {
            TcpConnection c;
            while ((c = listener.accept()) != null) {
                accepted++;
                c.handler(this);
                if (mode == EchoOptions.Mode.SOURCE) {
                    c.write(chargen, sourceBytes == 0 ? Long.MAX_VALUE / 2 : sourceBytes);
                    if (sourceBytes > 0) {
                        c.shutdownOutput();
                    }
                }
            }
        });
    }

    @Override
    public void readable(TcpConnection c) {
        if (mode == EchoOptions.Mode.ECHO) {
            echo(c);
        } else {
            int span;
            while ((span = c.readSpan()) > 0) {
                c.consume(span);
            }
        }
        finishIfInputOver(c);
    }

    @Override
    public void writable(TcpConnection c) {
        if (mode == EchoOptions.Mode.ECHO) {
            echo(c);
            finishIfInputOver(c);
        }
    }

    @Override
    public void inputShutdown(TcpConnection c) {
        readable(c);
    }

    private static void echo(TcpConnection c) {
        if (c.state() == org.diskcryptnet.netmap.tcp.TcpState.CLOSED) {
            return; // reset while its last bytes waited: nothing to answer
        }
        int span;
        while (!c.outputShutdown() && (span = c.readSpan()) > 0) {
            int n = c.write(c.readMemory(), c.readMemoryOffset(), span);
            c.consume(n);
            if (n < span) {
                return; // send buffer full: writable() resumes
            }
        }
    }

    /**
     * After the client's FIN and everything read (and, for echo, written back): our FIN. An endless source cannot
     * end with a FIN (it would follow infinitely many bytes): it resets, as a chargen server drops the connection.
     */
    private void finishIfInputOver(TcpConnection c) {
        if (c.inputShutdown() && c.readableBytes() == 0 && c.state() != org.diskcryptnet.netmap.tcp.TcpState.CLOSED) {
            if (mode == EchoOptions.Mode.SOURCE && sourceBytes == 0) {
                c.abort();
                closedOtherwise++;
            } else {
                c.close(); // no more events for this connection: count it here
                closedNormally++;
            }
        }
    }

    /** Ended before we closed it: reset by the peer, timed out. */
    @Override
    public void closed(TcpConnection c, TcpCloseCause cause) {
        if (cause == TcpCloseCause.NORMAL) {
            closedNormally++;
        } else {
            closedOtherwise++;
        }
    }
}

package org.diskcryptnet.netmap.tcp;

/** Told when a listener's accept queue has connections ({@link TcpListener#accept()} returns them). */
@FunctionalInterface
public interface TcpListenerHandler {

    void acceptable(TcpListener listener);
}

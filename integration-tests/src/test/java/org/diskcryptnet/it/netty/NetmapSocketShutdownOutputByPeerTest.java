package org.diskcryptnet.it.netty;

import java.util.List;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import org.junit.jupiter.api.Timeout;
import io.netty.testsuite.transport.socket.SocketShutdownOutputByPeerTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

/**
 * Netty's {@code SocketShutdownOutputByPeerTest} on the netmap transport. Its peer is a {@code java.net.Socket}
 * (kernel TCP), so the server channel runs on a {@code tap:} port with the kernel on the other side of it (see
 * {@link KernelPeer}) instead of the pipe between two userspace stacks.
 */
@Timeout(120) // every run of a method; the suite sets shorter ones on some
class NetmapSocketShutdownOutputByPeerTest extends SocketShutdownOutputByPeerTest {

    private static KernelPeer peer;

    @BeforeAll
    static void peer() throws Exception {
        peer = KernelPeer.create("p");
    }

    @AfterAll
    static void close() {
        if (peer != null) {
            peer.close();
        }
    }

    @Override
    protected List<TestsuitePermutation.BootstrapFactory<ServerBootstrap>> newFactories() {
        return peer.servers();
    }

    @Override
    protected void run(TestInfo testInfo, Runner<ServerBootstrap> runner) throws Throwable {
        peer.call(() -> super.run(testInfo, runner));
    }
}

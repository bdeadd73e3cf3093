package org.diskcryptnet.it.netty;

import java.net.SocketAddress;
import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import org.junit.jupiter.api.Timeout;
import io.netty.testsuite.transport.socket.SocketShutdownOutputBySelfTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

/**
 * Netty's {@code SocketShutdownOutputBySelfTest} on the netmap transport. Its peer is a {@code java.net.ServerSocket}
 * (kernel TCP), so the channel runs on a {@code tap:} port with the kernel on the other side of it (see
 * {@link KernelPeer}) instead of the pipe between two userspace stacks.
 */
@Timeout(120) // every run of a method; the suite sets shorter ones on some
class NetmapSocketShutdownOutputBySelfTest extends SocketShutdownOutputBySelfTest {

    private static KernelPeer peer;

    @BeforeAll
    static void peer() throws Exception {
        peer = KernelPeer.create("s");
    }

    @AfterAll
    static void close() {
        if (peer != null) {
            peer.close();
        }
    }

    @Override
    protected List<TestsuitePermutation.BootstrapFactory<Bootstrap>> newFactories() {
        return peer.clients();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return KernelPeer.kernelAddress();
    }

    @Override
    protected void run(TestInfo testInfo, Runner<Bootstrap> runner) throws Throwable {
        peer.call(() -> super.run(testInfo, runner));
    }
}

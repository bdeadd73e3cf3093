package org.diskcryptnet.it.netty;

import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.SocketChannelNotYetConnectedTest;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/** Netty's {@code SocketChannelNotYetConnectedTest} on the netmap transport. */
@Timeout(120) // every run of a method; the suite sets shorter ones on some
class NetmapSocketChannelNotYetConnectedTest extends SocketChannelNotYetConnectedTest {

    @Override
    protected List<TestsuitePermutation.BootstrapFactory<Bootstrap>> newFactories() {
        return NetmapSocketTestPermutation.INSTANCE.clientSocket();
    }

    @Test
    @Disabled("its server is a NIO (kernel) socket bound to the wildcard address, and the client connects to that "
            + "wildcard (\"this host\" to the kernel); a userspace stack on another link has no address to reach it by")
    @Override
    public void readMustBePendingUntilChannelIsActive(TestInfo info) {
    }
}

package org.diskcryptnet.it.netty;

import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import org.junit.jupiter.api.Timeout;
import io.netty.testsuite.transport.socket.WriteBeforeRegisteredTest;

/** Netty's {@code WriteBeforeRegisteredTest} on the netmap transport. */
@Timeout(120) // every run of a method; the suite sets shorter ones on some
class NetmapWriteBeforeRegisteredTest extends WriteBeforeRegisteredTest {

    @Override
    protected List<TestsuitePermutation.BootstrapFactory<Bootstrap>> newFactories() {
        return NetmapSocketTestPermutation.INSTANCE.clientSocket();
    }
}

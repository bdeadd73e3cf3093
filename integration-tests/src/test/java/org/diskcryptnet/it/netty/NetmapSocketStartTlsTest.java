package org.diskcryptnet.it.netty;

import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import org.junit.jupiter.api.Timeout;
import io.netty.testsuite.transport.socket.SocketStartTlsTest;

/** Netty's {@code SocketStartTlsTest} on the netmap transport. */
@Timeout(120) // every run of a method; the suite sets shorter ones on some
class NetmapSocketStartTlsTest extends SocketStartTlsTest {

    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return NetmapSocketTestPermutation.INSTANCE.socket();
    }
}

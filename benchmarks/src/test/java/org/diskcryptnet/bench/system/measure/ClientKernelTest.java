package org.diskcryptnet.bench.system.measure;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client kernel's figures as /proc/net writes them (proc(5)). */
class ClientKernelTest {

    @Test
    void zeroWindowAdvertsAreFoundByTheirNameInTheTcpExtHeader() {
        String netstat = """
                TcpExt: SyncookiesSent EmbryonicRsts TCPWantZeroWindowAdv TCPToZeroWindowAdv TCPFromZeroWindowAdv
                TcpExt: 0 3 23691 40892 40890
                IpExt: InNoRoutes InTruncatedPkts
                IpExt: 0 0
                """;
        assertEquals(40892, ClientKernel.zeroWindowAdverts(netstat));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClientKernel.zeroWindowAdverts("IpExt: InNoRoutes\nIpExt: 0\n"));
        assertTrue(e.getMessage().contains("TCPToZeroWindowAdv"), e.getMessage());
    }

    @Test
    void tcpMemoryIsTheMemFieldOfTheTcpLine() {
        String sockstat = """
                sockets: used 1000
                TCP: inuse 1000 orphan 0 tw 4 alloc 1002 mem 43040
                UDP: inuse 0 mem 0
                """;
        assertEquals(43040, ClientKernel.tcpMemPages(sockstat));
        assertThrows(IllegalArgumentException.class, () -> ClientKernel.tcpMemPages("UDP: inuse 0 mem 7\n"));
    }

    @Test
    void thisKernelsOwnFilesParse() throws Exception {
        assertTrue(ClientKernel.zeroWindowAdverts(Files.readString(Path.of("/proc/net/netstat"))) >= 0);
        assertTrue(ClientKernel.tcpMemPages(Files.readString(Path.of("/proc/net/sockstat"))) >= 0);
    }
}

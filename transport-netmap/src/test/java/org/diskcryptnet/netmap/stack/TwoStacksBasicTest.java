package org.diskcryptnet.netmap.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpHandler;
import org.diskcryptnet.netmap.tcp.TcpListener;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TwoStacksBasicTest {

    @Test
    void handshakeDataAndCloseOverAPipe() {
        PipePort[] ends = PipePort.pair("basic", 1, 256, 1500);
        TcpConfig tcp = TcpConfig.builder().build();
        try (NetworkInterface server = new NetworkInterface(ends[0], 0, InterfaceConfig.of("198.18.60.1/24"), tcp);
             NetworkInterface client = new NetworkInterface(ends[1], 0, InterfaceConfig.of("198.18.60.2/24"), tcp);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(65536);
            TcpConnection[] accepted = new TcpConnection[1];
            StringBuilder serverGot = new StringBuilder();
            TcpListener l = server.tcp().listen(18600, 16, lst -> {
                TcpConnection c = lst.accept();
                accepted[0] = c;
                c.handler(new TcpHandler() {
                    @Override
                    public void readable(TcpConnection c) {
                        int n;
                        while ((n = c.read(buf, 0, 65536)) > 0) {
                            byte[] b = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                            serverGot.append(new String(b));
                            c.write(buf, 0, n); // echo
                        }
                        if (n < 0) {
                            c.close();
                        }
                    }
                });
            });
            StringBuilder clientGot = new StringBuilder();
            boolean[] connected = {false};
            TcpCloseCause[] closed = {null};
            long now = TimeUnit.SECONDS.toNanos(1000);
            TcpConnection c = client.tcp().connect(Ipv4Address.parse("198.18.60.1"), 18600, new TcpHandler() {
                @Override
                public void connected(TcpConnection c) {
                    connected[0] = true;
                }

                @Override
                public void readable(TcpConnection c) {
                    int n;
                    while ((n = c.read(buf, 0, 65536)) > 0) {
                        clientGot.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
                    }
                }

                @Override
                public void closed(TcpConnection c, TcpCloseCause cause) {
                    closed[0] = cause;
                }
            }, now);
            for (int i = 0; i < 2000 && !connected[0]; i++) {
                now += 1_000_000;
                client.poll(now);
                server.poll(now);
            }
            assertTrue(connected[0], "handshake completes (ARP first)");
            byte[] hello = "hello, userspace tcp".getBytes();
            MemorySegment src = arena.allocate(hello.length);
            src.copyFrom(MemorySegment.ofArray(hello));
            assertEquals(hello.length, c.write(src, 0, hello.length));
            for (int i = 0; i < 200 && clientGot.length() < hello.length; i++) {
                now += 1_000_000;
                client.poll(now);
                server.poll(now);
            }
            assertEquals("hello, userspace tcp", serverGot.toString());
            assertEquals("hello, userspace tcp", clientGot.toString());
            c.shutdownOutput();
            for (int i = 0; i < 200 && closed[0] == null; i++) {
                now += 1_000_000;
                client.poll(now);
                server.poll(now);
            }
            assertEquals(TcpCloseCause.NORMAL, closed[0]);
            assertEquals(TcpState.TIME_WAIT, c.state());
            assertEquals(0, server.counters().drops().total(), () -> server.counters().toString());
            assertEquals(0, client.counters().drops().get(org.diskcryptnet.netmap.wire.DropReason.TCP_BAD_CHECKSUM));
            l.close();
        }
    }
}

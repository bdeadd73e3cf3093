package org.diskcryptnet.it.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many connections and a SYN flood against {@code origin echo}: 1,000 concurrent connections from the kernel, each
 * sending a distinct message, getting it back and closing cleanly; and raw SYNs from spoofed addresses (scapy, in
 * the kernel's namespace) while an established connection keeps echoing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConnectionsAndFloodIT {

    static final int CONNECTIONS = Integer.getInteger("dcn.interop.connections", 1000);

    @ParameterizedTest
    @EnumSource(value = PortVariant.class, names = {"PACKET", "XDP_NATIVE", "TAP"})
    void thousandConcurrentConnectionsOpenEchoAndCloseCleanly(PortVariant variant) throws Exception {
        // the default SYN backlog (1,024): the 1,000 SYNs get half-open entries, cookies are the flood's
        thousandConnections(variant, "--mode", "echo");
    }

    /** The same with every connection made from a SYN cookie (RFC 4987 section 3.6): no half-open entry at all. */
    @ParameterizedTest
    @EnumSource(value = PortVariant.class, names = {"PACKET", "TAP"})
    void thousandConcurrentCookieConnectionsOpenEchoAndCloseCleanly(PortVariant variant) throws Exception {
        thousandConnections(variant, "--mode", "echo", "--syn-cookies", "always");
    }

    private void thousandConnections(PortVariant variant, String... args) throws Exception {
        try (EchoLink link = new EchoLink(variant)) {
            link.start(args);
            Selector selector = Selector.open();
            List<Conn> conns = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel c = link.openChannel();
                c.connect(new InetSocketAddress(EchoLink.STACK_IP, EchoLink.PORT));
                Conn conn = new Conn(i, c);
                conns.add(conn);
                c.register(selector, SelectionKey.OP_CONNECT, conn);
            }
            int done = 0;
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (done < CONNECTIONS && System.nanoTime() < deadline) {
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    Conn conn = (Conn) k.attachment();
                    if (conn.step(k)) {
                        done++;
                    }
                }
                selector.selectedKeys().clear();
            }
            selector.close();
            long ok = conns.stream().filter(c -> c.verified).count();
            String kernelSide = link.kernelInterfaceStats();
            String out = link.stop() + "\nkernel side: " + kernelSide.replaceAll("\\s+", " ");
            assertEquals(CONNECTIONS, ok, "connections that got their message back and the server's FIN; failures: "
                    + conns.stream().filter(c -> c.failure != null).limit(5).map(c -> c.failure).toList() + "\n" + tail(out));
            assertTrue(out.contains("echo: total accepted " + CONNECTIONS + " closed " + CONNECTIONS + " (0 not cleanly)"),
                    tail(out));
            System.out.printf("%s %d concurrent connections: %s%n", variant, CONNECTIONS,
                    out.lines().filter(l -> l.startsWith("echo: stack")).toList());
            for (Conn c : conns) {
                c.channel.close();
            }
        }
    }

    /** One client connection: connect, send 1 KiB unique to it, half-close, read it back to the server's FIN. */
    static final class Conn {
        final int id;
        final SocketChannel channel;
        final ByteBuffer out = ByteBuffer.allocate(1024);
        final ByteBuffer in = ByteBuffer.allocate(2048);
        boolean verified;
        String failure;

        Conn(int id, SocketChannel channel) {
            this.id = id;
            this.channel = channel;
            for (int i = 0; i < out.capacity(); i++) {
                out.put((byte) (id * 7 + i));
            }
            out.flip();
        }

        /** True when this connection is finished (either way). */
        boolean step(SelectionKey k) {
            try {
                if (k.isConnectable() && channel.finishConnect()) {
                    k.interestOps(SelectionKey.OP_WRITE | SelectionKey.OP_READ);
                }
                if (k.isValid() && k.isWritable() && out.hasRemaining()) {
                    channel.write(out);
                    if (!out.hasRemaining()) {
                        channel.shutdownOutput();
                        k.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (k.isValid() && k.isReadable()) {
                    int n = channel.read(in);
                    if (n < 0) {
                        in.flip();
                        byte[] expected = Arrays.copyOf(out.array(), 1024);
                        byte[] got = new byte[in.remaining()];
                        in.get(got);
                        verified = Arrays.equals(expected, got);
                        if (!verified) {
                            failure = id + ": got " + got.length + " bytes, not its 1024";
                        }
                        k.cancel();
                        return true;
                    }
                }
            } catch (Exception e) {
                failure = id + ": " + e;
                k.cancel();
                return true;
            }
            return false;
        }
    }

    @ParameterizedTest
    @EnumSource(value = PortVariant.class, names = {"PACKET", "XDP_NATIVE"})
    void synFloodDoesNotStopAnEstablishedConnection(PortVariant variant) throws Exception {
        try (EchoLink link = new EchoLink(variant)) {
            link.start("--mode", "echo");
            SocketChannel c = link.connect();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong echoed = new AtomicLong();
            AtomicLong sentBytes = new AtomicLong();
            Thread writer = Thread.ofVirtual().start(() -> {
                ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
                try {
                    while (!stop.get()) {
                        if (sentBytes.get() - echoed.get() > 256 * 1024) {
                            Thread.sleep(1); // at most 256 KiB ahead of what came back
                            continue;
                        }
                        chunk.clear();
                        while (chunk.hasRemaining()) {
                            c.write(chunk);
                        }
                        sentBytes.addAndGet(chunk.capacity());
                    }
                } catch (Exception ignored) {
                    // closed at the end
                }
            });
            Thread reader = Thread.ofVirtual().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                try {
                    int n;
                    while ((n = c.read(b)) >= 0) {
                        echoed.addAndGet(n);
                        b.clear();
                    }
                } catch (Exception ignored) {
                    // closed at the end
                }
            });
            Thread.sleep(2000);
            // raw SYNs from spoofed on-link sources and random ports, as fast as scapy sends them, for ~8 s
            Process flood = link.net.start(link.kernelNs, "/usr/bin/python3", "-c", String.join("\n",
                    "import time, random",
                    "from scapy.all import IP, TCP, send, conf",
                    "conf.verb = 0",
                    "s = conf.L3socket()",
                    "end = time.time() + 8; n = 0",
                    "while time.time() < end:",
                    "    src = '198.18.70.%d' % random.randint(10, 250)",
                    "    s.send(IP(src=src, dst='" + EchoLink.STACK_IP + "')/TCP(sport=random.randint(1024, 65535), dport="
                            + EchoLink.PORT + ", flags='S', seq=random.getrandbits(32)))",
                    "    n += 1",
                    "print('sent', n, flush=True)"));
            long[] perSecond = new long[8];
            for (int i = 0; i < perSecond.length; i++) {
                long before = echoed.get();
                Thread.sleep(1000);
                perSecond[i] = echoed.get() - before;
            }
            assertTrue(flood.waitFor(30, TimeUnit.SECONDS), "flood finished");
            String sent = new String(flood.getInputStream().readAllBytes()).strip();
            // a new connection is still accepted after the flood (SYN cookies or free backlog)
            try (SocketChannel late = link.connect()) {
                KernelClient.Echo e = KernelClient.echo(late, 4096, 9);
                assertEquals(e.sent().sha256(), e.received().sha256(), "a connection made right after the flood works");
            }
            stop.set(true);
            c.close();
            writer.join(5000);
            reader.join(5000);
            String out = link.stop();
            System.out.printf("%s SYN flood (%s): echoed per second %s%n%s%n", variant, sent, Arrays.toString(perSecond),
                    tail(out));
            assertTrue(sent.startsWith("sent ") && Long.parseLong(sent.substring(5)) > 1000, "the flood ran: " + sent);
            for (int i = 0; i < perSecond.length; i++) {
                assertTrue(perSecond[i] > 0, "the established connection stalled in second " + i + " of the flood: "
                        + Arrays.toString(perSecond) + "\n" + tail(out));
            }
        }
    }

    private static String tail(String out) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 6), lines.size()));
    }
}

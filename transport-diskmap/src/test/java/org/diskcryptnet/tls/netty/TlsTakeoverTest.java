package org.diskcryptnet.tls.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.record.AlertDescription;

/**
 * The takeover with the real engines on both ends: BoringSSL (netty-tcnative) runs the server's handshake, the JDK's
 * SSLSocket is the client, and after the handshake every byte is the project's record layer. Loopback, one process.
 */
class TlsTakeoverTest {

    @TempDir
    static Path dir;
    static EventLoopGroup group;
    static Server ec, rsa;
    static byte[] file;
    static Path filePath;

    /** A line protocol: "FILE offset length" answers "OK\n" and the bytes as a TlsFileRegion. */
    static final class Server {
        final CountingStats stats = new CountingStats();
        final AtomicInteger requests = new AtomicInteger();
        final Channel channel;
        final TlsTakeover takeover;
        volatile SslContext ssl;

        Server(Path cert, Path key, Path keyLog) throws Exception {
            ssl = context(cert, key);
            takeover = new TlsTakeover(ssl, "auto", keyLog, stats, 16384);
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            takeover.install(ch.pipeline(), "tls", ssl.newHandler(ch.alloc()));
                            ch.pipeline().addLast(new LineBasedFrameDecoder(256), new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) throws Exception {
                                    requests.incrementAndGet();
                                    String[] w = line.toString(StandardCharsets.US_ASCII).split(" ");
                                    long off = Long.parseLong(w[1]), len = Long.parseLong(w[2]);
                                    ctx.write(Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII));
                                    ctx.writeAndFlush(new TlsFileRegion(FileChannelRegionSource.open(filePath, off, len)));
                                }
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        /** Accepts further connections with {@code next}, as the origin does after a certificate reload. */
        void serve(SslContext next) {
            takeover.attach(next);
            ssl = next;
        }
    }

    static SslContext context(Path cert, Path key) throws SSLException {
        return SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3", "TLSv1.2").ciphers(CipherSuite.NAMES).build();
    }

    static Path[] certificate(String kind) throws Exception {
        Path cert = dir.resolve(kind + ".crt"), key = dir.resolve(kind + ".key");
        String[] newkey = kind.equals("ec") ? new String[] {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}
                : new String[] {"-newkey", "rsa:2048"};
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "req", "-x509", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-keyout", key.toString(), "-out", cert.toString()));
        cmd.addAll(3, List.of(newkey));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return new Path[] {cert, key};
    }

    @BeforeAll
    static void start() throws Exception {
        boolean openssl;
        try {
            openssl = new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (IOException e) {
            openssl = false;
        }
        assumeTrue(openssl, "the openssl command (Debian package openssl, scripts/install-test-deps) makes the test certificates");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        file = new byte[1_100_000];
        new Random(1).nextBytes(file);
        filePath = Files.write(dir.resolve("chunk"), file);
        Path[] e = certificate("ec"), r = certificate("rsa");
        ec = new Server(e[0], e[1], dir.resolve("keylog.txt"));
        rsa = new Server(r[0], r[1], null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    static SSLSocket connect(int port, CipherSuite suite) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.setEnabledProtocols(new String[] {suite.version().javaName()});
        s.setEnabledCipherSuites(new String[] {suite.name()});
        s.startHandshake();
        return s;
    }

    static byte[] fetch(SSLSocket s, long offset, int length) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("FILE " + offset + " " + length + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] ok = new byte[3];
        in.readFully(ok);
        assertEquals("OK\n", new String(ok, StandardCharsets.US_ASCII));
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    static Server serverFor(CipherSuite suite) {
        return suite.name().contains("_RSA_") ? rsa : ec;
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void jdkClientReadsFileRegionsThroughTheTakenOverConnection(CipherSuite suite) throws Exception {
        Server server = serverFor(suite);
        int before = server.stats.handshakes.size();
        try (SSLSocket s = connect(server.port(), suite)) {
            assertEquals(suite.name(), s.getSession().getCipherSuite());
            for (int[] r : new int[][] {{0, 1}, {5, 16383}, {0, 16384}, {100, 16385}, {3, 1_000_003}}) {
                assertArrayEquals(Arrays.copyOfRange(file, r[0], r[0] + r[1]), fetch(s, r[0], r[1]),
                        "bytes [" + r[0] + ", +" + r[1] + ")");
            }
        }
        assertTrue(server.stats.handshakes.size() > before);
        assertTrue(server.stats.handshakes.contains(suite));
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256"})
    void keyUpdateRequestedByTheJdkIsAnswered(CipherSuite suite) throws Exception {
        long in = ec.stats.updatesIn.get(), out = ec.stats.updatesOut.get();
        try (SSLSocket s = connect(ec.port(), suite)) {
            assertArrayEquals(Arrays.copyOfRange(file, 0, 40_000), fetch(s, 0, 40_000));
            s.startHandshake(); // TLS 1.3: the JDK sends KeyUpdate(update_requested)
            assertArrayEquals(Arrays.copyOfRange(file, 7, 7 + 300_000), fetch(s, 7, 300_000));
            s.startHandshake();
            assertArrayEquals(Arrays.copyOfRange(file, 9, 9 + 50_000), fetch(s, 9, 50_000));
        }
        assertEquals(in + 2, ec.stats.updatesIn.get());
        assertEquals(out + 2, ec.stats.updatesOut.get());
    }

    @Test
    void connectionsOfAContextAttachedLaterAreTakenOverToo() throws Exception {
        Server server = new Server(dir.resolve("ec.crt"), dir.resolve("ec.key"), null);
        try {
            server.serve(context(dir.resolve("rsa.crt"), dir.resolve("rsa.key")));
            CipherSuite suite = CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
            try (SSLSocket s = connect(server.port(), suite)) {
                assertEquals("RSA", s.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm());
                assertArrayEquals(Arrays.copyOfRange(file, 11, 11 + 200_000), fetch(s, 11, 200_000));
            }
            assertTrue(server.stats.handshakes.contains(suite), "taken over: " + server.stats.handshakes);
        } finally {
            server.channel.close().sync();
        }
    }

    @Test
    void keyLogIsWrittenOnlyWhereAsked() throws Exception {
        try (SSLSocket s = connect(ec.port(), CipherSuite.TLS_AES_128_GCM_SHA256)) {
            fetch(s, 0, 10);
        }
        String log = Files.readString(dir.resolve("keylog.txt"));
        assertTrue(log.contains("SERVER_TRAFFIC_SECRET_0 "), "the EC listener was given a key log file");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("keylog.txt"))));
    }

    /** A proxy that flips one bit in the client's first application data record after the handshake. */
    static int tamperingProxy(int target, int dataRecordToSpoil) throws IOException {
        ServerSocket listen = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(() -> {
            try (listen; Socket client = listen.accept(); Socket server = new Socket("127.0.0.1", target)) {
                Thread back = new Thread(() -> {
                    try {
                        server.getInputStream().transferTo(client.getOutputStream());
                    } catch (IOException ignored) {
                        // the test ends the connection
                    } finally {
                        try {
                            client.shutdownOutput();
                        } catch (IOException ignored) {
                            // already gone
                        }
                    }
                });
                back.setDaemon(true);
                back.start();
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = server.getOutputStream();
                int seen = 0;
                while (true) {
                    byte[] header = new byte[5];
                    in.readFully(header);
                    byte[] body = new byte[(header[3] & 0xff) << 8 | (header[4] & 0xff)];
                    in.readFully(body);
                    if (header[0] == 23 && ++seen == dataRecordToSpoil) {
                        body[body.length / 2] ^= 0x10;
                    }
                    out.write(header);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException ignored) {
                // done
            }
        });
        t.setDaemon(true);
        t.start();
        return listen.getLocalPort();
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuite.class, names = {"TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"})
    void tamperedRecordIsRefusedWithBadRecordMacAndNothingIsDelivered(CipherSuite suite) throws Exception {
        // TLS 1.3: the client's first type-23 record is its Finished; TLS 1.2: its first is application data.
        int port = tamperingProxy(ec.port(), suite.version() == TlsVersion.TLS_1_3 ? 2 : 1);
        int requests = ec.requests.get();
        int alerts = (int) ec.stats.alertsSent.stream().filter(a -> a == AlertDescription.BAD_RECORD_MAC).count();
        try (SSLSocket s = connect(port, suite)) {
            SSLException e = assertThrows(SSLException.class, () -> fetch(s, 0, 100));
            assertTrue(e.getMessage().contains("bad_record_mac"), e.getMessage());
        }
        assertEquals(requests, ec.requests.get(), "the tampered request never reached the application");
        assertEquals(alerts + 1, ec.stats.alertsSent.stream().filter(a -> a == AlertDescription.BAD_RECORD_MAC).count());
    }
}

package org.diskcryptnet.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.origin.tls.SelfSignedCertificate;
import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;

/**
 * The origin's HTTPS listener on the in-place record layer against real peers, for every protocol version × cipher
 * suite: curl and {@code openssl s_client} in their own network namespace, Java's HttpClient and a Netty client on the
 * JDK SSLEngine in this JVM; whole objects and ranges, compared by SHA-256. ECDSA suites and TLS 1.3 go to an origin
 * with an EC P-256 certificate, RSA suites to one with RSA 2048.
 */
class InPlaceTlsIT {

    static final int EC_PORT = 18510, RSA_PORT = 18511;
    static final long[] SIZES = {1024, 16383, 16384, 16385, 1 << 20};

    @TempDir
    static Path dir;
    static TestNetns netns;
    static TestCatalog catalog;
    static RunningOrigin ec, rsa;
    static EventLoopGroup clientGroup;

    @BeforeAll
    static void start() throws Exception {
        Proc.require("curl");
        Proc.require("openssl");
        netns = new TestNetns(0);
        catalog = new TestCatalog(Files.createDirectories(dir.resolve("root")));
        for (long size : SIZES) {
            catalog.file("f" + size, size);
        }
        catalog.file("f100m", 100L << 20);
        ec = origin(SelfSignedCertificate.KeyType.EC_P256, EC_PORT, "ec");
        rsa = origin(SelfSignedCertificate.KeyType.RSA_2048, RSA_PORT, "rsa");
        clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    static RunningOrigin origin(SelfSignedCertificate.KeyType type, int port, String name) throws Exception {
        return RunningOrigin.serving(catalog.root()).https(Files.createDirectories(dir.resolve(name)), type)
                .set("listen.https", netns.serverAddress + ":" + port).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {ec, rsa, netns}) {
            if (c != null) {
                c.close();
            }
        }
        if (clientGroup != null) {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    static RunningOrigin originFor(CipherSuite suite) {
        return suite.name().contains("_RSA_") ? rsa : ec;
    }

    static int portFor(CipherSuite suite) {
        return suite.name().contains("_RSA_") ? RSA_PORT : EC_PORT;
    }

    /** OpenSSL's name for a suite (TLS 1.3 names are the IANA ones). */
    static String opensslName(CipherSuite s) {
        return switch (s) {
            case TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 -> "ECDHE-ECDSA-AES128-GCM-SHA256";
            case TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> "ECDHE-RSA-AES128-GCM-SHA256";
            case TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 -> "ECDHE-ECDSA-AES256-GCM-SHA384";
            case TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 -> "ECDHE-RSA-AES256-GCM-SHA384";
            case TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 -> "ECDHE-ECDSA-CHACHA20-POLY1305";
            case TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 -> "ECDHE-RSA-CHACHA20-POLY1305";
            default -> s.name();
        };
    }

    static List<String> suiteArgsCurl(CipherSuite s) {
        return s.version() == TlsVersion.TLS_1_3
                ? List.of("--tlsv1.3", "--tls13-ciphers", s.name())
                : List.of("--tlsv1.2", "--tls-max", "1.2", "--ciphers", opensslName(s));
    }

    static Reply curl(CipherSuite s, String path, String... extra) {
        int port = portFor(s);
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-i", "-v", "--max-time", "120",
                "--cacert", originFor(s).certificate().toString(),
                "--resolve", "localhost:" + port + ":" + netns.serverAddress));
        cmd.addAll(suiteArgsCurl(s));
        cmd.addAll(List.of(extra));
        cmd.add("https://localhost:" + port + path);
        Proc.Result r = Proc.run(Duration.ofSeconds(150), null, Map.of(), netns.exec(cmd));
        assertEquals(0, r.exit(), () -> "curl failed: " + r);
        return Reply.parse(r.stdout(), r.stderr());
    }

    /** curl -i output: status, headers, body, and curl's -v trace. */
    record Reply(int status, Map<String, String> headers, byte[] body, String verbose) {
        String header(String name) {
            return headers.get(name);
        }

        String sha256() {
            return TestCatalog.sha256(body);
        }

        static Reply parse(byte[] raw, String verbose) {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertTrue(end > 0, "no header section from curl");
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers,
                    java.util.Arrays.copyOfRange(raw, end + 4, raw.length), verbose);
        }
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void curlDownloadsWholeObjectsAndRanges(CipherSuite s) {
        for (long size : SIZES) {
            Reply whole = curl(s, "/f" + size);
            assertEquals(200, whole.status());
            assertEquals(TestCatalog.sha256(catalog.root().resolve("f" + size)), whole.sha256(), "f" + size + " " + s);
            assertTrue(whole.verbose().contains(s.version() == TlsVersion.TLS_1_3 ? "TLSv1.3" : "TLSv1.2"), whole.verbose());
        }
        Reply part = curl(s, "/f" + (1 << 20), "-r", "16380-100000");
        assertEquals(206, part.status());
        assertEquals(TestCatalog.sha256(catalog.root().resolve("f" + (1 << 20)), 16380, 100000 - 16380 + 1), part.sha256());
        Reply multi = curl(s, "/f16385", "-r", "0-9,16380-16384");
        assertEquals(206, multi.status());
        assertTrue(multi.header("content-type").startsWith("multipart/byteranges"));
    }

    @ParameterizedTest
    @EnumSource(value = TlsVersion.class)
    void curlDownloads100MegabytesOncePerVersion(TlsVersion version) {
        CipherSuite s = version == TlsVersion.TLS_1_3 ? CipherSuite.TLS_AES_128_GCM_SHA256
                : CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
        Reply r = curl(s, "/f100m");
        assertEquals(200, r.status());
        assertEquals(100L << 20, r.body().length);
        assertEquals(TestCatalog.sha256(catalog.root().resolve("f100m")), r.sha256());
    }

    /** {@code openssl s_client}: a request on stdin (after "K", a KeyUpdate with update_requested, for TLS 1.3). */
    static byte[] sClient(CipherSuite s, boolean keyUpdate, String path) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                netns.serverAddress + ":" + portFor(s), "-servername", "localhost", "-CAfile",
                originFor(s).certificate().toString(), "-verify_return_error"));
        if (s.version() == TlsVersion.TLS_1_3) {
            cmd.addAll(List.of("-tls1_3", "-ciphersuites", s.name()));
        } else {
            cmd.addAll(List.of("-tls1_2", "-cipher", opensslName(s)));
        }
        Process p = new ProcessBuilder(netns.exec(cmd)).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return in.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getErrorStream()) {
                return in.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (OutputStream stdin = p.getOutputStream()) {
            Thread.sleep(300);
            if (keyUpdate) {
                stdin.write("K\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                Thread.sleep(300);
            }
            stdin.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            // s_client quits on stdin EOF: keep it open until the server has answered and closed
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("s_client did not finish: " + new String(err.getNow(new byte[0])));
            }
        }
        byte[] raw = out.get(10, TimeUnit.SECONDS);
        String errText = new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1);
        if (keyUpdate) {
            assertTrue(errText.contains("KEYUPDATE"), errText);
        }
        return raw;
    }

    static byte[] httpBody(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int start = text.indexOf("HTTP/1.1 200");
        assertTrue(start >= 0, "no response in s_client output:\n" + text.substring(0, Math.min(text.length(), 3000)));
        int end = text.indexOf("\r\n\r\n", start) + 4;
        int length = Integer.parseInt(text.substring(start, end).replaceAll("(?s).*[Cc]ontent-[Ll]ength: *(\\d+).*", "$1"));
        return java.util.Arrays.copyOfRange(raw, end, end + length);
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void opensslSClientDownloadsAndUpdatesKeys(CipherSuite s) throws Exception {
        var metrics = originFor(s).server().metrics().registry();
        double before = metrics.get("tls.key.updates").tag("direction", "received").counter().count();
        boolean update = s.version() == TlsVersion.TLS_1_3;
        byte[] body = httpBody(sClient(s, update, "/f" + (1 << 20)));
        assertEquals(TestCatalog.sha256(catalog.root().resolve("f" + (1 << 20))), TestCatalog.sha256(body));
        if (update) {
            assertEquals(before + 1, metrics.get("tls.key.updates").tag("direction", "received").counter().count());
        }
    }

    static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void javaHttpClientDownloadsWholeAndRanges(CipherSuite s) throws Exception {
        SSLParameters params = new SSLParameters(new String[] {s.name()}, new String[] {s.version().javaName()});
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustAll())
                .sslParameters(params).connectTimeout(Duration.ofSeconds(10)).build()) {
            String base = "https://" + netns.serverAddress + ":" + portFor(s);
            for (long size : new long[] {1024, 16385, 1 << 20}) {
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + "/f" + size)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                assertEquals(TestCatalog.sha256(catalog.root().resolve("f" + size)), TestCatalog.sha256(r.body()));
            }
            HttpResponse<byte[]> part = client.send(HttpRequest.newBuilder(URI.create(base + "/f" + (1 << 20)))
                    .header("Range", "bytes=5000-70000").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(206, part.statusCode());
            assertEquals(TestCatalog.sha256(catalog.root().resolve("f" + (1 << 20)), 5000, 65001),
                    TestCatalog.sha256(part.body()));
        }
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void nettyClientOnTheJdkSslEngineDownloads(CipherSuite s) throws Exception {
        var sslCtx = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols(s.version().javaName()).ciphers(List.of(s.name())).build();
        for (String[] req : new String[][] {{"/f16384", null}, {"/f" + (1 << 20), "bytes=100-300000"}}) {
            CompletableFuture<FullHttpResponse> done = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(sslCtx.newHandler(c.alloc(), netns.serverAddress, portFor(s)),
                                    new HttpClientCodec(), new HttpObjectAggregator(8 << 20),
                                    new SimpleChannelInboundHandler<FullHttpResponse>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                            done.complete(r.retainedDuplicate());
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            done.completeExceptionally(cause);
                                        }
                                    });
                        }
                    }).connect(netns.serverAddress, portFor(s)).sync().channel();
            DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, req[0]);
            get.headers().set(HttpHeaderNames.HOST, "localhost");
            if (req[1] != null) {
                get.headers().set(HttpHeaderNames.RANGE, req[1]);
            }
            ch.writeAndFlush(get);
            FullHttpResponse r = done.get(30, TimeUnit.SECONDS);
            try {
                byte[] body = new byte[r.content().readableBytes()];
                r.content().readBytes(body);
                Path f = catalog.root().resolve(req[0].substring(1));
                String expected = req[1] == null ? TestCatalog.sha256(f) : TestCatalog.sha256(f, 100, 299_901);
                assertEquals(expected, TestCatalog.sha256(body), s + " " + req[0]);
            } finally {
                r.release();
                ch.close().sync();
            }
        }
    }

    @Test
    void accessLogAndMetricsNameTheNegotiatedSuiteAfterTheTakeover() {
        curl(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, "/f1024");
        var registry = ec.server().metrics().registry();
        assertTrue(registry.get("tls.handshakes").tag("cipher_suite", "TLS_CHACHA20_POLY1305_SHA256").counter().count() >= 1);
        assertTrue(registry.get("tls.records.sealed").counter().count() > 0);
        assertTrue(registry.get("tls.sealed").counter().count() >= 1024);
    }
}

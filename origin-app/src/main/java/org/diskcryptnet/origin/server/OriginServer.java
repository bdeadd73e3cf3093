package org.diskcryptnet.origin.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.GlobalEventExecutor;

import org.diskcryptnet.disk.DiskRegionWriter;
import org.diskcryptnet.disk.DiskStorage;
import org.diskcryptnet.origin.accesslog.AccessLog;
import org.diskcryptnet.origin.config.ListenAddress;
import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.origin.content.ContentRoot;
import org.diskcryptnet.origin.content.MediaTypes;
import org.diskcryptnet.origin.http.ConnectionTimeouts;
import org.diskcryptnet.origin.http.Cors;
import org.diskcryptnet.origin.http.OriginContext;
import org.diskcryptnet.origin.http.OriginHandler;
import org.diskcryptnet.origin.loop.MeteredEventLoopGroup;
import org.diskcryptnet.origin.metrics.OriginMetrics;
import org.diskcryptnet.origin.storage.BufferedFileBodies;
import org.diskcryptnet.origin.storage.DirectFileBodies;
import org.diskcryptnet.origin.storage.DirectTlsFileBodies;
import org.diskcryptnet.origin.storage.FileBodies;
import org.diskcryptnet.origin.storage.TlsFileBodies;
import org.diskcryptnet.origin.tls.ListenerTls;
import org.diskcryptnet.tls.netty.TlsTakeover;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * A running origin: its listeners, event loops, admin port and access log, built from a checked
 * {@link OriginConfig}. Stops gracefully: stop accepting, let responses in flight finish up to the drain
 * timeout, close what is left.
 */
public final class OriginServer implements AutoCloseable {

    private final OriginConfig config;
    private final Transports transport;
    private final MeteredEventLoopGroup group;
    private final OriginMetrics metrics;
    private final AccessLog accessLog;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final int eventLoops;
    private Channel http;
    private Channel https;
    private AdminServer admin;
    /** The in-place record layer's takeover for the HTTPS listener; null when off or for Netty's SslHandler. */
    private TlsTakeover takeover;
    /** The HTTPS listener's certificate and context, reloaded on SIGHUP; null without HTTPS. */
    private ListenerTls listenerTls;
    private DiskStorage disk;
    private ContentRoot content;
    private volatile boolean draining;
    private volatile boolean stopped;

    private OriginServer(OriginConfig config) throws IOException {
        this.config = config;
        this.eventLoops = config.eventLoops() > 0 ? config.eventLoops() : NettyRuntime.availableProcessors();
        this.transport = Transports.select(config, eventLoops);
        this.metrics = new OriginMetrics();
        this.accessLog = AccessLog.open(config.accessLog(), metrics);
        this.group = new MeteredEventLoopGroup(eventLoops, transport.ioHandlerFactory());
        metrics.registerEventLoops(group);
        if (!transport.portLoops().isEmpty()) {
            metrics.registerNetwork(transport.portLoops());
        }
        metrics.registerIdleConnections(this::idleConnections);
    }

    public static OriginServer start(OriginConfig config) throws Exception {
        OriginServer server = new OriginServer(config);
        try {
            server.bind();
            return server;
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    private void bind() throws Exception {
        content = new ContentRoot(config.contentRoot(), new MediaTypes(config.mimeTypes()));
        listenerTls = config.https() == null ? null : new ListenerTls(config.tls(), metrics.tls());
        FileBodies plainBodies = new BufferedFileBodies(false);
        FileBodies encryptedBodies = new BufferedFileBodies(true);
        if (config.storage() == OriginConfig.Storage.DIRECT) {
            OriginConfig.DiskQueue q = config.disk();
            disk = new DiskStorage(DirectFileBodies.backend(), content.path(),
                    new DiskStorage.Config(q.queueDepth(), q.chunkSize(), q.poolChunks(), q.readAhead()));
            metrics.registerDisk(disk.backendName(), disk::stats);
            // With tls.record_layer: sslhandler, SslHandler encrypts the chunks the DiskRegionWriter hands it.
            plainBodies = new DirectFileBodies(disk);
            encryptedBodies = plainBodies;
        }
        if (listenerTls != null && config.tls().recordLayer() == OriginConfig.RecordLayer.TRANSPORT) {
            takeover = new TlsTakeover(listenerTls.context(), config.tls().cryptoEngine(), config.tls().keyLog(),
                    metrics.tls(), RecordProtection.MAX_PLAINTEXT);
            listenerTls.prepareEach(takeover::attach);
            // Records are sealed where they were read: with direct storage the disk queue fills the record buffers
            // around the page cache; otherwise pread fills them through it.
            encryptedBodies = disk != null ? new DirectTlsFileBodies(disk) : new TlsFileBodies();
        }
        OriginContext context = new OriginContext(content, plainBodies, encryptedBodies,
                new Cors(config.corsAllowedOrigins(), config.corsMaxAge()), metrics, accessLog,
                config.maxTargetBytes(), () -> draining);
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections(), metrics);
        if (config.http() != null) {
            http = listen(config.http(), context, limiter, null);
        }
        if (config.https() != null) {
            https = listen(config.https(), context, limiter, listenerTls);
        }
        if (config.admin() != null) {
            admin = AdminServer.start(config.admin(), transport.admin(), metrics, () -> !draining && !stopped);
        }
    }

    private Channel listen(ListenAddress address, OriginContext context, ConnectionLimiter limiter, ListenerTls tls)
            throws InterruptedException {
        HttpDecoderConfig decoding = new HttpDecoderConfig()
                // the request line is method, target and version: leave room for the longest method we answer
                .setMaxInitialLineLength(config.maxTargetBytes() + 32)
                .setMaxHeaderSize(config.maxHeaderBytes());
        long headerTimeout = config.requestHeaderTimeout().toNanos();
        long keepAlive = config.keepAliveTimeout().toNanos();
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!limiter.admit(ch, tls == null)) {
                            return;
                        }
                        clients.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        if (tls != null && takeover != null) {
                            // BoringSSL runs the handshake, then the in-place record layer takes the name "tls".
                            takeover.install(p, "tls", handshaking(tls, ch));
                        } else if (tls != null) {
                            p.addLast("tls", handshaking(tls, ch));
                        }
                        ConnectionTimeouts timeouts = new ConnectionTimeouts(headerTimeout, keepAlive, tls != null);
                        p.addLast("timeouts", timeouts);
                        if (disk != null && (transport.kernel() || tls != null)) {
                            // Turns DiskRegions into chunks read through this loop's disk queue, on the plaintext
                            // side of "tls": HttpServerCodec passes the regions through to it. Not for plain HTTP on
                            // the netmap transport: there the DiskRegion reaches the channel, whose loop reads it
                            // into the transmit frames when TCP may send it, and again on loss (issue 8); HTTPS
                            // bodies with the in-place record layer are TlsFileRegions, which the channel seals
                            // in its frames the same way.
                            p.addLast("diskmap", new DiskRegionWriter());
                        }
                        p.addLast("http", new HttpServerCodec(decoding));
                        if (tls != null && takeover == null) {
                            // SslHandler cannot encrypt a FileRegion: the body goes as record-sized chunks.
                            p.addLast("chunked", new ChunkedWriteHandler());
                        }
                        p.addLast("origin", new OriginHandler(context, timeouts));
                    }
                })
                .bind(address.socketAddress()).sync().channel();
        // after the acceptor the bootstrap added, so that its pause on a failed accept still comes first
        channel.pipeline().addLast("accept-failures", new AcceptFailures(metrics));
        listeners.add(channel);
        return channel;
    }

    /** The handshake's handler, closing the connection after {@code tls.handshake_timeout}. */
    private SslHandler handshaking(ListenerTls tls, Channel ch) {
        SslHandler handler = tls.context().newHandler(ch.alloc());
        handler.setHandshakeTimeoutMillis(config.tls().handshakeTimeout().toMillis());
        return handler;
    }

    /** Client connections with no request in progress; walks the connections, so for a scrape, not a data path. */
    private int idleConnections() {
        int idle = 0;
        for (Channel client : clients) {
            ConnectionTimeouts timeouts = client.pipeline().get(ConnectionTimeouts.class);
            if (timeouts != null && timeouts.idleSeenFromAnotherThread()) {
                idle++;
            }
        }
        return idle;
    }

    public InetSocketAddress httpAddress() {
        return http == null ? null : (InetSocketAddress) http.localAddress();
    }

    public InetSocketAddress httpsAddress() {
        return https == null ? null : (InetSocketAddress) https.localAddress();
    }

    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.localAddress();
    }

    public String transportName() {
        return transport.name();
    }

    public int eventLoops() {
        return eventLoops;
    }

    public OriginMetrics metrics() {
        return metrics;
    }

    /**
     * Stops accepting, closes idle connections, lets responses in flight finish for at most {@code drainTimeout},
     * then closes everything. Returns the number of connections that had to be cut.
     */
    public int drainAndStop(Duration drainTimeout) {
        draining = true;
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        for (Channel client : clients) {
            client.eventLoop().execute(() -> {
                ConnectionTimeouts timeouts = client.pipeline().get(ConnectionTimeouts.class);
                if (timeouts == null || timeouts.idle()) {
                    client.close();
                }
            });
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int cut = clients.size();
        close();
        return cut;
    }

    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        draining = true;
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (admin != null) {
            admin.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (disk != null) {
            disk.close();
        }
        if (content != null) {
            content.close();
        }
        if (takeover != null) {
            try {
                takeover.close();
            } catch (IOException ignored) {
                // only the debugging key log: nothing to save
            }
        }
        if (accessLog != null) {
            try {
                accessLog.close();
            } catch (IOException ignored) {
                // nothing left to tell it to
            }
        }
    }

    /**
     * SIGHUP: reads {@code tls.certificate} and {@code tls.private_key} again for the connections accepted from now
     * on ({@link ListenerTls#reload}); other settings need a restart.
     *
     * @return the line to log: what the listener presents now, or why it still presents what it did
     */
    public String reloadCertificate() {
        if (listenerTls == null) {
            return "no HTTPS listener: nothing to reload";
        }
        try {
            return "reloaded the certificate: " + listenerTls.reload();
        } catch (SSLException e) {
            return "certificate not reloaded, still presenting " + listenerTls.describe() + ": " + e.getMessage();
        }
    }

    /** SIGUSR1: the access log file is opened again by its path (after logrotate has moved it). */
    public String reopenAccessLog() {
        if (accessLog == null || !accessLog.reopen()) {
            return "the access log is not a file: nothing to reopen";
        }
        return "reopening the access log " + config.accessLog();
    }

    /** For the CLI's start-up message. */
    public void describe(PrintStream out) {
        out.printf("diskcryptnet origin: serving %s (transport %s, %d event loops, storage %s)%n",
                config.contentRoot(), transport.name(), eventLoops, storageDescription());
        if (config.storage() == OriginConfig.Storage.BUFFERED && !DirectFileBodies.available()) {
            out.printf("  note   storage is buffered (through the page cache) because direct is unavailable here: %s%n",
                    DirectFileBodies.unavailabilityCause());
        }
        if (http != null) {
            out.printf("  http   http://%s/%n", hostPort(httpAddress()));
        }
        if (https != null) {
            out.printf("  https  https://%s/%n", hostPort(httpsAddress()));
            out.printf("         certificate: %s%n", listenerTls.describe());
            if (takeover != null) {
                out.printf("         record layer: in place (%s)%n", describeEngines());
            } else {
                out.printf("         record layer: Netty SslHandler (tls.record_layer: sslhandler)%n");
            }
            if (config.tls().keyLog() != null) {
                out.printf("  WARNING: tls.key_log is on: every session key is written to %s; anyone who reads it can "
                        + "decrypt the traffic. For debugging only.%n", config.tls().keyLog());
            }
        }
        if (admin != null) {
            out.printf("  admin  http://%s/metrics  /healthz  /readyz%n", hostPort(adminAddress()));
        }
        String descriptors = OpenFileBudget.warning(config.maxConnections(), transport.kernel(),
                OpenFileBudget.currentLimit());
        if (descriptors != null) {
            out.printf("  WARNING: %s%n", descriptors);
        }
    }

    private String storageDescription() {
        return disk == null ? "buffered (page cache, sendfile)" : "direct (" + disk.backendName() + ", around the page cache)";
    }

    /** The disk storage of {@code content.storage: direct}, or null. */
    public DiskStorage diskStorage() {
        return disk;
    }

    private String describeEngines() {
        StringBuilder b = new StringBuilder();
        takeover.engines().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e ->
                b.append(b.isEmpty() ? "" : ", ").append(e.getKey().name().toLowerCase(java.util.Locale.ROOT))
                        .append(": ").append(e.getValue().name()));
        return b.toString();
    }

    /** {@code host:port}, IPv6 literals bracketed, for URLs in messages. */
    public static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}

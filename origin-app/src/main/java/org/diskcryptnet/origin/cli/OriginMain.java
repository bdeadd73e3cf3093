package org.diskcryptnet.origin.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import org.diskcryptnet.netmap.diag.EchoTool;
import org.diskcryptnet.origin.config.ConfigException;
import org.diskcryptnet.origin.config.ConfigSource;
import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.origin.demo.DemoCatalog;
import org.diskcryptnet.origin.server.OriginServer;
import org.diskcryptnet.origin.tls.ServerTls;

import sun.misc.Signal;

/** {@code ./origin}: serve, check-config, demo, echo. Exit status 0 ok, 1 failure at run time, 2 bad usage or config. */
public final class OriginMain {

    static final int OK = 0, FAILED = 1, USAGE = 2;

    /** Flags that set one configuration key each; {@code --set key=value} reaches any key. */
    static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("--root", "content.root"),
            Map.entry("--storage", "content.storage"),
            Map.entry("--http", "listen.http"),
            Map.entry("--https", "listen.https"),
            Map.entry("--admin", "listen.admin"),
            Map.entry("--cert", "tls.certificate"),
            Map.entry("--key", "tls.private_key"),
            Map.entry("--transport", "server.transport"),
            Map.entry("--address", "server.address"),
            Map.entry("--gateway", "server.gateway"),
            Map.entry("--faults", "server.faults"),
            Map.entry("--offloads", "server.offloads"),
            Map.entry("--idle", "server.idle"),
            Map.entry("--ring-size", "server.ring_size"),
            Map.entry("--event-loops", "server.event_loops"),
            Map.entry("--max-connections", "server.max_connections"),
            Map.entry("--access-log", "access_log.path"));

    static final String USAGE_TEXT = """
            Usage:
              origin serve --config FILE [flags]    serve the content named in FILE
              origin serve --root DIR [flags]       serve DIR with the defaults
              origin check-config FILE [flags]      report every problem in FILE (with its line), exit non-zero if any
              origin demo [--dir DIR] [flags]       write a demo catalog (HLS, DASH, a localhost certificate) and serve it
              origin echo --port URI --address A.B.C.D/N --listen PORT [--mode echo|sink|source] [--faults SPEC]
                                                    TCP echo/discard/chargen on the userspace stack over a packet port,
                                                    counters every second (origin echo --help)
              origin --help

            Flags (each overrides the configuration file):
              --root DIR                content.root
              --storage buffered|direct content.storage
              --http HOST:PORT|off      listen.http        (default 127.0.0.1:8080)
              --https HOST:PORT|off     listen.https       (default off; demo: 127.0.0.1:8443)
              --admin HOST:PORT|off     listen.admin       (default 127.0.0.1:9464)
              --cert FILE --key FILE    tls.certificate, tls.private_key (PEM)
              --transport auto|epoll|nio|PORT   PORT: serve on the userspace TCP/IP stack over a packet port
                                        (xdp:IF[@queue], tap:NAME, packet:IF, netmap:IF), one queue per loop
              --address A.B.C.D/N       server.address: the userspace stack's own address (with a PORT)
              --gateway A.B.C.D         server.gateway: its next hop off the prefix (optional)
              --faults SPEC|off         server.faults: inject faults on the PORT (a test tool), e.g.
                                        loss=0.05,reorder=0.05,seed=1 (also dup, corrupt, delay, delayms)
              --offloads on|off         server.offloads: tap: and packet: frames carry a virtio-net header, so the
                                        kernel completes checksums and cuts 64 KiB segments (default off)
              --idle block|backoff|busy-poll   server.idle: what a loop of the stack does with nothing to do:
                                        sleep in poll(2) (default), back off, or spin (a core per loop)
              --ring-size N             server.ring_size: slots of each port queue's rings, a power of two
                                        (default 1024; memory: README)
              --event-loops N           0 = one per core
              --max-connections N
              --access-log PATH|stdout|off
              --set KEY=VALUE           any setting, e.g. --set server.keep_alive_timeout=30s

            SIGTERM or SIGINT: stop accepting, finish responses in flight (server.drain_timeout), exit 0.
            """;

    private OriginMain() {}

    /** The JDK logger's line format; a value given with {@code -D} wins. */
    static final String LOG_FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
    /** One line per record: the time (ISO 8601 with its offset), the level, the logger, the message. */
    static final String LOG_FORMAT = "%1$tFT%1$tT.%1$tL%1$tz %4$s %3$s: %5$s%6$s%n";

    public static void main(String[] args) {
        if (System.getProperty(LOG_FORMAT_PROPERTY) == null) {
            System.setProperty(LOG_FORMAT_PROPERTY, LOG_FORMAT); // before the first logger reads it
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        String command = args[0];
        List<String> rest = List.of(args).subList(1, args.length);
        try {
            return switch (command) {
                case "serve" -> serve(rest, err);
                case "check-config" -> checkConfig(rest, out, err);
                case "demo" -> demo(rest, err);
                case "echo" -> EchoTool.run(rest, out, err);
                default -> {
                    err.println("origin: unknown command \"" + command + "\"");
                    err.print(USAGE_TEXT);
                    yield USAGE;
                }
            };
        } catch (UsageException e) {
            err.println("origin: " + e.getMessage());
            err.println("Run `origin --help` for the flags.");
            return USAGE;
        }
    }

    private static int serve(List<String> args, PrintStream err) throws UsageException {
        Parsed parsed = Parsed.of(args, true);
        ConfigSource source = parsed.configFile != null ? ConfigSource.load(parsed.configFile) : ConfigSource.empty();
        parsed.applyTo(source);
        return serve(source, err, null);
    }

    private static int checkConfig(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Parsed parsed = Parsed.of(args, false);
        if (parsed.positional.size() != 1) {
            throw new UsageException("check-config takes one configuration file");
        }
        Path file = Path.of(parsed.positional.getFirst());
        ConfigSource source = ConfigSource.load(file);
        parsed.applyTo(source);
        try {
            OriginConfig config = OriginConfig.bind(source);
            if (config.tls() != null) {
                ServerTls.context(config.tls()); // loads the certificate and key: a bad PEM is a config error too
            }
            out.println(file + ": ok");
            return OK;
        } catch (ConfigException e) {
            e.problems().forEach(p -> err.println(p));
            err.println(file + ": " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s"));
            return USAGE;
        } catch (Exception e) {
            err.println(file + ": tls: " + e.getMessage());
            return USAGE;
        }
    }

    private static int demo(List<String> args, PrintStream err) throws UsageException {
        Parsed parsed = Parsed.of(args, false);
        Path dir = Path.of(parsed.dir != null ? parsed.dir : "demo-content");
        DemoCatalog demo = new DemoCatalog(dir);
        try {
            int written = demo.write();
            err.printf("demo: %s in %s%n", written == 0 ? "reusing the catalog" : "wrote " + written + " files",
                    dir.toAbsolutePath().normalize());
        } catch (Exception e) {
            err.println("demo: cannot write " + dir + ": " + e.getMessage());
            return FAILED;
        }
        ConfigSource source = ConfigSource.load(demo.configFile());
        parsed.applyTo(source);
        return serve(source, err, demo);
    }

    private static int serve(ConfigSource source, PrintStream err, DemoCatalog demo) {
        OriginConfig config;
        try {
            config = OriginConfig.bind(source);
        } catch (ConfigException e) {
            e.problems().forEach(p -> err.println(p));
            return USAGE;
        }
        // The log formatter reads the time zone rules from a file for its first line: read them now. Otherwise a first
        // warning written while the process is out of descriptors (the one that says so) fails, and so does every
        // later line, since a class whose initialisation failed stays failed.
        new SimpleFormatter().format(new LogRecord(Level.INFO, "origin"));
        OriginServer server;
        try {
            server = OriginServer.start(config);
        } catch (Exception e) {
            err.println("origin: cannot start: " + e.getMessage());
            return FAILED;
        }
        // before "ready", which scripts wait for: a signal sent after it must find its handler (the JVM's own
        // action for HUP and USR1 would end the process)
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // as nginx: HUP reloads (here the certificate and key, for renewals), USR1 reopens the log for logrotate
        Signal.handle(new Signal("HUP"), s -> err.println("origin: " + server.reloadCertificate()));
        Signal.handle(new Signal("USR1"), s -> err.println("origin: " + server.reopenAccessLog()));
        server.describe(err);
        if (demo != null) {
            printDemoHints(server, demo, err);
        }
        err.printf("origin: ready (pid %d)%n", ProcessHandle.current().pid());
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.printf("origin: stopping: draining for up to %ds%n", config.drainTimeout().toSeconds());
        int cut = server.drainAndStop(config.drainTimeout());
        err.printf("origin: stopped%s%n", cut == 0 ? "" : " (" + cut + " connections cut at the drain timeout)");
        return OK;
    }

    private static void printDemoHints(OriginServer server, DemoCatalog demo, PrintStream err) {
        String http = server.httpAddress() == null ? null : "http://" + OriginServer.hostPort(server.httpAddress());
        String https = server.httpsAddress() == null ? null : "https://localhost:" + server.httpsAddress().getPort();
        err.println();
        err.println("Try:");
        if (http != null) {
            err.println("  curl -s " + http + "/hls/master.m3u8");
            err.println("  curl -s -r 0-999 -o /dev/null -w '%{http_code} %{size_download}\\n' " + http + "/media/v1/seg1.m4s");
            err.println("  ffprobe -hide_banner " + http + "/dash/manifest.mpd");
        }
        if (https != null) {
            err.println("  curl -s --cacert " + demo.certificate() + " " + https + "/dash/manifest.mpd");
        }
        if (server.adminAddress() != null) {
            err.println("  curl -s http://" + OriginServer.hostPort(server.adminAddress()) + "/metrics");
        }
        err.println("Stop with Ctrl-C (or SIGTERM).");
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** The flags of one command line, before they are laid over a configuration file. */
    private static final class Parsed {
        Path configFile;
        String dir;
        final List<String[]> overrides = new ArrayList<>(); // {key, value, flag}
        final List<String> positional = new ArrayList<>();

        static Parsed of(List<String> args, boolean serve) throws UsageException {
            Parsed p = new Parsed();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                if (!name.startsWith("--")) {
                    p.positional.add(arg);
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(name + " needs a value");
                    }
                    value = args.get(++i);
                }
                switch (name) {
                    case "--config" -> {
                        if (!serve) {
                            throw new UsageException("--config is for serve; check-config takes the file itself");
                        }
                        p.configFile = Path.of(value);
                        if (!Files.isRegularFile(p.configFile)) {
                            throw new UsageException("--config " + value + ": no such file");
                        }
                    }
                    case "--dir" -> p.dir = value;
                    case "--set" -> {
                        int kv = value.indexOf('=');
                        if (kv <= 0) {
                            throw new UsageException("--set takes KEY=VALUE, not \"" + value + "\"");
                        }
                        p.overrides.add(new String[] {value.substring(0, kv), value.substring(kv + 1), "--set " + value.substring(0, kv)});
                    }
                    default -> {
                        String key = FLAGS.get(name);
                        if (key == null) {
                            throw new UsageException("unknown flag " + name);
                        }
                        p.overrides.add(new String[] {key, value, name});
                    }
                }
            }
            if (serve && !p.positional.isEmpty()) {
                throw new UsageException("unexpected argument \"" + p.positional.getFirst() + "\"");
            }
            return p;
        }

        void applyTo(ConfigSource source) {
            for (String[] o : overrides) {
                source.override(o[0], o[1], o[2]);
            }
        }
    }
}

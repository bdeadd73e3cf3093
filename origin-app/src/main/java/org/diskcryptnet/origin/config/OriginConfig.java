package org.diskcryptnet.origin.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.diskcryptnet.netmap.channel.IdleStrategy;
import org.diskcryptnet.netmap.datapath.DiskSendConfig;
import org.diskcryptnet.netmap.datapath.DiskSendPath;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.origin.storage.DirectFileBodies;

/**
 * The origin's whole configuration, checked. Built only by {@link #bind(ConfigSource)}, which reports every
 * problem with the line (or flag) that caused it. See {@code origin-app/src/main/resources/origin.example.yaml}
 * for every setting with its default.
 */
public record OriginConfig(
        Path contentRoot,
        Storage storage,
        DiskQueue disk,
        ListenAddress http,
        ListenAddress https,
        ListenAddress admin,
        Tls tls,
        String transport,
        Stack stack,
        DiskSend diskSend,
        int eventLoops,
        int maxConnections,
        Duration requestHeaderTimeout,
        Duration keepAliveTimeout,
        Duration drainTimeout,
        int maxHeaderBytes,
        int maxTargetBytes,
        String accessLog,
        List<String> corsAllowedOrigins,
        Duration corsMaxAge,
        Map<String, String> mimeTypes) {

    /** How file bytes reach the socket. */
    public enum Storage {
        /** Through the page cache: {@code sendfile} on plain connections. */
        BUFFERED,
        /** Around the page cache: O_DIRECT or NVMe passthrough reads through the loop's disk queue (transport-diskmap). */
        DIRECT
    }

    /**
     * The userspace stack's own addressing, for a {@code server.transport} that names a packet port: its address
     * and prefix ({@code server.address}, e.g. 198.18.0.2/24), and optionally its gateway and MAC (else the port's),
     * and the faults to inject on the port ({@code server.faults}, as {@code origin echo --faults} takes them: a test
     * tool, null when off), and whether frames carry a virtio-net header ({@code server.offloads}, tap: and packet:
     * only): the kernel then completes checksums and cuts segments of up to 64 KiB into MSS-sized ones (GSO), so
     * the stack hands over one frame where it would hand over dozens. {@code server.idle} is what a loop does when
     * it finds nothing to do: block in poll(2) (the default), back off, or busy-poll (a core per loop, the lowest
     * latency). {@code server.ring_size} is the slots of each port queue's rings (0: the port's default), which
     * sizes the memory the port maps (README, "Memory").
     */
    public record Stack(String address, String gateway, String mac, String faults, boolean offloads, String idle,
                        int ringSize) {
        public Stack(String address, String gateway, String mac) {
            this(address, gateway, mac, null, false, "block", 0);
        }
    }

    /**
     * Each event loop's disk send path on a packet port ({@code network.disk_send.*}, issue 8): the budget of file
     * bytes between disk read and transmission, the most reads submitted per loop iteration, and the read-ahead of
     * each connection's read window ({@link DiskSendConfig#readAheadBytes()}: -1 off, one read per segment). Without
     * a packet port, or when not set, the transport's defaults ({@link DiskSendConfig#defaults}).
     */
    public record DiskSend(long budgetBytes, int batchReads, int readAheadBytes) {}

    /** The send path's budget is meant to fit a last-level cache: anything past this is a typo. */
    static final long MAX_DISK_SEND_BUDGET = 1L << 30;
    /** A budget holds a few TLS records at least ({@code NetmapConfig.Builder.diskSendBudget} refuses less). */
    static final int MIN_DISK_SEND_BUDGET = 64 * 1024;

    /**
     * Each event loop's storage queue with {@code storage: direct} ({@code content.disk.*}): reads in flight at once,
     * the size of the chunks plain bodies are read in, chunks in the loop's registered pool (its bound on file bytes
     * between the disk and the socket), and chunks read ahead per connection.
     */
    public record DiskQueue(int queueDepth, int chunkSize, int poolChunks, int readAhead) {}

    /** A loop's chunk pool is registered with the kernel (pinned memory): a bound that a typo cannot exceed. */
    static final long MAX_DISK_POOL_BYTES = 1L << 30;

    /**
     * Certificate chain and key for the HTTPS listener (PEM), the TLS versions offered, and who runs the record layer:
     * {@code transport} (the handshake in netty-tcnative, then the project's in-place record layer; the default) or
     * {@code sslhandler} (Netty's SslHandler throughout). {@code cryptoEngine} picks the AEAD engine ("auto" = the
     * fastest that works here); {@code keyLog} is a debugging key log file, null when off.
     */
    public record Tls(Path certificate, Path privateKey, List<String> protocols, RecordLayer recordLayer,
                      String cryptoEngine, Path keyLog, Duration handshakeTimeout) {
        public Tls(Path certificate, Path privateKey, List<String> protocols) {
            this(certificate, privateKey, protocols, RecordLayer.TRANSPORT, "auto", null, DEFAULT_HANDSHAKE_TIMEOUT);
        }
    }

    /** Netty's SslHandler default: a handshake not done by then closes the connection. */
    static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** Who seals and opens the HTTPS listener's records once the handshake is done. */
    public enum RecordLayer {
        /** The transport's in-place record layer (org.diskcryptnet.tls): file bodies sealed where they were read. */
        TRANSPORT,
        /** Netty's SslHandler: file bodies copied through ChunkedWriteHandler. */
        SSLHANDLER
    }

    public static final String ACCESS_LOG_OFF = "off";
    public static final String ACCESS_LOG_STDOUT = "stdout";

    /** Every setting the file may hold, with its default as it would be written in YAML ("" = none). */
    public static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("content.root", "");
        // direct (around the page cache) wherever io_uring works; OriginServer says so when it falls back
        d.put("content.storage", DirectFileBodies.available() ? "direct" : "buffered");
        d.put("content.disk.queue_depth", "128");
        d.put("content.disk.chunk_size", "262144");
        d.put("content.disk.pool_chunks", "64");
        d.put("content.disk.read_ahead", "2");
        d.put("listen.http", "127.0.0.1:8080");
        d.put("listen.https", "off");
        d.put("listen.admin", "127.0.0.1:9464");
        d.put("tls.certificate", "");
        d.put("tls.private_key", "");
        d.put("tls.protocols", "TLSv1.3,TLSv1.2");
        d.put("tls.record_layer", "transport");
        d.put("tls.crypto_engine", "auto");
        d.put("tls.key_log", "off");
        d.put("tls.handshake_timeout", "10s");
        d.put("server.transport", "auto");
        d.put("server.address", "");
        d.put("server.gateway", "");
        d.put("server.mac", "");
        d.put("server.faults", "off");
        d.put("server.offloads", "off");
        d.put("server.idle", "block");
        d.put("server.ring_size", ""); // "": the ports' default (PortOptions.defaults)
        d.put("server.event_loops", "0");
        d.put("server.max_connections", "10000");
        d.put("server.request_header_timeout", "10s");
        d.put("server.keep_alive_timeout", "75s");
        d.put("server.drain_timeout", "30s");
        d.put("server.max_header_bytes", "8192");
        d.put("server.max_target_bytes", "4096");
        d.put("network.disk_send.budget", ""); // "": the transport's default (DiskSendConfig.defaults)
        d.put("network.disk_send.batch", "");
        d.put("network.disk_send.read_ahead", "");
        d.put("access_log.path", "stdout");
        d.put("cors.allowed_origins", "*");
        d.put("cors.max_age", "10m");
        return Map.copyOf(d);
    }

    private static final String MIME_PREFIX = "mime_types.";
    private static final Set<String> TRANSPORTS = Set.of("auto", "epoll", "nio");
    private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    private static final Set<String> CRYPTO_ENGINES = Set.of("auto", "ipsec-mb", "openssl", "jdk");

    public static OriginConfig bind(ConfigSource source) throws ConfigException {
        if (!source.problems().isEmpty()) {
            // The file could not be read as a whole: what is missing from it would only add false alarms.
            throw new ConfigException(source.problems());
        }
        Binder b = new Binder(source);
        Path root = b.path("content.root", true);
        Storage storage = b.choice("content.storage", Storage.class);
        if (storage == Storage.DIRECT && !DirectFileBodies.available()) {
            b.problem(b.get("content.storage"), "direct needs io_uring, which is unavailable here: "
                    + DirectFileBodies.unavailabilityCause() + "; use buffered");
        }
        DiskQueue disk = new DiskQueue(b.integer("content.disk.queue_depth", 4, 4096),
                b.multipleOf4096("content.disk.chunk_size", 4096, 16 << 20),
                b.integer("content.disk.pool_chunks", 1, 1 << 16), b.integer("content.disk.read_ahead", 1, 64));
        if ((long) disk.chunkSize() * disk.poolChunks() > MAX_DISK_POOL_BYTES) {
            b.problem(b.get("content.disk.pool_chunks"), disk.poolChunks() + " chunks of " + disk.chunkSize()
                    + " bytes is more than the " + (MAX_DISK_POOL_BYTES >> 20) + " MiB a loop may register");
        }
        ListenAddress http = b.address("listen.http");
        ListenAddress https = b.address("listen.https");
        ListenAddress admin = b.address("listen.admin");
        Tls tls = null;
        Path cert = b.path("tls.certificate", false);
        Path key = b.path("tls.private_key", false);
        List<String> protocols = b.list("tls.protocols", p -> TLS_PROTOCOLS.contains(p) ? null
                : "\"" + p + "\" is not offered: TLSv1.3 and TLSv1.2 only");
        RecordLayer recordLayer = b.choice("tls.record_layer", RecordLayer.class);
        String engine = b.text("tls.crypto_engine", e -> CRYPTO_ENGINES.contains(e) ? null
                : "\"" + e + "\" is not an AEAD engine: auto, ipsec-mb, openssl or jdk");
        Path keyLog = b.keyLog("tls.key_log");
        Duration handshakeTimeout = b.positiveDuration("tls.handshake_timeout");
        if (https != null) {
            if (cert == null) {
                b.missing("tls.certificate", "listen.https is on, so a PEM certificate chain is needed");
            }
            if (key == null) {
                b.missing("tls.private_key", "listen.https is on, so a PEM private key is needed");
            }
            tls = new Tls(cert, key, protocols, recordLayer, engine, keyLog, handshakeTimeout);
        }
        String transport = b.text("server.transport", t -> TRANSPORTS.contains(t) || portError(t) == null ? null
                : "\"" + t + "\" is not a transport: auto, epoll, nio or a port URI (" + portError(t) + ")");
        boolean portTransport = !TRANSPORTS.contains(transport) && portError(transport) == null;
        Stack stack = b.stack(portTransport, transport);
        DiskSend diskSend = b.diskSend(portTransport);
        int eventLoops = b.integer("server.event_loops", 0, 1024);
        int maxConnections = b.integer("server.max_connections", 1, 10_000_000);
        Duration headerTimeout = b.duration("server.request_header_timeout");
        Duration keepAlive = b.duration("server.keep_alive_timeout");
        Duration drain = b.duration("server.drain_timeout");
        int maxHeader = b.integer("server.max_header_bytes", 1024, 1 << 20);
        int maxTarget = b.integer("server.max_target_bytes", 64, 1 << 16);
        String accessLog = b.accessLog("access_log.path");
        List<String> origins = b.list("cors.allowed_origins", o -> o.equals("*") || o.startsWith("http://")
                || o.startsWith("https://") ? null : "\"" + o + "\" is not an origin such as https://player.example");
        Duration corsMaxAge = b.duration("cors.max_age");
        Map<String, String> mime = b.mimeTypes();
        if (b.isOff("listen.http") && b.isOff("listen.https")) {
            b.problems.add(new ConfigProblem(b.get("listen.http").where(),
                    "listen.http and listen.https are both off: nothing to serve"));
        }
        b.rejectUnknown();
        if (!b.problems.isEmpty()) {
            throw new ConfigException(b.problems);
        }
        return new OriginConfig(root, storage, disk, http, https, admin, tls, transport, stack, diskSend, eventLoops,
                maxConnections, headerTimeout, keepAlive, drain, maxHeader, maxTarget, accessLog, origins, corsMaxAge,
                mime);
    }

    /** Why {@code text} is not a port URI (xdp:IF@queue, tap:NAME, packet:IF, netmap:IF, pipe:NAME), or null. */
    private static String portError(String text) {
        try {
            org.diskcryptnet.netmap.port.PortUri.parse(text);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Reads typed values out of a source, collecting problems instead of stopping at the first. */
    private static final class Binder {
        final Map<String, Setting> settings;
        final Set<String> used = new TreeSet<>();
        final List<ConfigProblem> problems;

        Binder(ConfigSource source) {
            this.settings = source.settings();
            this.problems = new ArrayList<>(source.problems());
        }

        /** The setting, or a default one sourced from "(default)". */
        Setting get(String key) {
            used.add(key);
            Setting s = settings.get(key);
            return s != null ? s : new Setting(key, DEFAULTS.get(key), "(default)", Path.of("").toAbsolutePath());
        }

        void problem(Setting s, String message) {
            problems.add(new ConfigProblem(s.where(), s.key() + ": " + message));
        }

        void missing(String key, String why) {
            problems.add(new ConfigProblem(get(key).where(), key + " is not set: " + why));
        }

        String text(String key, Function<String, String> check) {
            Setting s = get(key);
            if (s.isList()) {
                problem(s, "expected a single value, not a list");
                return DEFAULTS.get(key);
            }
            String error = check.apply(s.text().trim());
            if (error != null) {
                problem(s, error);
            }
            return s.text().trim();
        }

        <E extends Enum<E>> E choice(String key, Class<E> type) {
            Setting s = get(key);
            String value = s.text().trim().toUpperCase(Locale.ROOT);
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(value)) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT));
            }
            problem(s, "\"" + s.text() + "\" is not one of " + String.join(", ", names));
            return type.getEnumConstants()[0];
        }

        List<String> list(String key, Function<String, String> checkItem) {
            Setting s = get(key);
            List<String> items = new ArrayList<>();
            for (String raw : s.isList() ? s.list() : List.of(s.text().split(","))) {
                String item = raw.trim();
                if (item.isEmpty()) {
                    continue;
                }
                String error = checkItem.apply(item);
                if (error != null) {
                    problem(s, error);
                }
                items.add(item);
            }
            return List.copyOf(items);
        }

        /** on/true or off/false; anything else is a problem (false). */
        boolean onOff(Setting s) {
            String text = s.text().trim().toLowerCase(java.util.Locale.ROOT);
            return switch (text) {
                case "on", "true" -> true;
                case "off", "false" -> false;
                default -> {
                    problem(s, "\"" + s.text().trim() + "\" is not on or off");
                    yield false;
                }
            };
        }

        boolean isOff(String key) {
            String text = get(key).text().trim();
            return text.equalsIgnoreCase("off") || text.equalsIgnoreCase("false");
        }

        /**
         * server.address, .gateway, .mac, .faults, .offloads, .idle, .ring_size: required (address) with a port
         * transport, refused without one (idle: unless block); offloads only on the ports whose frames can carry a
         * virtio-net header.
         */
        Stack stack(boolean portTransport, String transport) {
            Setting address = get("server.address");
            Setting gateway = get("server.gateway");
            Setting mac = get("server.mac");
            Setting faults = get("server.faults");
            String a = address.text().trim();
            String g = gateway.text().trim();
            String m = mac.text().trim();
            String f = isOff("server.faults") ? "" : faults.text().trim();
            Setting offloadsSetting = get("server.offloads");
            boolean offloads = onOff(offloadsSetting);
            Setting idleSetting = get("server.idle");
            String idle = idleSetting.text().trim();
            Setting ringSetting = get("server.ring_size");
            String ring = ringSetting.text().trim();
            check(idleSetting, () -> IdleStrategy.parse(idle));
            if (!portTransport) {
                if (!idle.equals("block")) {
                    problem(idleSetting, "is for the userspace stack's loops; server.transport names no packet port "
                            + "(epoll and NIO loops block in the kernel)");
                }
                for (Setting s : List.of(address, gateway, mac, ringSetting)) {
                    if (!s.text().trim().isEmpty()) {
                        problem(s, "is for the userspace stack; server.transport names no packet port");
                    }
                }
                if (!f.isEmpty()) {
                    problem(faults, "injects faults on a packet port; server.transport names none");
                }
                if (offloads) {
                    problem(offloadsSetting, "is for the userspace stack; server.transport names no packet port "
                            + "(kernel sockets have the kernel's offloads)");
                }
                return null;
            }
            if (offloads) {
                var kind = org.diskcryptnet.netmap.port.PortUri.parse(transport).kind();
                if (kind != org.diskcryptnet.netmap.port.PortUri.Kind.TAP
                        && kind != org.diskcryptnet.netmap.port.PortUri.Kind.PACKET) {
                    problem(offloadsSetting, "needs a tap: or packet: port, whose frames carry a virtio-net header; "
                            + transport + " frames carry none");
                }
            }
            if (!f.isEmpty()) {
                check(faults, () -> org.diskcryptnet.netmap.port.fault.FaultPlan.parse(f));
            }
            int ringSize = ring.isEmpty() ? 0
                    : integer(ringSetting.key(), PortOptions.MIN_RING_SIZE, PortOptions.MAX_RING_SIZE);
            if (ringSize != 0) {
                check(ringSetting, () -> PortOptions.defaults().withRingSize(ringSize)); // a power of two
            }
            if (a.isEmpty()) {
                missing("server.address", "server.transport names a packet port, so the userspace stack needs its "
                        + "own address and prefix, e.g. 198.18.0.2/24");
            } else {
                check(address, () -> org.diskcryptnet.netmap.stack.InterfaceConfig.of(a));
            }
            if (!g.isEmpty()) {
                check(gateway, () -> org.diskcryptnet.netmap.wire.Ipv4Address.parse(g));
            }
            if (!m.isEmpty()) {
                check(mac, () -> org.diskcryptnet.netmap.wire.MacAddress.parse(m));
            }
            return new Stack(a, g.isEmpty() ? null : g, m.isEmpty() ? null : m, f.isEmpty() ? null : f, offloads,
                    idle, ringSize);
        }

        /**
         * network.disk_send.budget (bytes), .batch (reads) and .read_ahead (bytes, or off): for the userspace stack
         * only, like server.address; "" keeps the transport's default.
         */
        DiskSend diskSend(boolean portTransport) {
            DiskSendConfig defaults = DiskSendConfig.defaults(false);
            Setting budget = get("network.disk_send.budget");
            Setting batch = get("network.disk_send.batch");
            Setting readAhead = get("network.disk_send.read_ahead");
            if (!portTransport) {
                for (Setting s : List.of(budget, batch, readAhead)) {
                    if (!s.text().trim().isEmpty()) {
                        problem(s, "is for the userspace stack's disk send path; server.transport names no packet port");
                    }
                }
                return new DiskSend(defaults.budgetBytes(), defaults.maxReadsPerBatch(), defaults.readAheadBytes());
            }
            long budgetBytes = budget.text().trim().isEmpty() ? defaults.budgetBytes()
                    : integer(budget.key(), MIN_DISK_SEND_BUDGET, (int) MAX_DISK_SEND_BUDGET);
            int batchReads = batch.text().trim().isEmpty() ? defaults.maxReadsPerBatch()
                    : integer(batch.key(), 1, DiskSendPath.MAX_UNITS);
            String ahead = readAhead.text().trim();
            int readAheadBytes = ahead.isEmpty() ? defaults.readAheadBytes()
                    : ahead.equals("off") ? DiskSendConfig.READ_AHEAD_OFF
                    : integer(readAhead.key(), 0, DiskSendConfig.WINDOW_BYTES);
            return new DiskSend(budgetBytes, batchReads, readAheadBytes);
        }

        private void check(Setting s, Runnable parse) {
            try {
                parse.run();
            } catch (IllegalArgumentException e) {
                problem(s, e.getMessage());
            }
        }

        ListenAddress address(String key) {
            Setting s = get(key);
            if (isOff(key)) {
                return null;
            }
            String text = s.text().trim();
            String[] error = new String[1];
            ListenAddress address = ListenAddress.parse(text, error);
            if (address == null) {
                problem(s, error[0]);
            }
            return address;
        }

        Path path(String key, boolean requiredDirectory) {
            Setting s = get(key);
            String text = s.text().trim();
            if (text.isEmpty()) {
                if (requiredDirectory) {
                    problems.add(new ConfigProblem(s.where(), key + " is not set: the directory to serve"));
                }
                return null;
            }
            Path p = s.baseDir().resolve(text).normalize();
            if (requiredDirectory ? !Files.isDirectory(p) : !Files.isRegularFile(p)) {
                problem(s, p + (requiredDirectory ? " is not a directory" : " is not a file"));
            } else if (!Files.isReadable(p)) {
                problem(s, p + " is not readable");
            }
            return p;
        }

        int integer(String key, int min, int max) {
            Setting s = get(key);
            try {
                long v = Long.parseLong(s.text().trim().replace("_", ""));
                if (v < min || v > max) {
                    problem(s, v + " is out of range " + min + ".." + max);
                    return min;
                }
                return (int) v;
            } catch (NumberFormatException e) {
                problem(s, "\"" + s.text() + "\" is not a whole number");
                return min;
            }
        }

        /** A byte count within [min, max] that is a whole number of 4 KiB blocks (O_DIRECT reads them). */
        int multipleOf4096(String key, int min, int max) {
            int v = integer(key, min, max);
            if (v % 4096 != 0) {
                problem(get(key), v + " is not a multiple of 4096");
                return min;
            }
            return v;
        }

        Duration duration(String key) {
            Setting s = get(key);
            Duration d = Durations.parse(s.text().trim());
            if (d == null) {
                problem(s, "\"" + s.text() + "\" is not a duration such as 500ms, 10s, 5m or 1h");
                return Duration.ZERO;
            }
            return d;
        }

        /** A duration above zero (a timer that fires at once would refuse every connection). */
        Duration positiveDuration(String key) {
            Duration d = duration(key);
            if (!d.isPositive() && !get(key).text().isBlank() && Durations.parse(get(key).text().trim()) != null) {
                problem(get(key), "must be longer than 0");
            }
            return d;
        }

        /** Off, or a file whose directory exists: the debugging key log (SSLKEYLOGFILE format). */
        Path keyLog(String key) {
            Setting s = get(key);
            String text = s.text().trim();
            if (text.isEmpty() || text.equalsIgnoreCase("off") || text.equalsIgnoreCase("false")) {
                return null;
            }
            Path p = s.baseDir().resolve(text).normalize();
            Path dir = p.getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                problem(s, "the directory of " + p + " does not exist or is not writable");
            }
            return p;
        }

        String accessLog(String key) {
            Setting s = get(key);
            String text = s.text().trim();
            if (text.equalsIgnoreCase(ACCESS_LOG_OFF) || text.equalsIgnoreCase("false")) {
                return ACCESS_LOG_OFF;
            }
            if (text.equalsIgnoreCase(ACCESS_LOG_STDOUT) || text.equals("-")) {
                return ACCESS_LOG_STDOUT;
            }
            Path p = s.baseDir().resolve(text).normalize();
            Path dir = p.getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                problem(s, "the directory of " + p + " does not exist or is not writable");
            }
            return p.toString();
        }

        Map<String, String> mimeTypes() {
            Map<String, String> types = new LinkedHashMap<>();
            settings.forEach((key, s) -> {
                if (key.startsWith(MIME_PREFIX)) {
                    used.add(key);
                    String ext = key.substring(MIME_PREFIX.length());
                    String type = s.text().trim();
                    if (ext.isEmpty() || ext.contains("/")) {
                        problem(s, "\"" + ext + "\" is not a file extension");
                    } else if (!type.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\\s*;.*)?")) {
                        problem(s, "\"" + type + "\" is not a media type such as video/mp4");
                    } else {
                        types.put(ext, type);
                    }
                }
            });
            return Map.copyOf(types);
        }

        void rejectUnknown() {
            for (Setting s : settings.values()) {
                if (!used.contains(s.key())) {
                    String section = s.key().contains(".") ? s.key().substring(0, s.key().indexOf('.')) : s.key();
                    List<String> known = DEFAULTS.keySet().stream().filter(k -> k.startsWith(section + ".")).sorted().toList();
                    problems.add(new ConfigProblem(s.where(), "unknown setting " + s.key()
                            + (known.isEmpty() ? "" : " (known in " + section + ": " + String.join(", ", known) + ")")));
                }
            }
        }
    }
}

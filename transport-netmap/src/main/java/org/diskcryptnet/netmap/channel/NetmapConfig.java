package org.diskcryptnet.netmap.channel;

import org.diskcryptnet.netmap.datapath.DiskSendConfig;

import java.util.Objects;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.fault.FaultInjectingPort;
import org.diskcryptnet.netmap.port.fault.FaultPlan;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.stack.InterfaceConfig;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.MacAddress;

/**
 * Everything a group of {@link NetmapIoHandler}s needs: the port (by URI, or an already opened one), how many of
 * its queue pairs the group uses (one per event loop), the stack's own address, netmask, gateway and MAC, the
 * TCP settings of every loop, and the idle strategy. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * NetmapConfig config = NetmapConfig.builder()
 *         .port("xdp:veth1@0").queues(2)
 *         .address("198.18.0.2/24").gateway("198.18.0.1")
 *         .build();
 * }</pre>
 */
public final class NetmapConfig {

    private final PortUri port;
    private final PacketPort openedPort;
    private final int queues;
    private final PortOptions portOptions;
    private final InterfaceConfig interfaceConfig;
    private final TcpConfig tcp;
    private final IdleStrategy idle;
    private final int pipeMtu;
    private final int zeroCopyWriteThreshold;
    private final long diskSendBudget;
    private final int diskSendBatch;
    private final int diskSendReadAhead;
    private final FaultPlan faults;

    private NetmapConfig(Builder b) {
        if (b.port == null && b.openedPort == null) {
            throw new IllegalArgumentException("a netmap configuration needs a port: port(\"xdp:IF@queue\" | "
                    + "\"tap:NAME\" | \"packet:IF\" | \"netmap:IF\" | \"pipe:NAME\")");
        }
        if (b.interfaceConfig == null) {
            throw new IllegalArgumentException("a netmap configuration needs the stack's address, e.g. address(\"198.18.0.2/24\")");
        }
        this.port = b.port != null ? b.port : PortUri.parse(b.openedPort.uri());
        this.openedPort = b.openedPort;
        this.queues = b.openedPort != null ? b.openedPort.queues() : b.queues;
        this.portOptions = b.portOptions.withQueues(queues);
        InterfaceConfig ic = b.interfaceConfig;
        if (b.gateway != 0) {
            ic = ic.withGateway(b.gateway);
        }
        if (b.mac != 0) {
            ic = ic.withMac(b.mac);
        }
        this.interfaceConfig = ic;
        this.tcp = b.tcp;
        this.idle = b.idle;
        this.pipeMtu = b.pipeMtu;
        this.zeroCopyWriteThreshold = b.zeroCopyWriteThreshold;
        this.diskSendBudget = b.diskSendBudget;
        this.diskSendBatch = b.diskSendBatch;
        this.diskSendReadAhead = b.diskSendReadAhead;
        this.faults = b.faults;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port's URI (for an opened port, the URI it was opened with). */
    public PortUri port() {
        return port;
    }

    /** The faults injected on the port the loops open ({@link FaultInjectingPort}), or null for none. */
    public FaultPlan faults() {
        return faults;
    }

    /** A port opened by the caller and handed over (the handlers close it), or null to open {@link #port()}. */
    PacketPort openedPort() {
        return openedPort;
    }

    /** Queue pairs the port is opened with: the group must have exactly as many event loops. */
    public int queues() {
        return queues;
    }

    public PortOptions portOptions() {
        return portOptions;
    }

    /** The stack's address, prefix, gateway and MAC (0: the port's). */
    public InterfaceConfig interfaceConfig() {
        return interfaceConfig;
    }

    public TcpConfig tcp() {
        return tcp;
    }

    public IdleStrategy idle() {
        return idle;
    }

    /** MTU of a {@code pipe:} port created by this configuration. */
    public int pipeMtu() {
        return pipeMtu;
    }

    /**
     * Written {@code ByteBuf}s at least this large are handed to TCP by reference (retained, copied straight into
     * transmit slots and again on retransmission); smaller ones are copied into the connection's send buffer.
     */
    public int zeroCopyWriteThreshold() {
        return zeroCopyWriteThreshold;
    }

    /**
     * How each loop sends {@code DiskRegion}s (issue 8): the budget of file bytes between disk read and transmission,
     * the reads per batch; {@code directIntoFrames} is the port's
     * {@link org.diskcryptnet.netmap.port.PortFeatures#dmaReadable()}.
     */
    public DiskSendConfig diskSend(boolean directIntoFrames) {
        DiskSendConfig d = DiskSendConfig.defaults(directIntoFrames);
        return new DiskSendConfig(diskSendBudget, diskSendBatch, d.stagingSlots(), d.stagingSlotBytes(),
                directIntoFrames, diskSendReadAhead);
    }

    @Override
    public String toString() {
        return port + " x" + queues + " at " + Ipv4Address.format(interfaceConfig.address()) + "/"
                + interfaceConfig.prefixLength()
                + (interfaceConfig.gateway() != 0 ? " via " + Ipv4Address.format(interfaceConfig.gateway()) : "")
                + ", idle " + idle.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Builder; {@link #port} and {@link #address} are required. */
    public static final class Builder {
        private PortUri port;
        private PacketPort openedPort;
        private int queues = 1;
        private PortOptions portOptions = PortOptions.defaults();
        private InterfaceConfig interfaceConfig;
        private int gateway;
        private long mac;
        private TcpConfig tcp = TcpConfig.builder().build();
        private IdleStrategy idle = IdleStrategy.block();
        private int pipeMtu = 1500;
        private int zeroCopyWriteThreshold = 2048;
        private long diskSendBudget = DiskSendConfig.defaults(false).budgetBytes();
        private int diskSendBatch = DiskSendConfig.defaults(false).maxReadsPerBatch();
        private int diskSendReadAhead = DiskSendConfig.defaults(false).readAheadBytes();
        private FaultPlan faults;

        private Builder() {
        }

        /** The port by URI: {@code xdp:IF[@queue]}, {@code tap:NAME}, {@code packet:IF}, {@code netmap:IF}, {@code pipe:NAME}. */
        public Builder port(String uri) {
            return port(PortUri.parse(uri));
        }

        public Builder port(PortUri uri) {
            this.port = Objects.requireNonNull(uri, "uri");
            this.openedPort = null;
            return this;
        }

        /** A port the caller opened (e.g. wrapped by a fault injector); the handlers own and close it. */
        public Builder port(PacketPort opened) {
            this.openedPort = Objects.requireNonNull(opened, "port");
            this.port = null;
            return this;
        }

        /** Queue pairs to open, one per event loop of the group (1 by default). */
        public Builder queues(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("queues " + n + " is not within 1..1024");
            }
            this.queues = n;
            return this;
        }

        public Builder portOptions(PortOptions options) {
            this.portOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The stack's own address and prefix, e.g. {@code 198.18.0.2/24} (the kernel must not own it). */
        public Builder address(String addressWithPrefix) {
            this.interfaceConfig = InterfaceConfig.of(addressWithPrefix);
            return this;
        }

        /** Everything of the interface at once (address, prefix, gateway, MAC, ARP cache, batch, TTL). */
        public Builder interfaceConfig(InterfaceConfig config) {
            this.interfaceConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The next hop for destinations off the prefix, e.g. {@code 198.18.0.1}. */
        public Builder gateway(String ip) {
            this.gateway = Ipv4Address.parse(ip);
            return this;
        }

        /** The stack's MAC, e.g. {@code 02:00:00:00:00:01}; by default the port's. */
        public Builder mac(String mac) {
            this.mac = MacAddress.parse(mac);
            return this;
        }

        public Builder tcp(TcpConfig tcp) {
            this.tcp = Objects.requireNonNull(tcp, "tcp");
            return this;
        }

        public Builder idle(IdleStrategy idle) {
            this.idle = Objects.requireNonNull(idle, "idle");
            return this;
        }

        public Builder pipeMtu(int mtu) {
            if (mtu < 576 || mtu > 65521) {
                throw new IllegalArgumentException("pipe MTU " + mtu + " is not within 576..65521");
            }
            this.pipeMtu = mtu;
            return this;
        }

        public Builder zeroCopyWriteThreshold(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("zeroCopyWriteThreshold must be positive");
            }
            this.zeroCopyWriteThreshold = bytes;
            return this;
        }

        /** File bytes each loop may hold between a disk read's submission and its frame's transmission. */
        public Builder diskSendBudget(long bytes) {
            if (bytes < 64 * 1024) {
                throw new IllegalArgumentException("diskSendBudget must be at least 64 KiB (a few TLS records), not " + bytes);
            }
            this.diskSendBudget = bytes;
            return this;
        }

        /**
         * Bytes each connection's read window reads beyond what TCP asked for (0 to 64 KiB, shrunk so that the whole
         * window fits the budget's share per sending connection), or {@link DiskSendConfig#READ_AHEAD_OFF}: one read
         * per segment.
         */
        public Builder diskSendReadAhead(int bytes) {
            if (bytes < DiskSendConfig.READ_AHEAD_OFF || bytes > DiskSendConfig.WINDOW_BYTES) {
                throw new IllegalArgumentException("diskSendReadAhead is -1 (off) or 0.." + DiskSendConfig.WINDOW_BYTES
                        + ", not " + bytes);
            }
            this.diskSendReadAhead = bytes;
            return this;
        }

        /** Disk reads each loop submits per iteration, across its connections. */
        public Builder diskSendBatch(int reads) {
            if (reads < 1) {
                throw new IllegalArgumentException("diskSendBatch must be positive");
            }
            this.diskSendBatch = reads;
            return this;
        }

        /**
         * Wraps the port the loops open in the fault injector (loss, reordering, duplication, corruption, delay, both
         * ways, reproducible from the plan's seed): a test tool, it copies every frame. Null or a plan of no faults:
         * none. Not for a port handed over with {@link #port(PacketPort)} (wrap that one yourself).
         */
        public Builder faults(FaultPlan plan) {
            this.faults = plan == null || plan.none() ? null : plan;
            return this;
        }

        public NetmapConfig build() {
            if (faults != null && openedPort != null) {
                throw new IllegalArgumentException("faults apply to the port the loops open; wrap an opened port in a "
                        + "FaultInjectingPort yourself");
            }
            return new NetmapConfig(this);
        }
    }
}

package org.diskcryptnet.netmap.stack;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.tcp.InitialSequenceNumbers;
import org.diskcryptnet.netmap.tcp.SegmentSink;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpLayer;
import org.diskcryptnet.netmap.wire.ArpPacket;
import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.EthernetFrame;
import org.diskcryptnet.netmap.wire.IcmpPacket;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.Ipv4Packet;
import org.diskcryptnet.netmap.wire.MacAddress;
import org.diskcryptnet.netmap.wire.TcpHeader;

/**
 * One event loop's userspace interface on one queue pair of a {@link PacketPort}: it owns L2 and L3 (Ethernet,
 * ARP with a bounded neighbour cache, IPv4, ICMP echo) and the loop's {@link TcpLayer}, and drives the port's
 * rings the netmap way: rx slots are read in place and given back in a batch, tx slots are filled in place
 * (TCP writes its header and payload straight into them, see {@link SegmentSink}) and handed over with one
 * sync per poll.
 *
 * <p>{@link #poll} is one loop iteration and returns the work done (0 means idle), the duty-cycle contract of
 * an Agrona agent. Single-threaded; nothing is allocated per packet.
 */
public final class NetworkInterface implements SegmentSink, AutoCloseable {

    private static final int IP_OFFSET = EthernetFrame.HEADER_LENGTH;
    private static final int TCP_OFFSET = EthernetFrame.HEADER_LENGTH + Ipv4Packet.HEADER_LENGTH;
    /** Overrides the TCP frames per receive ({@value}=N); 0 lifts the bound, as before it existed (for A/B runs). */
    public static final String TCP_FRAMES_PER_RECEIVE_PROPERTY = "org.diskcryptnet.netmap.tcpFramesPerReceive";
    /** {@code false} turns the receive path's group prefetch ({@code TcpLayer#announce}) off, for comparisons. */
    public static final String GROUP_PREFETCH_PROPERTY = "org.diskcryptnet.netmap.groupPrefetch";
    /** Overrides the dispatch time per poll ({@value}=nanoseconds); 0 lifts the bound (for A/B runs). */
    public static final String DISPATCH_NANOS_PER_POLL_PROPERTY = "org.diskcryptnet.netmap.dispatchNanosPerPoll";

    private final PacketPort port;
    private final int queue;
    private final InterfaceConfig config;
    private final PacketRing rx;
    private final PacketRing tx;
    private final long mac;
    private final boolean verifyChecksums;
    private final boolean checksumOffload;
    /** TCP bytes one frame may carry when the port segments it (GSO/TSO); 0 without segmentation offload. */
    private final int segmentationLimit;
    private final NeighbourCache neighbours;
    /** What the port's other loops learnt by ARP, or null (one loop). */
    private SharedNeighbours sharedNeighbours;
    private final DropCounters drops = new DropCounters();
    private final TcpLayer tcp;
    private final StackCounters counters;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final IcmpPacket icmp = new IcmpPacket();
    private final TcpHeader tcpHeader = new TcpHeader();
    /** Per tx slot: the frame is complete and may be handed to the port. */
    private final boolean[] ready;
    /** The first reserved tx slot not yet handed over (what the ring's head becomes at the next sync). */
    private int txHead;
    /** The next tx slot to reserve. */
    private int txReserve;
    private int txPending;
    /**
     * TCP frames handed out since the rx ring was last served, and their bound: one tx ring's worth. A copy-mode
     * AF_XDP socket completes frames within the {@code sendto} that kicks it, so a flush never runs out of frames
     * on its own: without the bound, one flush sent what every connection's window allowed (hundreds of
     * milliseconds at 1,000 connections) while the rx ring, which only a served ring refills, dropped what came in.
     */
    private int tcpFramesSinceReceive;
    private final int tcpFramesPerReceive;
    private final boolean groupPrefetch;
    /**
     * How long a poll delivers events before it lets the loop come back to its rx ring: a handler may cost a
     * millisecond (a TLS handshake), and a burst of hundreds held the ring meanwhile, while SYNs and ClientHellos
     * were dropped and retransmitted after 1 and 3 s. Those left keep their place for the next poll.
     */
    private final long dispatchNanosPerPoll;
    private int ipIdentification;
    private long now;

    public NetworkInterface(PacketPort port, int queue, InterfaceConfig config, TcpConfig tcpConfig) {
        this(port, queue, config, tcpConfig, null, 0);
    }

    /** With a given ISN source and secret, for reproducible tests; {@code isn == null} means RFC 6528. */
    public NetworkInterface(PacketPort port, int queue, InterfaceConfig config, TcpConfig tcpConfig,
                            InitialSequenceNumbers isn, long secret) {
        this.port = port;
        this.queue = queue;
        this.config = config;
        this.rx = port.rxRing(queue);
        this.tx = port.txRing(queue);
        this.mac = config.mac() != 0 ? config.mac() : MacAddress.of(port.macAddress());
        PortFeatures features = port.features();
        this.verifyChecksums = !features.rxChecksumVerified();
        this.checksumOffload = features.txChecksumOffload();
        // segmentation needs the partial checksum too; one IPv4 packet holds at most 65535 bytes
        this.segmentationLimit = features.segmentationOffload() && checksumOffload
                ? Math.min(Math.min(features.maxSegmentSize(), tx.frameCapacity()) - TCP_OFFSET,
                        0xFFFF - Ipv4Packet.HEADER_LENGTH)
                : 0;
        int mss = port.mtu() - Ipv4Packet.HEADER_LENGTH - TcpHeader.HEADER_LENGTH;
        if (tx.frameCapacity() < EthernetFrame.HEADER_LENGTH + port.mtu()) {
            throw new IllegalArgumentException(port.uri() + ": tx frames of " + tx.frameCapacity()
                    + " bytes cannot hold the MTU of " + port.mtu());
        }
        TcpConfig tcpc = tcpConfig.mss == mss ? tcpConfig : tcpConfig.toBuilder().mss(Math.min(mss, tcpConfig.mss)).build();
        this.neighbours = new NeighbourCache(config.neighbourEntries(), config.neighbourStale());
        this.tcp = isn == null ? new TcpLayer(tcpc, config.address(), this, drops)
                : new TcpLayer(tcpc, config.address(), this, drops, isn, secret);
        this.counters = new StackCounters(drops, tcp.counters());
        this.ready = new boolean[tx.size()];
        this.txHead = tx.head();
        this.txReserve = tx.head();
        int bound = Integer.getInteger(TCP_FRAMES_PER_RECEIVE_PROPERTY, tx.size());
        this.tcpFramesPerReceive = bound > 0 ? bound : Integer.MAX_VALUE;
        this.dispatchNanosPerPoll = Long.getLong(DISPATCH_NANOS_PER_POLL_PROPERTY, 1_000_000L);
        this.groupPrefetch = !"false".equals(System.getProperty(GROUP_PREFETCH_PROPERTY));
    }

    public TcpLayer tcp() {
        return tcp;
    }

    /** Shares what ARP teaches this loop with the port's other loops, and looks there before asking. */
    public void shareNeighbours(SharedNeighbours shared) {
        this.sharedNeighbours = shared;
    }

    public StackCounters counters() {
        return counters;
    }

    public int address() {
        return config.address();
    }

    public long macAddress() {
        return mac;
    }

    public PacketPort port() {
        return port;
    }

    /**
     * One loop iteration at time {@code now}: receive what the rx ring holds, fire timers, deliver events (for at
     * most {@link #dispatchNanosPerPoll}), flush TCP output (at most {@link #tcpFramesPerReceive} frames), hand
     * transmitted frames to the port. Returns the amount of work done (0: nothing happened).
     */
    public int poll(long now) {
        this.now = now;
        int work = receive(now);
        work += tcp.processTimers(now);
        long deadline = dispatchNanosPerPoll > 0 ? System.nanoTime() + dispatchNanosPerPoll : Long.MAX_VALUE;
        work += tcp.dispatchEvents(deadline);
        work += tcp.flushOutput(now);
        work += tcp.dispatchEvents(deadline);
        flushTx();
        return work;
    }

    /**
     * Processes the frames the rx ring holds, a batch at a time, up to one ring's worth; the number taken.
     * <p>Each batch's slots go back to the port before the next is taken. An AF_XDP socket receives only into
     * buffers returned to its fill ring, so slots held over to the next iteration are buffers the kernel lacks.
     * (The other half of keeping the kernel supplied is {@link #tcpFramesPerReceive}: the loop must come back.)
     */
    public int receive(long now) {
        this.now = now;
        tcpFramesSinceReceive = 0;
        MemorySegment m = rx.memory();
        int limit = rx.size();
        int n = 0;
        int batch;
        do {
            port.rxSync(queue);
            counters.rxSyncs++;
            int head = rx.head();
            int tail = rx.tail();
            batch = 0;
            while (head != tail && batch < config.rxBatch()) {
                if (groupPrefetch && batch % TcpLayer.PREFETCH_GROUP == 0) {
                    announceGroup(m, head, tail);
                }
                frame(m, rx.offset(head), rx.length(head), now);
                head = rx.next(head);
                batch++;
            }
            if (batch > 0) {
                rx.advance(head);
            }
            n += batch;
        } while (batch == config.rxBatch() && n < limit);
        return n;
    }

    /**
     * Announces the TCP segments of the next {@link TcpLayer#PREFETCH_GROUP} frames from {@code head}, so that the
     * state of their connections is loaded together before they are processed one by one.
     */
    private void announceGroup(MemorySegment m, int head, int tail) {
        for (int k = 0; head != tail && k < TcpLayer.PREFETCH_GROUP; k++) {
            long offset = rx.offset(head);
            if (ethernet.wrap(m, offset, rx.length(head)) == null
                    && ethernet.etherType() == EthernetFrame.ETHERTYPE_IPV4
                    && ip.wrap(m, ethernet.payloadOffset(), ethernet.payloadLength(), false) == null
                    && ip.protocol() == Ipv4Packet.PROTOCOL_TCP
                    && tcpHeader.wrap(m, ip.payloadOffset(), ip.payloadLength()) == null) {
                tcp.announce(ip.source(), tcpHeader.sourcePort(), tcpHeader.destinationPort());
            }
            head = rx.next(head);
        }
        tcp.prefetchAnnounced();
    }

    /** Hands every completed tx frame to the port (one NIOCTXSYNC). */
    public void flushTx() {
        if (txPending > 0) {
            tx.advance(txHead);
            port.txSync(queue);
            counters.txSyncs++;
            txPending = 0;
        }
    }

    // ======================================================================================== receive path

    private void frame(MemorySegment m, long offset, int length, long now) {
        counters.rxFrames++;
        counters.rxBytes += length;
        DropReason r = ethernet.wrap(m, offset, length);
        if (r != null) {
            drops.increment(r);
            return;
        }
        long dst = ethernet.destination();
        if (dst != mac && dst != MacAddress.BROADCAST) {
            drops.increment(DropReason.NOT_FOR_US);
            return;
        }
        switch (ethernet.etherType()) {
            case EthernetFrame.ETHERTYPE_IPV4 -> ipv4(m, ethernet.payloadOffset(), ethernet.payloadLength(), now);
            case EthernetFrame.ETHERTYPE_ARP -> arp(m, ethernet.payloadOffset(), ethernet.payloadLength(), now);
            default -> drops.increment(DropReason.UNSUPPORTED_ETHERTYPE);
        }
    }

    /** RFC 826, "Packet Reception", with RFC 5227's note that a request for us also teaches us the sender. */
    private void arp(MemorySegment m, long offset, int length, long now) {
        DropReason r = arp.wrap(m, offset, length);
        if (r != null) {
            drops.increment(r);
            return;
        }
        int op = arp.operation();
        if (op == ArpPacket.OP_REQUEST) {
            counters.arpRequestsReceived++;
        } else {
            counters.arpRepliesReceived++;
        }
        int senderIp = arp.senderIp();
        long senderMac = arp.senderMac();
        boolean forUs = arp.targetIp() == config.address();
        boolean validSender = senderIp != 0 && senderIp != config.address() && !MacAddress.isGroup(senderMac);
        if (validSender && neighbours.update(senderIp, senderMac, now, forUs)) {
            tcp.neighbourResolved(senderIp);
        }
        if (validSender && forUs && sharedNeighbours != null) {
            sharedNeighbours.publish(senderIp, senderMac, now);
        }
        if (!forUs) {
            drops.increment(DropReason.ARP_NOT_FOR_US);
            return;
        }
        if (op == ArpPacket.OP_REQUEST) {
            int slot = reserveSlot();
            if (slot < 0) {
                drops.increment(DropReason.TX_RING_FULL);
                return;
            }
            MemorySegment t = tx.memory();
            long o = tx.offset(slot);
            EthernetFrame.writeHeader(t, o, senderMac, mac, EthernetFrame.ETHERTYPE_ARP);
            ArpPacket.write(t, o + EthernetFrame.HEADER_LENGTH, ArpPacket.OP_REPLY, mac, config.address(),
                    senderMac, senderIp);
            complete(slot, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
            counters.arpRepliesSent++;
        }
    }

    private void ipv4(MemorySegment m, long offset, int length, long now) {
        DropReason r = ip.wrap(m, offset, length, verifyChecksums);
        if (r != null) {
            drops.increment(r);
            return;
        }
        if (ip.destination() != config.address()) {
            drops.increment(DropReason.IP_NOT_FOR_US);
            return;
        }
        int src = ip.source();
        if (src == 0 || src == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(src) || src == config.address()) {
            drops.increment(DropReason.IP_BAD_SOURCE);
            return;
        }
        // A neighbour on the link is learnt from the frames it sends us, not only from ARP (smoltcp fills its cache
        // the same way): with one loop per queue, the ARP reply to this loop's request may arrive on another queue
        // (the sender hashes ARP and TCP differently), and the SYN-ACK would wait for a reply it never sees.
        long sourceMac = ethernet.source();
        if (config.onLink(src) && !MacAddress.isGroup(sourceMac) && neighbours.glean(src, sourceMac, now)) {
            tcp.neighbourResolved(src);
        }
        switch (ip.protocol()) {
            case Ipv4Packet.PROTOCOL_TCP -> {
                r = tcpHeader.wrap(m, ip.payloadOffset(), ip.payloadLength());
                if (r == null && verifyChecksums && !tcpHeader.checksumValid(src, config.address())) {
                    r = DropReason.TCP_BAD_CHECKSUM;
                }
                if (r != null) {
                    drops.increment(r);
                    return;
                }
                tcp.segmentArrived(now, src, config.address(), tcpHeader);
            }
            case Ipv4Packet.PROTOCOL_ICMP -> icmp(m, src, now);
            default -> drops.increment(DropReason.IP_UNSUPPORTED_PROTOCOL);
        }
    }

    /** RFC 792 / RFC 1122 section 3.2.2.6: an echo request is answered with the same data. */
    private void icmp(MemorySegment m, int src, long now) {
        DropReason r = icmp.wrap(m, ip.payloadOffset(), ip.payloadLength(), verifyChecksums);
        if (r != null) {
            drops.increment(r);
            return;
        }
        if (icmp.type() != IcmpPacket.TYPE_ECHO_REQUEST || icmp.code() != 0) {
            drops.increment(DropReason.ICMP_UNSUPPORTED);
            return;
        }
        counters.icmpEchoRequests++;
        int icmpLength = icmp.length();
        if (TCP_OFFSET - TcpHeader.HEADER_LENGTH + icmpLength > tx.frameCapacity()) {
            drops.increment(DropReason.ICMP_MALFORMED);
            return;
        }
        int slot = reserveSlot();
        if (slot < 0) {
            drops.increment(DropReason.TX_RING_FULL);
            return;
        }
        MemorySegment t = tx.memory();
        long o = tx.offset(slot);
        // reply to the frame's sender directly: the request proves the path
        EthernetFrame.writeHeader(t, o, ethernet.source(), mac, EthernetFrame.ETHERTYPE_IPV4);
        Ipv4Packet.writeHeader(t, o + IP_OFFSET, config.address(), src, Ipv4Packet.PROTOCOL_ICMP,
                Ipv4Packet.HEADER_LENGTH + icmpLength, ipIdentification++ & 0xFFFF, config.ttl());
        long icmpAt = o + IP_OFFSET + Ipv4Packet.HEADER_LENGTH;
        MemorySegment.copy(m, icmp.offset(), t, icmpAt, icmpLength);
        IcmpPacket.turnIntoEchoReply(t, icmpAt);
        complete(slot, IP_OFFSET + Ipv4Packet.HEADER_LENGTH + icmpLength);
        counters.icmpEchoReplies++;
    }

    // ======================================================================================== transmit path

    /** A free tx slot, syncing once if none is free; -1 if the ring is full. */
    private int reserveSlot() {
        if (free() == 0) {
            tx.advance(txHead);
            port.txSync(queue);
            counters.txSyncs++;
            txPending = 0;
            if (free() == 0) {
                return -1;
            }
        }
        int slot = txReserve;
        txReserve = tx.next(txReserve);
        return slot;
    }

    /**
     * Whether TCP can get no tx slot until a reserved one is completed: none is left to reserve, and some wait for
     * their payload (a {@code SendSource} still producing it), not for the port.
     */
    public boolean slotsWaitForProductions() {
        return free() == 0 && txReserve != txHead;
    }

    /** Slots we own and have not reserved: from txReserve up to the ring's tail. */
    private int free() {
        int n = tx.tail() - txReserve;
        return n < 0 ? n + tx.size() : n;
    }

    /** A reserved frame is complete: hand over every complete frame at the front, in ring order. */
    private void complete(int slot, int length) {
        tx.length(slot, length);
        counters.txFrames++;
        counters.txBytes += length;
        ready[slot] = true;
        while (txHead != txReserve && ready[txHead]) {
            ready[txHead] = false;
            txHead = tx.next(txHead);
            txPending++;
        }
    }

    private void sendArpRequest(int targetIp) {
        int slot = reserveSlot();
        if (slot < 0) {
            drops.increment(DropReason.TX_RING_FULL);
            return;
        }
        MemorySegment t = tx.memory();
        long o = tx.offset(slot);
        EthernetFrame.writeHeader(t, o, MacAddress.BROADCAST, mac, EthernetFrame.ETHERTYPE_ARP);
        ArpPacket.write(t, o + EthernetFrame.HEADER_LENGTH, ArpPacket.OP_REQUEST, mac, config.address(),
                MacAddress.NONE, targetIp);
        complete(slot, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
        counters.arpRequestsSent++;
    }

    /**
     * The MAC of the next hop towards {@code ip}, or -1 (after starting ARP resolution). Also usable by the
     * channel layer to warm the cache before connecting.
     */
    public long resolve(int ip, long now) {
        int nextHop = config.onLink(ip) ? ip : config.gateway();
        if (nextHop == 0) {
            return -1;
        }
        long m = neighbours.resolve(nextHop, now);
        if (m < 0 && sharedNeighbours != null) {
            long learnt = sharedNeighbours.lookup(nextHop, now, config.neighbourStale()); // the reply to this loop's request may have gone elsewhere
            if (learnt >= 0) {
                neighbours.update(nextHop, learnt, now, true);
                return learnt;
            }
        }
        if (neighbours.requestNeeded) {
            sendArpRequest(nextHop);
        }
        return m;
    }

    // ---- SegmentSink: TCP writes straight into tx slots ----

    @Override
    public int reserve(int remoteIp, int maxTcpLength) {
        long dstMac = resolve(remoteIp, now);
        if (dstMac < 0) {
            drops.increment(DropReason.NEIGHBOUR_UNRESOLVED);
            return UNREACHABLE;
        }
        if (TCP_OFFSET + maxTcpLength > tx.frameCapacity()) {
            throw new IllegalStateException("a TCP segment of " + maxTcpLength + " bytes does not fit a "
                    + tx.frameCapacity() + "-byte frame");
        }
        if (tcpFramesSinceReceive >= tcpFramesPerReceive) {
            return NO_FRAME; // the rest waits for the next poll, after the rx ring has been served
        }
        int slot = reserveSlot();
        if (slot < 0) {
            return NO_FRAME;
        }
        tcpFramesSinceReceive++;
        EthernetFrame.writeHeader(tx.memory(), tx.offset(slot), dstMac, mac, EthernetFrame.ETHERTYPE_IPV4);
        return slot;
    }

    @Override
    public MemorySegment memory() {
        return tx.memory();
    }

    @Override
    public long tcpOffset(int frame) {
        return tx.offset(frame) + TCP_OFFSET;
    }

    @Override
    public void submit(int frame, int localIp, int remoteIp, int tcpLength) {
        MemorySegment t = tx.memory();
        long o = tx.offset(frame);
        if (checksumOffload) {
            // CHECKSUM_PARTIAL: the pseudo-header sum in the field, the port's kernel or device completes it
            TcpHeader.writePartialChecksum(t, o + TCP_OFFSET, tcpLength, localIp, remoteIp);
            tx.txOffload(frame, 0);
        } else {
            TcpHeader.writeChecksum(t, o + TCP_OFFSET, tcpLength, localIp, remoteIp);
        }
        Ipv4Packet.writeHeader(t, o + IP_OFFSET, localIp, remoteIp, Ipv4Packet.PROTOCOL_TCP,
                Ipv4Packet.HEADER_LENGTH + tcpLength, ipIdentification++ & 0xFFFF, config.ttl());
        complete(frame, TCP_OFFSET + tcpLength);
    }

    @Override
    public int segmentationLimit() {
        return segmentationLimit;
    }

    @Override
    public void submitSegmented(int frame, int localIp, int remoteIp, int tcpLength, int segmentPayload) {
        MemorySegment t = tx.memory();
        long o = tx.offset(frame);
        // the pseudo-header sum over the whole frame's length: Linux's GSO adjusts it per segment
        TcpHeader.writePartialChecksum(t, o + TCP_OFFSET, tcpLength, localIp, remoteIp);
        tx.txOffload(frame, segmentPayload);
        Ipv4Packet.writeHeader(t, o + IP_OFFSET, localIp, remoteIp, Ipv4Packet.PROTOCOL_TCP,
                Ipv4Packet.HEADER_LENGTH + tcpLength, ipIdentification & 0xFFFF, config.ttl());
        ipIdentification += (tcpLength + segmentPayload - 1) / segmentPayload; // the port numbers each segment
        complete(frame, TCP_OFFSET + tcpLength);
    }

    @Override
    public void close() {
        flushTx();
        tcp.close();
    }
}

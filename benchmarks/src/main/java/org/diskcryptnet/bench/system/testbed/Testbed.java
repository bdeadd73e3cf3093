package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two network namespaces joined by a veth pair: the server side ({@code 198.18.80.1}) and the client side
 * ({@code 198.18.80.2}), in the benchmarking range of RFC 2544 (198.18.0.0/15). Names carry the prefix
 * {@code dcnb} and this JVM's pid, so parallel runs do not collide.
 *
 * <p>The limits that 10,000 persistent connections need are raised with namespaced sysctls only (listen backlog,
 * SYN backlog, ephemeral port range, TIME_WAIT reuse): they vanish with the namespaces, and nothing global changes.
 */
public final class Testbed {

    public static final String SERVER_ADDRESS = "198.18.80.1";
    public static final String CLIENT_ADDRESS = "198.18.80.2";
    /** Servers on their own TCP/IP stack, each with a veth pair of its own (198.18.81.0/24, 198.18.82.0/24, ...). */
    public static final int MAX_PACKET_LINKS = 8;
    private static final Duration T = Duration.ofSeconds(20);

    private final String serverNs;
    private final String clientNs;
    private final String serverIf;
    private final String clientIf;
    private final String tag;
    private final int cores;
    private final List<PacketLink> packetLinks = new ArrayList<>();

    /**
     * A veth pair that one server on its own TCP/IP stack takes whole.
     *
     * @param serverInterface its end in the server namespace (no kernel address on it)
     * @param stackAddress    the address the stack owns, which clients connect to
     */
    public record PacketLink(String serverInterface, String stackAddress) {}

    private Testbed(String tag, int cores) {
        this.tag = tag;
        this.cores = cores;
        this.serverNs = "dcnb-" + tag + "-srv";
        this.clientNs = "dcnb-" + tag + "-cli";
        this.serverIf = "dcnb" + tag + "s";
        this.clientIf = "dcnb" + tag + "c";
    }

    /** Creates the namespaces, the veth pair, addresses and sysctls; registers their removal first. */
    public static Testbed create(Cleanup cleanup, int cores) throws IOException {
        Testbed t = new Testbed(Long.toString(ProcessHandle.current().pid()), cores);
        for (String ns : List.of(t.serverNs, t.clientNs)) {
            Exec.check(T, "ip", "netns", "add", ns);
            cleanup.add("netns " + ns, "netns " + ns, () -> Exec.run(T, "ip", "netns", "del", ns));
        }
        Exec.check(T, "ip", "link", "add", t.serverIf, "netns", t.serverNs, "type", "veth",
                "peer", "name", t.clientIf, "netns", t.clientNs);
        t.configure(t.serverNs, t.serverIf, SERVER_ADDRESS);
        t.configure(t.clientNs, t.clientIf, CLIENT_ADDRESS);
        // Accept queues for 10,000 connections arriving at once (listen(2): the backlog is capped by somaxconn).
        t.sysctl(t.serverNs, "net.core.somaxconn", "65535");
        t.sysctl(t.serverNs, "net.ipv4.tcp_max_syn_backlog", "65535");
        // The client opens 10,000 connections per run to one address; TIME_WAITs of earlier runs must not exhaust
        // the ports (ip-sysctl.rst: ip_local_port_range, tcp_tw_reuse).
        t.sysctl(t.clientNs, "net.ipv4.ip_local_port_range", "1024 65000");
        t.sysctl(t.clientNs, "net.ipv4.tcp_tw_reuse", "1");
        Exec.check(T, "ip", "netns", "exec", t.clientNs, "ping", "-c", "1", "-W", "2", SERVER_ADDRESS);
        return t;
    }

    /**
     * The veth pair of the {@code index}-th server that runs its own TCP/IP stack (the netmap transport on AF_XDP
     * or AF_PACKET), made on first use: its XDP program (or its packet socket) takes every frame of the interface, so
     * it shares one neither with the kernel's servers nor with another such server, which all run at the same time.
     * One queue per core each way; no kernel address on the server side. The client sends full checksums on it:
     * AF_XDP frames carry no checksum-offload metadata (TESTBED.md), and the client sends only requests and ACKs, so
     * the cost does not show.
     */
    public synchronized PacketLink packetLink(int index) throws IOException {
        if (index < 0 || index >= MAX_PACKET_LINKS) {
            throw new IllegalArgumentException("at most " + MAX_PACKET_LINKS + " servers on their own stack, not " + (index + 1));
        }
        while (packetLinks.size() <= index) {
            int i = packetLinks.size();
            String serverIf = "dcnb" + tag + "p" + i;
            String clientIf = "dcnb" + tag + "q" + i;
            String queues = Integer.toString(Math.max(1, cores));
            Exec.check(T, "ip", "link", "add", serverIf, "netns", serverNs, "numtxqueues", queues, "numrxqueues",
                    queues, "type", "veth", "peer", "name", clientIf, "netns", clientNs, "numtxqueues", queues,
                    "numrxqueues", queues);
            Exec.check(T, "ip", "netns", "exec", serverNs, "sysctl", "-q", "-w",
                    "net.ipv6.conf." + serverIf + ".disable_ipv6=1");
            Exec.check(T, "ip", "-n", serverNs, "link", "set", serverIf, "up");
            configure(clientNs, clientIf, stackSubnet(i) + ".2");
            Exec.check(T, "ip", "netns", "exec", clientNs, "ethtool", "-K", clientIf, "tx", "off");
            // veth picks the receiving queue from the sender's transmit queue, which Linux moves to a random other
            // queue when a flow times out (sk_rethink_txhash); a NIC's RSS hashes the 4-tuple and keeps a flow on its
            // queue, and one loop per queue relies on that: txrehash=0 gives the client's flows that property
            Exec.check(T, "ip", "netns", "exec", clientNs, "sysctl", "-q", "-w", "net.core.txrehash=0");
            packetLinks.add(new PacketLink(serverIf, stackAddress(i)));
        }
        return packetLinks.get(index);
    }

    /** The address of the {@code index}-th server on its own stack (the certificate names all of them). */
    public static String stackAddress(int index) {
        return stackSubnet(index) + ".1";
    }

    private static String stackSubnet(int index) {
        return "198.18." + (81 + index);
    }

    private void configure(String ns, String ifname, String address) throws IOException {
        Exec.check(T, "ip", "-n", ns, "link", "set", "lo", "up");
        Exec.check(T, "ip", "-n", ns, "addr", "add", address + "/24", "dev", ifname);
        Exec.check(T, "ip", "-n", ns, "link", "set", ifname, "up");
    }

    private void sysctl(String ns, String key, String value) throws IOException {
        Exec.check(T, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", key + "=" + value);
    }

    public String serverNs() {
        return serverNs;
    }

    public String clientNs() {
        return clientNs;
    }

    /** {@code ip netns exec NS} followed by the command. */
    public static List<String> inNamespace(String ns, List<String> command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(command);
        return c;
    }

    /** The link as both sides see it, for the report. */
    public String describe() {
        return "veth " + serverIf + " (" + serverNs + ", " + SERVER_ADDRESS + ") <-> " + clientIf + " (" + clientNs + ", "
                + CLIENT_ADDRESS + "), MTU 1500, kernel TCP on both sides; each server on its own TCP/IP stack "
                + "(the netmap transport) has a veth pair of its own, " + cores + " queue(s), AF_XDP on the server end "
                + "at " + stackAddress(0) + ", " + stackAddress(1) + ", ...";
    }
}

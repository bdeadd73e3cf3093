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
    private static final Duration T = Duration.ofSeconds(20);

    private final String serverNs;
    private final String clientNs;
    private final String serverIf;
    private final String clientIf;

    private Testbed(String tag) {
        this.serverNs = "dcnb-" + tag + "-srv";
        this.clientNs = "dcnb-" + tag + "-cli";
        this.serverIf = "dcnb" + tag + "s";
        this.clientIf = "dcnb" + tag + "c";
    }

    /** Creates the namespaces, the veth pair, addresses and sysctls; registers their removal first. */
    public static Testbed create(Cleanup cleanup) throws IOException {
        Testbed t = new Testbed(Long.toString(ProcessHandle.current().pid()));
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
                + CLIENT_ADDRESS + "), MTU 1500, kernel TCP on both sides";
    }
}

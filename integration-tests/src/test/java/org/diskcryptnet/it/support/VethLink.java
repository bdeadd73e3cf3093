package org.diskcryptnet.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two network namespaces joined by a veth pair, for an origin on its own TCP/IP stack in the server namespace and
 * kernel clients in the client namespace. The server end gets no kernel address (the userspace stack owns one on
 * it); the client end gets {@code clientAddress} and sends full checksums, since a stack on a packet port sees
 * frames, not the skb state that marks a checksum as left to offload. Everything is removed on close, also when
 * the test failed half-way through setting it up.
 */
public final class VethLink implements AutoCloseable {

    private static final Duration T = Duration.ofSeconds(30);

    public final String serverNs;
    public final String clientNs;
    public final String serverIf;
    public final String clientIf;
    private final List<String> namespaces = new ArrayList<>();

    /**
     * @param prefix        this test's namespace and interface prefix (at most 5 characters)
     * @param clientAddress the client end's address with its prefix length, e.g. {@code 198.18.130.1/24}
     */
    public VethLink(String prefix, String clientAddress) {
        String tag = Long.toString(ProcessHandle.current().pid() % 100000);
        this.serverNs = prefix + tag + "o";
        this.clientNs = prefix + tag + "c";
        this.serverIf = prefix + "v0";
        this.clientIf = prefix + "v1";
        try {
            for (String ns : List.of(serverNs, clientNs)) {
                ip("netns", "add", ns);
                namespaces.add(ns);
                ip("-n", ns, "link", "set", "lo", "up");
            }
            ip("-n", serverNs, "link", "add", serverIf, "type", "veth", "peer", "name", clientIf, "netns", clientNs);
            exec(serverNs, "sysctl", "-qw", "net.ipv6.conf." + serverIf + ".disable_ipv6=1");
            exec(clientNs, "sysctl", "-qw", "net.ipv6.conf." + clientIf + ".disable_ipv6=1");
            ip("-n", clientNs, "addr", "add", clientAddress, "dev", clientIf);
            exec(clientNs, "ethtool", "-K", clientIf, "tx", "off");
            // veth picks the receiving queue from the sender's transmit queue, which Linux moves to a random other
            // queue when a flow times out (sk_rethink_txhash); a NIC's RSS hashes the 4-tuple and keeps a flow on its
            // queue, and one loop per queue relies on that: txrehash=0 gives the client's flows that property
            exec(clientNs, "sysctl", "-qw", "net.core.txrehash=0");
            ip("-n", serverNs, "link", "set", serverIf, "up");
            ip("-n", clientNs, "link", "set", clientIf, "up");
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Runs {@code ip ARGS} in the root namespace; fails the test if it fails. */
    public static void ip(String... args) {
        run(new ArrayList<>(List.of("ip")), args);
    }

    /** Runs a command in namespace {@code ns}; fails the test if it fails. */
    public static void exec(String ns, String... args) {
        run(new ArrayList<>(List.of("ip", "netns", "exec", ns)), args);
    }

    private static void run(List<String> cmd, String... args) {
        cmd.addAll(List.of(args));
        Proc.Result r = Proc.run(T, null, Map.of(), cmd);
        assertEquals(0, r.exit(), cmd + ": " + r);
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            Proc.run(T, "ip", "netns", "del", ns);
        }
        namespaces.clear();
    }
}

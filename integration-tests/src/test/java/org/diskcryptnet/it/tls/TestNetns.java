package org.diskcryptnet.it.tls;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.diskcryptnet.it.support.Proc;

/**
 * A network namespace for the client programs, joined to the test's namespace by a veth pair: the server side holds
 * {@code 198.18.50.<hostOctet>/30}-style addresses from the TLS tests' subnet 198.18.50.0/24 (RFC 2544 benchmarking
 * range); removed on close, also after a failure.
 */
final class TestNetns implements AutoCloseable {

    final String name;
    final String serverAddress;
    final String clientAddress;
    private final String hostIf;

    /** {@code block} picks a /30 of 198.18.50.0/24 so that test classes never share addresses. */
    TestNetns(int block) {
        Proc.require("ip");
        long pid = ProcessHandle.current().pid();
        this.name = "dcnt-" + pid + "-" + block;
        this.hostIf = "dcnt" + (pid % 100000) + "h" + block;
        String nsIf = "dcnt" + (pid % 100000) + "n" + block;
        this.serverAddress = "198.18.50." + (4 * block + 1);
        this.clientAddress = "198.18.50." + (4 * block + 2);
        assumeTrue(run("ip", "netns", "add", name), "cannot create a network namespace (needs root and iproute2)");
        boolean ok = run("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf)
                && run("ip", "link", "set", nsIf, "netns", name)
                && run("ip", "addr", "add", serverAddress + "/30", "dev", hostIf)
                && run("ip", "link", "set", hostIf, "up")
                && run("ip", "netns", "exec", name, "ip", "addr", "add", clientAddress + "/30", "dev", nsIf)
                && run("ip", "netns", "exec", name, "ip", "link", "set", nsIf, "up")
                && run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
        if (!ok) {
            close();
            throw new AssertionError("cannot set up the veth pair for " + name);
        }
    }

    /** {@code command} to run inside the namespace. */
    List<String> exec(List<String> command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", name));
        c.addAll(command);
        return c;
    }

    private static boolean run(String... command) {
        return Proc.run(Duration.ofSeconds(20), command).exit() == 0;
    }

    @Override
    public void close() {
        run("ip", "link", "del", hostIf);
        run("ip", "netns", "del", name);
    }
}

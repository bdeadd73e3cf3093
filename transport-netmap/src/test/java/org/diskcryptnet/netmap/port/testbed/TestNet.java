package org.diskcryptnet.netmap.port.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;

/**
 * Network namespaces for one test, created with iproute2 and removed on {@link #close()} (also when the test
 * failed): every namespace is named {@code dcnp<pid><n><role>}, so parallel test JVMs never collide, and every
 * process started in one is killed by its PID before the namespace goes. Addresses come from 198.18.70.0/24.
 */
public final class TestNet implements AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private TestNet(String prefix) {
        this.prefix = prefix;
    }

    /** Skips the calling test (with the reason) unless this process may create namespaces: root and iproute2. */
    public static void assumeCapable() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to create network namespaces and raw sockets (user is " + System.getProperty("user.name") + ")");
        Assumptions.assumeTrue(new java.io.File("/usr/sbin/ip").canExecute() || new java.io.File("/sbin/ip").canExecute()
                || new java.io.File("/usr/bin/ip").canExecute(), "needs iproute2 (ip)");
    }

    public static TestNet create() {
        assumeCapable();
        return new TestNet("dcnp" + ProcessHandle.current().pid() % 100000 + "x" + SEQUENCE.incrementAndGet());
    }

    /** Creates a namespace (loopback up) and returns its name. */
    public String namespace(String role) {
        String name = prefix + role;
        run("ip", "netns", "add", name);
        namespaces.add(name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /**
     * A veth pair between two namespaces, both ends up, with {@code queues} rx and tx queues each; the stack's end
     * ({@code ifA}) gets IPv6 off so the kernel does not chatter on it. The offloads stay as veth has them (tx
     * checksum and TSO on): a test that needs full checksums from the kernel turns them off itself.
     */
    public void veth(String nsA, String ifA, String nsB, String ifB, int queues) {
        run("ip", "-n", nsA, "link", "add", ifA, "numtxqueues", "" + queues, "numrxqueues", "" + queues, "type", "veth",
                "peer", "name", ifB, "numtxqueues", "" + queues, "numrxqueues", "" + queues, "netns", nsB);
        exec(nsA, "sysctl", "-qw", "net.ipv6.conf." + ifA + ".disable_ipv6=1");
        run("ip", "-n", nsA, "link", "set", ifA, "up");
        run("ip", "-n", nsB, "link", "set", ifB, "up");
        if (queues > 1) {
            // veth picks the receiving queue from the sender's transmit queue, which Linux moves to a random other
            // queue when a flow times out (sk_rethink_txhash); a NIC's RSS keeps a flow on its queue, and one loop
            // per queue relies on that: txrehash=0 gives the kernel end's flows that property
            exec(nsB, "sysctl", "-qw", "net.core.txrehash=0");
        }
    }

    /** Runs a command to completion; fails the test with its output if it exits non-zero. */
    public String run(String... command) {
        return runChecked(true, command);
    }

    /** Runs a command in a namespace to completion (ip netns exec). */
    public String exec(String namespace, String... command) {
        return runChecked(true, inNamespace(namespace, command));
    }

    /** Runs a command in a namespace and returns its exit status and output, whatever the status. */
    public Result execStatus(String namespace, String... command) {
        return runProcess(inNamespace(namespace, command));
    }

    /** Starts a long-running command in a namespace; killed by PID on {@link #close()}. */
    public Process start(String namespace, String... command) {
        try {
            Process p = new ProcessBuilder(inNamespace(namespace, command)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", command), e);
        }
    }

    /** Adopts a process started elsewhere so that close() kills it. */
    public void adopt(Process p) {
        processes.add(p);
    }

    public static String[] inNamespace(String namespace, String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        return full;
    }

    /** Exit status and output (stdout and stderr together) of a finished command. */
    public record Result(int status, String output) {}

    private String runChecked(boolean check, String... command) {
        Result r = runProcess(command);
        if (check && r.status != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.status + ": " + r.output);
        }
        return r.output;
    }

    private static Result runProcess(String... command) {
        try {
            // stdin is /dev/null: a client such as curl telnet:// would otherwise wait for input that never ends
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        }
    }

    @Override
    public void close() {
        // a test stopped by its timeout arrives here interrupted: clean up anyway, then keep the interrupt
        boolean interrupted = Thread.interrupted();
        try {
            cleanUp();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void cleanUp() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                // keep going: the namespaces must still go
            }
        }
        for (String ns : namespaces) {
            try {
                runProcess("ip", "netns", "del", ns);
            } catch (AssertionError | RuntimeException e) {
                System.err.println("TestNet: could not delete namespace " + ns + ": " + e.getMessage());
            }
        }
    }
}

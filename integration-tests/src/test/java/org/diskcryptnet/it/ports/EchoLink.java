package org.diskcryptnet.it.ports;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.linux.NetNamespace;
import org.diskcryptnet.netmap.port.testbed.TestNet;

/**
 * One run of {@code origin echo} over a packet port with the Linux kernel on the other end: the namespaces and the
 * link, the tool as a child JVM in the stack's namespace (the real command line), and sockets opened in the kernel's
 * namespace. Everything is removed on {@link #close()}.
 */
public final class EchoLink implements AutoCloseable {

    public static final String STACK_IP = "198.18.70.2";
    public static final String KERNEL_IP = "198.18.70.1";
    public static final int PORT = 18700;

    public final PortVariant variant;
    public final TestNet net;
    public final String stackNs;
    public final String kernelNs;
    private Process tool;
    private Thread reader;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());

    public EchoLink(PortVariant variant) {
        variant.assumeAvailable();
        this.variant = variant;
        this.net = TestNet.create();
        this.stackNs = net.namespace("s");
        if (variant.veth()) {
            this.kernelNs = net.namespace("k");
            net.veth(stackNs, "dcnps0", kernelNs, "dcnpk0", 1);
            if (variant == PortVariant.XDP_NATIVE || variant == PortVariant.XDP_GENERIC) {
                // AF_XDP cannot tell a partial checksum from a wrong one (TESTBED.md): the kernel sends full ones
                net.exec(kernelNs, "ethtool", "-K", "dcnpk0", "tx", "off");
            } else {
                // packet: without --offloads takes frames up to the MTU: no TSO/GSO super-frames from the peer
                // (partial checksums are fine, the port completes them)
                net.exec(kernelNs, "ethtool", "-K", "dcnpk0", "tso", "off", "gso", "off");
            }
            net.exec(kernelNs, "ip", "addr", "add", KERNEL_IP + "/24", "dev", "dcnpk0");
        } else {
            this.kernelNs = stackNs;
        }
    }

    /** Starts {@code origin echo} with {@code extra} flags (mode, bytes, faults) and waits until it serves. */
    public void start(String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "org.diskcryptnet.origin.cli.OriginMain", "echo",
                "--port", variant.uri, "--address", STACK_IP + "/24", "--listen", "" + PORT, "--ring", "1024"));
        command.addAll(variant.flags);
        command.addAll(List.of(extra));
        tool = new ProcessBuilder(TestNet.inNamespace(stackNs, command.toArray(String[]::new))).redirectErrorStream(true).start();
        net.adopt(tool);
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(tool.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "echo-output");
        reader.setDaemon(true);
        reader.start();
        String first = lines.poll(30, TimeUnit.SECONDS);
        if (first == null || !first.startsWith("origin echo: ")) {
            throw new AssertionError("origin echo did not start: " + first + " " + output);
        }
        if (!first.contains(" on ")) {
            throw new AssertionError("origin echo failed: " + output);
        }
        if (!variant.veth()) {
            net.exec(kernelNs, "sysctl", "-qw", "net.ipv6.conf.dcnptap0.disable_ipv6=1");
            net.exec(kernelNs, "ip", "addr", "add", KERNEL_IP + "/24", "dev", "dcnptap0");
            net.exec(kernelNs, "ip", "link", "set", "dcnptap0", "up");
        }
        awaitReachable();
    }

    /** Pings the stack from the kernel until it answers (ARP resolved, the loop running), at most 30 s. */
    private void awaitReachable() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (net.execStatus(kernelNs, "ping", "-n", "-c", "1", "-W", "1", STACK_IP).status() != 0) {
            if (System.nanoTime() > deadline || !tool.isAlive()) {
                throw new AssertionError("the stack at " + STACK_IP + " never answered a ping: " + output());
            }
            Thread.sleep(100);
        }
    }

    /**
     * The kernel's side of the link as {@code ip -s link} shows it: frames the kernel dropped before the tool saw
     * them (a full tap queue, the veth peer's backlog) are counted there, not in the tool's port counters.
     */
    public String kernelInterfaceStats() {
        return net.exec(kernelNs, "ip", "-s", "link", "show", "dev", variant.veth() ? "dcnpk0" : "dcnptap0").strip();
    }

    /** A blocking socket connected from the kernel's namespace to the tool. */
    public SocketChannel connect() throws Exception {
        return NetNamespace.call(kernelNs, () -> {
            SocketChannel c = SocketChannel.open();
            c.socket().connect(new InetSocketAddress(STACK_IP, PORT), 20_000);
            return c;
        });
    }

    /** An unconnected non-blocking socket made in the kernel's namespace. */
    public SocketChannel openChannel() throws Exception {
        return NetNamespace.call(kernelNs, () -> {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            return c;
        });
    }

    /** Everything the tool printed so far. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Stops the tool with SIGTERM and returns its output, which ends with the totals. */
    public String stop() throws Exception {
        if (tool != null && tool.isAlive()) {
            // SIGTERM through the handle: Process.destroy() would also close our end of its output, losing the totals
            tool.toHandle().destroy();
            tool.waitFor(15, TimeUnit.SECONDS);
        }
        if (reader != null) {
            reader.join(10_000); // it ends at the tool's end of output
        }
        if (tool != null && !tool.isAlive()) {
            output.add("[origin echo exited with status " + tool.exitValue() + "]");
        }
        return output();
    }

    public long toolPid() {
        return tool.toHandle().descendants().findFirst().map(ProcessHandle::pid).orElse(tool.pid());
    }

    @Override
    public void close() {
        net.close();
    }
}

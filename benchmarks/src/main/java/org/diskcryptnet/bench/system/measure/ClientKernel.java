package org.diskcryptnet.bench.system.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.diskcryptnet.bench.system.testbed.Testbed;

/**
 * The client's kernel during a run, from its namespace's {@code /proc/net} (read through a process parked there):
 * the zero windows its TCP advertised ({@code TcpExt: TCPToZeroWindowAdv} of {@code netstat}) and the memory of its
 * TCP sockets ({@code mem} of the {@code TCP:} line of {@code sockstat}, in pages), sampled every second. A client
 * that cannot keep up holds what it has not read yet in its sockets and advertises zero windows; its cell then
 * measures the server against the client (wrk shares the server's cores), and the server's cost per byte grows
 * with the smaller frames, window updates and cache misses that brings.
 */
public final class ClientKernel implements AutoCloseable {

    /** What the client's kernel did during a run; NaN where not measured (runs recorded before it was). */
    public record Usage(double zeroWindowAdverts, double tcpMemMiB) {}

    /** sockstat counts socket memory in pages: 4 KiB on x86-64. */
    private static final double PAGE_MIB = 4096 / 1048576.0;

    private final Process anchor;
    private final Path net;
    private final double zeroWindowsBefore;
    private final Thread sampler;
    private volatile boolean stopped;
    private double memSumMiB;
    private int memSamples;

    private ClientKernel(Process anchor, Path net) throws IOException {
        this.anchor = anchor;
        this.net = net;
        this.zeroWindowsBefore = zeroWindowAdverts(Files.readString(net.resolve("netstat")));
        this.sampler = Thread.ofPlatform().daemon().name("dcnb-client-kernel").unstarted(this::sample);
    }

    /**
     * Starts watching the kernel of namespace {@code ns} for a run of at most {@code longest}: a {@code sleep} of that
     * length in the namespace anchors its {@code /proc/PID/net}, and ends by itself if this process does not.
     */
    public static ClientKernel watch(String ns, Duration longest) throws IOException {
        Process p = new ProcessBuilder(Testbed.inNamespace(ns, List.of("sleep", String.valueOf(longest.toSeconds()))))
                .redirectErrorStream(true).start();
        // `ip netns exec` enters the namespace, then executes the command in the same process: once that process is
        // sleep, its /proc/PID/net is the namespace's
        Path proc = Path.of("/proc", String.valueOf(p.pid()));
        try {
            for (int i = 0; !Files.readSymbolicLink(proc.resolve("exe")).endsWith("sleep"); i++) {
                if (i == 200 || !p.isAlive()) {
                    throw new IOException("sleep did not start in the namespace within 2 s");
                }
                Thread.sleep(10);
            }
            ClientKernel k = new ClientKernel(p, proc.resolve("net"));
            k.sampler.start();
            return k;
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw new IOException("cannot read the kernel of namespace " + ns + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void sample() {
        while (!stopped) {
            try {
                Thread.sleep(1000); // from a second in: the connections are open by then
                double mib = tcpMemPages(Files.readString(net.resolve("sockstat"))) * PAGE_MIB;
                synchronized (this) {
                    memSumMiB += mib;
                    memSamples++;
                }
            } catch (IOException | RuntimeException | InterruptedException e) {
                return; // stopped by usage(), or the anchor has gone: the samples so far stand
            }
        }
    }

    /** Stops sampling: the zero windows advertised since {@link #watch}, and the mean socket memory. */
    public Usage usage() {
        stopped = true;
        sampler.interrupt();
        double zeroWindows;
        try {
            sampler.join(2000);
            zeroWindows = zeroWindowAdverts(Files.readString(net.resolve("netstat"))) - zeroWindowsBefore;
        } catch (IOException | RuntimeException e) {
            zeroWindows = Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            zeroWindows = Double.NaN;
        }
        synchronized (this) {
            return new Usage(zeroWindows, memSamples == 0 ? Double.NaN : memSumMiB / memSamples);
        }
    }

    @Override
    public void close() {
        stopped = true;
        sampler.interrupt();
        anchor.destroyForcibly();
    }

    /** {@code TCPToZeroWindowAdv} from {@code /proc/net/netstat}: a header line of names, then one of values. */
    static double zeroWindowAdverts(String netstat) {
        String[] names = null;
        for (String line : netstat.split("\n")) {
            if (!line.startsWith("TcpExt:")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (names == null) {
                names = f;
                continue;
            }
            for (int i = 1; i < Math.min(names.length, f.length); i++) {
                if (names[i].equals("TCPToZeroWindowAdv")) {
                    return Long.parseLong(f[i]);
                }
            }
        }
        throw new IllegalArgumentException("no TcpExt TCPToZeroWindowAdv in netstat");
    }

    /** The {@code mem} field of sockstat's {@code TCP:} line (pages). */
    static long tcpMemPages(String sockstat) {
        for (String line : sockstat.split("\n")) {
            if (line.startsWith("TCP:")) {
                String[] f = line.trim().split("\\s+");
                for (int i = 1; i + 1 < f.length; i += 2) {
                    if (f[i].equals("mem")) {
                        return Long.parseLong(f[i + 1]);
                    }
                }
            }
        }
        throw new IllegalArgumentException("no TCP mem in sockstat");
    }
}

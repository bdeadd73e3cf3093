package org.diskcryptnet.netmap.diag;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortCounters;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.Ports;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.Sockets;
import org.diskcryptnet.netmap.stack.InterfaceConfig;
import org.diskcryptnet.netmap.stack.NetworkInterface;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpCounters;
import org.diskcryptnet.netmap.tcp.TcpListener;
import org.diskcryptnet.netmap.tcp.TcpState;

/**
 * {@code origin echo}: a TCP echo, discard or chargen server on the userspace stack over one packet port, printing
 * a line of counters per second, the role netmap's {@code pkt-gen} plays for netmap users. One loop on the calling
 * thread: it polls the stack and, when a few rounds found nothing to do, blocks in poll(2) on the port's descriptor
 * for at most a millisecond (TCP's timers need no finer grain).
 */
public final class EchoTool {

    /** Exit status: 0 ok, 1 failure at run time (port, permissions), 2 bad usage. */
    public static final int OK = 0, FAILED = 1, USAGE = 2;

    private static final int SPINS_BEFORE_BLOCKING = 64;

    private final EchoOptions options;
    private final PrintStream out;
    private volatile boolean stop;

    private EchoTool(EchoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the tool with the arguments after {@code echo}; returns the exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--help") || args.contains("-h")) {
            out.print(EchoOptions.USAGE);
            return OK;
        }
        EchoOptions options;
        InterfaceConfig address;
        org.diskcryptnet.netmap.port.fault.FaultPlan faults;
        try {
            options = EchoOptions.parse(args);
            address = InterfaceConfig.of(options.address());
            faults = FaultSpec.parse(options.faults()); // every argument checked before anything is opened
        } catch (IllegalArgumentException e) {
            err.println("origin echo: " + e.getMessage());
            err.print(EchoOptions.USAGE);
            return USAGE;
        }
        PacketPort port;
        try {
            port = FaultSpec.wrap(Ports.open(options.port(), options.portOptions()), faults);
        } catch (PortException e) {
            err.println("origin echo: cannot open " + options.port() + ": " + e.getMessage());
            return FAILED;
        }
        EchoTool tool = new EchoTool(options, out);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            tool.stop = true;
            try {
                done.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "echo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            PacketPort shown = port instanceof org.diskcryptnet.netmap.port.fault.FaultInjectingPort f ? f.inner() : port;
            err.println("origin echo: " + options.mode().name().toLowerCase() + " on " + shown + " at " + options.address()
                    + " port " + options.listenPort() + (options.faults() != null ? ", faults " + options.faults() : ""));
            tool.loop(port, address);
            return OK;
        } catch (RuntimeException e) {
            err.println("origin echo: " + e);
            return FAILED;
        } finally {
            port.close();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what ended the loop
            }
        }
    }

    private void loop(PacketPort port, InterfaceConfig address) {
        TcpConfig tcp = options.tcp();
        EchoServer server = new EchoServer(options.mode(), options.sourceBytes());
        try (Arena arena = Arena.ofConfined(); NetworkInterface nif = new NetworkInterface(port, 0, address, tcp)) {
            TcpListener listener = server.listen(nif.tcp(), options.listenPort());
            int fd = port.pollFd(0);
            MemorySegment pollfd = arena.allocate(Sockets.POLLFD);
            MemorySegment state = Libc.newCallState(arena);
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, Sockets.POLLFD_EVENTS, Sockets.POLLIN);
            long start = System.nanoTime();
            long nextReport = start + 1_000_000_000L;
            long end = options.seconds() == 0 ? Long.MAX_VALUE : start + options.seconds() * 1_000_000_000L;
            Snapshot last = new Snapshot();
            last.take(nif, port, server);
            Snapshot now = new Snapshot();
            int idle = 0;
            while (!stop) {
                long t = System.nanoTime();
                if (t >= end) {
                    break;
                }
                if (nif.poll(t) > 0) {
                    idle = 0;
                } else if (++idle > SPINS_BEFORE_BLOCKING) {
                    if (fd >= 0) {
                        Libc.poll(state, pollfd, 1, 1);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                if (t >= nextReport) {
                    now.take(nif, port, server);
                    if (!options.quiet()) {
                        out.println(now.line(last, (t - start) / 1_000_000_000L));
                        out.flush();
                    }
                    Snapshot swap = last;
                    last = now;
                    now = swap;
                    nextReport += 1_000_000_000L;
                }
            }
            listener.close();
            now.take(nif, port, server);
            out.println("echo: total " + now.summary());
            out.println("echo: stack " + nif.counters());
            out.println("echo: port " + port.counters(0));
            if (port instanceof org.diskcryptnet.netmap.port.fault.FaultInjectingPort f) {
                out.println("echo: faults received " + f.receivedCounters() + ", sent " + f.sentCounters());
            }
            out.flush();
        }
    }

    /** The counters at one instant, and the per-second line between two instants. */
    private static final class Snapshot {
        long rxPayload, txPayload, segmentsIn, segmentsOut, retransmitted, drops, accepted, closedNormally,
                closedOtherwise, established, portRx, portTx, portErrors;

        void take(NetworkInterface nif, PacketPort port, EchoServer server) {
            TcpCounters tcp = nif.counters().tcp();
            PortCounters pc = port.counters(0);
            rxPayload = tcp.payloadBytesReceived;
            txPayload = tcp.payloadBytesSent;
            segmentsIn = tcp.segmentsReceived;
            segmentsOut = tcp.segmentsSent;
            retransmitted = tcp.retransmittedSegments;
            drops = nif.counters().drops().total();
            accepted = server.accepted;
            closedNormally = server.closedNormally;
            closedOtherwise = server.closedOtherwise;
            established = tcp.connections(TcpState.ESTABLISHED);
            portRx = pc.rxFrames;
            portTx = pc.txFrames;
            portErrors = pc.txErrors + pc.rxDropped;
        }

        String line(Snapshot before, long second) {
            return String.format("echo: %4ds  conns %d open %d accepted %d closed (%d not cleanly)  rx %.1f Mbit/s  tx %.1f Mbit/s"
                            + "  segs in %d out %d  rexmit %d  drops %d  port rx %d tx %d errors %d",
                    second, established, accepted, closedNormally + closedOtherwise, closedOtherwise,
                    (rxPayload - before.rxPayload) * 8 / 1e6, (txPayload - before.txPayload) * 8 / 1e6,
                    segmentsIn - before.segmentsIn, segmentsOut - before.segmentsOut, retransmitted - before.retransmitted,
                    drops - before.drops, portRx - before.portRx, portTx - before.portTx, portErrors - before.portErrors);
        }

        String summary() {
            return String.format("accepted %d closed %d (%d not cleanly)  payload rx %d B tx %d B  segs in %d out %d  rexmit %d  drops %d",
                    accepted, closedNormally + closedOtherwise, closedOtherwise, rxPayload, txPayload, segmentsIn,
                    segmentsOut, retransmitted, drops);
        }
    }
}

package org.diskcryptnet.it.netty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.Assumptions;

import org.diskcryptnet.netmap.channel.Netmap;
import org.diskcryptnet.netmap.channel.NetmapConfig;
import org.diskcryptnet.netmap.channel.NetmapIoHandler;
import org.diskcryptnet.netmap.channel.NetmapServerSocketChannel;
import org.diskcryptnet.netmap.channel.NetmapSocketChannel;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.linux.NetNamespace;

/**
 * For the testsuite classes whose peer is a {@code java.net.Socket}: the kernel's TCP. A network namespace of its
 * own holds a TAP device; the kernel owns 198.18.91.1 on it and the userspace stack (one loop on {@code tap:})
 * owns 198.18.91.2. The test body runs with its thread inside the namespace ({@link #call}), so the kernel sockets
 * it opens are there too. Removed by {@link #close()}.
 */
final class KernelPeer implements AutoCloseable {

    static final String KERNEL_ADDRESS = "198.18.91.1";
    static final String STACK_ADDRESS = "198.18.91.2";

    private final String namespace;
    private final EventLoopGroup group;

    private KernelPeer(String namespace, EventLoopGroup group) {
        this.namespace = namespace;
        this.group = group;
    }

    /** Skips (with the probe's cause) where TAP or namespaces are unavailable. */
    static KernelPeer create(String tag) throws Exception {
        Assumptions.assumeTrue(Netmap.isAvailable(PortUri.Kind.TAP),
                () -> "TAP ports unavailable: " + Netmap.unavailabilityCause(PortUri.Kind.TAP));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        String ns = "dcnc" + ProcessHandle.current().pid() % 100000 + tag;
        String tap = "dcnc" + tag + "0";
        ip("netns", "add", ns);
        try {
            ip("-n", ns, "link", "set", "lo", "up");
            NetmapConfig config = NetmapConfig.builder().port("tap:" + tap).address(STACK_ADDRESS + "/24").build();
            EventLoopGroup group = NetNamespace.call(ns, () -> new MultiThreadIoEventLoopGroup(1,
                    new DefaultThreadFactory("testsuite-netmap-tap", true), NetmapIoHandler.newFactory(config)));
            run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + tap + ".disable_ipv6=1");
            ip("-n", ns, "addr", "add", KERNEL_ADDRESS + "/24", "dev", tap);
            ip("-n", ns, "link", "set", tap, "up");
            return new KernelPeer(ns, group);
        } catch (Exception | Error e) {
            ip("netns", "del", ns);
            throw e;
        }
    }

    List<BootstrapFactory<Bootstrap>> clients() {
        return List.of(() -> new Bootstrap().group(group).channel(NetmapSocketChannel.class));
    }

    List<BootstrapFactory<ServerBootstrap>> servers() {
        return List.of(() -> new ServerBootstrap().group(group).channel(NetmapServerSocketChannel.class));
    }

    static InetSocketAddress kernelAddress() {
        return new InetSocketAddress(KERNEL_ADDRESS, 0);
    }

    /** Runs {@code body} with this thread in the namespace. */
    void call(ThrowingRunnable body) throws Throwable {
        Throwable[] failure = new Throwable[1];
        NetNamespace.call(namespace, () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure[0] = t;
            }
            return null;
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    interface ThrowingRunnable {
        void run() throws Throwable;
    }

    @Override
    public void close() {
        try {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        } finally {
            ip("netns", "del", namespace);
        }
    }

    private static void ip(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        run(cmd);
    }

    private static void run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

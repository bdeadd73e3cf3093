package org.diskcryptnet.netmap.port.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;

import org.diskcryptnet.netmap.port.PortException;

/**
 * Runs code with the calling thread inside a named network namespace ({@code ip netns add NAME}, i.e.
 * {@code /run/netns/NAME}) and moves it back afterwards, with setns(2). Only the calling thread moves; sockets,
 * TAP devices and XDP attachments made meanwhile stay in the namespace, so a port opened this way is used from any
 * thread. Other threads of the process are not affected.
 */
public final class NetNamespace {

    private NetNamespace() {}

    public static <T> T call(String name, Callable<T> body) throws Exception {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("not a namespace name: \"" + name + "\"");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            int home = Errno.check(Libc.open(state, arena.allocateFrom("/proc/thread-self/ns/net"),
                    Sockets.O_CLOEXEC), state, "open /proc/thread-self/ns/net");
            try {
                int target = Libc.open(state, arena.allocateFrom("/run/netns/" + name), Sockets.O_CLOEXEC);
                if (target < 0) {
                    int errno = Libc.errno(state);
                    throw new PortException(errno == Errno.ENOENT ? PortException.Reason.NO_SUCH_INTERFACE : Errno.reasonOf(errno),
                            "network namespace \"" + name + "\": " + Errno.describe(errno), errno);
                }
                try {
                    Errno.check(Libc.setns(state, target, Sockets.CLONE_NEWNET), state, "setns into " + name);
                } finally {
                    Libc.close(state, target);
                }
                try {
                    return body.call();
                } finally {
                    if (Libc.setns(state, home, Sockets.CLONE_NEWNET) < 0) {
                        // a thread stranded in another namespace would open later ports in the wrong place
                        throw new IllegalStateException("cannot return to the original network namespace: "
                                + Errno.describe(Libc.errno(state)));
                    }
                }
            } finally {
                Libc.close(state, home);
            }
        }
    }
}

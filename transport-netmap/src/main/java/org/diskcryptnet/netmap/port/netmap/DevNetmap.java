package org.diskcryptnet.netmap.port.netmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.MappedRegion;
import org.diskcryptnet.netmap.port.linux.Sockets;

/**
 * {@link NetmapKernel} on the real netmap module: {@code /dev/netmap}, ioctl(2) and mmap(2). Not exercised here:
 * the module is not loaded on the machines this project is tested on (see the README, "Packet ports").
 */
final class DevNetmap implements NetmapKernel {

    private final Arena arena = Arena.ofShared();
    /** One call state per descriptor, indexed by the descriptor, so syncs of different loops never share one. */
    private volatile MemorySegment[] states = new MemorySegment[64];
    private final Map<MemorySegment, MappedRegion> mappings = new IdentityHashMap<>();

    @Override
    public int open() {
        MemorySegment state = Libc.newCallState(arena);
        try (Arena call = Arena.ofConfined()) {
            int fd = Libc.open(state, call.allocateFrom(NetmapAbi.DEVICE), Sockets.O_RDWR | Sockets.O_CLOEXEC);
            if (fd < 0) {
                return -Libc.errno(state);
            }
            synchronized (this) {
                if (fd >= states.length) {
                    states = java.util.Arrays.copyOf(states, Math.max(fd + 1, states.length * 2));
                }
                states[fd] = state;
            }
            return fd;
        }
    }

    @Override
    public int control(int fd, MemorySegment header) {
        MemorySegment state = states[fd];
        return Libc.ioctl(state, fd, NetmapAbi.NIOCCTRL, header) < 0 ? -Libc.errno(state) : 0;
    }

    @Override
    public synchronized MemorySegment map(int fd, long size) {
        MappedRegion region = MappedRegion.mapShared(fd, size, 0, "netmap region");
        mappings.put(region.segment(), region);
        return region.segment();
    }

    @Override
    public synchronized void unmap(MemorySegment region) {
        MappedRegion r = mappings.remove(region);
        if (r != null) {
            r.close();
        }
    }

    @Override
    public int sync(int fd, long request) {
        MemorySegment state = states[fd];
        return Libc.ioctl(state, fd, request, 0L) < 0 ? -Libc.errno(state) : 0;
    }

    @Override
    public void close(int fd) {
        Sockets.closeQuietly(fd);
    }

    static String describe(int errno) {
        return Errno.describe(errno);
    }
}

package org.diskcryptnet.disk;

import java.io.IOException;
import java.nio.file.Path;

import org.diskcryptnet.disk.linux.Statx;

/**
 * A way of reading storage around the page cache, shared by every event loop of a process: it opens files and
 * devices ({@link DiskFile}s, usable from any loop) and makes one {@link DiskQueue} per loop. Implementations:
 * io_uring with O_DIRECT ({@code org.diskcryptnet.disk.uring}), NVMe passthrough ({@code ...disk.nvme}), in
 * memory with fault injection for tests ({@code ...disk.memory}). Each has an availability probe with a
 * human-readable cause, like Netty's {@code Epoll.isAvailable()}.
 */
public interface DiskBackend extends AutoCloseable {

    /** The metrics and log label: "io_uring", "nvme", "memory". */
    String name();

    /** Opens a regular file by absolute path. */
    DiskFile openFile(Path path) throws IOException;

    /**
     * Opens {@code relative} below the directory {@code rootFd} only: a path that leaves it (through "..", an
     * absolute path or a symbolic link) is refused by the kernel (openat2 RESOLVE_BENEATH) with a message naming
     * the root. {@code root} is the directory's path, for messages.
     */
    DiskFile openBeneath(int rootFd, Path root, String relative) throws IOException;

    /**
     * Takes over {@code fd}, a regular file the caller opened for reading and described with {@code version} (a
     * statx of the descriptor, {@link org.diskcryptnet.disk.linux.Statx#of(int)}): a server that opened a file to
     * answer a request's headers reads its body through the same descriptor, so both describe one version of the
     * file. The descriptor is closed here if it cannot be taken.
     */
    DiskFile adopt(int fd, Path path, Statx.Result version) throws IOException;

    /** Opens a block device; anything else (a regular file, a character device, a directory) is refused. */
    DiskFile openDevice(Path path) throws IOException;

    /** A queue of {@code depth} reads for the calling thread, which then owns it. */
    DiskQueue newQueue(int depth) throws IOException;

    @Override
    default void close() {}
}

package org.diskcryptnet.origin.content;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.OpenHow;
import org.diskcryptnet.disk.linux.Statx;
import org.diskcryptnet.origin.http.validators.EntityTags;

/**
 * The directory the origin serves. A lookup opens the file once, below the root's directory descriptor with
 * openat2 {@code RESOLVE_BENEATH}: the kernel itself refuses any resolution that would leave the root. One statx
 * of that descriptor gives the type, size and validators, and the body is read through the same descriptor, so
 * the header section and the bytes describe one version of the file, and no path is resolved twice.
 *
 * <p>The kernel refuses every absolute symbolic link, even one into the root, and every ".." that climbs out of
 * the directory it is met in. Such a link is followed the long way: its real path, with every link followed,
 * must lie below the root's real path, the rule this class has always applied.
 */
public final class ContentRoot implements AutoCloseable {

    /** O_NONBLOCK: opening a FIFO someone left in the root must not wait for a writer (it is then refused). */
    private static final int READ = Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_NOCTTY | Fcntl.O_CLOEXEC;
    private static final long BENEATH = OpenHow.RESOLVE_BENEATH | OpenHow.RESOLVE_NO_MAGICLINKS;

    private final Path root;
    private final int rootFd;
    private final MediaTypes mediaTypes;

    public ContentRoot(Path root, MediaTypes mediaTypes) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) {
            throw new IOException("content root " + root + " is not a directory");
        }
        this.mediaTypes = mediaTypes;
        this.rootFd = Fcntl.open(this.root.toString(), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC);
        try {
            Fcntl.close(OpenHow.openat2(rootFd, ".", Fcntl.O_PATH | Fcntl.O_CLOEXEC, BENEATH));
        } catch (LinuxException e) {
            Fcntl.close(rootFd);
            throw e.errno() == Errno.ENOSYS
                    ? new IOException("serving " + root + " needs openat2(2), Linux 5.6 or later", e) : e;
        }
    }

    public Path path() {
        return root;
    }

    /**
     * The open file for these segments, which the caller must close, or null when there is none the origin may
     * serve (→ 404): missing, unreadable, not a regular file, or outside the root.
     *
     * @throws LookupFailed the file could not be looked at: the process is out of descriptors or memory (→ 503,
     *                      it may work in a moment), or the kernel reported another error, such as EIO (→ 500).
     *                      Neither says that the file is not there, which a 404 would, to caches too.
     */
    public ContentFile lookup(List<String> segments) throws LookupFailed {
        if (segments.isEmpty()) {
            return null;
        }
        String relative = String.join("/", segments); // RequestPath: no separators, no dot segments, no NUL
        int fd = open(relative);
        if (fd < 0) {
            return null;
        }
        try {
            Statx.Result st = Statx.of(fd);
            if (!st.isRegularFile()) {
                Fcntl.close(fd);
                return null;
            }
            return new ContentFile(root.resolve(relative), fd, st, EntityTags.strongTag(st.size(), st.mtimeNanos()),
                    mediaTypes.forFileName(segments.getLast()));
        } catch (LinuxException e) {
            Fcntl.close(fd);
            throw new LookupFailed(relative, "statx", e.errno());
        }
    }

    private int open(String relative) throws LookupFailed {
        try {
            return OpenHow.openat2(rootFd, relative, READ, BENEATH);
        } catch (LinuxException e) {
            if (e.errno() != Errno.EXDEV) {
                return notThereOrFail(relative, e);
            }
        }
        Path real;
        try {
            real = root.resolve(relative).toRealPath();
        } catch (IOException | SecurityException e) {
            return -1; // a dangling or looping link, or a component gone since
        }
        if (!real.startsWith(root) || real.equals(root)) {
            return -1; // a symbolic link that leaves the root
        }
        try {
            return OpenHow.openat2(rootFd, root.relativize(real).toString(), READ, BENEATH);
        } catch (LinuxException e) {
            return notThereOrFail(relative, e);
        }
    }

    /** -1 for an error of openat2 that means there is no file to serve; the others end the lookup. */
    private static int notThereOrFail(String relative, LinuxException e) throws LookupFailed {
        if (notThere(e.errno())) {
            return -1;
        }
        throw new LookupFailed(relative, "openat2", e.errno());
    }

    /**
     * Errors of openat2 that mean there is no file here the origin may serve: missing, not a directory on the way,
     * unreadable, a loop or a magic link, a name too long, a FIFO or device (opening it non-blocking), or a path the
     * kernel refuses beneath the root (EXDEV is answered the long way first).
     */
    private static boolean notThere(int errno) {
        return switch (errno) {
            case Errno.ENOENT, Errno.ENOTDIR, Errno.EACCES, Errno.EPERM, Errno.ELOOP, Errno.ENAMETOOLONG, Errno.ENXIO,
                 Errno.ENODEV, Errno.EISDIR, Errno.EXDEV -> true;
            default -> false;
        };
    }

    @Override
    public void close() {
        Fcntl.close(rootFd);
    }

    /** A lookup that could not tell whether the file is there: see {@link #lookup}. */
    public static final class LookupFailed extends IOException {

        private final int errno;

        LookupFailed(String relative, String call, int errno) {
            super(call + " of " + relative + ": " + Errno.describe(errno));
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }

        /** Out of descriptors (per process or system-wide) or memory: the same request may succeed soon. */
        public boolean overload() {
            return errno == Errno.EMFILE || errno == Errno.ENFILE || errno == Errno.ENOMEM;
        }
    }

    /**
     * A regular file below the root, open, with the validators of the version that is open. Its descriptor is read
     * by the response's bodies: each takes a duplicate of it, or the last takes it over ({@link #descriptor}).
     * Owned by the loop serving the request, which closes it when the bodies are made.
     */
    public static final class ContentFile implements AutoCloseable {

        private final Path path;
        private final Statx.Result version;
        private final String etag;
        private final String contentType;
        private int fd;

        ContentFile(Path path, int fd, Statx.Result version, String etag, String contentType) {
            this.path = path;
            this.fd = fd;
            this.version = version;
            this.etag = etag;
            this.contentType = contentType;
        }

        /** The path it was found at, below the root (for messages: the file is read through its descriptor). */
        public Path path() {
            return path;
        }

        public long size() {
            return version.size();
        }

        public long lastModifiedSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(version.mtimeNanos());
        }

        public String etag() {
            return etag;
        }

        public String contentType() {
            return contentType;
        }

        /** The statx of the open descriptor, which gave the size and validators. */
        public Statx.Result version() {
            return version;
        }

        /**
         * A descriptor of the open file that the caller owns: this one itself when {@code handOver} (nothing may
         * use this file after it), else a duplicate, which shares the open file description (and its status flags).
         */
        public int descriptor(boolean handOver) throws IOException {
            int own = openFd();
            if (!handOver) {
                return Fcntl.duplicate(own);
            }
            fd = -1;
            return own;
        }

        /**
         * A channel of its own on the open file, for readers that need a {@link FileChannel}: reopened through the
         * descriptor's /proc link, which names the open inode, not the path, so it is the same file.
         */
        public FileChannel openChannel() throws IOException {
            return FileChannel.open(Path.of("/proc/self/fd/" + openFd()), StandardOpenOption.READ);
        }

        private int openFd() throws IOException {
            if (fd < 0) {
                throw new IOException(path + " is closed");
            }
            return fd;
        }

        @Override
        public void close() {
            if (fd >= 0) {
                Fcntl.close(fd);
                fd = -1;
            }
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }
}

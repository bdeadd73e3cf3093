package org.diskcryptnet.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.Statx;

/**
 * Whether an open regular file is still the version it was opened (or mapped) as: one statx(2) of its descriptor,
 * compared by {@link Statx#sameVersion(MemorySegment, Statx.Result)} with {@link DiskFile#version()} (inode,
 * device, size, data and status change times). The NVMe passthrough queue asks after each read of a mapped file
 * (its blocks may belong to another file by then); the netmap transport's disk send path asks before it reads again
 * a range it has already sent (a TLS record re-sealed from changed plaintext would reuse its AEAD nonce). One per
 * queue, used by the queue's thread: the statx buffer is reused, nothing is allocated per check.
 *
 * <p>What statx cannot show: it gives user space no change counter, only timestamps. A rewrite that keeps the size
 * and lands within the same timestamp tick as the file's previous change (the coarse clock, 1/HZ, unless the
 * filesystem keeps fine-grained timestamps) is not seen. The other way round, replacing a file by
 * {@code rename(2)} is reported as a change although the descriptor keeps reading the old inode, whose bytes do not
 * move: unlinking that inode moved its change time (its link count dropped). That errs on the safe side.
 */
public final class FileVersionCheck implements AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(Statx.LAYOUT);
    private final MemorySegment emptyPath = arena.allocateFrom("");

    /**
     * True when {@code file} no longer matches the statx taken when it was opened, or statx of it fails (a file
     * that cannot be checked is not trusted). Block devices and files opened without a version are not checked.
     */
    public boolean changed(DiskFile file) {
        if (file.kind() != DiskFile.Kind.REGULAR_FILE || file.version() == null || file.fd() < 0) {
            return false;
        }
        try {
            Statx.into(file.fd(), emptyPath, buffer);
            return !Statx.sameVersion(buffer, file.version());
        } catch (LinuxException e) {
            return true;
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}

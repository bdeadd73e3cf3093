package org.diskcryptnet.disk.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.disk.linux.Statx;

/**
 * What the in-memory backend keeps of an open file (its {@code DiskFile.backendState()}): the bytes reads are served
 * from, and the file's version now, which {@link MemoryBackend#write} and {@link MemoryBackend#truncate} move as the
 * kernel would (size, modification and change times), so a test can change a file under a reader deterministically.
 */
final class MemoryFile {

    MemorySegment content;
    Statx.Result version;

    MemoryFile(MemorySegment content, Statx.Result version) {
        this.content = content;
        this.version = version;
    }

    void write(long offset, byte[] bytes) {
        long end = Math.max(content.byteSize(), offset + bytes.length);
        if (end > content.byteSize()) {
            MemorySegment grown = Arena.ofAuto().allocate(end, 8);
            MemorySegment.copy(content, 0, grown, 0, content.byteSize());
            content = grown;
        }
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, content, offset, bytes.length);
        touch(end);
    }

    void truncate(long size) {
        content = content.asSlice(0, Math.min(size, content.byteSize()));
        touch(size);
    }

    /** A write moves mtime and ctime (a clock tick later, so the change is visible), and the size. */
    private void touch(long size) {
        Statx.Result v = version;
        version = new Statx.Result(v.mask(), v.mode(), v.inode(), size, v.mtimeNanos() + 1, v.ctimeNanos() + 1,
                v.devMajor(), v.devMinor(), v.rdevMajor(), v.rdevMinor(), v.dioMemAlign(), v.dioOffsetAlign());
    }
}

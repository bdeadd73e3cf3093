package org.diskcryptnet.disk.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Block-device ioctls of include/uapi/linux/fs.h: logical sector size and size in bytes. */
public final class BlockIoctl {

    /** {@code _IO(0x12, 104)}: logical block size, an int. */
    public static final long BLKSSZGET = Ioctl.io(0x12, 104);
    /** {@code _IOR(0x12, 114, size_t)}: device size in bytes, a u64. */
    public static final long BLKGETSIZE64 = Ioctl.ior(0x12, 114, 8);

    private BlockIoctl() {}

    public static int logicalBlockSize(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            Ioctl.ioctl(fd, BLKSSZGET, v, "ioctl(BLKSSZGET, fd " + fd + ")");
            return v.get(JAVA_INT, 0);
        }
    }

    public static long sizeBytes(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_LONG);
            Ioctl.ioctl(fd, BLKGETSIZE64, v, "ioctl(BLKGETSIZE64, fd " + fd + ")");
            return v.get(JAVA_LONG, 0);
        }
    }
}

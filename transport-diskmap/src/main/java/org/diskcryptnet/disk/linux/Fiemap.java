package org.diskcryptnet.disk.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The FS_IOC_FIEMAP ioctl (include/uapi/linux/fiemap.h, Documentation/filesystems/fiemap.rst): where a file's
 * bytes lie on its block device, extent by extent, with flags saying when the answer cannot be used for raw
 * device reads (delayed allocation, unwritten, inline, encoded data).
 */
public final class Fiemap {

    public static final StructLayout EXTENT = MemoryLayout.structLayout(
            JAVA_LONG.withName("fe_logical"),
            JAVA_LONG.withName("fe_physical"),
            JAVA_LONG.withName("fe_length"),
            MemoryLayout.sequenceLayout(2, JAVA_LONG).withName("fe_reserved64"),
            JAVA_INT.withName("fe_flags"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("fe_reserved"));

    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_LONG.withName("fm_start"),
            JAVA_LONG.withName("fm_length"),
            JAVA_INT.withName("fm_flags"),
            JAVA_INT.withName("fm_mapped_extents"),
            JAVA_INT.withName("fm_extent_count"),
            JAVA_INT.withName("fm_reserved"));

    private static final long FM_START = HEADER.byteOffset(groupElement("fm_start"));
    private static final long FM_LENGTH = HEADER.byteOffset(groupElement("fm_length"));
    private static final long FM_FLAGS = HEADER.byteOffset(groupElement("fm_flags"));
    private static final long FM_MAPPED = HEADER.byteOffset(groupElement("fm_mapped_extents"));
    private static final long FM_COUNT = HEADER.byteOffset(groupElement("fm_extent_count"));
    private static final long FE_LOGICAL = EXTENT.byteOffset(groupElement("fe_logical"));
    private static final long FE_PHYSICAL = EXTENT.byteOffset(groupElement("fe_physical"));
    private static final long FE_LENGTH = EXTENT.byteOffset(groupElement("fe_length"));
    private static final long FE_FLAGS = EXTENT.byteOffset(groupElement("fe_flags"));

    /** {@code _IOWR('f', 11, struct fiemap)} (include/uapi/linux/fs.h). */
    public static final long FS_IOC_FIEMAP = Ioctl.iowr('f', 11, HEADER.byteSize());

    public static final int FIEMAP_FLAG_SYNC = 0x1;

    public static final int FIEMAP_EXTENT_LAST = 0x1;
    public static final int FIEMAP_EXTENT_UNKNOWN = 0x2;
    public static final int FIEMAP_EXTENT_DELALLOC = 0x4;
    public static final int FIEMAP_EXTENT_ENCODED = 0x8;
    public static final int FIEMAP_EXTENT_DATA_ENCRYPTED = 0x80;
    public static final int FIEMAP_EXTENT_NOT_ALIGNED = 0x100;
    public static final int FIEMAP_EXTENT_DATA_INLINE = 0x200;
    public static final int FIEMAP_EXTENT_DATA_TAIL = 0x400;
    public static final int FIEMAP_EXTENT_UNWRITTEN = 0x800;
    public static final int FIEMAP_EXTENT_MERGED = 0x1000;
    public static final int FIEMAP_EXTENT_SHARED = 0x2000;

    private static final int BATCH = 64;

    private Fiemap() {}

    /** One extent as the filesystem reports it: bytes [logical, logical + length) of the file at physical. */
    public record Extent(long logical, long physical, long length, int flags) {}

    /**
     * Every extent of the open file {@code fd}, in file order. With {@code sync}, dirty data is written back first
     * (FIEMAP_FLAG_SYNC), so extents still waiting for delayed allocation get their real place.
     */
    public static List<Extent> extents(int fd, boolean sync) throws LinuxException {
        List<Extent> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(HEADER.byteSize() + BATCH * EXTENT.byteSize(), 8);
            long start = 0;
            while (true) {
                req.fill((byte) 0);
                req.set(JAVA_LONG, FM_START, start);
                req.set(JAVA_LONG, FM_LENGTH, -1L); // FIEMAP_MAX_OFFSET
                req.set(JAVA_INT, FM_FLAGS, sync ? FIEMAP_FLAG_SYNC : 0);
                req.set(JAVA_INT, FM_COUNT, BATCH);
                Ioctl.ioctl(fd, FS_IOC_FIEMAP, req, "ioctl(FS_IOC_FIEMAP, fd " + fd + ")");
                int mapped = req.get(JAVA_INT, FM_MAPPED);
                if (mapped == 0) {
                    return out;
                }
                Extent last = null;
                for (int i = 0; i < mapped; i++) {
                    long base = HEADER.byteSize() + i * EXTENT.byteSize();
                    last = new Extent(req.get(JAVA_LONG, base + FE_LOGICAL), req.get(JAVA_LONG, base + FE_PHYSICAL),
                            req.get(JAVA_LONG, base + FE_LENGTH), req.get(JAVA_INT, base + FE_FLAGS));
                    out.add(last);
                }
                if ((last.flags() & FIEMAP_EXTENT_LAST) != 0) {
                    return out;
                }
                start = last.logical() + last.length();
            }
        }
    }
}

package org.diskcryptnet.disk.nvme;

import java.io.IOException;
import java.util.List;

import org.diskcryptnet.disk.linux.Fiemap;

/**
 * Where a file's bytes lie on its NVMe namespace, as logical block addresses, made from FIEMAP: the basis of
 * reading a file by passthrough commands, around the filesystem. Only a file whose every byte has a known, final,
 * plain location can be mapped; anything else is refused with the reason, and read through O_DIRECT instead:
 * delayed allocation (no location yet), unwritten extents (allocated but reading as zeros), inline or tail-packed
 * data (mixed with metadata), encoded or encrypted data (not the bytes on disk), unaligned extents, and holes.
 */
public final class ExtentMap {

    /** Extent flags that make raw reads wrong (include/uapi/linux/fiemap.h). */
    static final int REFUSED = Fiemap.FIEMAP_EXTENT_UNKNOWN | Fiemap.FIEMAP_EXTENT_DELALLOC
            | Fiemap.FIEMAP_EXTENT_ENCODED | Fiemap.FIEMAP_EXTENT_DATA_ENCRYPTED | Fiemap.FIEMAP_EXTENT_NOT_ALIGNED
            | Fiemap.FIEMAP_EXTENT_DATA_INLINE | Fiemap.FIEMAP_EXTENT_DATA_TAIL | Fiemap.FIEMAP_EXTENT_UNWRITTEN;

    private final long[] logical;
    private final long[] device;   // byte offset on the namespace (partition start included)
    private final long[] length;
    private final long mappedEnd;

    private ExtentMap(long[] logical, long[] device, long[] length) {
        this.logical = logical;
        this.device = device;
        this.length = length;
        this.mappedEnd = logical.length == 0 ? 0 : logical[logical.length - 1] + length[length.length - 1];
    }

    /** Refusal of a file that cannot be read by LBA, with the reason. */
    public static final class UnmappableException extends IOException {
        UnmappableException(String message) {
            super(message);
        }
    }

    /**
     * Builds the map of a file of {@code size} bytes from its extents, for a namespace of {@code lbaSize}-byte
     * blocks whose partition begins {@code partitionStart} bytes into it.
     */
    public static ExtentMap of(List<Fiemap.Extent> extents, long size, int lbaSize, long partitionStart)
            throws UnmappableException {
        long[] lo = new long[extents.size()];
        long[] dev = new long[extents.size()];
        long[] len = new long[extents.size()];
        long expected = 0;
        for (int i = 0; i < extents.size(); i++) {
            Fiemap.Extent e = extents.get(i);
            if ((e.flags() & REFUSED) != 0) {
                throw new UnmappableException("extent at file offset " + e.logical() + " is " + describe(e.flags())
                        + ": its bytes cannot be read by block address");
            }
            if (e.logical() != expected) {
                throw new UnmappableException(e.logical() > expected
                        ? "hole at file offset " + expected + " (a sparse file): no blocks to read"
                        : "overlapping extents at file offset " + e.logical());
            }
            if (e.logical() % lbaSize != 0 || e.physical() % lbaSize != 0 || e.length() % lbaSize != 0) {
                throw new UnmappableException("extent at file offset " + e.logical() + " is not aligned to the "
                        + lbaSize + "-byte logical blocks of the namespace");
            }
            lo[i] = e.logical();
            dev[i] = partitionStart + e.physical();
            len[i] = e.length();
            expected = e.logical() + e.length();
        }
        if (expected < size) {
            throw new UnmappableException(extents.isEmpty() ? "the file has no extents (empty, inline or not yet "
                    + "allocated)" : "the extents end at " + expected + ", before the file's " + size + " bytes");
        }
        return new ExtentMap(lo, dev, len);
    }

    /** The whole of a namespace (or partition) as one extent: a block device read by passthrough. */
    public static ExtentMap whole(long bytes, long partitionStart) {
        return new ExtentMap(new long[] {0}, new long[] {partitionStart}, new long[] {bytes});
    }

    static String describe(int flags) {
        StringBuilder b = new StringBuilder();
        String[] names = {null, "unknown", "delayed-allocation", "encoded", null, null, null, "encrypted",
                "not-aligned", "inline", "tail-packed", "unwritten"}; // bit i of fe_flags
        for (int bit = 1; bit < names.length; bit++) {
            if (names[bit] != null && (flags & (1 << bit)) != 0) {
                b.append(b.isEmpty() ? "" : ", ").append(names[bit]);
            }
        }
        return b.isEmpty() ? "flagged " + Integer.toHexString(flags) : b.toString();
    }

    /** Bytes of the file the map covers (the file's size rounded up to its last block). */
    public long mappedEnd() {
        return mappedEnd;
    }

    /** Index of the extent holding file offset {@code offset}, or -1 past the end. */
    public int extentAt(long offset) {
        int lo = 0;
        int hi = logical.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (offset < logical[mid]) {
                hi = mid - 1;
            } else if (offset >= logical[mid] + length[mid]) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Namespace byte offset of file offset {@code offset}, which lies in extent {@code extent}. */
    public long deviceOffset(int extent, long offset) {
        return device[extent] + (offset - logical[extent]);
    }

    /** Bytes from {@code offset} to the end of extent {@code extent}. */
    public long contiguousFrom(int extent, long offset) {
        return logical[extent] + length[extent] - offset;
    }

    public int extents() {
        return logical.length;
    }
}

package org.diskcryptnet.disk.nvme;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Ioctl;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.Statx;

/**
 * An NVMe namespace found from a block device number: its generic character device ({@code /dev/ngXnY}, the
 * one passthrough commands go to), namespace id, logical block size, largest transfer, and, when the number was a
 * partition's, where the partition starts. Found through sysfs (Documentation/ABI/stable/sysfs-block).
 */
public final class NvmeNamespace implements AutoCloseable {

    private final String name;
    private final Path genericDevice;
    private final int fd;
    private final int nsid;
    private final int lbaSize;
    private final int maxTransfer;
    private final int dmaAlignment;
    private final long partitionStart;
    private final long bytes;

    private NvmeNamespace(String name, Path genericDevice, int fd, int nsid, int lbaSize, int maxTransfer,
                          int dmaAlignment, long partitionStart, long bytes) {
        this.name = name;
        this.genericDevice = genericDevice;
        this.fd = fd;
        this.nsid = nsid;
        this.lbaSize = lbaSize;
        this.maxTransfer = maxTransfer;
        this.dmaAlignment = dmaAlignment;
        this.partitionStart = partitionStart;
        this.bytes = bytes;
    }

    /**
     * The namespace holding block device {@code major:minor}; refused with the reason when it is not an NVMe
     * namespace or its generic device cannot be opened.
     */
    public static NvmeNamespace of(int major, int minor, Path sysfs) throws IOException {
        Path dev = sysfs.resolve("dev/block/" + major + ":" + minor);
        if (!Files.exists(dev)) {
            throw new IOException("no block device " + major + ":" + minor + " in " + sysfs);
        }
        Path real = dev.toRealPath();
        long partitionStart = 0;
        long bytes = Long.parseLong(read(real.resolve("size"))) * 512;
        Path disk = real;
        if (Files.exists(real.resolve("partition"))) {
            partitionStart = Long.parseLong(read(real.resolve("start"))) * 512; // sysfs counts 512-byte sectors
            disk = real.getParent();
        }
        String name = disk.getFileName().toString();
        if (!name.matches("nvme\\d+(c\\d+)?n\\d+")) {
            throw new IOException("block device " + major + ":" + minor + " (" + real.getFileName()
                    + ") is not an NVMe namespace");
        }
        String generic = "ng" + name.substring(4).replaceFirst("c\\d+n", "n");
        Path ng = Path.of("/dev", generic);
        Statx.Result st;
        try {
            st = Statx.of(ng.toString());
        } catch (LinuxException e) {
            throw new IOException("NVMe namespace " + name + " has no generic device " + ng
                    + " (the kernel creates it from Linux 5.13 on): " + e.getMessage(), e);
        }
        if (!st.isCharDevice()) {
            throw new IOException(ng + " is not a character device");
        }
        int lba = Integer.parseInt(read(disk.resolve("queue/logical_block_size")));
        int maxKb = Integer.parseInt(read(disk.resolve("queue/max_hw_sectors_kb")));
        // A passthrough command maps the user buffer page by page: each page may be its own DMA segment, so a
        // command also may not span more pages than the queue has segments (less one for an unaligned start).
        int segments = Files.exists(disk.resolve("queue/max_segments"))
                ? Integer.parseInt(read(disk.resolve("queue/max_segments"))) : 128;
        long bySegments = (long) Math.max(1, segments - 1) * 4096;
        int dma = Files.exists(disk.resolve("queue/dma_alignment"))
                ? Integer.parseInt(read(disk.resolve("queue/dma_alignment"))) + 1 : 512;
        int fd;
        try {
            fd = Fcntl.open(ng.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        } catch (LinuxException e) {
            throw new IOException("cannot open " + ng + " for passthrough: " + e.getMessage()
                    + " (reads need read access to the generic device: root, or its group)", e);
        }
        try {
            int nsid = Ioctl.ioctl(fd, NvmeAbi.NVME_IOCTL_ID, MemorySegment.NULL, "ioctl(NVME_IOCTL_ID, " + ng + ")");
            int maxTransfer = (int) Math.min((long) maxKb * 1024, bySegments) / lba * lba;
            return new NvmeNamespace(name, ng, fd, nsid, lba, Math.max(lba, maxTransfer), Math.max(4, dma),
                    partitionStart, bytes);
        } catch (IOException | RuntimeException e) {
            Fcntl.close(fd);
            throw e;
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    /** "nvme0n1". */
    public String name() {
        return name;
    }

    public Path genericDevice() {
        return genericDevice;
    }

    /** The generic device's descriptor, shared by every queue (each may register it as a fixed file). */
    public int fd() {
        return fd;
    }

    public int nsid() {
        return nsid;
    }

    public int lbaSize() {
        return lbaSize;
    }

    /** Largest transfer of one command in bytes (max_hw_sectors_kb, and max_segments pages). */
    public int maxTransfer() {
        return maxTransfer;
    }

    /** Buffer address alignment the controller's DMA needs (dma_alignment + 1). */
    public int dmaAlignment() {
        return dmaAlignment;
    }

    /** Byte offset of the partition within the namespace (0 for the whole namespace). */
    public long partitionStart() {
        return partitionStart;
    }

    /** Size of the partition, or of the namespace, in bytes. */
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        Fcntl.close(fd);
    }

    @Override
    public String toString() {
        return name + " (nsid " + nsid + ", " + lbaSize + "-byte blocks, via " + genericDevice + ")";
    }
}

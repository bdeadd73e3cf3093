package org.diskcryptnet.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.Mman;

/**
 * The buffer alignment direct reads of a device really need. statx STATX_DIOALIGN reports the device queue's DMA
 * alignment ({@code stx_dio_mem_align}), but a driver may still mishandle a buffer that starts inside a page: zram on
 * Linux 6.18 reports 512 and, given a buffer 512 bytes into a page, puts the block at the start of the page instead
 * (the bytes land 512 bytes early and the buffer holds the file's bytes from 512 further on). So the first direct
 * read of each device is checked once, with one of its files: a block read into page-aligned memory against the
 * same block read at the reported alignment past a page boundary. A device that disagrees, or refuses the second
 * read, gets page alignment; the verdict is kept per device for the life of the process.
 */
final class DirectReadAlignment {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(DirectReadAlignment.class);
    private static final ConcurrentHashMap<Long, Integer> VERIFIED = new ConcurrentHashMap<>();
    /** The device asked about last: every open of a file asks, and a server's files are mostly on one device. */
    private static volatile Verdict last;

    private record Verdict(long device, int alignment) {}

    private DirectReadAlignment() {}

    /**
     * The alignment to use for direct reads of {@code fd} (open O_DIRECT), a file or device of {@code size} bytes
     * on device {@code major:minor}, whose reported memory alignment is {@code reported} and block {@code block}.
     */
    static int verified(int fd, int major, int minor, int reported, int block, long size, Path path) {
        if (reported >= Mman.PAGE_SIZE) {
            return reported;
        }
        long device = ((long) major << 32) | (minor & 0xFFFF_FFFFL);
        Verdict recent = last;
        if (recent != null && recent.device == device) {
            return recent.alignment; // no boxed key per open
        }
        Integer known = VERIFIED.get(device);
        if (known != null) {
            last = new Verdict(device, known);
            return known;
        }
        if (size < block || block > 4 * Mman.PAGE_SIZE) {
            return Mman.PAGE_SIZE; // nothing to check it with: page alignment, which every driver takes
        }
        int verdict = check(fd, reported, block);
        if (verdict != reported) {
            LOG.warn("direct reads of device {}:{} (checked with {}) do not land where a buffer {} bytes into a page "
                    + "asks, although statx allows it: its reads use {}-byte aligned memory", major, minor, path,
                    reported, verdict);
        }
        VERIFIED.putIfAbsent(device, verdict);
        last = new Verdict(device, verdict);
        return verdict;
    }

    private static int check(int fd, int reported, int block) {
        try (Arena arena = Arena.ofConfined()) {
            long referenceBytes = ((long) block + Mman.PAGE_SIZE - 1) / Mman.PAGE_SIZE * Mman.PAGE_SIZE;
            MemorySegment memory = arena.allocate(referenceBytes + Mman.PAGE_SIZE + block, Mman.PAGE_SIZE);
            MemorySegment reference = memory.asSlice(0, block);
            MemorySegment shifted = memory.asSlice(referenceBytes + reported, block);
            shifted.fill((byte) 0x5A);
            if (Fcntl.pread(fd, reference, block, 0) != block || Fcntl.pread(fd, shifted, block, 0) != block) {
                return Mman.PAGE_SIZE;
            }
            return MemorySegment.mismatch(reference, 0, block, shifted, 0, block) < 0 ? reported : Mman.PAGE_SIZE;
        } catch (LinuxException e) {
            return Mman.PAGE_SIZE; // EINVAL: the device wants more than statx said
        }
    }

    /** For tests: forgets every verdict. */
    static void forget() {
        last = null;
        VERIFIED.clear();
    }
}

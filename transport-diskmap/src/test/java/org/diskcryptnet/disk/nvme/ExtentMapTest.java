package org.diskcryptnet.disk.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Fiemap;
import org.diskcryptnet.disk.linux.Fiemap.Extent;

class ExtentMapTest {

    @TempDir
    Path dir;

    @Test
    void mapsContiguousExtentsToNamespaceOffsets() throws Exception {
        ExtentMap map = ExtentMap.of(List.of(new Extent(0, 1 << 20, 8192, 0),
                new Extent(8192, 4 << 20, 4096, Fiemap.FIEMAP_EXTENT_LAST)), 10_000, 512, 1 << 30);
        assertEquals(2, map.extents());
        assertEquals(12288, map.mappedEnd());
        assertEquals(0, map.extentAt(0));
        assertEquals(1, map.extentAt(8192));
        assertEquals(-1, map.extentAt(12288));
        assertEquals((1L << 30) + (1 << 20) + 4096, map.deviceOffset(0, 4096));
        assertEquals((1L << 30) + (4 << 20) + 512, map.deviceOffset(1, 8192 + 512));
        assertEquals(4096, map.contiguousFrom(0, 4096));
    }

    @Test
    void refusesExtentsThatCannotBeReadByAddress() {
        int[] refused = {Fiemap.FIEMAP_EXTENT_UNWRITTEN, Fiemap.FIEMAP_EXTENT_DELALLOC | Fiemap.FIEMAP_EXTENT_UNKNOWN,
                Fiemap.FIEMAP_EXTENT_DATA_INLINE | Fiemap.FIEMAP_EXTENT_NOT_ALIGNED, Fiemap.FIEMAP_EXTENT_ENCODED,
                Fiemap.FIEMAP_EXTENT_DATA_ENCRYPTED, Fiemap.FIEMAP_EXTENT_DATA_TAIL};
        String[] words = {"unwritten", "delayed-allocation", "inline", "encoded", "encrypted", "tail-packed"};
        for (int i = 0; i < refused.length; i++) {
            int flags = refused[i] | Fiemap.FIEMAP_EXTENT_LAST;
            ExtentMap.UnmappableException e = assertThrows(ExtentMap.UnmappableException.class,
                    () -> ExtentMap.of(List.of(new Extent(0, 4096, 4096, flags)), 4096, 512, 0));
            assertTrue(e.getMessage().contains(words[i]), e.getMessage());
        }
        assertTrue(assertThrows(ExtentMap.UnmappableException.class, () -> ExtentMap.of(List.of(
                new Extent(0, 4096, 4096, 0), new Extent(8192, 16384, 4096, Fiemap.FIEMAP_EXTENT_LAST)), 12288, 512, 0))
                .getMessage().contains("hole"));
        assertTrue(assertThrows(ExtentMap.UnmappableException.class, () -> ExtentMap.of(List.of(
                new Extent(0, 4096 + 512, 4096, Fiemap.FIEMAP_EXTENT_LAST)), 4096, 4096, 0))
                .getMessage().contains("not aligned"));
        assertTrue(assertThrows(ExtentMap.UnmappableException.class, () -> ExtentMap.of(List.of(), 10, 512, 0))
                .getMessage().contains("no extents"));
    }

    @Test
    void fiemapOfRealFilesOnThisFilesystem() throws IOException {
        byte[] data = new byte[256 * 1024];
        new Random(1).nextBytes(data);
        Path plain = Files.write(dir.resolve("plain.bin"), data);
        Path sparse = dir.resolve("sparse.bin");
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.seek(1 << 20);
            raf.write(data, 0, 4096); // a hole of 1 MiB, then data
        }
        int fd = Fcntl.open(plain.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        try {
            List<Extent> extents;
            try {
                extents = Fiemap.extents(fd, true);
            } catch (org.diskcryptnet.disk.linux.LinuxException e) {
                org.junit.jupiter.api.Assumptions.assumeTrue(false, "this filesystem has no FIEMAP: " + e.getMessage());
                return;
            }
            ExtentMap map = ExtentMap.of(extents, data.length, 512, 0);
            assertTrue(map.mappedEnd() >= data.length);
        } finally {
            Fcntl.close(fd);
        }
        int sfd = Fcntl.open(sparse.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        try {
            List<Extent> extents = Fiemap.extents(sfd, true);
            ExtentMap.UnmappableException e = assertThrows(ExtentMap.UnmappableException.class,
                    () -> ExtentMap.of(extents, (1 << 20) + 4096, 512, 0));
            assertTrue(e.getMessage().contains("hole"), e.getMessage());
        } finally {
            Fcntl.close(sfd);
        }
    }
}

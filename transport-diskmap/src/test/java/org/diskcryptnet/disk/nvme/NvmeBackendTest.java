package org.diskcryptnet.disk.nvme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.DiskReader;
import org.diskcryptnet.disk.DiskStats;
import org.diskcryptnet.disk.linux.Statx;
import org.diskcryptnet.disk.uring.IoUringBackend;

/** What the NVMe backend does on a host without NVMe; the passthrough itself is tested in a qemu guest (NvmeGuestIT). */
class NvmeBackendTest {

    @TempDir
    Path dir;

    @Test
    void theProbeSaysWhyPassthroughIsUnavailable() {
        if (!NvmeBackend.isAvailable()) {
            String cause = NvmeBackend.unavailabilityCause().getMessage();
            assertTrue(cause.contains("NVMe") || cause.contains("io_uring") || cause.contains("ng"), cause);
        } else {
            assertEquals(null, NvmeBackend.unavailabilityCause());
        }
    }

    @Test
    void aFileOnANonNvmeDeviceFallsBackToODirectOnTheBigSqeRing() throws IOException {
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        byte[] content = new byte[300 * 1024 + 5];
        new Random(3).nextBytes(content);
        Path file = Files.write(dir.resolve("f.bin"), content);
        Statx.Result st = Statx.of(file.toString());
        assumeTrue(!Files.exists(Path.of("/sys/dev/block/" + st.devMajor() + ":" + st.devMinor() + "/device/nsid")),
                "the temporary directory is on an NVMe namespace here");
        NvmeBackend backend = new NvmeBackend();
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(8); Arena arena = Arena.ofConfined()) {
            String why = NvmeBackend.refusal(f);
            assertNotNull(why, "a file on a non-NVMe device cannot be read by passthrough");
            assertTrue(why.contains("not an NVMe namespace") || why.contains("no block device"), why);
            assertEquals(1, backend.fallbacks());
            assertEquals("nvme", q.backend());
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            MemorySegment buf = arena.allocate(content.length + 8192, 4096);
            int[] result = {Integer.MIN_VALUE};
            long lead = f.alignUp(1000) - 1000;
            long dstOffset = (4096 - lead % 4096) % 4096;
            assertTrue(reader.readExact(f, 1000, content.length - 1000, buf, dstOffset, (c, r) -> result[0] = r, 0));
            reader.flush();
            while (result[0] == Integer.MIN_VALUE) {
                reader.await();
            }
            assertEquals(content.length - 1000, result[0]);
            assertArrayEquals(Arrays.copyOfRange(content, 1000, content.length),
                    buf.asSlice(dstOffset, content.length - 1000).toArray(ValueLayout.JAVA_BYTE));
            reader.close();
        } finally {
            backend.close();
        }
    }

    @Test
    void aDevicePathMustBeABlockDevice() throws IOException {
        Path regular = Files.writeString(dir.resolve("x"), "x");
        NvmeBackend backend = new NvmeBackend();
        IOException e = assertThrows(IOException.class, () -> backend.openDevice(regular));
        assertTrue(e.getMessage().contains("is not a block device"), e.getMessage());
        IOException chr = assertThrows(IOException.class, () -> backend.openDevice(Path.of("/dev/zero")));
        assertTrue(chr.getMessage().contains("is not a block device"), chr.getMessage());
    }

    @Test
    void aNonNvmeBlockDeviceIsRefusedAsANamespace() throws IOException {
        Statx.Result st = Statx.of("/");
        IOException e = assertThrows(IOException.class,
                () -> NvmeNamespace.of(st.devMajor(), st.devMinor(), Path.of("/sys")));
        assumeTrue(!e.getMessage().contains("is not a character device"));
        assertTrue(e.getMessage().contains("not an NVMe namespace") || e.getMessage().contains("no block device"),
                e.getMessage());
    }
}

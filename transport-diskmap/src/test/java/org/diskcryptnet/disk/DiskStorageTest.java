package org.diskcryptnet.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;

class DiskStorageTest {

    @TempDir
    Path tmp;

    private List<DiskBackend> backends() {
        return IoUringBackend.isAvailable() ? List.of(new IoUringBackend(), new MemoryBackend(FaultPlan.NONE))
                : List.of(new MemoryBackend(FaultPlan.NONE));
    }

    @Test
    void filesOutsideTheContentRootAreRefusedWithAClearMessage() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(root.resolve("in.bin"), "inside");
        Path secret = Files.writeString(tmp.resolve("secret.bin"), "outside");
        Files.createSymbolicLink(root.resolve("escape.bin"), secret);
        for (DiskBackend backend : backends()) {
            try (DiskStorage storage = new DiskStorage(backend, root, DiskStorage.Config.DEFAULT)) {
                try (DiskFile f = storage.open(root.resolve("in.bin"))) {
                    assertEquals(6, f.size());
                }
                IOException direct = assertThrows(IOException.class, () -> storage.open(secret));
                assertTrue(direct.getMessage().contains("outside the content root"), direct.getMessage());
                IOException dots = assertThrows(IOException.class, () -> storage.open(root.resolve("../secret.bin")));
                assertTrue(dots.getMessage().contains("outside the content root"), dots.getMessage());
                // A symbolic link inside the root that points out of it: refused by the kernel (RESOLVE_BENEATH).
                IOException link = assertThrows(IOException.class, () -> storage.open(root.resolve("escape.bin")));
                assertTrue(link.getMessage().contains("outside the content root"), backend.name() + ": " + link.getMessage());
            }
        }
    }

    @Test
    void aDevicePathThatIsNotABlockDeviceIsRefused() throws IOException {
        Path regular = Files.writeString(tmp.resolve("plain.bin"), "x");
        for (DiskBackend backend : backends()) {
            IOException file = assertThrows(IOException.class, () -> backend.openDevice(regular));
            assertTrue(file.getMessage().contains("is not a block device"), file.getMessage());
            IOException chr = assertThrows(IOException.class, () -> backend.openDevice(Path.of("/dev/null")));
            assertTrue(chr.getMessage().contains("is not a block device"), chr.getMessage());
            IOException dir = assertThrows(IOException.class, () -> backend.openDevice(tmp));
            assertTrue(dir.getMessage().contains("is not a block device"), dir.getMessage());
        }
    }

    @Test
    void aDirectoryIsNotARegularFile() {
        for (DiskBackend backend : backends()) {
            assertThrows(IOException.class, () -> backend.openFile(tmp));
        }
    }

    @Test
    void regionsMustLieInsideTheFile() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("r"));
        Files.write(root.resolve("a.bin"), new byte[1000]);
        try (DiskStorage storage = new DiskStorage(new MemoryBackend(FaultPlan.NONE), root, DiskStorage.Config.DEFAULT)) {
            assertThrows(IllegalArgumentException.class, () -> storage.region(root.resolve("a.bin"), 900, 101));
            DiskRegion r = storage.region(root.resolve("a.bin"), 900, 100);
            assertEquals(100, r.count());
            assertTrue(r.file().isOpen());
            assertTrue(r.release());
            assertFalse(r.file().isOpen(), "releasing the region closes its file");
        }
    }

    @Test
    void theIoUringProbeExplainsItself() {
        if (IoUringBackend.isAvailable()) {
            assertNull(IoUringBackend.unavailabilityCause());
        } else {
            assertTrue(IoUringBackend.unavailabilityCause().getMessage().length() > 10);
        }
    }
}

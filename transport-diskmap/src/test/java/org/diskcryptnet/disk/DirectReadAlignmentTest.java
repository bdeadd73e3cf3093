package org.diskcryptnet.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Mman;
import org.diskcryptnet.disk.uring.IoUringBackend;

/**
 * A direct read into memory at {@link DiskFile#memoryAlignment()} past a page boundary returns the file's bytes, on
 * the test machine's root filesystem and on ext4 over zram, whose driver (Linux 6.18) puts such a block at the start
 * of the page although statx allows a 512-byte aligned buffer: {@link DirectReadAlignment} must catch that.
 */
class DirectReadAlignmentTest {

    @TempDir
    Path dir;

    @Test
    void readsLandWhereTheAlignmentSaysOnTheRootFilesystem() throws IOException {
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        assertReadsLandAtTheAlignment(dir);
    }

    @Test
    void readsLandWhereTheAlignmentSaysOnZram() throws Exception {
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        assumeTrue("root".equals(System.getProperty("user.name")), "making a zram device needs root");
        Run made = run("zramctl", "--find", "--size", "32M");
        assumeTrue(made.exit == 0, () -> "no zram device: zramctl says " + made.out);
        String device = made.out.strip();
        Path mount = Files.createDirectories(dir.resolve("zram"));
        try {
            assertEquals(0, run("mkfs.ext4", "-q", device).exit, "mkfs.ext4 " + device);
            assertEquals(0, run("mount", device, mount.toString()).exit, "mount " + device);
            try {
                DiskFile f = assertReadsLandAtTheAlignment(mount);
                System.out.printf("zram %s: statx allows %d, reads use %d%n", device, f.version().dioMemAlign(),
                        f.memoryAlignment());
            } finally {
                run("umount", mount.toString());
            }
        } finally {
            run("zramctl", "--reset", device);
        }
    }

    private static DiskFile assertReadsLandAtTheAlignment(Path directory) throws IOException {
        byte[] content = new byte[64 * 1024];
        new Random(7).nextBytes(content);
        Path file = Files.write(directory.resolve("aligned.bin"), content);
        try (DiskFile f = new IoUringBackend().openFile(file); Arena arena = Arena.ofConfined()) {
            int block = f.blockSize();
            MemorySegment memory = arena.allocate(3L * Mman.PAGE_SIZE + 2L * block, Mman.PAGE_SIZE);
            for (long at : List.of(0L, (long) f.memoryAlignment() % Mman.PAGE_SIZE)) {
                MemorySegment dst = memory.asSlice(Mman.PAGE_SIZE + at, block);
                dst.fill((byte) 0);
                assertEquals(block, Fcntl.pread(f.fd(), dst, block, 2L * block));
                assertArrayEquals(Arrays.copyOfRange(content, 2 * block, 3 * block), dst.toArray(ValueLayout.JAVA_BYTE),
                        directory + ": a block read " + at + " bytes into a page, memory alignment " + f.memoryAlignment());
            }
            return f;
        }
    }

    private record Run(int exit, String out) {}

    private static Run run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, String.join(" ", command) + ": timed out");
            }
            return new Run(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

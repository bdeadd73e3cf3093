package org.diskcryptnet.disk.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;

/** The in-memory backend's model of a file changed under its reader: new bytes, a new version, short reads. */
class MemoryBackendTest {

    @TempDir
    Path dir;

    private final MemoryBackend backend = new MemoryBackend(FaultPlan.NONE, 512, 512, () -> 0L);

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static int read(DiskQueue q, DiskFile f, long offset, int length, MemorySegment dst) throws IOException {
        int[] result = {Integer.MIN_VALUE};
        assertTrue(q.read(f, offset, length, dst, 1));
        q.submit();
        q.poll((ud, res) -> result[0] = res);
        return result[0];
    }

    @Test
    void aWriteChangesTheBytesAndTheVersion() throws IOException {
        DiskFile f = backend.openFile(Files.write(dir.resolve("a.bin"), bytes(4096, 1)));
        DiskQueue q = backend.newQueue(4);
        assertFalse(q.fileChanged(f));
        MemoryBackend.write(f, 512, bytes(100, 9));
        assertTrue(q.fileChanged(f), "written: size unchanged, times moved");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(1024, 512);
            assertEquals(1024, read(q, f, 512, 1024, dst));
            byte[] want = Arrays.copyOfRange(bytes(4096, 1), 512, 1536);
            System.arraycopy(bytes(100, 9), 0, want, 0, 100);
            assertArrayEquals(want, dst.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aTruncatedFileReadsShort() throws IOException {
        DiskFile f = backend.openFile(Files.write(dir.resolve("b.bin"), bytes(8192, 2)));
        DiskQueue q = backend.newQueue(4);
        MemoryBackend.truncate(f, 1000);
        assertTrue(q.fileChanged(f));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(1000 - 512, read(q, f, 512, 4096, arena.allocate(4096, 512)), "the bytes up to the new end");
            assertEquals(0, read(q, f, 4096, 512, arena.allocate(512, 512)), "past the new end: nothing, as pread(2)");
        }
    }

    @Test
    void onlyItsOwnFilesCanBeChanged() throws IOException {
        DiskFile other = new DiskFile(dir, 0, DiskFile.Kind.REGULAR_FILE, 0, 512, 512, null, null);
        assertThrows(IllegalArgumentException.class, () -> MemoryBackend.write(other, 0, new byte[1]));
    }
}

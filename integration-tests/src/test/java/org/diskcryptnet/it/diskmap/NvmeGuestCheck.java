package org.diskcryptnet.it.diskmap;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.diskcryptnet.disk.DiskBackend;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.DiskReader;
import org.diskcryptnet.disk.DiskResult;
import org.diskcryptnet.disk.DiskStats;
import org.diskcryptnet.disk.nvme.NvmeBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;

/**
 * Runs inside the qemu guest of {@link NvmeGuestIT}, with the host's JDK and classes over 9p: reads emulated NVMe
 * namespaces by passthrough (IORING_OP_URING_CMD on /dev/ngXnY) and by O_DIRECT (io_uring on /dev/nvmeXnY and on
 * files), and compares every byte with the image files and source files on the host. Prints one
 * {@code CHECK name PASS|FAIL ...} line per check and {@code GUEST-SUMMARY passed=N failed=M}; exits 1 on failure.
 *
 * <p>Arguments: {@code raw:DEVICE:IMAGE:LBA} (a namespace holding IMAGE), {@code fs:MOUNT:SOURCE_DIR} (a
 * filesystem on a namespace holding copies of SOURCE_DIR's files), {@code scratch:MOUNT} (a writable filesystem
 * on a namespace, for the refusal and change-detection checks); {@code diag:DEVICE} prints what passthrough reads of
 * several sizes return with and without registered buffers (for investigating a kernel, not asserted).
 */
public final class NvmeGuestCheck {

    private static int passed;
    private static int failed;

    interface Check {
        void run() throws Exception;
    }

    public static void main(String[] args) {
        System.out.println("GUEST-PROBE nvme=" + NvmeBackend.isAvailable() + " cause=" + NvmeBackend.unavailabilityCause()
                + " io_uring=" + IoUringBackend.isAvailable());
        for (String arg : args) {
            String[] a = arg.split(":");
            switch (a[0]) {
                case "raw" -> {
                    Path dev = Path.of(a[1]);
                    Path image = Path.of(a[2]);
                    int lba = Integer.parseInt(a[3]);
                    check("passthrough-device-lba" + lba, () -> compareDevice(new NvmeBackend(), dev, image, lba, true));
                    check("odirect-device-lba" + lba, () -> compareDevice(new IoUringBackend(), dev, image, lba, false));
                }
                case "fs" -> {
                    Path mount = Path.of(a[1]);
                    Path source = Path.of(a[2]);
                    check("passthrough-files", () -> compareFiles(new NvmeBackend(), mount, source, true));
                    check("odirect-files", () -> compareFiles(new IoUringBackend(), mount, source, false));
                }
                case "scratch" -> {
                    Path mount = Path.of(a[1]);
                    check("sparse-file-refused", () -> sparseFileIsRefused(mount));
                    check("changed-file-detected", () -> changedFileIsDetected(mount));
                }
                case "diag" -> check("diag", () -> diagnose(Path.of(a[1])));
                default -> check("argument " + arg, () -> {
                    throw new IllegalArgumentException("unknown argument");
                });
            }
        }
        System.out.println("GUEST-SUMMARY passed=" + passed + " failed=" + failed);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static void check(String name, Check c) {
        long t0 = System.nanoTime();
        try {
            c.run();
            passed++;
            System.out.printf("CHECK %s PASS (%d ms)%n", name, (System.nanoTime() - t0) / 1_000_000);
        } catch (Throwable t) {
            failed++;
            System.out.println("CHECK " + name + " FAIL " + t);
            t.printStackTrace(System.out);
        }
    }

    private static void compareDevice(DiskBackend backend, Path dev, Path image, int lba, boolean passthrough)
            throws Exception {
        byte[] expected = Files.readAllBytes(image);
        try (DiskFile f = backend.openDevice(dev)) {
            if (passthrough && NvmeBackend.refusal(f) != null) {
                throw new AssertionError("device not read by passthrough: " + NvmeBackend.refusal(f));
            }
            if (f.blockSize() != lba) {
                throw new AssertionError("block size " + f.blockSize() + ", expected " + lba);
            }
            if (f.size() < expected.length) {
                throw new AssertionError("device has " + f.size() + " bytes, image " + expected.length);
            }
            readAndCompare(backend, f, expected, expected.length);
        }
    }

    private static void compareFiles(DiskBackend backend, Path mount, Path source, boolean passthrough) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(source)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new AssertionError("no files in " + source);
        }
        for (Path src : files) {
            byte[] expected = Files.readAllBytes(src);
            try (DiskFile f = backend.openFile(mount.resolve(src.getFileName().toString()))) {
                if (passthrough && NvmeBackend.refusal(f) != null) {
                    throw new AssertionError(src.getFileName() + " not read by passthrough: " + NvmeBackend.refusal(f));
                }
                readAndCompare(backend, f, expected, expected.length);
            }
        }
    }

    /**
     * Every byte in 1 MiB covering reads (larger than the emulated controller's 512 KiB transfer limit, so
     * commands are split), eight in flight, through a registered buffer; then unaligned exact reads at random.
     */
    private static void readAndCompare(DiskBackend backend, DiskFile f, byte[] expected, int length) throws IOException {
        int chunk = 1 << 20;
        int depth = 8;
        try (DiskQueue q = backend.newQueue(32); Arena arena = Arena.ofConfined()) {
            MemorySegment buffers = arena.allocate((long) chunk * depth, 4096);
            q.registerBuffers(buffers);
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            int[] results = new int[depth];
            for (long base = 0; base < length; base += (long) chunk * depth) {
                Arrays.fill(results, Integer.MIN_VALUE);
                int n = 0;
                for (int i = 0; i < depth && base + (long) i * chunk < length; i++, n++) {
                    long off = base + (long) i * chunk;
                    int need = (int) Math.min(chunk, length - off);
                    if (!reader.readCovering(f, off, (int) f.alignUp(need), buffers, (long) i * chunk, need,
                            (ck, r) -> results[(int) ck] = r, i)) {
                        throw new AssertionError("queue refused a read");
                    }
                }
                await(reader, results, n);
                for (int i = 0; i < n; i++) {
                    long off = base + (long) i * chunk;
                    int need = (int) Math.min(chunk, length - off);
                    if (results[i] < need) {
                        throw new AssertionError("read at " + off + ": " + DiskResult.describe(results[i]));
                    }
                    byte[] got = buffers.asSlice((long) i * chunk, need).toArray(ValueLayout.JAVA_BYTE);
                    if (!Arrays.equals(got, 0, need, expected, (int) off, (int) off + need)) {
                        throw new AssertionError("bytes differ in [" + off + ", " + (off + need) + ")");
                    }
                }
            }
            Random rnd = new Random(length);
            MemorySegment dst = arena.allocate(400 * 1024, 4096);
            for (int i = 0; i < 64; i++) {
                int pos = rnd.nextInt(length);
                int len = 1 + rnd.nextInt(Math.min(300 * 1024, length - pos));
                long lead = f.alignUp(pos) - pos;
                long dstOffset = (4096 - lead % 4096) % 4096;
                int[] r = {Integer.MIN_VALUE};
                if (!reader.readExact(f, pos, len, dst, dstOffset, (ck, res) -> r[0] = res, 0)) {
                    throw new AssertionError("queue refused an exact read");
                }
                await(reader, r, 1);
                if (r[0] != len) {
                    throw new AssertionError("exact read of " + len + " at " + pos + ": " + DiskResult.describe(r[0]));
                }
                byte[] got = dst.asSlice(dstOffset, len).toArray(ValueLayout.JAVA_BYTE);
                if (!Arrays.equals(got, 0, len, expected, pos, pos + len)) {
                    throw new AssertionError("exact read of " + len + " at " + pos + " returned wrong bytes");
                }
            }
            reader.close();
        }
    }

    private static void diagnose(Path dev) throws Exception {
        NvmeBackend backend = new NvmeBackend();
        try (DiskFile f = backend.openDevice(dev); Arena arena = Arena.ofConfined()) {
            for (boolean fixed : new boolean[] {false, true}) {
                try (DiskQueue q = backend.newQueue(8)) {
                    MemorySegment buf = arena.allocate(1 << 20, 4096);
                    if (fixed) {
                        System.out.println("registered: " + q.registerBuffers(buf));
                    }
                    DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
                    for (int size : new int[] {4096, 65536, 262144, 516096, 1 << 20}) {
                        int[] r = {Integer.MIN_VALUE};
                        reader.readCovering(f, 0, size, buf, 0, size, (ck, res) -> r[0] = res, 0);
                        await(reader, r, 1);
                        System.out.println("DIAG fixed=" + fixed + " size=" + size + " -> " + DiskResult.describe(r[0]));
                    }
                }
            }
        }
    }

    private static void await(DiskReader reader, int[] results, int n) throws IOException {
        reader.flush();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int i = 0; i < n; i++) {
                all &= results[i] != Integer.MIN_VALUE;
            }
            if (all) {
                return;
            }
            reader.await();
        }
        throw new AssertionError("reads did not complete within 60 s");
    }

    private static void sparseFileIsRefused(Path mount) throws Exception {
        Path sparse = mount.resolve("sparse.bin");
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.seek(1 << 20);
            raf.write(new byte[] {1, 2, 3});
            raf.getFD().sync();
        }
        NvmeBackend backend = new NvmeBackend();
        try (DiskFile f = backend.openFile(sparse)) {
            String why = NvmeBackend.refusal(f);
            if (why == null || !why.contains("hole")) {
                throw new AssertionError("a sparse file must be refused for passthrough, got: " + why);
            }
            byte[] expected = new byte[(1 << 20) + 3];
            expected[1 << 20] = 1;
            expected[(1 << 20) + 1] = 2;
            expected[(1 << 20) + 2] = 3;
            readAndCompare(backend, f, expected, expected.length); // served by the O_DIRECT fallback
        }
    }

    private static void changedFileIsDetected(Path mount) throws Exception {
        Path file = mount.resolve("changing.bin");
        byte[] data = new byte[64 * 1024];
        new Random(7).nextBytes(data);
        Files.write(file, data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        NvmeBackend backend = new NvmeBackend();
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(8); Arena arena = Arena.ofConfined()) {
            if (NvmeBackend.refusal(f) != null) {
                throw new AssertionError("a plain written file should map: " + NvmeBackend.refusal(f));
            }
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            MemorySegment dst = arena.allocate(64 * 1024, 4096);
            int[] r = {Integer.MIN_VALUE};
            reader.readCovering(f, 0, 64 * 1024, dst, 0, 64 * 1024, (ck, res) -> r[0] = res, 0);
            await(reader, r, 1);
            if (r[0] != 64 * 1024) {
                throw new AssertionError("first read: " + DiskResult.describe(r[0]));
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {9, 9, 9}), 100);
                ch.force(true);
            }
            r[0] = Integer.MIN_VALUE;
            reader.readCovering(f, 0, 64 * 1024, dst, 0, 64 * 1024, (ck, res) -> r[0] = res, 0);
            await(reader, r, 1);
            if (r[0] != DiskResult.FILE_CHANGED) {
                throw new AssertionError("a file written after mapping must fail with FILE_CHANGED, got "
                        + DiskResult.describe(r[0]));
            }
            reader.close();
        }
    }

    private NvmeGuestCheck() {}
}

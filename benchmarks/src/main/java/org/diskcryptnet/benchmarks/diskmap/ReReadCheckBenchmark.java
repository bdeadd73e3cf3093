package org.diskcryptnet.benchmarks.diskmap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.uring.IoUringBackend;

/**
 * What the disk send path's file-version check adds to a retransmission's re-read (issue 8): {@code check} is
 * {@link DiskQueue#fileChanged} (one statx(2) of the open descriptor, compared in place), {@code reRead} is the read
 * it guards, one segment's covering blocks (2 KiB: a 1460-byte segment at an unaligned offset spans four 512-byte
 * blocks; 4 KiB where the file needs 4 KiB alignment) O_DIRECT through io_uring, submitted and awaited, at a random
 * offset of a 64 MiB file in {@code java.io.tmpdir}. Average time per operation, one thread.
 *
 * <pre>
 * ./scripts/mvn -q -pl benchmarks -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main 'ReReadCheckBenchmark'
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ReReadCheckBenchmark {

    private static final long FILE_BYTES = 64L << 20;

    private Path path;
    private DiskFile file;
    private DiskQueue queue;
    private Arena arena;
    private MemorySegment buffer;
    private int readBytes;
    private final Random random = new Random(8);
    private int result;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (!IoUringBackend.isAvailable()) {
            throw new IllegalStateException("io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        }
        path = Files.createTempFile("dcn-reread-check", ".bin");
        byte[] chunk = new byte[1 << 20];
        new Random(1).nextBytes(chunk);
        for (long done = 0; done < FILE_BYTES; done += chunk.length) {
            Files.write(path, chunk, java.nio.file.StandardOpenOption.APPEND);
        }
        IoUringBackend backend = new IoUringBackend();
        file = backend.openFile(path);
        queue = backend.newQueue(8);
        arena = Arena.ofConfined();
        buffer = arena.allocate(8192, 4096);
        readBytes = Math.max(2048, file.blockSize());
    }

    @Benchmark
    public boolean check() {
        return queue.fileChanged(file);
    }

    @Benchmark
    public int reRead() throws IOException {
        long offset = file.alignDown((long) random.nextInt((int) ((FILE_BYTES - 8192) / 512)) * 512);
        queue.read(file, offset, readBytes, buffer, 0, 1);
        queue.await((ud, res) -> result = res);
        if (result != readBytes) {
            throw new IllegalStateException("read returned " + result);
        }
        return result;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        queue.close();
        file.close();
        arena.close();
        Files.deleteIfExists(path);
    }
}

package org.diskcryptnet.benchmarks.diskmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.diskcryptnet.disk.DiskCompletionHandler;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.uring.IoUringBackend;
import org.diskcryptnet.disk.uring.IoUringOptions;

/**
 * The raw disk queue under the same load as {@code fio --ioengine=io_uring --direct=1 --rw=randread --thread
 * --registerfiles --fixedbufs}: random reads of {@code bs} bytes at {@code bs}-aligned offsets of a file or block
 * device, {@code iodepth} in flight, for {@code seconds}, from one thread; registered file and buffers. Prints one
 * line: bytes, seconds, the thread's CPU time (what fio reports as usr_cpu + sys_cpu of its job thread) and the
 * process's, so the two can be compared per GB.
 *
 * <p>Usage: {@code DiskQueueBench PATH BS IODEPTH SECONDS [SPAN_BYTES]}
 */
public final class DiskQueueBench {

    /** Seconds of load before measuring; the script gives fio the same --ramp_time. */
    static final double RAMP_SECONDS = 1.0;

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int bs = Integer.parseInt(args[1]);
        int depth = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        IoUringBackend backend = new IoUringBackend(IoUringOptions.DEFAULT.withEntries(Math.max(32, Integer.highestOneBit(depth) * 2)));
        boolean device = !Files.isRegularFile(path);
        try (DiskFile file = device ? backend.openDevice(path) : backend.openFile(path);
             DiskQueue queue = backend.newQueue(depth); Arena arena = Arena.ofConfined()) {
            long span = args.length > 4 ? Long.parseLong(args[4]) : file.size();
            long slots = span / bs;
            MemorySegment buffers = arena.allocate((long) bs * depth, 4096);
            boolean fixedBuffers = queue.registerBuffers(buffers);
            boolean fixedFile = queue.registerFile(file);
            SplittableRandom rnd = new SplittableRandom(42);
            long[] bytes = {0};
            long[] errors = {0};
            for (int i = 0; i < depth; i++) {
                queue.read(file, rnd.nextLong(slots) * bs, bs, buffers, (long) i * bs, i);
            }
            queue.submit();
            DiskCompletionHandler again = (ud, res) -> {
                if (res > 0) {
                    bytes[0] += res;
                } else {
                    errors[0]++;
                }
                queue.read(file, rnd.nextLong(slots) * bs, bs, buffers, ud * bs, ud);
            };
            // Warm up for as long as fio's --ramp_time, so both measure the steady state (here: after JIT).
            long warm = System.nanoTime() + (long) (RAMP_SECONDS * 1e9);
            while (System.nanoTime() < warm) {
                queue.await(again);
            }
            bytes[0] = 0;
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getCurrentThreadCpuTime();
            long proc0 = processCpuNanos();
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                queue.await(again); // one io_uring_enter: submits what the handler queued, waits, then reaps
            }
            long t1 = System.nanoTime();
            long cpu1 = mx.getCurrentThreadCpuTime();
            long proc1 = processCpuNanos();
            queue.submit();
            while (queue.inFlight() > 0) {
                queue.await((ud, res) -> {});
            }
            System.out.printf("bytes=%d seconds=%.3f thread_cpu_s=%.4f process_cpu_s=%.4f errors=%d fixed_buffers=%b "
                    + "fixed_file=%b%n", bytes[0], (t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9, (proc1 - proc0) / 1e9,
                    errors[0], fixedBuffers, fixedFile);
        }
    }

    /** utime + stime of this process from /proc/self/stat (fields 14 and 15, clock ticks of 10 ms). */
    private static long processCpuNanos() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    private DiskQueueBench() {}
}

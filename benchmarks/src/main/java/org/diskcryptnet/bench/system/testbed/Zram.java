package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A zram block device with ext4 on it, mounted for the run: a RAM-speed device that accepts O_DIRECT, standing in
 * for a fast NVMe array so that storage does not hide the CPU cost (zram.rst). The catalog's data is random, so zram
 * cannot compress it: the device costs its full size in RAM while it exists. Unmounted and reset afterwards.
 */
public final class Zram {

    private static final Duration T = Duration.ofSeconds(60);

    private final String device;
    private final Path mountPoint;

    private Zram(String device, Path mountPoint) {
        this.device = device;
        this.mountPoint = mountPoint;
    }

    /** {@code zramctl --find --size}, {@code mkfs.ext4}, {@code mount}; null with {@code why[0]} set if it cannot. */
    public static Zram create(long bytes, Path mountPoint, Cleanup cleanup, String[] why) throws IOException {
        Exec.Result found = Exec.run(T, "zramctl", "--find", "--size", Long.toString(bytes));
        if (!found.ok()) {
            Exec.run(T, "modprobe", "zram");
            found = Exec.run(T, "zramctl", "--find", "--size", Long.toString(bytes));
        }
        if (!found.ok() || !found.stdout().strip().startsWith("/dev/zram")) {
            why[0] = "no zram device: " + found.describe();
            return null;
        }
        String device = found.stdout().strip();
        cleanup.add("zram " + device, "zram " + device, () -> reset(device));
        // No lazy initialisation: ext4lazyinit would otherwise write in the background during the measurements.
        Exec.check(T, "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", device);
        Files.createDirectories(mountPoint);
        Exec.check(T, "mount", "-o", "noatime", device, mountPoint.toString());
        cleanup.add("mount " + mountPoint, "mount " + mountPoint, () -> unmount(mountPoint));
        return new Zram(device, mountPoint);
    }

    /**
     * {@code zramctl --reset}, retried for up to a minute: processes started by {@code ip netns exec} (ours, and other
     * users' that started while the device was mounted) have their own mount namespace holding a copy of the mount,
     * so the device stays busy for a while after the unmount. If it is still busy, the step stays in the state file
     * and the wrapper's shell fallback tries again.
     */
    private static void reset(String device) throws IOException, InterruptedException {
        Path sysfs = Path.of("/sys/block", Path.of(device).getFileName().toString());
        for (int attempt = 0; attempt < 120; attempt++) {
            if (Exec.run(T, "zramctl", "--reset", device).ok() || !Files.exists(sysfs)) {
                return; // reset, or already removed (zramctl then says "No such device" for a minute)
            }
            Thread.sleep(500);
        }
        Exec.check(T, "zramctl", "--reset", device);
    }

    private static void unmount(Path mountPoint) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            if (Exec.run(T, "umount", mountPoint.toString()).ok()) {
                return;
            }
            Thread.sleep(250); // a server that was just killed may still hold a file open
        }
        Exec.check(T, "umount", "-l", mountPoint.toString());
    }

    public String device() {
        return device;
    }

    public Path mountPoint() {
        return mountPoint;
    }
}

package org.diskcryptnet.it.diskmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * NVMe passthrough and O_DIRECT reads on real (emulated) NVMe hardware: boots Debian's 6.1 kernel under qemu
 * with software emulation (no KVM: the machines' /dev/kvm is a nested hypervisor that hangs guests) and three
 * emulated NVMe controllers, shares this machine's root read-only over 9p, and runs {@link NvmeGuestCheck} in the
 * guest with this JDK and the classes built on the host:
 * <ul>
 *   <li>{@code dcn512}: 512-byte logical blocks, holding an image of random bytes; read raw, every byte compared;</li>
 *   <li>{@code dcn4k}: 4 KiB logical blocks, holding an ext4 image with content files; read raw, and its files
 *       read by passthrough after FIEMAP, every byte compared with the source files;</li>
 *   <li>{@code dcnscr}: an empty ext4 (512-byte blocks), mounted writable in the guest, for the refusal of a sparse
 *       file and the detection of a file changed after mapping.</li>
 * </ul>
 * Skipped, with the reason, when qemu or Debian's kernel package cannot be obtained. Bounded: the guest is killed
 * after 5 minutes; it takes about a minute on a 2-core machine.
 */
class NvmeGuestIT {

    private static final long GUEST_TIMEOUT_SECONDS = 300;

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void passthroughAndDirectReadsReturnEveryByteOnEmulatedNvme() throws Exception {
        Path repo = Path.of(System.getProperty("dcn.repo.root", ".")).toAbsolutePath().normalize();
        Path work = Path.of("target", "nvme-guest").toAbsolutePath();
        Files.createDirectories(work);
        assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed (scripts/install-test-deps)");
        assumeTrue(onPath("mkfs.ext4"), "mkfs.ext4 (e2fsprogs) is not installed");

        Path cache = cacheDir(work);
        Run prep = run(List.of(repo.resolve("scripts/nvme-guest").toString(), cache.toString()), work.resolve("prepare.log"), 600);
        assumeTrue(prep.exit == 0, () -> "cannot prepare the NVMe guest: " + prep.output.strip());
        String kernel = value(prep.output, "kernel=");
        String initrd = value(prep.output, "initrd=");

        // The images: random bytes for the raw namespace; an ext4 of content files for the 4K one; an empty ext4.
        Path img512 = work.resolve("raw512.img");
        Files.write(img512, random(8 << 20, 512));
        Path source = Files.createDirectories(work.resolve("content"));
        Files.write(source.resolve("a-3000001.bin"), random(3_000_001, 1));
        Files.write(source.resolve("b-5000.bin"), random(5_000, 2));
        Files.write(source.resolve("c-1MiB.bin"), random(1 << 20, 3));
        Files.write(source.resolve("d-307200.bin"), random(307_200, 4));
        Path img4k = work.resolve("fs4k.img");
        Files.deleteIfExists(img4k);
        Run mkfs = run(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-d", source.toString(), img4k.toString(), "32M"),
                work.resolve("mkfs.log"), 60);
        assumeTrue(mkfs.exit == 0, () -> "mkfs.ext4 -d failed (e2fsprogs too old?): " + mkfs.output);
        Path scratch = work.resolve("scratch512.img");
        Files.deleteIfExists(scratch);
        Run mkfs2 = run(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", scratch.toString(), "16M"), work.resolve("mkfs2.log"), 60);
        assertEquals(0, mkfs2.exit, mkfs2.output);

        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path script = work.resolve("guest-run.sh");
        Files.writeString(script, String.join("\n",
                "set -e",
                "find() { for c in /sys/class/nvme/nvme*; do [ \"$(tr -d ' ' < $c/serial)\" = \"$1\" ] && "
                        + "ls $c | grep -m1 '^nvme[0-9]*n[0-9]*$' && return 0; done; return 1; }",
                "d512=$(find dcn512); d4k=$(find dcn4k); dscr=$(find dcnscr)",
                "echo \"GUEST-DEVICES $d512 $d4k $dscr\"",
                "mkdir -p /mnt/content /mnt/scratch",
                "mount -t ext4 -o ro,noload /dev/$d4k /mnt/content",
                "mount -t ext4 /dev/$dscr /mnt/scratch",
                "exec " + java + " -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:auto --enable-native-access=ALL-UNNAMED"
                        + " -cp " + classpath + " " + NvmeGuestCheck.class.getName()
                        + " raw:/dev/$d512:" + img512 + ":512 raw:/dev/$d4k:" + img4k + ":4096"
                        + " fs:/mnt/content:" + source + " scratch:/mnt/scratch",
                ""), StandardCharsets.UTF_8);

        List<String> qemu = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg,thread=multi", "-m", "1536",
                "-smp", "2", "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
                "-kernel", kernel, "-initrd", initrd,
                "-append", "console=ttyS0 quiet panic=-1 dcn.run=" + script,
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"));
        addNvme(qemu, "dcn512", img512, 512);
        addNvme(qemu, "dcn4k", img4k, 4096);
        addNvme(qemu, "dcnscr", scratch, 512);
        Run guest = run(qemu, work.resolve("guest.log"), GUEST_TIMEOUT_SECONDS);
        String out = guest.output;
        System.out.println(out);
        assertTrue(out.contains("DCN-GUEST-START"), "the guest did not boot:\n" + out);
        for (String check : List.of("passthrough-device-lba512", "odirect-device-lba512", "passthrough-device-lba4096",
                "odirect-device-lba4096", "passthrough-files", "odirect-files", "sparse-file-refused",
                "changed-file-detected")) {
            assertTrue(out.contains("CHECK " + check + " PASS"), check + " did not pass:\n" + out);
        }
        assertTrue(out.contains("GUEST-SUMMARY passed=8 failed=0"), out);
        assertTrue(out.contains("DCN-GUEST-EXIT 0"), out);
    }

    private static void addNvme(List<String> qemu, String serial, Path image, int lba) {
        qemu.addAll(List.of("-drive", "file=" + image + ",if=none,id=" + serial + ",format=raw,snapshot=on",
                "-device", "nvme,serial=" + serial + ",drive=" + serial + ",logical_block_size=" + lba
                        + ",physical_block_size=" + lba));
    }

    /** /var/cache/diskcryptnet/nvme-guest when it can be written (kept between builds), else under target/. */
    private static Path cacheDir(Path work) {
        Path shared = Path.of("/var/cache/diskcryptnet/nvme-guest");
        try {
            Files.createDirectories(shared);
            if (Files.isWritable(shared)) {
                return shared;
            }
        } catch (IOException e) {
            // fall through
        }
        return work.resolve("cache");
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String value(String output, String key) {
        return output.lines().filter(l -> l.startsWith(key)).map(l -> l.substring(key.length())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in:\n" + output));
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private record Run(int exit, String output) {}

    /** Runs a command with stdout and stderr to {@code log}, killing it (by its PID) after {@code seconds}. */
    private static Run run(List<String> command, Path log, long seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.ISO_8859_1);
        return new Run(done ? p.exitValue() : -1, done ? out : out + "\n(killed after " + seconds + " s)");
    }
}

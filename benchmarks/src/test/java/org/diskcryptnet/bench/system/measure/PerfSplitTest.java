package org.diskcryptnet.bench.system.measure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** benchmarks/lib/perf-split, which run-stack-ab --profile runs on `perf script` output. */
class PerfSplitTest {

    private static final Path SCRIPT = Path.of("lib/perf-split");

    /** Four samples of the origin's loop thread, as `perf script` prints them: leaf frame first. */
    private static final String SAMPLES = """
            dcn-loop-0  4242 [000] 100.000001:    1001001 cpu-clock:
            \tffffffff81a00000 memcpy+0x20 ([kernel.kallsyms])
            \tffffffff81a00100 zram_submit_bio+0x40 ([kernel.kallsyms])
            \tffffffff81a00200 io_submit_sqes+0x80 ([kernel.kallsyms])

            dcn-loop-0  4242 [000] 100.001002:    1001001 cpu-clock:
            \tffffffff81b00000 memcpy+0x20 ([kernel.kallsyms])
            \tffffffff81b00100 skb_copy_ubufs+0x60 ([kernel.kallsyms])
            \tffffffff81b00200 veth_xmit+0x90 ([kernel.kallsyms])
            \tffffffff81b00300 packet_sendmsg+0x10 ([kernel.kallsyms])

            dcn-loop-0  4242 [000] 100.002003:    1001001 cpu-clock:
            \t7f0000001000 aes_gcm_enc_128_update_avx_gen4+0x100 (/usr/lib/libIPSec_MB.so.1)

            dcn-loop-0  4242 [000] 100.003004:    1001001 cpu-clock:
            \t7f0000002000 void org.diskcryptnet.netmap.tcp.TcpOutput.sendData()+0x30 (/tmp/perf-4242.map)

            """;

    @Test
    void sharesBecomeCpuSecondsPerGbAndTheTestbedIsSetAgainstTheCipher() throws Exception {
        Result r = run(SAMPLES, "0.5");
        assertEquals(0, r.exit, r.out);
        // a quarter each of 0.5 CPU-s/GB
        assertTrue(r.out.contains(" 25.0%   0.125 CPU-s/GB  testbed: zram's copy"), r.out);
        assertTrue(r.out.contains(" 25.0%   0.125 CPU-s/GB  testbed: veth copying"), r.out);
        assertTrue(r.out.contains(" 25.0%   0.125 CPU-s/GB  crypto: AES-GCM"), r.out);
        assertTrue(r.out.contains(" 25.0%   0.125 CPU-s/GB  Java: the loop's code"), r.out);
        assertTrue(r.out.contains("(4 samples)"), r.out);
        assertTrue(r.out.strip().endsWith("testbed together: 0.250 CPU-s/GB, 2.00x AES-GCM's 0.125"), r.out);
    }

    @Test
    void withoutCipherSamplesTheTestbedIsGivenAlone() throws Exception {
        String noCipher = SAMPLES.substring(0, SAMPLES.indexOf("dcn-loop-0  4242 [000] 100.002003"));
        Result r = run(noCipher, "0.3");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains(" 50.0%   0.150 CPU-s/GB  testbed: zram's copy"), r.out);
        assertTrue(r.out.strip().endsWith("testbed together: 0.300 CPU-s/GB"), r.out);
    }

    @Test
    void withoutTheFigureOnlySharesArePrinted() throws Exception {
        Result r = run(SAMPLES);
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains(" 25.0%  crypto: AES-GCM"), r.out);
        assertFalse(r.out.contains("CPU-s/GB") || r.out.contains("testbed together"), r.out);
    }

    @Test
    void aFigureThatIsNotAPositiveNumberIsRefusedByName() throws Exception {
        Result word = run(SAMPLES, "fast");
        assertEquals(1, word.exit, word.out);
        assertTrue(word.out.contains("CPU-seconds per GB, not 'fast'"), word.out);
        Result zero = run(SAMPLES, "0");
        assertEquals(1, zero.exit, zero.out);
        assertTrue(zero.out.contains("must be positive"), zero.out);
        Result empty = run("", "0.5");
        assertEquals(1, empty.exit, empty.out);
        assertTrue(empty.out.contains("no samples on stdin"), empty.out);
    }

    private record Result(int exit, String out) {
    }

    private static Result run(String stdin, String... args) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "perf-split did not finish");
        return new Result(p.exitValue(), out);
    }
}

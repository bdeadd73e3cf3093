package org.diskcryptnet.bench.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    private static final Path REPO = Path.of("/repo");

    private static List<String> phases(BenchOptions o) {
        return o.phases().stream().map(p -> p[0] + "/" + p[1]).toList();
    }

    @Test
    void fullModeRunsEveryColumnAndAppendsToTheCommittedResults() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[0], REPO);
        assertEquals(List.of("rootfs/cold", "rootfs/warm", "zram/cold", "zram/warm"), phases(o));
        assertEquals(List.of(10, 100, 1000, 10000), o.connections());
        assertTrue(o.appendToResults());
        assertEquals(REPO.resolve("benchmarks"), o.out());
    }

    @Test
    void shortModeCoversBothStoragesInTwoColumnsAndWritesUnderTarget() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--short"}, REPO);
        assertEquals(List.of("rootfs/cold", "zram/warm"), phases(o));
        assertFalse(o.appendToResults());
        assertEquals(REPO.resolve("benchmarks/target/bench-short"), o.out());
        BenchOptions chosen = BenchOptions.parse(new String[] {"--short", "--storage", "zram"}, REPO);
        assertEquals(List.of("zram/cold", "zram/warm"), phases(chosen));
    }

    @Test
    void badArgumentsAreRefusedWithWhatIsWrong() {
        assertEquals("--rounds must be positive, not 0", assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse(new String[] {"--rounds", "0"}, REPO)).getMessage());
        assertEquals("--cache: \"tepid\" is not one of cold, warm", assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse(new String[] {"--cache", "tepid"}, REPO)).getMessage());
        assertEquals("--duration needs a value", assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse(new String[] {"--duration"}, REPO)).getMessage());
        assertEquals("--connections: \"many\" is not a number", assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse(new String[] {"--connections", "many"}, REPO)).getMessage());
    }
}

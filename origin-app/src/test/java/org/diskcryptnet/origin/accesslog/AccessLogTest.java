package org.diskcryptnet.origin.accesslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diskcryptnet.origin.metrics.OriginMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {

    @TempDir
    Path dir;

    private static AccessLogEntry entry(String target) {
        return new AccessLogEntry("198.18.0.1", 0, "GET", target, "HTTP/1.1", 200, 1, null, 0, null, true);
    }

    private static List<String> targets(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(l -> l.split(" ")[6]).toList();
    }

    private static void await(Path file, int lines) throws Exception {
        for (int i = 0; i < 500 && (!Files.exists(file) || Files.readAllLines(file).size() < lines); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void aReopenAfterARenameWritesTheLinesThatFollowToANewFileByTheSamePath() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (AccessLog log = AccessLog.open(file.toString(), new OriginMetrics())) {
            log.log(entry("/before"));
            await(file, 1);
            Files.move(file, rotated); // logrotate's rename: the writer still holds the renamed file
            log.log(entry("/renamed"));
            await(rotated, 2);
            assertTrue(log.reopen());
            for (int i = 0; i < 500 && !Files.exists(file); i++) {
                Thread.sleep(10);
            }
            log.log(entry("/after"));
            await(file, 1);
        }
        assertEquals(List.of("/before", "/renamed"), targets(rotated));
        assertEquals(List.of("/after"), targets(file));
    }

    @Test
    void aPathThatCannotBeOpenedAgainKeepsTheFileItHad() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("logs"));
        Path file = sub.resolve("access.log");
        Path moved = dir.resolve("moved");
        try (AccessLog log = AccessLog.open(file.toString(), new OriginMetrics())) {
            log.log(entry("/one"));
            await(file, 1);
            Files.move(sub, moved); // the directory is gone: the path cannot be created again
            assertTrue(log.reopen());
            log.log(entry("/two"));
            await(moved.resolve("access.log"), 2);
        }
        assertEquals(List.of("/one", "/two"), targets(moved.resolve("access.log")));
        assertFalse(Files.exists(file));
    }

    @Test
    void standardOutputHasNothingToReopen() throws Exception {
        try (AccessLog log = AccessLog.open("stdout", new OriginMetrics())) {
            assertFalse(log.reopen());
        }
    }
}

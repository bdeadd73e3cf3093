package org.diskcryptnet.bench.system.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

    @TempDir
    Path dir;

    @Test
    void filesHoldExactlyTheGeneratedBytesAndAreReusedWhenUnchanged() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Catalog c = Catalog.ensure(dir.resolve("cat"), 7, 5, new PrintStream(log));
        for (int i = 0; i < 5; i++) {
            byte[] bytes = Files.readAllBytes(c.file(i));
            assertEquals(Catalog.OBJECT_BYTES, bytes.length);
            assertEquals(c.sha256(i), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        assertNotEquals(c.sha256(0), c.sha256(1), "objects differ");
        assertEquals("/c/000003.bin", Catalog.urlPath(3));
        Catalog.ensure(dir.resolve("cat"), 7, 5, new PrintStream(log));
        assertTrue(log.toString().contains("reusing 5 objects"), log.toString());
        Files.write(c.file(2), new byte[10]);
        Catalog.ensure(dir.resolve("cat"), 7, 5, new PrintStream(log));
        assertEquals(Catalog.OBJECT_BYTES, Files.size(c.file(2)), "a damaged catalog is regenerated");
    }

    @Test
    void theSeedChangesTheBytes() throws Exception {
        Catalog a = Catalog.ensure(dir.resolve("a"), 1, 1, new PrintStream(new ByteArrayOutputStream()));
        Catalog b = Catalog.ensure(dir.resolve("b"), 2, 1, new PrintStream(new ByteArrayOutputStream()));
        assertNotEquals(a.sha256(0), b.sha256(0));
    }

    @Test
    void theWrkScriptNamesTheCountSeedAndPrintsJson() {
        String lua = Catalog.wrkScript(13981, 1);
        assertTrue(lua.contains("local count = 13981"), lua);
        assertTrue(lua.contains("local seed = 1"), lua);
        assertTrue(lua.contains("state = (state * 16807) % 2147483647"), lua);
        assertTrue(lua.contains("WRKJSON"), lua);
    }
}

package org.diskcryptnet.origin.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentRootTest {

    @TempDir
    Path dir;

    @Test
    void symlinkInsideTheRootIsServedOneLeavingItIsNot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("inside.txt"), "in");
        Files.writeString(dir.resolve("secret.txt"), "out");
        Files.createSymbolicLink(root.resolve("ok-link.txt"), root.resolve("inside.txt"));
        Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("escape-dir"), dir);
        ContentRoot content = new ContentRoot(root, MediaTypes.builtIn());

        assertNotNull(content.lookup(List.of("inside.txt")));
        assertNotNull(content.lookup(List.of("ok-link.txt")));
        assertNull(content.lookup(List.of("escape.txt")));
        assertNull(content.lookup(List.of("escape-dir", "secret.txt")));
    }

    @Test
    void directoriesAndMissingFilesAreNotFound() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("sub"));
        ContentRoot content = new ContentRoot(root, MediaTypes.builtIn());
        assertNull(content.lookup(List.of("sub")));
        assertNull(content.lookup(List.of("nope.m4s")));
        assertNull(content.lookup(List.of()));
    }

    @Test
    void validatorsAndTypeOfAFile() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.write(root.resolve("seg.m4s"), new byte[1234]);
        ContentRoot.ContentFile f = new ContentRoot(root, MediaTypes.builtIn()).lookup(List.of("seg.m4s"));
        assertEquals(1234, f.size());
        assertEquals("video/iso.segment", f.contentType());
        assertEquals('"', f.etag().charAt(0));
    }

    @Test
    void mediaTypesForStreamingFormatsAndOverrides() {
        MediaTypes builtIn = MediaTypes.builtIn();
        assertEquals("application/vnd.apple.mpegurl", builtIn.forFileName("master.m3u8"));
        assertEquals("application/dash+xml", builtIn.forFileName("manifest.MPD"));
        assertEquals("video/iso.segment", builtIn.forFileName("seg1.m4s"));
        assertEquals("video/mp4", builtIn.forFileName("init.mp4"));
        assertEquals("audio/mp4", builtIn.forFileName("a.m4a"));
        assertEquals("video/mp2t", builtIn.forFileName("s.ts"));
        assertEquals("audio/aac", builtIn.forFileName("s.aac"));
        assertEquals("text/vtt; charset=utf-8", builtIn.forFileName("subs.vtt"));
        assertEquals("application/json", builtIn.forFileName("x.json"));
        assertEquals(MediaTypes.DEFAULT_TYPE, builtIn.forFileName("noext"));
        MediaTypes custom = new MediaTypes(Map.of(".ts", "video/MP2T", "cmfv", "video/mp4"));
        assertEquals("video/MP2T", custom.forFileName("s.ts"));
        assertEquals("video/mp4", custom.forFileName("a.cmfv"));
    }
}

package org.diskcryptnet.origin.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.Statx;
import org.diskcryptnet.origin.http.validators.EntityTags;

class ContentRootTest {

    @TempDir
    Path dir;

    @Test
    void symlinkInsideTheRootIsServedOneLeavingItIsNot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("inside.txt"), "in");
        Files.writeString(dir.resolve("secret.txt"), "out");
        // absolute links, and one climbing with "..": the kernel refuses them beneath the root, so they take the
        // real-path way
        Files.createSymbolicLink(root.resolve("ok-link.txt"), root.resolve("inside.txt"));
        Files.createSymbolicLink(root.resolve("sub/up-link.txt"), Path.of("../inside.txt"));
        Files.createSymbolicLink(root.resolve("relative-link.txt"), Path.of("inside.txt"));
        Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("escape-relative.txt"), Path.of("../secret.txt"));
        Files.createSymbolicLink(root.resolve("escape-dir"), dir);
        Files.createSymbolicLink(root.resolve("self"), root);
        try (ContentRoot content = new ContentRoot(root, MediaTypes.builtIn())) {
            for (String served : List.of("inside.txt", "ok-link.txt", "relative-link.txt")) {
                assertEquals("in", contentOf(content, served), served);
            }
            assertEquals("in", contentOf(content, "sub", "up-link.txt"));
            assertNull(content.lookup(List.of("escape.txt")));
            assertNull(content.lookup(List.of("escape-relative.txt")));
            assertNull(content.lookup(List.of("escape-dir", "secret.txt")));
            assertNull(content.lookup(List.of("self")));
        }
    }

    @Test
    void directoriesFifosAndMissingFilesAreNotFound() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("sub"));
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("pipe").toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        try (ContentRoot content = new ContentRoot(root, MediaTypes.builtIn())) {
            assertNull(content.lookup(List.of("sub")));
            assertNull(content.lookup(List.of("nope.m4s")));
            assertNull(content.lookup(List.of("sub", "nope.m4s")));
            assertNull(content.lookup(List.of()));
            // O_NONBLOCK: a FIFO without a writer is opened at once, then refused as not a regular file
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertNull(content.lookup(List.of("pipe"))));
        }
    }

    /**
     * Out of descriptors, the origin cannot tell whether a file is there: the lookup fails as an overload (503), not
     * as a missing file (404, which caches keep), and works again once descriptors are back.
     */
    @Test
    void aLookupWithoutDescriptorsLeftFailsAsAnOverloadNotAsMissing() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("seg.m4s"), "bytes");
        Files.createSymbolicLink(root.resolve("abs-link.m4s"), root.resolve("seg.m4s")); // the real-path way
        List<Integer> held = new java.util.ArrayList<>();
        try (ContentRoot content = new ContentRoot(root, MediaTypes.builtIn())) {
            // the failure path's classes are loaded now: without descriptors, a class read from a directory of the
            // class path (target/classes, in a reactor's test phase) cannot be opened
            assertNull(content.lookup(List.of("nope.m4s")));
            assertTrue(new ContentRoot.LookupFailed("a", "openat2", Errno.EMFILE).getMessage().contains("EMFILE"));
            try {
                while (true) { // this test's JVM up to its open-file limit (20,000 here)
                    held.add(Fcntl.open("/dev/null", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC));
                }
            } catch (LinuxException e) {
                assertEquals(Errno.EMFILE, e.errno(), e.getMessage());
            }
            for (String name : List.of("seg.m4s", "abs-link.m4s", "nope.m4s")) {
                ContentRoot.LookupFailed failed = assertThrows(ContentRoot.LookupFailed.class,
                        () -> content.lookup(List.of(name)), name);
                assertTrue(failed.overload(), failed.getMessage());
                assertTrue(failed.getMessage().contains("EMFILE"), failed.getMessage());
            }
            held.forEach(Fcntl::close);
            held.clear();
            try (ContentRoot.ContentFile f = content.lookup(List.of("seg.m4s"))) {
                assertEquals(5, f.size());
            }
            assertNull(content.lookup(List.of("nope.m4s")), "missing again once it can be looked at");
        } finally {
            held.forEach(Fcntl::close);
        }
        for (int errno : new int[] {Errno.EMFILE, Errno.ENFILE, Errno.ENOMEM}) {
            assertTrue(new ContentRoot.LookupFailed("a", "openat2", errno).overload(), Errno.describe(errno));
        }
        assertFalse(new ContentRoot.LookupFailed("a", "statx", Errno.EIO).overload(), "EIO is a failure: 500");
    }

    @Test
    void validatorsAndTypeOfAFile() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.write(root.resolve("seg.m4s"), new byte[1234]);
        Files.setLastModifiedTime(root.resolve("seg.m4s"), FileTime.fromMillis(1_700_000_000_123L));
        try (ContentRoot content = new ContentRoot(root, MediaTypes.builtIn());
             ContentRoot.ContentFile f = content.lookup(List.of("seg.m4s"))) {
            assertEquals(1234, f.size());
            assertEquals(1_700_000_000L, f.lastModifiedSeconds());
            assertEquals("video/iso.segment", f.contentType());
            assertEquals(EntityTags.strongTag(1234, 1_700_000_000_123_000_000L), f.etag());
            assertEquals(root.resolve("seg.m4s"), f.path());
        }
    }

    /** The headers come from the open file, and so do the bytes: a file replaced after the lookup is not read. */
    @Test
    void theBytesReadAreOfTheVersionLookedUp() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("live.m4s"), "first version");
        try (ContentRoot content = new ContentRoot(root, MediaTypes.builtIn());
             ContentRoot.ContentFile f = content.lookup(List.of("live.m4s"))) {
            Path next = Files.writeString(root.resolve("live.m4s.tmp"), "second, longer version");
            Files.move(next, root.resolve("live.m4s"), StandardCopyOption.ATOMIC_MOVE);
            assertEquals(13, f.size());
            assertEquals("first version", read(f));
            try (ContentRoot.ContentFile again = content.lookup(List.of("live.m4s"))) {
                assertEquals("second, longer version", read(again));
            }
        }
    }

    /** Each body owns a descriptor: duplicates while the file is in use, the file's own for the last body. */
    @Test
    void descriptorsAreDuplicatedThenHandedOver() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("a.txt"), "abc");
        try (ContentRoot content = new ContentRoot(root, MediaTypes.builtIn())) {
            ContentRoot.ContentFile f = content.lookup(List.of("a.txt"));
            int duplicate = f.descriptor(false);
            int own = f.descriptor(true);
            assertNotEquals(duplicate, own);
            assertEquals(Statx.of(own).inode(), Statx.of(duplicate).inode());
            assertThrows(IOException.class, () -> f.descriptor(false), "the file was handed over");
            assertThrows(IOException.class, f::openChannel);
            f.close(); // closes nothing: the descriptor is the last body's
            assertEquals(3, Statx.of(own).size());
            assertEquals(0, Fcntl.close(own));
            assertEquals(0, Fcntl.close(duplicate));
        }
    }

    private static String contentOf(ContentRoot content, String... segments) throws IOException {
        try (ContentRoot.ContentFile f = content.lookup(List.of(segments))) {
            assertNotNull(f, String.join("/", segments));
            return read(f);
        }
    }

    private static String read(ContentRoot.ContentFile f) throws IOException {
        try (FileChannel ch = f.openChannel()) {
            ByteBuffer buf = ByteBuffer.allocate((int) f.size() + 16);
            while (ch.read(buf) > 0) {
                // until end of file
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
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

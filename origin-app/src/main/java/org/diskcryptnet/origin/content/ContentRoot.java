package org.diskcryptnet.origin.content;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.origin.http.validators.EntityTags;

/**
 * The directory the origin serves. A lookup never answers with a file outside it: the segments come from
 * {@link RequestPath} (no separators, no dot segments), and the resolved file's real path, with every
 * symbolic link followed, must still lie below the root's real path.
 */
public final class ContentRoot {

    private final Path root;
    private final MediaTypes mediaTypes;

    public ContentRoot(Path root, MediaTypes mediaTypes) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) {
            throw new IOException("content root " + root + " is not a directory");
        }
        this.mediaTypes = mediaTypes;
    }

    public Path path() {
        return root;
    }

    /** The file for these segments, or null when there is none the origin may serve (→ 404). */
    public ContentFile lookup(List<String> segments) {
        if (segments.isEmpty()) {
            return null;
        }
        Path candidate = root;
        for (String segment : segments) {
            candidate = candidate.resolve(segment);
        }
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root)) {
                return null; // a symbolic link that leaves the root
            }
            BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile() || !Files.isReadable(real)) {
                return null;
            }
            long modifiedNanos = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            return new ContentFile(real, attrs.size(), TimeUnit.NANOSECONDS.toSeconds(modifiedNanos),
                    EntityTags.strongTag(attrs.size(), modifiedNanos),
                    mediaTypes.forFileName(segments.getLast()));
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** A regular file below the root with the validators of its current version. */
    public record ContentFile(Path path, long size, long lastModifiedSeconds, String etag, String contentType) {}
}

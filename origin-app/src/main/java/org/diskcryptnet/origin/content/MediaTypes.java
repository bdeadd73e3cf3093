package org.diskcryptnet.origin.content;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Content-Type by file extension: the streaming formats first, overridable from the configuration. */
public final class MediaTypes {

    public static final String DEFAULT_TYPE = "application/octet-stream";

    /** The built-in table; the configuration's {@code mime_types} entries replace or extend it. */
    public static final Map<String, String> BUILT_IN = Map.ofEntries(
            Map.entry("m3u8", "application/vnd.apple.mpegurl"),     // RFC 8216 §4
            Map.entry("mpd", "application/dash+xml"),               // ISO/IEC 23009-1 Annex C
            Map.entry("m4s", "video/iso.segment"),                  // IANA registration for ISOBMFF segments
            Map.entry("mp4", "video/mp4"),
            Map.entry("m4v", "video/mp4"),
            Map.entry("m4a", "audio/mp4"),
            Map.entry("ts", "video/mp2t"),
            Map.entry("aac", "audio/aac"),
            Map.entry("vtt", "text/vtt; charset=utf-8"),
            Map.entry("webvtt", "text/vtt; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("webm", "video/webm"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("xml", "application/xml"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("png", "image/png"));

    private final Map<String, String> byExtension;

    public MediaTypes(Map<String, String> overrides) {
        Map<String, String> table = new HashMap<>(BUILT_IN);
        overrides.forEach((ext, type) -> table.put(normalise(ext), type));
        this.byExtension = Map.copyOf(table);
    }

    public static MediaTypes builtIn() {
        return new MediaTypes(Map.of());
    }

    public String forFileName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            return DEFAULT_TYPE;
        }
        String type = byExtension.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        return type != null ? type : DEFAULT_TYPE;
    }

    /** Accepts ".m3u8", "m3u8" or "M3U8". */
    public static String normalise(String extension) {
        String e = extension.startsWith(".") ? extension.substring(1) : extension;
        return e.toLowerCase(Locale.ROOT);
    }
}

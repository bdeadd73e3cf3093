package org.diskcryptnet.origin.metrics;

import java.util.Locale;

/** What a request asked for, by file extension: the dimension an operator of a video origin slices by. */
public enum RouteKind {
    SEGMENT, PLAYLIST, MANIFEST, OTHER;

    public final String tag = name().toLowerCase(Locale.ROOT);

    public static RouteKind of(String target) {
        int end = target.length();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        int dot = target.lastIndexOf('.', end - 1);
        if (dot < 0 || target.lastIndexOf('/', end - 1) > dot) {
            return OTHER;
        }
        String ext = target.substring(dot + 1, end);
        return switch (ext) {
            case "m4s", "ts", "mp4", "m4a", "m4v", "aac", "cmfv", "cmfa", "webm", "vtt" -> SEGMENT;
            case "m3u8" -> PLAYLIST;
            case "mpd" -> MANIFEST;
            default -> OTHER;
        };
    }
}

package org.diskcryptnet.origin.config;

import java.time.Duration;

/** Durations as operators write them: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}; a bare number is seconds. */
public final class Durations {

    private Durations() {}

    /** The duration, or null if the text is not one. */
    public static Duration parse(String text) {
        int i = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 12) {
            return null;
        }
        long n = Long.parseLong(text.substring(0, i));
        return switch (text.substring(i).trim()) {
            case "ms" -> Duration.ofMillis(n);
            case "", "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> null;
        };
    }
}

package org.diskcryptnet.it.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** curl as the HTTP client: one exchange, its status, headers and body as curl saw them. */
public final class Curl {

    public record Reply(int status, Map<String, String> headers, byte[] body, String verbose) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String sha256() {
            return TestCatalog.sha256(body);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private Curl() {}

    /** {@code curl -s -i [args] url}; with {@code cacert} for HTTPS URLs. */
    public static Reply exchange(String url, Path cacert, String... args) {
        Proc.require("curl");
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "-i", "-v", "--max-time", "60"));
        if (cacert != null) {
            cmd.add("--cacert");
            cmd.add(cacert.toString());
        }
        cmd.addAll(Arrays.asList(args));
        cmd.add(url);
        Proc.Result r = Proc.run(Duration.ofSeconds(90), null, Map.of(), cmd);
        if (r.exit() != 0) {
            throw new AssertionError("curl failed: " + r);
        }
        return parse(r.stdout(), r.stderr());
    }

    private static Reply parse(byte[] raw, String verbose) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (end < 0) {
            throw new AssertionError("no header section in curl output:\n" + new String(raw, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
        return new Reply(status, headers, Arrays.copyOfRange(raw, end + 4, raw.length), verbose);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

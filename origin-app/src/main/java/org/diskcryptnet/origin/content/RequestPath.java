package org.diskcryptnet.origin.content;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request-target (RFC 9112 §3.2, origin-form) into the segments of a path below the content root,
 * or refuses it. Every refusal happens here, before the file system is asked anything:
 *
 * <ul>
 *   <li>anything but origin-form, or a malformed percent-escape → 400;</li>
 *   <li>after percent-decoding (RFC 3986 §2.1): NUL or another control character, a backslash, an encoded
 *       slash ({@code %2F}), or bytes that are not well-formed UTF-8 (overlong forms included) → 400;</li>
 *   <li>a dot segment ({@code .} or {@code ..}, in any spelling) → 400: clients remove them before sending
 *       (RFC 3986 §5.2.4), so a request that still has one is not a browser's;</li>
 *   <li>a segment starting with a dot (hidden files such as {@code .git}) → 404.</li>
 * </ul>
 */
public final class RequestPath {

    public enum Refusal { BAD_REQUEST, NOT_FOUND }

    /** Either the decoded segments, or why the target is refused. */
    public record Result(List<String> segments, Refusal refusal, String reason) {
        static Result refused(Refusal refusal, String reason) {
            return new Result(List.of(), refusal, reason);
        }

        public boolean ok() {
            return refusal == null;
        }
    }

    private RequestPath() {}

    public static Result parse(String target) {
        if (target.isEmpty() || target.charAt(0) != '/') {
            return Result.refused(Refusal.BAD_REQUEST, "request-target is not in origin-form");
        }
        int end = target.length();
        int query = target.indexOf('?');
        if (query >= 0) {
            end = query;
        }
        int fragment = target.indexOf('#');
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        List<String> segments = new ArrayList<>(4);
        int pos = 1;
        while (pos <= end) {
            int slash = target.indexOf('/', pos);
            int segEnd = slash < 0 || slash > end ? end : slash;
            if (segEnd > pos) {
                String raw = target.substring(pos, segEnd);
                String decoded = decodeSegment(raw);
                if (decoded == null) {
                    return Result.refused(Refusal.BAD_REQUEST, "malformed or forbidden bytes in path segment");
                }
                if (decoded.equals(".") || decoded.equals("..")) {
                    return Result.refused(Refusal.BAD_REQUEST, "dot segment in path");
                }
                if (decoded.startsWith(".")) {
                    return Result.refused(Refusal.NOT_FOUND, "hidden file");
                }
                segments.add(decoded);
            } // an empty segment ("//") is harmless: collapse it as file systems do
            pos = segEnd + 1;
        }
        return new Result(List.copyOf(segments), null, null);
    }

    /** Percent-decodes one segment and checks its bytes; null if refused. */
    private static String decodeSegment(String raw) {
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            int b;
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                b = hi << 4 | lo;
                i += 2;
            } else if (c > 0x7e) {
                return null; // raw non-ASCII is not allowed in a request-target (RFC 3986 §2)
            } else {
                b = c;
            }
            if (b < 0x20 || b == 0x7f || b == '/' || b == '\\') {
                return null;
            }
            bytes[n++] = (byte) b;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            return null; // includes overlong encodings such as %C0%AE, which Java's decoder rejects
        }
    }
}

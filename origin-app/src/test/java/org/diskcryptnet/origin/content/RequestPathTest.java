package org.diskcryptnet.origin.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {

    @Test
    void plainPath() {
        RequestPath.Result r = RequestPath.parse("/hls/v0/seg1.m4s");
        assertTrue(r.ok());
        assertEquals(List.of("hls", "v0", "seg1.m4s"), r.segments());
    }

    @Test
    void queryAndFragmentAreNotPartOfThePath() {
        assertEquals(List.of("a", "b.ts"), RequestPath.parse("/a/b.ts?token=..%2f..&x=1#frag").segments());
    }

    @Test
    void percentEncodedUtf8IsDecoded() {
        assertEquals(List.of("vidéo 1.mp4"), RequestPath.parse("/vid%C3%A9o%201.mp4").segments());
    }

    @Test
    void emptySegmentsCollapse() {
        assertEquals(List.of("a", "b"), RequestPath.parse("//a///b").segments());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../etc/passwd", "/a/../../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd", "/.%2e/x",
            "/a/./b", "/%2e/b",
            "/..%2fetc%2fpasswd", "/a%2Fb", "/a%5cb", "/a\\b", "/..\\..\\etc", "/a%00b", "/a%0ab", "/a%7fb",
            "/%c0%ae%c0%ae/etc/passwd", "/%c0%af", "/%e0%80%ae", "/%ff", "/%c3", "/a%2", "/a%zz",
            "*", "http://evil/", "", "relative"})
    void traversalAndMalformedTargetsAreBadRequests(String target) {
        RequestPath.Result r = RequestPath.parse(target);
        assertFalse(r.ok(), target);
        assertEquals(RequestPath.Refusal.BAD_REQUEST, r.refusal(), target);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.git/config", "/.env", "/a/.hidden"})
    void hiddenFilesAreNotFound(String target) {
        assertEquals(RequestPath.Refusal.NOT_FOUND, RequestPath.parse(target).refusal());
    }
}

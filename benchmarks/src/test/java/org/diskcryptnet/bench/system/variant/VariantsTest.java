package org.diskcryptnet.bench.system.variant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class VariantsTest {

    @Test
    void namesAreUniqueAndEveryPeerIsAnNginxVariantOnTheSameProtocol() {
        List<Variant> all = Variants.all(4);
        Set<String> names = new HashSet<>();
        for (Variant v : all) {
            assertTrue(names.add(v.name()), "duplicate " + v.name());
        }
        for (Variant v : all) {
            if (v.peer() == null) {
                assertEquals("nginx", v.family(), v.name());
                continue;
            }
            Variant peer = all.stream().filter(p -> p.name().equals(v.peer())).findFirst().orElse(null);
            assertNotNull(peer, v.name() + " names an unknown peer " + v.peer());
            assertEquals("nginx", peer.family());
            assertEquals(v.protocol(), peer.protocol(), v.name());
            assertEquals(v.bypassesPageCache(), peer.bypassesPageCache(), v.name() + " is compared on the same data path");
        }
        assertTrue(all.size() <= 100, "each variant gets a port in 18800-18899");
    }

    @Test
    void selectionExpandsCoresAndWildcardsAndAddsPeers() {
        List<String> chosen = Variants.select(List.of("origin-epoll-buffered-https"), 2).stream().map(Variant::name).toList();
        assertEquals(List.of("nginx-https-w2", "origin-epoll-buffered-https"), chosen);
        List<String> nginx = Variants.select(List.of("nginx-sendfile-*"), 8).stream().map(Variant::name).toList();
        assertEquals(List.of("nginx-sendfile-w1", "nginx-sendfile-w8"), nginx);
        assertEquals(12, Variants.select(Variants.DEFAULTS, 2).size());
    }

    @Test
    void anUnknownNameIsRefusedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Variants.select(List.of("apache-sendfile"), 2));
        assertTrue(e.getMessage().contains("no variant matches \"apache-sendfile\""), e.getMessage());
        assertTrue(e.getMessage().contains("nginx-sendfile-w1"), e.getMessage());
    }

    @Test
    void defaultsCoverBothProtocolsAndBothStoragePathsOfTheOrigin() {
        List<Variant> d = Variants.select(Variants.DEFAULTS, 2);
        for (String name : List.of("origin-epoll-buffered-http", "origin-epoll-buffered-https",
                "origin-epoll-direct-http", "origin-epoll-direct-https", "nginx-sendfile-w1", "nginx-sendfile-w2",
                "nginx-https-w1", "nginx-https-w2", "nginx-directio-ob-w1", "nginx-directio-ob-w2")) {
            assertTrue(d.stream().anyMatch(v -> v.name().equals(name)), name);
        }
        assertFalse(d.stream().anyMatch(v -> v.name().contains("nio")), "nio is opt-in");
    }
}

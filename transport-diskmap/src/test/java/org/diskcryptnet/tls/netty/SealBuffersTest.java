package org.diskcryptnet.tls.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The per-loop pool of seal buffers: bodies in flight on hundreds of connections reuse buffers, not allocate them. */
class SealBuffersTest {

    @Test
    void aLoopWithHundredsOfBodiesInFlightReusesItsBuffers() {
        int inFlight = 600; // 300 connections, two batches each
        Set<SealBuffers.Buffer> first = Collections.newSetFromMap(new IdentityHashMap<>());
        List<SealBuffers.Buffer> held = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) {
            held.add(SealBuffers.acquire());
        }
        first.addAll(held);
        held.forEach(SealBuffers::release);
        held.clear();
        int reused = 0;
        for (int i = 0; i < inFlight; i++) {
            SealBuffers.Buffer b = SealBuffers.acquire();
            held.add(b);
            if (first.contains(b)) {
                reused++;
            }
        }
        held.forEach(SealBuffers::release);
        assertEquals(inFlight, reused, "every buffer of the second round is one of the first");
    }
}

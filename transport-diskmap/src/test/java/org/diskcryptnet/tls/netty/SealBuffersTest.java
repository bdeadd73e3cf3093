package org.diskcryptnet.tls.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void buffersLeftToTheGcDoNotStopTheOthersBeingReused() throws Exception {
        onAThreadOfItsOwn(() -> {
            for (int i = 0; i < 500; i++) {
                SealBuffers.acquire(); // bodies whose connection went away while a batch was being read
            }
            SealBuffers.Pool pool = SealBuffers.pool();
            long before = pool.allocated;
            List<SealBuffers.Buffer> held = new ArrayList<>();
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 300; i++) {
                    held.add(SealBuffers.acquire());
                }
                held.forEach(SealBuffers::release);
                held.clear();
            }
            assertEquals(300, pool.allocated - before, "the first round allocates, the next 49 reuse");
        });
    }

    @Test
    void twoThousandBatchesInFlightAllocateOnlyOnceAndABurstIsLetGoLater() throws Exception {
        // 1,000 connections with two batches each: more than any fixed cap the pool had
        onAThreadOfItsOwn(() -> {
            int inFlight = 2000;
            List<SealBuffers.Buffer> held = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < inFlight; i++) {
                    held.add(SealBuffers.acquire());
                }
                held.forEach(SealBuffers::release);
                held.clear();
            }
            SealBuffers.Pool pool = SealBuffers.pool();
            assertEquals(inFlight, pool.allocated, "allocated in the first round only");
            // then a quiet loop: one batch at a time, for long enough that the peak decays
            for (int i = 0; i < 20 * SealBuffers.DECAY_INTERVAL; i++) {
                SealBuffers.release(SealBuffers.acquire());
            }
            assertTrue(pool.free.size() <= SealBuffers.MIN_POOLED + 8, "the burst's buffers are let go: " + pool.free.size());
            assertEquals(inFlight, pool.allocated, "and nothing was allocated meanwhile");
        });
    }

    /** Runs {@code body} on a new thread: a pool per thread, so each test starts with an empty one. */
    private static void onAThreadOfItsOwn(Runnable body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(body);
        t.setUncaughtExceptionHandler((th, e) -> failure[0] = e);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }
}

package org.diskcryptnet.netmap.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The buffer pool follows the number of connection objects unless it is set. */
class TcpConfigTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void theBufferPoolHoldsABlockPerConnectionObjectAndAtLeast64MiB() {
        assertEquals(64 * MIB, TcpConfig.builder().maxConnections(16).build().bufferPoolBytes);
        assertEquals(12_274L * BlockPool.BLOCK_SIZE, TcpConfig.builder().maxConnections(12_274).build().bufferPoolBytes);
    }

    @Test
    void aPoolSetStaysSetAndADerivedOneFollowsANewConnectionCount() {
        TcpConfig set = TcpConfig.builder().maxConnections(12_274).bufferPoolBytes(MIB).build();
        assertEquals(MIB, set.toBuilder().maxConnections(20_000).build().bufferPoolBytes);
        TcpConfig derived = TcpConfig.builder().build();
        assertEquals(20_000L * BlockPool.BLOCK_SIZE, derived.toBuilder().maxConnections(20_000).build().bufferPoolBytes);
    }
}

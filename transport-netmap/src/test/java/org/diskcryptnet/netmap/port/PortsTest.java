package org.diskcryptnet.netmap.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.diskcryptnet.netmap.port.linux.InternetChecksum;
import org.diskcryptnet.netmap.port.linux.VirtioNetHdr;
import org.diskcryptnet.netmap.port.testbed.Frames;
import org.diskcryptnet.netmap.port.testbed.TinyTcp;
import org.junit.jupiter.api.Test;

/** Port URIs, the probes' answers, the software ring state and the offload header, without the kernel. */
class PortsTest {

    @Test
    void urisOfEveryKindParseAndPrintBack() {
        assertEquals(new PortUri(PortUri.Kind.XDP, "eth0", 3), PortUri.parse("xdp:eth0@3"));
        assertEquals("xdp:eth0@3", PortUri.parse("xdp:eth0@3").toString());
        assertEquals("packet:veth1", PortUri.parse("packet:veth1").toString());
        assertEquals("tap:tap0", PortUri.parse("tap:tap0").toString());
        assertEquals("netmap:dcn{1", PortUri.parse("netmap:dcn{1").toString(), "a netmap pipe's master end");
        assertEquals("netmap:dcn}1", PortUri.parse("netmap:dcn}1").toString(), "and its slave end");
        assertEquals("netmap:vale0:p1", PortUri.parse("netmap:vale0:p1").toString());
    }

    @Test
    void badUrisSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("eth0")).getMessage().contains("not a port URI"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("dpdk:eth0")).getMessage().contains("unknown port kind"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("packet:eth0@1")).getMessage().contains("only xdp"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("xdp:eth0@x")).getMessage().contains("number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("tap:a-name-longer-than-15")).getMessage().contains("not an interface name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("tap:a{1")).getMessage().contains("not an interface name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PortUri.parse("netmap:a{b")).getMessage().contains("netmap port name"));
    }

    @Test
    void everyKindHasAProbeWithAReadableCause() {
        for (PortUri.Kind kind : PortUri.Kind.values()) {
            Throwable cause = Ports.unavailabilityCause(kind);
            assertEquals(cause == null, Ports.isAvailable(kind), kind.name());
            if (cause != null) {
                assertTrue(cause.getMessage() != null && !cause.getMessage().isBlank(), kind + ": " + cause);
            }
        }
    }

    @Test
    void pipeUrisOpenBothEndsOfOnePipe() {
        try (PacketPort a = Ports.open("pipe:dcnp-ports-test", PortOptions.defaults());
             PacketPort b = Ports.open("pipe:dcnp-ports-test", PortOptions.defaults())) {
            PacketRing tx = a.txRing(0);
            int slot = tx.head();
            tx.memory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, tx.offset(slot), (byte) 42);
            tx.length(slot, 60);
            tx.advance(tx.next(slot));
            a.txSync(0);
            b.rxSync(0);
            assertEquals(1, b.rxRing(0).space(), "the frame crossed the pipe");
            assertEquals(42, b.rxRing(0).memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, b.rxRing(0).offset(b.rxRing(0).head())));
        }
    }

    @Test
    void echoToolRefusesWhatItCannotServe() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        // offloads need a virtio-net header, which AF_XDP frames do not have (checked before any port is opened)
        int status = org.diskcryptnet.netmap.diag.EchoTool.run(java.util.List.of("--port", "xdp:t0", "--address",
                "198.18.70.2/24", "--listen", "7", "--offloads"), System.out, new java.io.PrintStream(err));
        assertEquals(org.diskcryptnet.netmap.diag.EchoTool.USAGE, status);
        assertTrue(err.toString().contains("--offloads is for tap: and packet:"), err.toString());
        err.reset();
        assertEquals(org.diskcryptnet.netmap.diag.EchoTool.USAGE, org.diskcryptnet.netmap.diag.EchoTool.run(
                java.util.List.of("--port", "pipe:x", "--address", "198.18.70.2/24", "--listen", "7"), System.out,
                new java.io.PrintStream(err)));
        assertTrue(err.toString().contains("pipe"), err.toString());
        err.reset();
        assertEquals(org.diskcryptnet.netmap.diag.EchoTool.USAGE, org.diskcryptnet.netmap.diag.EchoTool.run(
                java.util.List.of("--port", "tap:t0", "--address", "198.18.70.2", "--listen", "7"), System.out,
                new java.io.PrintStream(err)));
        assertTrue(err.toString().contains("prefix"), err.toString());
        err.reset();
        assertEquals(org.diskcryptnet.netmap.diag.EchoTool.USAGE, org.diskcryptnet.netmap.diag.EchoTool.run(
                java.util.List.of("--port", "tap:t0", "--address", "198.18.70.2/24", "--listen", "7", "--faults", "loss=2"),
                System.out, new java.io.PrintStream(err)));
        assertTrue(err.toString().contains("--faults") || err.toString().contains("probabil"), err.toString());
    }

    @Test
    void optionsRejectWhatNoRingCanBe() {
        assertThrows(IllegalArgumentException.class, () -> PortOptions.defaults().withRingSize(1000));
        assertThrows(IllegalArgumentException.class, () -> PortOptions.defaults().withQueues(-1));
    }

    @Test
    void offloadTxFramesHoldAboutTheBytesOfTheRingSizeInMtuFrames() {
        PortOptions defaults = PortOptions.defaults();
        assertEquals(1024, defaults.txFrames());
        assertEquals(32, defaults.withOffloads(true).txFrames());
        assertEquals(128, defaults.withRingSize(4096).withOffloads(true).txFrames());
        assertEquals(8, defaults.withRingSize(64).withOffloads(true).txFrames());
        assertEquals(64, defaults.withRingSize(64).txFrames());
    }

    @Test
    void slotRingKeepsNetmapOwnership() {
        try (Arena arena = Arena.ofConfined()) {
            SlotRing ring = new SlotRing(arena.allocate(4096), 8, 256, false);
            ring.tail(5);
            assertEquals(5, ring.space());
            ring.advance(3);
            assertEquals(2, ring.space());
            assertEquals(3, ring.cur(), "advance moves cur with head");
            assertThrows(IllegalArgumentException.class, () -> ring.advance(7), "past tail");
            assertThrows(IllegalArgumentException.class, () -> ring.advance(2), "backwards");
            ring.tail(1); // wrapped
            assertEquals(6, ring.space());
            ring.advance(0);
            assertEquals(1, ring.space());
            assertThrows(IllegalArgumentException.class, () -> ring.length(0, 257));
            assertThrows(UnsupportedOperationException.class, () -> ring.txOffload(0, 0), "no offloads on this ring");
        }
    }

    @Test
    void partialChecksumsAreCompletedAsTheKernelWould() {
        byte[] mac = {2, 0, 0, 0, 0, 1};
        int a = Frames.ip("198.18.70.2"), b = Frames.ip("198.18.70.1");
        byte[] payload = new byte[1001]; // odd length: the last byte is padded
        new java.util.Random(1).nextBytes(payload);
        byte[] partial = TinyTcp.segment(mac, mac, a, b, 1000, 2000, 7, 9, TinyTcp.ACK, payload, true);
        byte[] full = TinyTcp.segment(mac, mac, a, b, 1000, 2000, 7, 9, TinyTcp.ACK, payload, false);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(4096);
            long frame = 64;
            MemorySegment.copy(partial, 0, m, ValueLayout.JAVA_BYTE, frame, partial.length);
            // the header the kernel would send with a partial checksum: NEEDS_CSUM at the TCP header, field 16
            assertTrue(VirtioNetHdr.prepare(m, frame - VirtioNetHdr.SIZE, frame, partial.length, 0));
            assertEquals(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.flags(m, frame - VirtioNetHdr.SIZE));
            assertTrue(VirtioNetHdr.completeChecksum(m, frame - VirtioNetHdr.SIZE, frame, partial.length));
            byte[] completed = m.asSlice(frame, partial.length).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(java.util.HexFormat.of().formatHex(full), java.util.HexFormat.of().formatHex(completed));
            assertTrue(TinyTcp.checksumOk(completed));
            // and from the IPv4 header alone (AF_PACKET's TP_STATUS_CSUMNOTREADY carries no offsets)
            MemorySegment.copy(partial, 0, m, ValueLayout.JAVA_BYTE, frame, partial.length);
            assertTrue(VirtioNetHdr.completeIpv4Checksum(m, frame, partial.length));
            assertTrue(TinyTcp.checksumOk(m.asSlice(frame, partial.length).toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    @Test
    void offloadHeaderForALargeSegmentNamesItsHeaders() {
        byte[] mac = {2, 0, 0, 0, 0, 1};
        byte[] big = TinyTcp.segment(mac, mac, 1, 2, 1, 2, 0, 0, TinyTcp.ACK, new byte[9000], true);
        byte[] arp = Frames.arp(1, mac, 1, Frames.BROADCAST, 2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(16384);
            MemorySegment.copy(big, 0, m, ValueLayout.JAVA_BYTE, 16, big.length);
            assertTrue(VirtioNetHdr.prepare(m, 6, 16, big.length, 1448));
            assertEquals(VirtioNetHdr.GSO_TCPV4, VirtioNetHdr.gsoType(m, 6));
            assertEquals(14 + 20 + 20, m.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6 + 2), "hdr_len: all headers");
            assertEquals(1448, m.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6 + 4), "gso_size");
            assertEquals(34, m.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6 + 6), "csum_start: the TCP header");
            assertEquals(16, m.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6 + 8), "csum_offset: TCP's checksum field");
            MemorySegment.copy(arp, 0, m, ValueLayout.JAVA_BYTE, 16, arp.length);
            assertTrue(!VirtioNetHdr.prepare(m, 6, 16, arp.length, 0), "no offload for a frame that is not IPv4 TCP/UDP");
            assertEquals(0, VirtioNetHdr.flags(m, 6), "and the header says so");
        }
    }

    @Test
    void internetChecksumOfRfc1071Example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement), checksum 220d
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 0x00, (byte) 0x01, (byte) 0xf2, (byte) 0x03,
                    (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7);
            assertEquals(0x220d, InternetChecksum.fold(InternetChecksum.sum(m, 0, 8, 0)));
            assertEquals(0x220d, InternetChecksum.fold(InternetChecksum.sum(m, 0, 6, 0) + InternetChecksum.sum(m, 6, 2, 0)));
        }
    }
}

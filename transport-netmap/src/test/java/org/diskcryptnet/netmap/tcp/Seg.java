package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;

/**
 * A TCP segment as the tests write and compare it (smoltcp's TcpRepr): flags, numbers, window and options by
 * value, payload as bytes. Immutable-ish builder: every setter returns a copy, so fixtures can be templates.
 */
final class Seg {

    int srcPort = TcpTestbed.REMOTE_PORT;
    int dstPort = TcpTestbed.LOCAL_PORT;
    int flags;
    int seq;
    int ack;
    int window;
    int mss = -1;
    int windowScale = -1;
    boolean sackPermitted;
    boolean ts;
    int tsVal;
    int tsEcr;
    int[] sack = new int[0];
    byte[] payload = new byte[0];

    static Seg seg() {
        return new Seg();
    }

    private Seg copy() {
        Seg s = new Seg();
        s.srcPort = srcPort;
        s.dstPort = dstPort;
        s.flags = flags;
        s.seq = seq;
        s.ack = ack;
        s.window = window;
        s.mss = mss;
        s.windowScale = windowScale;
        s.sackPermitted = sackPermitted;
        s.ts = ts;
        s.tsVal = tsVal;
        s.tsEcr = tsEcr;
        s.sack = sack.clone();
        s.payload = payload.clone();
        return s;
    }

    Seg ports(int src, int dst) {
        Seg s = copy();
        s.srcPort = src;
        s.dstPort = dst;
        return s;
    }

    Seg flags(int f) {
        Seg s = copy();
        s.flags = f;
        return s;
    }

    Seg syn() {
        return flags(flags | TcpHeader.SYN);
    }

    Seg fin() {
        return flags(flags | TcpHeader.FIN);
    }

    Seg rst() {
        return flags(flags | TcpHeader.RST);
    }

    Seg psh() {
        return flags(flags | TcpHeader.PSH);
    }

    Seg noAck() {
        Seg s = flags(flags & ~TcpHeader.ACK);
        s.ack = 0;
        return s;
    }

    Seg seq(int v) {
        Seg s = copy();
        s.seq = v;
        return s;
    }

    Seg ack(int v) {
        Seg s = flags(flags | TcpHeader.ACK);
        s.ack = v;
        return s;
    }

    Seg win(int v) {
        Seg s = copy();
        s.window = v;
        return s;
    }

    Seg mss(int v) {
        Seg s = copy();
        s.mss = v;
        return s;
    }

    Seg ws(int v) {
        Seg s = copy();
        s.windowScale = v;
        return s;
    }

    Seg sackOk() {
        Seg s = copy();
        s.sackPermitted = true;
        return s;
    }

    Seg ts(int val, int ecr) {
        Seg s = copy();
        s.ts = true;
        s.tsVal = val;
        s.tsEcr = ecr;
        return s;
    }

    Seg noTs() {
        Seg s = copy();
        s.ts = false;
        s.tsVal = 0;
        s.tsEcr = 0;
        return s;
    }

    /** SACK blocks as left, right pairs. */
    Seg sack(int... edges) {
        Seg s = copy();
        s.sack = edges.clone();
        return s;
    }

    Seg noOptions() {
        Seg s = copy();
        s.mss = -1;
        s.windowScale = -1;
        s.sackPermitted = false;
        s.ts = false;
        s.tsVal = 0;
        s.tsEcr = 0;
        s.sack = new int[0];
        return s;
    }

    Seg data(byte[] bytes) {
        Seg s = copy();
        s.payload = bytes.clone();
        return s;
    }

    Seg data(String text) {
        return data(text.getBytes(StandardCharsets.US_ASCII));
    }

    int len() {
        return payload.length;
    }

    /** Writes the segment at {@code offset}; returns its length. Options in Linux's order. */
    int write(MemorySegment m, long offset) {
        long p = offset + TcpHeader.HEADER_LENGTH;
        if (mss >= 0) {
            p += TcpOptions.writeMss(m, p, mss);
        }
        if (sackPermitted && ts) {
            p += TcpOptions.writeSackPermittedAndTimestamps(m, p, tsVal, tsEcr);
        } else if (ts) {
            p += TcpOptions.writeTimestamps(m, p, tsVal, tsEcr);
        } else if (sackPermitted) {
            p += TcpOptions.writeSackPermitted(m, p);
        }
        if (windowScale >= 0) {
            p += TcpOptions.writeWindowScale(m, p, windowScale);
        }
        if (sack.length > 0) {
            int n = sack.length / 2;
            int[] l = new int[n];
            int[] r = new int[n];
            for (int i = 0; i < n; i++) {
                l[i] = sack[2 * i];
                r[i] = sack[2 * i + 1];
            }
            p += TcpOptions.writeSack(m, p, l, r, n);
        }
        int hl = (int) (p - offset);
        TcpHeader.write(m, offset, srcPort, dstPort, seq, ack, hl, flags, window);
        MemorySegment.copy(MemorySegment.ofArray(payload), 0, m, p, payload.length);
        return hl + payload.length;
    }

    static Seg parse(TcpHeader h) {
        Seg s = new Seg();
        s.srcPort = h.sourcePort();
        s.dstPort = h.destinationPort();
        s.flags = h.flags();
        s.seq = h.sequence();
        s.ack = (s.flags & TcpHeader.ACK) != 0 ? h.acknowledgment() : 0;
        s.window = h.window();
        TcpOptions o = h.options();
        s.mss = o.mss;
        s.windowScale = o.windowScale;
        s.sackPermitted = o.sackPermitted;
        s.ts = o.timestamps;
        s.tsVal = o.tsVal;
        s.tsEcr = o.tsEcr;
        s.sack = new int[o.sackBlocks * 2];
        for (int i = 0; i < o.sackBlocks; i++) {
            s.sack[2 * i] = o.sackLeft[i];
            s.sack[2 * i + 1] = o.sackRight[i];
        }
        s.payload = h.memory().asSlice(h.payloadOffset(), h.payloadLength()).toArray(ValueLayout.JAVA_BYTE);
        return s;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Seg s)) {
            return false;
        }
        return srcPort == s.srcPort && dstPort == s.dstPort && flags == s.flags && seq == s.seq && ack == s.ack
                && window == s.window && mss == s.mss && windowScale == s.windowScale
                && sackPermitted == s.sackPermitted && ts == s.ts && tsVal == s.tsVal && tsEcr == s.tsEcr
                && Arrays.equals(sack, s.sack) && Arrays.equals(payload, s.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(flags, seq, ack, window);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        if ((flags & TcpHeader.SYN) != 0) {
            sb.append("SYN ");
        }
        if ((flags & TcpHeader.FIN) != 0) {
            sb.append("FIN ");
        }
        if ((flags & TcpHeader.RST) != 0) {
            sb.append("RST ");
        }
        if ((flags & TcpHeader.PSH) != 0) {
            sb.append("PSH ");
        }
        sb.append(srcPort).append('>').append(dstPort);
        sb.append(" seq=").append(Integer.toUnsignedString(seq));
        if ((flags & TcpHeader.ACK) != 0) {
            sb.append(" ack=").append(Integer.toUnsignedString(ack));
        }
        sb.append(" win=").append(window);
        if (mss >= 0) {
            sb.append(" mss=").append(mss);
        }
        if (windowScale >= 0) {
            sb.append(" ws=").append(windowScale);
        }
        if (sackPermitted) {
            sb.append(" sackOK");
        }
        if (ts) {
            sb.append(" ts=").append(Integer.toUnsignedString(tsVal)).append('/').append(Integer.toUnsignedString(tsEcr));
        }
        if (sack.length > 0) {
            sb.append(" sack=");
            for (int i = 0; i < sack.length; i += 2) {
                sb.append(Integer.toUnsignedString(sack[i])).append('-').append(Integer.toUnsignedString(sack[i + 1])).append(' ');
            }
        }
        if (payload.length > 0) {
            sb.append(" len=").append(payload.length);
            if (payload.length <= 16) {
                sb.append(" \"").append(new String(payload, StandardCharsets.ISO_8859_1)).append('"');
            }
        }
        return sb.append(']').toString();
    }
}

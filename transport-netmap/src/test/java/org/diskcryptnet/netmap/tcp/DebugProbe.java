package org.diskcryptnet.netmap.tcp;

/** Temporary: reads internals for diagnosis. */
public final class DebugProbe {
    public static String state(TcpConnection c) {
        return c.state + " una=" + (c.sndUna - c.iss) + " nxt=" + (c.sndNxt - c.iss) + " max=" + (c.sndMax - c.iss)
                + " cwnd=" + c.cc.cwnd() + " ssth=" + c.cc.ssthresh() + " wnd=" + c.sndWnd + " rec=" + c.inRecovery
                + " dup=" + c.dupAcks + " rto=" + c.rtt.rto() / 1000 + "us back=" + c.rtt.backoffCount()
                + " rtxIn=" + (c.rtxDeadline == Long.MAX_VALUE ? "-" : (c.rtxDeadline - System.nanoTime()) / 1000 + "us")
                + " persist=" + c.persistMode + " sb=" + c.scoreboard.ranges() + " rcvNxt=" + (c.rcvNxt - c.irs)
                + " rcvWnd=" + (c.rcvAdv - c.rcvNxt) + " readable=" + c.receive.readable() + " ooo=" + c.receive.hasOutOfOrder()
                + " queued=" + (c.send.end() - Math.max(0, c.sndUnaOffset)) + " dirty=" + c.dirty;
    }
}

package org.diskcryptnet.netmap.stack;

import org.diskcryptnet.netmap.tcp.TcpCounters;
import org.diskcryptnet.netmap.wire.DropCounters;

/**
 * One loop's interface counters: plain longs written by the loop's thread and read at scrape time (possibly a
 * few packets stale), next to the loop's drops by reason and its TCP counters.
 */
public final class StackCounters {

    public long rxFrames;
    public long rxBytes;
    public long txFrames;
    public long txBytes;
    public long arpRequestsReceived;
    public long arpRepliesReceived;
    public long arpRequestsSent;
    public long arpRepliesSent;
    public long icmpEchoRequests;
    public long icmpEchoReplies;
    public long rxSyncs;
    public long txSyncs;

    private final DropCounters drops;
    private final TcpCounters tcp;

    StackCounters(DropCounters drops, TcpCounters tcp) {
        this.drops = drops;
        this.tcp = tcp;
    }

    public DropCounters drops() {
        return drops;
    }

    public TcpCounters tcp() {
        return tcp;
    }

    @Override
    public String toString() {
        return "rx " + rxFrames + " frames/" + rxBytes + " B, tx " + txFrames + " frames/" + txBytes + " B, arp req in/out "
                + arpRequestsReceived + "/" + arpRequestsSent + ", icmp echo " + icmpEchoRequests + "/"
                + icmpEchoReplies + ", drops " + drops + ", tcp " + tcp;
    }
}

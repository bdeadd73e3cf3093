package org.diskcryptnet.netmap.wire;

/**
 * Why the stack dropped a received frame or segment. Every drop is counted under one of these in
 * {@link DropCounters}; none is an error that stops the loop.
 */
public enum DropReason {
    // Ethernet
    ETHERNET_TRUNCATED("frame shorter than an Ethernet header"),
    NOT_FOR_US("destination MAC is neither ours nor broadcast"),
    UNSUPPORTED_ETHERTYPE("EtherType other than IPv4 or ARP (VLAN tags, IPv6, ...)"),
    // ARP
    ARP_MALFORMED("ARP packet truncated or not Ethernet/IPv4"),
    ARP_NOT_FOR_US("ARP for another address"),
    // IPv4
    IP_TRUNCATED("IPv4 packet shorter than its header or total length"),
    IP_BAD_VERSION("IP version is not 4"),
    IP_OPTIONS("IPv4 header carries options (IHL > 5)"),
    IP_BAD_CHECKSUM("IPv4 header checksum mismatch"),
    IP_BAD_LENGTH("IPv4 total length shorter than the header"),
    IP_FRAGMENT("IPv4 fragment (MF set or offset non-zero)"),
    IP_NOT_FOR_US("IPv4 destination is not our address"),
    IP_BAD_SOURCE("IPv4 source is unspecified, broadcast, multicast or ours"),
    IP_UNSUPPORTED_PROTOCOL("IP protocol other than TCP or ICMP"),
    // ICMP
    ICMP_MALFORMED("ICMP message truncated"),
    ICMP_BAD_CHECKSUM("ICMP checksum mismatch"),
    ICMP_UNSUPPORTED("ICMP type the stack does not handle"),
    // TCP, on the wire
    TCP_TRUNCATED("TCP segment shorter than its header"),
    TCP_BAD_OFFSET("TCP data offset below 5 words or past the segment"),
    TCP_BAD_CHECKSUM("TCP checksum mismatch"),
    TCP_BAD_OPTIONS("TCP option with a length that runs past the header"),
    TCP_BAD_FLAGS("TCP flag combination no stack sends (SYN with FIN or RST)"),
    TCP_BAD_PORT("TCP source or destination port 0"),
    // TCP, the state machine (RFC 9293 section 3.10.7)
    TCP_NO_LISTENER("segment to a closed port (answered with RST unless it is one)"),
    TCP_OUT_OF_WINDOW("segment not acceptable for the receive window (answered with ACK)"),
    TCP_PAWS("timestamp older than TS.Recent (RFC 7323 section 5)"),
    TCP_BAD_ACK("ACK outside the acceptable range (RFC 5961 section 5)"),
    TCP_RST_CHALLENGED("RST in the window but not at RCV.NXT (RFC 5961 section 3)"),
    TCP_SYN_CHALLENGED("SYN on a synchronized connection (RFC 5961 section 4)"),
    TCP_BACKLOG_FULL("SYN or handshake-completing ACK while the accept queue was full"),
    TCP_BAD_COOKIE("ACK for a listener that matched no connection and no valid SYN cookie (answered with RST): "
            + "mostly a late segment of a connection already closed"),
    TCP_COOKIE_LATER_SEGMENT("later segment of a SYN-cookie connection whose first one was lost (dropped, not reset)"),
    TCP_NO_CONNECTION_SLOT("no free connection object for a new connection"),
    TCP_REASSEMBLY_MEMORY("out-of-order or in-order data without buffer memory (per connection or per loop)"),
    TCP_REASSEMBLY_RANGES("out-of-order data past the per-connection limit of holes"),
    TCP_STATE("segment meaningless in the connection's state (e.g. no ACK bit)"),
    // Transmit side
    TX_RING_FULL("ARP or ICMP reply not sent: no free tx slot"),
    NEIGHBOUR_UNRESOLVED("frame not sent: next hop's MAC not known yet (ARP request sent)");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    private static final DropReason[] VALUES = values();

    static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }

    public static int count() {
        return VALUES.length;
    }
}

/**
 * The interface layer of the userspace stack: {@link org.diskcryptnet.netmap.stack.NetworkInterface} owns one
 * {@code PacketPort}'s rings and everything below TCP — Ethernet, ARP (answers, resolution, a bounded
 * {@link org.diskcryptnet.netmap.stack.NeighbourCache}), IPv4, ICMP echo — and hands TCP segments to its
 * {@link org.diskcryptnet.netmap.tcp.TcpLayer}. One interface per event loop, driven by
 * {@link org.diskcryptnet.netmap.stack.NetworkInterface#poll(long)}; nothing is shared between loops.
 */
package org.diskcryptnet.netmap.stack;

/**
 * Zero-copy flyweight views over frames in off-heap memory ({@code MemorySegment}, offset, length), in the style of
 * smoltcp's packet layer and Agrona's flyweights: {@link org.diskcryptnet.netmap.wire.EthernetFrame},
 * {@link org.diskcryptnet.netmap.wire.ArpPacket}, {@link org.diskcryptnet.netmap.wire.Ipv4Packet},
 * {@link org.diskcryptnet.netmap.wire.IcmpPacket}, {@link org.diskcryptnet.netmap.wire.TcpHeader} with
 * {@link org.diskcryptnet.netmap.wire.TcpOptions}. Each view's {@code wrap} checks lengths and fields first and
 * answers a {@link org.diskcryptnet.netmap.wire.DropReason} for anything malformed or unsupported; accessors and
 * the in-place builders come after. {@link org.diskcryptnet.netmap.wire.Checksum} is the Internet checksum
 * (RFC 1071) with incremental updates (RFC 1624). Views are reused: no allocation per frame.
 */
package org.diskcryptnet.netmap.wire;

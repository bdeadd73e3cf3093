/**
 * TCP (RFC 9293 and the RFCs listed in the README), as a pure state machine: a
 * {@link org.diskcryptnet.netmap.tcp.TcpLayer} per event loop takes segments and the current time as arguments
 * and emits segments through a {@link org.diskcryptnet.netmap.tcp.SegmentSink}; it owns no thread, does no I/O
 * and reads no clock. Applications (Netty channels, issue 7) use {@link org.diskcryptnet.netmap.tcp.TcpConnection}
 * and receive events through {@link org.diskcryptnet.netmap.tcp.TcpHandler} and
 * {@link org.diskcryptnet.netmap.tcp.TcpListenerHandler}. A connection's send queue holds in-memory bytes and
 * {@link org.diskcryptnet.netmap.tcp.SendSource}s, ranges produced on demand straight into the frame and produced
 * again on retransmission (issue 8). Connections, buffers and timers come from per-layer pools sized by
 * {@link org.diskcryptnet.netmap.tcp.TcpConfig}: no allocation per segment in steady state.
 */
package org.diskcryptnet.netmap.tcp;

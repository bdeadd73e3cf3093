/**
 * {@code pipe:NAME}: two {@code PacketPort}s joined in one process, the role of netmap's pipes — a frame sent on
 * one end is received on the other by swapping buffers between the rings, without copying. For tests and
 * benchmarks of the stack without a kernel.
 */
package org.diskcryptnet.netmap.port.pipe;

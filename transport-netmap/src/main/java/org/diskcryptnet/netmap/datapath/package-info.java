/**
 * The Disk|Crypt|Net send path (issue 8): file extents queued on a TCP connection
 * ({@link org.diskcryptnet.netmap.datapath.ExtentSource}, plain or as TLS records) are read from disk only when TCP
 * may send them, into the transmit frames (or a per-loop staging area where a port's buffers cannot take the read),
 * sealed in place, and read and sealed again, byte-identically, on loss. One
 * {@link org.diskcryptnet.netmap.datapath.DiskSendPath} per event loop batches the reads of all its connections
 * within a budget of file bytes between disk and wire. The hooks into TCP are the
 * {@link org.diskcryptnet.netmap.tcp.SendSource} contract (asynchronous production into a reserved frame) and its
 * {@link org.diskcryptnet.netmap.tcp.SendSource#unitBoundary} (segments end where TLS records end).
 */
package org.diskcryptnet.netmap.datapath;

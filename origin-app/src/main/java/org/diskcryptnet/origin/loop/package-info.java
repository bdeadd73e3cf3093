/**
 * The origin's event loops: Netty's I/O loops over the configured transport, with per-loop counters (tasks run,
 * I/O passes, wake-ups, the loop thread) that the metrics read at scrape time.
 */
package org.diskcryptnet.origin.loop;

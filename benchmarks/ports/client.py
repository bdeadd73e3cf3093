#!/usr/bin/env python3
"""Kernel-side TCP client of the port benchmark: sends to (sink) or reads from (source) `origin echo` for a fixed
time, after a warm-up, and prints bytes and seconds of the measured window. Bounded in time; one connection."""
import socket, sys, time

host, port, mode, warmup, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
s = socket.create_connection((host, port), timeout=10)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
buf = bytearray(1 << 20)
view = memoryview(buf)
start = time.time()
mark = None
counted = 0
while True:
    now = time.time()
    if mark is None and now - start >= warmup:
        mark = now
        print("MARK", flush=True)          # the harness samples the server's CPU time here
        counted = 0
    if mark is not None and now - mark >= seconds:
        break
    n = s.send(view) if mode == "sink" else s.recv_into(view)
    if n == 0:
        break
    counted += n
print("RESULT %d %.6f" % (counted, time.time() - mark), flush=True)
s.close()

#!/usr/bin/env bash
# The origin's HTTPS on the in-place record layer against its plain HTTP (sendfile) and against HTTPS on Netty's
# SslHandler, on the same objects, side by side (A B C A B C ...): server CPU-seconds per GB served.
#
#   benchmarks/tls/https-vs-http.sh [rounds=3] [seconds=8] [object_kb=300]
#
# Two origin JVMs (one with tls.record_layer: transport serving HTTP and HTTPS, one with tls.record_layer: sslhandler),
# wrk in its own network namespace over a veth pair (198.18.50.64/30), one wrk thread, 8 connections, keep-alive.
# Server CPU = utime+stime of the server process from /proc/PID/stat; bytes = the origin's body-bytes counter.
set -euo pipefail
rounds=${1:-3}; seconds=${2:-8}; kb=${3:-300}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib/jdk.sh"; dcn_find_jdk
java="$JAVA_HOME/bin/java"
work=$(mktemp -d /tmp/dcn-https-bench.XXXXXX)
ns=dcnt-bench-$$; hif=dcntb$$h; nif=dcntb$$n; srv=198.18.50.65; cli=198.18.50.66
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip link del "$hif" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip link add "$hif" type veth peer name "$nif"
ip link set "$nif" netns "$ns"
ip addr add "$srv/30" dev "$hif"; ip link set "$hif" up
ip netns exec "$ns" ip addr add "$cli/30" dev "$nif"
ip netns exec "$ns" ip link set "$nif" up; ip netns exec "$ns" ip link set lo up

mkdir -p "$work/root"
head -c $((kb * 1024)) /dev/urandom > "$work/root/chunk.m4s"
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 2 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

jar="$root/origin-app/target/origin-app.jar"
[ -f "$jar" ] || { echo "build first: ./scripts/mvn -pl origin-app -am package -DskipTests" >&2; exit 1; }
start_origin() { # name record_layer http https admin
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" serve --root "$work/root" --http "$3" --https "$4" \
    --admin "$5" --cert "$work/cert.pem" --key "$work/key.pem" --access-log off --event-loops 1 \
    --set tls.record_layer="$2" > "$work/$1.log" 2>&1 &
  pids+=($!); echo $! > "$work/$1.pid"
  for _ in $(seq 100); do grep -q admin "$work/$1.log" && return; sleep 0.1; done
  cat "$work/$1.log" >&2; exit 1
}
start_origin inplace transport "$srv:18520" "$srv:18521" "127.0.0.1:18522"
start_origin sslhandler sslhandler off "$srv:18523" "127.0.0.1:18524"
grep 'record layer' "$work/inplace.log" "$work/sslhandler.log" | sed 's/^/# /'

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
body_bytes() { curl -s "http://$1/metrics" | awk '/^http_server_response_body_bytes_total/ {print $2}'; }
hz=$(getconf CLK_TCK)

run() { # label pid admin url
  local t0 b0 t1 b1
  ip netns exec "$ns" wrk -t1 -c8 -d2s "$4" > /dev/null 2>&1   # warm-up
  t0=$(cpu_ticks "$2"); b0=$(body_bytes "$3")
  ip netns exec "$ns" wrk -t1 -c8 -d"${seconds}s" "$4" > "$work/wrk.out" 2>&1
  t1=$(cpu_ticks "$2"); b1=$(body_bytes "$3")
  awk -v l="$1" -v dt=$((t1 - t0)) -v hz="$hz" -v b0="$b0" -v b1="$b1" -v s="$seconds" 'BEGIN {
    gb = (b1 - b0) / 1e9; cpu = dt / hz;
    printf "%-22s %8.2f GB  %7.2f Gbit/s  %6.2f CPU-s  %6.3f CPU-s/GB\n", l, gb, gb * 8 / s, cpu, cpu / gb }'
}

echo "# $(date -u +%FT%TZ) $(nproc) vCPU, load: $(uptime | sed 's/.*load average: //'), object ${kb} KiB, ${seconds}s per run"
for r in $(seq "$rounds"); do
  run "http (sendfile)" "$(cat "$work/inplace.pid")" 127.0.0.1:18522 "http://$srv:18520/chunk.m4s"
  run "https in-place" "$(cat "$work/inplace.pid")" 127.0.0.1:18522 "https://$srv:18521/chunk.m4s"
  run "https SslHandler" "$(cat "$work/sslhandler.pid")" 127.0.0.1:18524 "https://$srv:18523/chunk.m4s"
done

#!/usr/bin/env bash
# Kernel peer over veth for each port type, next to kernel-to-kernel TCP (iperf3) on the same veth, in one run,
# interleaved round by round (A B A B ...). Prints one line per measurement and a summary with medians.
#   benchmarks/ports/run.sh [rounds] [seconds]
# Needs root (namespaces, AF_XDP, TAP). Uses 198.18.70.0/24 and TCP port 18799 only; removes what it made.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
secs=${2:-5}
S=dcnpb-s K=dcnpb-k
hz=$(getconf CLK_TCK)
cleanup() {
  [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true
  ip netns del $S 2>/dev/null || true
  ip netns del $K 2>/dev/null || true
}
trap cleanup EXIT
cleanup
"$root/origin" --help >/dev/null   # builds the launcher's jar once, outside the measurements
ip netns add $S; ip netns add $K
ip -n $S link set lo up; ip -n $K link set lo up
ip -n $S link add dcnps0 type veth peer name dcnpk0 netns $K
ip netns exec $S sysctl -qw net.ipv6.conf.dcnps0.disable_ipv6=1
ip -n $S link set dcnps0 up; ip -n $K link set dcnpk0 up
ip -n $K addr add 198.18.70.1/24 dev dcnpk0

cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }

# iperf3 kernel-to-kernel on the same veth: the server side owns 198.18.70.2 for the duration
measure_iperf() {
  local dir=$1
  ip -n $S addr add 198.18.70.2/24 dev dcnps0
  ethtool -K dcnpk0 tx on tso on gso on >/dev/null 2>&1 || ip netns exec $K ethtool -K dcnpk0 tx on tso on gso on >/dev/null
  ip netns exec $S iperf3 -s -1 -p 18799 >/tmp/dcnpb-iperf.out 2>&1 & srv=$!
  sleep 0.5
  local rev=""; [ "$dir" = source ] && rev="-R"
  local out
  out=$(ip netns exec $K timeout $((secs + 20)) iperf3 -c 198.18.70.2 -p 18799 -t "$secs" $rev -J)
  wait $srv 2>/dev/null || true; srv=
  ip -n $S addr del 198.18.70.2/24 dev dcnps0
  local bytes seconds ticks
  # the server's CPU: iperf3's own remote_total (percent of one CPU over the test), as ticks
  read -r bytes seconds ticks < <(echo "$out" | python3 -c "
import json,sys; e=json.load(sys.stdin)['end']; r=e['sum_received']
print(int(r['bytes']), r['seconds'], int(e['cpu_utilization_percent']['remote_total'] / 100 * r['seconds'] * $hz))")
  report "iperf3-kernel" "$dir" "$bytes" "$seconds" "$ticks"
}

# origin echo over a port: sink (kernel sends) or source (stack sends)
measure_port() {
  local name=$1 uri=$2 flags=$3 dir=$4 ns=$S client_ns=$K
  if [ "$name" = tap ]; then client_ns=$S; fi
  case "$name" in
    xdp*) ip netns exec $K ethtool -K dcnpk0 tx off >/dev/null ;;
    packet) ip netns exec $K ethtool -K dcnpk0 tx on tso off gso off >/dev/null ;;
  esac
  ip netns exec $ns "$root/origin" echo --port "$uri" $flags --address 198.18.70.2/24 --listen 18799 --mode "$dir" --quiet \
      > /tmp/dcnpb-echo.out 2>&1 & srv=$!
  for _ in $(seq 100); do grep -q " on " /tmp/dcnpb-echo.out 2>/dev/null && break; sleep 0.1; done
  if [ "$name" = tap ]; then
    ip netns exec $S sysctl -qw net.ipv6.conf.dcnptap0.disable_ipv6=1
    ip -n $S addr add 198.18.70.1/24 dev dcnptap0; ip -n $S link set dcnptap0 up
  fi
  for _ in $(seq 100); do ip netns exec $client_ns ping -c1 -W1 198.18.70.2 >/dev/null 2>&1 && break; sleep 0.1; done
  local c0=0 line bytes seconds
  exec 3< <(ip netns exec $client_ns timeout $((secs + 30)) python3 "$root/benchmarks/ports/client.py" 198.18.70.2 18799 "$dir" 2 "$secs")
  while read -r line <&3; do
    case "$line" in
      MARK) c0=$(cpu_ticks $srv) ;;
      RESULT*) set -- $line; bytes=$2; seconds=$3 ;;
    esac
  done
  exec 3<&-
  local c1; c1=$(cpu_ticks $srv)
  kill $srv; wait $srv 2>/dev/null || true; srv=
  report "$name" "$dir" "${bytes:-0}" "${seconds:-1}" $((c1 - c0))
}

report() { # name dir bytes seconds cpu_ticks
  python3 - "$@" "$hz" <<'PY'
import sys
name, d, b, s, t, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
gb = b / 1e9
print("RESULT %-14s %-6s %8.2f Gbit/s  %7.3f CPU-s/GB  (%d B in %.1f s, server %.2f CPU-s)" % (
    name, d, b * 8 / s / 1e9, (t / hz) / gb if gb else float('nan'), b, s, t / hz), flush=True)
PY
}

echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) vCPU, load: $(uptime | sed 's/.*load average: //')"
for r in $(seq "$rounds"); do
  for dir in source sink; do
    measure_iperf $dir
    measure_port xdp-native xdp:dcnps0 "--xdp-mode native" $dir
    measure_port xdp-generic xdp:dcnps0 "--xdp-mode generic" $dir
    measure_port packet packet:dcnps0 "" $dir
    measure_port tap tap:dcnptap0 "" $dir
  done
done
echo "# load after: $(uptime | sed 's/.*load average: //')"

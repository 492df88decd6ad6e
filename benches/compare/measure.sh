#!/usr/bin/env bash
# Runs inside one private network namespace (benches/compare-qt5 starts it):
# the same work for both programs, alternating, raw results into $OUT.
set -euo pipefail
OURS=$1 QT=$2 OUT=$3 FLOOR=$4
SIZES=${QNS_COMPARE_SIZES:-10 100 1000 5000}
IDLE=${QNS_COMPARE_IDLE_SECONDS:-60}
QT_DEFAULT_CHANGES=${QNS_COMPARE_QT_DEFAULT_CHANGES:-10}

make_cmp0() {
  ip link del cmp0 2>/dev/null || true
  ip link add cmp0 type veth peer name cmp1
  # Without IPv6 the address experiment means the same to both: Qt counts an
  # IPv6 link-local address as "has an address", which would hide the change.
  sysctl -qw net.ipv6.conf.cmp0.disable_ipv6=1
  ip link set cmp1 up
  ip addr add 10.99.0.1/24 dev cmp0
  ip link set cmp0 up
  ip route replace default via 10.99.0.2 dev cmp0
  sleep 0.2
}

interfaces() { # N: ifb devices besides cmp0 and its peer
  ip -o link show | awk -F': ' '{print $2}' | grep '^ifb' | sed 's/^/link del /' > /tmp/qns-cmp-del.batch || true
  [ -s /tmp/qns-cmp-del.batch ] && ip -batch /tmp/qns-cmp-del.batch
  seq 1 "$1" | sed 's/^/link add ifb/; s/$/ type ifb/' > /tmp/qns-cmp-add.batch
  [ "$1" -gt 0 ] && ip -batch /tmp/qns-cmp-add.batch
  true
}

ip link set lo up
make_cmp0
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" > "$OUT/machine.txt"

echo "latency (alternating ours / Qt at a 100 ms poll)..." >&2
: > "$OUT/latency-link-ours.txt"; : > "$OUT/latency-link-qt100.txt"
: > "$OUT/latency-addr-ours.txt"; : > "$OUT/latency-addr-qt100.txt"
for round in 1 2; do
  "$OURS" latency link 100 >> "$OUT/latency-link-ours.txt"
  QT_BEARER_POLL_TIMEOUT=100 "$QT" latency link 60 2000 >> "$OUT/latency-link-qt100.txt"
  "$OURS" latency addr 100 >> "$OUT/latency-addr-ours.txt"
  QT_BEARER_POLL_TIMEOUT=100 "$QT" latency addr 60 2000 >> "$OUT/latency-addr-qt100.txt"
done
echo "latency of Qt at its default 10 s poll ($QT_DEFAULT_CHANGES changes, up to 10 s each)..." >&2
"$QT" latency link "$QT_DEFAULT_CHANGES" 30000 > "$OUT/latency-link-qtdefault.txt"

echo "latency and start-up against the number of links ($SIZES)..." >&2
for n in $SIZES; do
  interfaces $((n - 2))
  sleep 0.5
  : > "$OUT/links-$n-ours.txt"; : > "$OUT/links-$n-qt100.txt"
  for half in 1 2; do
    "$OURS" latency addr 60 >> "$OUT/links-$n-ours.txt"
    QT_BEARER_POLL_TIMEOUT=100 "$QT" latency addr 16 5000 >> "$OUT/links-$n-qt100.txt"
  done
  : > "$OUT/startup-$n-ours.txt"; : > "$OUT/startup-$n-qt.txt"; : > "$OUT/startup-$n-floor.txt"
  for run in 1 2 3 4 5; do
    "$OURS" startup >> "$OUT/startup-$n-ours.txt"
    "$QT" startup >> "$OUT/startup-$n-qt.txt"
    "$FLOOR" >> "$OUT/startup-$n-floor.txt"
  done
done

echo "idle ${IDLE} s with 100 interfaces, both at once..." >&2
interfaces 99
"$OURS" idle "$IDLE" > "$OUT/idle-ours.txt" &
"$QT" idle "$IDLE" > "$OUT/idle-qt.txt" &
wait
interfaces 0

echo "session open+close and memory..." >&2
: > "$OUT/cycles-ours.txt"; : > "$OUT/cycles-qt.txt"; : > "$OUT/memory-ours.txt"; : > "$OUT/memory-qt.txt"
for run in 1 2 3; do
  "$OURS" cycles 2000000 >> "$OUT/cycles-ours.txt"
  "$QT" cycles 200000 >> "$OUT/cycles-qt.txt"
  "$OURS" memory 10000 >> "$OUT/memory-ours.txt"
  "$QT" memory 10000 >> "$OUT/memory-qt.txt"
done

echo "signal traces..." >&2
make_cmp0
"$OURS" trace > "$OUT/trace-ours.txt"
make_cmp0
QT_BEARER_POLL_TIMEOUT=100 "$QT" trace > "$OUT/trace-qt100.txt"

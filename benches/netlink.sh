#!/usr/bin/env bash
# Netlink backend numbers (root; private network namespaces):
#  - address loss -> a session's stateChanged at 10/100/1000/5000 links,
#  - start-up at the same sizes next to the floor (benches/netlink_floor.c:
#    the same dumps, replies only read), five fresh processes each,
#  - heap per configuration record and per open session at 5000 links,
#  - idle wake-ups, flood throughput and capacity at 10 vs 2500 addresses.
# Sizes run side by side, alternating, in one namespace per size, so their
# ratios come from one run. QNS_IDLE_SECONDS (default 60; 0 skips) shortens
# the idle run; QNS_BENCH_OUT keeps the raw results (default build/bench/netlink).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "benches/netlink.sh needs root (network namespaces)"; exit 1; }
cmake -S . -B build/bench -DQNS_BUILD_TESTS=OFF -DQNS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench >/dev/null 2>&1
lib=build/bench/cargo/release
cc -O2 -std=c11 -Iinclude benches/netlink_bench.c -o build/bench/netlink_bench -L"$lib" -lqnetworksession -Wl,-rpath,"$PWD/$lib"
cc -O2 -std=c11 benches/netlink_floor.c -o build/bench/netlink_floor
bench=$PWD/build/bench/netlink_bench floor=$PWD/build/bench/netlink_floor
out=${QNS_BENCH_OUT:-build/bench/netlink}
mkdir -p "$out"
SIZES=${QNS_BENCH_SIZES:-10 100 1000 5000}
echo "machine: $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# One namespace per size: lat0 (IPv4 only, its peer up) and ifb links up to n.
cleanup() { for n in $SIZES; do ip netns del "qnsb$n" 2>/dev/null || true; done; }
trap cleanup EXIT
for n in $SIZES; do
  ns=qnsb$n
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip netns exec "$ns" sh -c "ip link set lo up; ip link add lat0 type veth peer name lat1; \
    echo 1 > /proc/sys/net/ipv6/conf/lat0/disable_ipv6; ip link set lat1 up; \
    ip addr add 10.0.0.1/24 dev lat0; ip link set lat0 up"
  seq 1 $((n - 2)) | sed 's/^/link add ifb/; s/$/ type ifb/' > /tmp/qns-links.batch
  [ "$n" -gt 2 ] && ip -n "$ns" -batch /tmp/qns-links.batch
done
sleep 0.5

: > "$out/addr.txt"; : > "$out/startup.txt"
for round in 1 2 3; do
  for n in $SIZES; do
    ip netns exec "qnsb$n" "$bench" addr 100 | sed "s/^/links $n /" >> "$out/addr.txt"
  done
done
for round in 1 2 3 4 5; do
  for n in $SIZES; do
    ip netns exec "qnsb$n" "$bench" startup | sed "s/^/links $n ours /" >> "$out/startup.txt"
    ip netns exec "qnsb$n" "$floor" | sed "s/^/links $n floor /" >> "$out/startup.txt"
  done
done
last=${SIZES##* }
ip netns exec "qnsb$last" "$bench" memory 10000 | sed "s/^/links $last /" > "$out/memory.txt"
cat "$out/addr.txt" "$out/startup.txt" "$out/memory.txt"

/usr/bin/python3 - "$out" "$SIZES" <<'PY'
import re, statistics, sys
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split()]
addr, start = open(f"{out}/addr.txt").read(), open(f"{out}/startup.txt").read()
def med(pattern, text):
    values = [float(v) for v in re.findall(pattern, text, re.M)]
    return statistics.median(values) if values else float("nan")
print("\nmedians over the rounds (ratios are side by side in this run):")
base = {}
for n in sizes:
    m = med(rf"^links {n} addr .* median ([0-9.]+) us", addr)
    mean = med(rf"^links {n} addr .* mean ([0-9.]+) us", addr)
    ours = med(rf"^links {n} ours startup ([0-9.]+) ms", start)
    fl = med(rf"^links {n} floor floor ([0-9.]+) ms", start)
    base.setdefault("m", m); base.setdefault("mean", mean)
    print(f"  {n:>5} links: address loss -> session median {m:7.1f} us ({m / base['m']:.2f}x of {sizes[0]}), "
          f"mean {mean:7.1f} us ({mean / base['mean']:.2f}x); start-up {ours:6.2f} ms, floor {fl:6.2f} ms, "
          f"ratio {ours / fl:.2f}")
PY

if [ "${QNS_IDLE_SECONDS:-60}" -gt 0 ]; then
  idle_ns=qnsb100; [[ " $SIZES " == *" 100 "* ]] || idle_ns=qnsb${SIZES%% *}
  ip netns exec "$idle_ns" "$bench" idle "${QNS_IDLE_SECONDS:-60}" | tee "$out/idle.txt"
fi
[ "${QNS_BENCH_FLOOD:-1}" = 0 ] || cargo bench --quiet --bench netlink_flood | tee "$out/flood.txt"

#!/usr/bin/env bash
# Netlink backend numbers, each in a fresh private network namespace (root):
# notification latency, start-up time and peak RSS at 10/100/1000 interfaces,
# idle wake-ups, flood throughput. QNS_IDLE_SECONDS shortens the idle run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "benches/netlink.sh needs root (network namespaces)"; exit 1; }
cmake -S . -B build/bench -DQNS_BUILD_TESTS=OFF -DQNS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench >/dev/null 2>&1
lib=build/bench/cargo/release
cc -O2 -std=c11 -Iinclude benches/netlink_bench.c -o build/bench/netlink_bench -L"$lib" -lqnetworksession -Wl,-rpath,"$PWD/$lib"
bench=build/bench/netlink_bench
echo "machine: $(nproc) cores, kernel $(uname -r)"

unshare -n sh -c "ip link set lo up; ip link add lat0 type veth peer name lat1; ip link set lat1 up; \
  ip addr add 10.0.0.1/24 dev lat0; ip link set lat0 up; sleep 0.2; $bench latency 200"

# Start-up: five fresh processes per size, the median of them.
for n in 10 100 1000; do
  unshare -n sh -c "ip link set lo up; for i in \$(seq 1 $n); do echo link add ifb\$i type ifb; done > /tmp/qns-links.batch; \
    ip -batch /tmp/qns-links.batch; for r in 1 2 3 4 5; do $bench startup; done" |
    sort -t' ' -k6 -g | sed -n 3p | sed 's/^/median of 5: /'
done

unshare -n sh -c "for i in \$(seq 1 100); do echo link add ifb\$i type ifb; done > /tmp/qns-links.batch; \
  ip -batch /tmp/qns-links.batch; $bench idle ${QNS_IDLE_SECONDS:-60}"

cargo bench --quiet --bench netlink_flood

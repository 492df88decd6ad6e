#!/usr/bin/env bash
# Reachability change -> callback latency (issue 11), without and with the
# connectivity check against a server answering 204 in the same namespace.
# Needs root. usage: benches/reachability.sh [CHANGES]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-400}
cargo build --release --lib --quiet
lib=$PWD/target/release
ln -sf libqnetworksession.so "$lib/libqnetworksession.so.0"
mkdir -p build/bench
cc -O2 -std=c11 -Iinclude benches/reachability_bench.c -o build/bench/reachability_bench \
  -L"$lib" -lqnetworksession -Wl,-rpath,"$lib"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
unshare -n bash -c '
set -e
ip link set lo up
ip link add r0 type veth peer name r1
echo 1 > /proc/sys/net/ipv6/conf/r0/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/r1/disable_ipv6
ip link set r1 up && ip link set r0 up && ip addr add 10.40.0.1/24 dev r0
python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer((\"10.40.0.1\", 8204), H).serve_forever()
" &
server=$!
trap "kill $server" EXIT
sleep 0.5
build/bench/reachability_bench r0 10.40.0.2 '"$n"'
build/bench/reachability_bench r0 10.40.0.2 '"$n"' http://10.40.0.1:8204/generate_204
'

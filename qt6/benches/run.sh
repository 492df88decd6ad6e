#!/usr/bin/env bash
# Builds (release) and runs the Qt 6 library's benchmarks; prints numbers.
#   qt6/benches/run.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/bench-qt6 -DCMAKE_BUILD_TYPE=Release -DQNS_BUILD_QT6=ON \
      -DQNS_BUILD_TESTS=OFF -DQNS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench-qt6 -j2 --target qt6_bench >/dev/null
bench=build/bench-qt6/qt6/benches/qt6_bench
export QNS_BACKEND=simulated
"$bench" latency "${1:-3000}"
"$bench" memory-qt
"$bench" memory-c

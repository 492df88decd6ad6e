#!/usr/bin/env bash
# Builds the library and the qns-monitor demo, then runs it. Arguments go to
# qns-monitor (try --help); without any it plays the simulated roaming scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
log=build/demo-build.log
mkdir -p build
{ cmake -S . -B build/demo -DQNS_BUILD_TESTS=OFF && cmake --build build/demo -j"$(nproc)"; } >"$log" 2>&1 \
  || { cat "$log"; exit 1; }
if [ $# -eq 0 ]; then set -- --backend simulated; fi
exec build/demo/examples/qns-monitor "$@"

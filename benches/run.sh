#!/usr/bin/env bash
# Prints the core benchmark numbers (release build, simulated backend).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(uname -r), $(rustc --version)"
cargo bench --quiet --bench core

#!/usr/bin/env bash
# Prints the core benchmark numbers (release build, simulated backend) and
# the connectivity check's (local servers on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(uname -r), $(rustc --version)"
cargo bench --quiet --bench core
cargo bench --quiet --bench connectivity

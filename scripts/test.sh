#!/usr/bin/env bash
# Runs every test: formatting and lints, Rust tests, the header drift check,
# and the C tests three ways (plain, ASan+UBSan, valgrind).
# On a fresh Debian machine (as root) it installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== cargo fmt / clippy"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings

echo "== Rust tests"
cargo test --quiet --lib --tests

echo "== header is up to date"
cbindgen --config cbindgen.toml --crate qnetworksession --output target/qnetworksession.h --quiet
diff -u include/qnetworksession.h target/qnetworksession.h

run_ctest() { # build-dir, extra cmake args...
  local dir=$1; shift
  echo "== C tests: $dir $*"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  ctest --test-dir "$dir" --output-on-failure -j2
}
# The fuzzer (c-tests/test_fuzz.c) runs 20 s in the plain build (issue 8),
# a few seconds under ASan and valgrind (slow); benches/fuzz.sh runs it longer.
run_ctest build/test -DQNS_FUZZ_SECONDS=20
run_ctest build/asan -DQNS_SANITIZE=ON -DQNS_FUZZ_SECONDS=4
QNS_STRESS_SECONDS=${QNS_STRESS_SECONDS:-2} run_ctest build/valgrind -DQNS_VALGRIND=ON -DQNS_FUZZ_SECONDS=3
scripts/test-install.sh
echo "== all tests passed"

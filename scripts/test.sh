#!/usr/bin/env bash
# Runs every test: formatting and lints, Rust tests, the header drift check,
# the C tests three ways (plain, ASan+UBSan, valgrind), the Qt 6 library's
# tests (plain and ASan+UBSan) and Qt 5.15's own bearer autotests against it.
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
# The Qt 6 library: AUTO elsewhere, required on CI (install-deps.sh installs Qt 6).
qt6=AUTO
if [ "${CI:-}" = true ]; then qt6=ON; fi
# The fuzzer (c-tests/test_fuzz.c) runs 20 s in the plain build (issue 8),
# a few seconds under ASan and valgrind (slow); benches/fuzz.sh runs it longer.
run_ctest build/test -DQNS_FUZZ_SECONDS=20 -DQNS_BUILD_QT6=$qt6
run_ctest build/asan -DQNS_SANITIZE=ON -DQNS_FUZZ_SECONDS=4 -DQNS_BUILD_QT6=$qt6
QNS_STRESS_SECONDS=${QNS_STRESS_SECONDS:-2} run_ctest build/valgrind -DQNS_VALGRIND=ON -DQNS_FUZZ_SECONDS=3 -DQNS_BUILD_QT6=OFF
scripts/test-install.sh

# Qt 5.15.8's bearer autotests (fetched from Debian's source package) against
# the Qt 6 library, plain and under ASan+UBSan; root for network namespaces.
if [ -d build/test/qt6 ] && [ "$(id -u)" -eq 0 ]; then
  echo "== Qt's bearer autotests"
  qt6/tests/upstream/run.sh build/test
  echo "== Qt's bearer autotests, ASan+UBSan"
  qt6/tests/upstream/run.sh --sanitize build/asan
elif [ "${CI:-}" = true ]; then
  echo "Qt's bearer autotests need root and the Qt 6 library" >&2; exit 1
else
  echo "== Qt's bearer autotests: skipped (need root and Qt 6)"
fi
echo "== all tests passed"

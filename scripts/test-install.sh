#!/usr/bin/env bash
# Installs into staging prefixes and builds the downstream projects against
# them: find_package (shared, static, C++), a too-new version request that
# must fail, and a plain Makefile with pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-install: $*" >&2; exit 1; }

cmake -S . -B build/install -DQNS_BUILD_TESTS=OFF -DQNS_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build/install >/dev/null 2>&1

echo "== install with DESTDIR and prefix /usr (Debian multiarch libdir)"
DESTDIR="$tmp/destdir" cmake --install build/install >/dev/null
multiarch=$(gcc -print-multiarch)
libdir="$tmp/destdir/usr/lib/$multiarch"
[ -f "$libdir/libqnetworksession.so.0.1.0" ] || fail "no $libdir/libqnetworksession.so.0.1.0"
[ "$(readlink "$libdir/libqnetworksession.so.0")" = libqnetworksession.so.0.1.0 ] || fail "bad .so.0 link"
[ "$(readlink "$libdir/libqnetworksession.so")" = libqnetworksession.so.0 ] || fail "bad .so link"
[ -f "$libdir/libqnetworksession.a" ] || fail "no static library"
[ -f "$tmp/destdir/usr/include/qnetworksession.h" ] || fail "no header"
readelf -d "$libdir/libqnetworksession.so.0.1.0" | grep -q 'SONAME.*\[libqnetworksession.so.0\]' || fail "wrong SONAME"

echo "== install with another prefix (plain lib/)"
cmake -S . -B build/install-opt -DQNS_BUILD_TESTS=OFF -DQNS_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$tmp/opt" >/dev/null
cmake --build build/install-opt >/dev/null 2>&1
cmake --install build/install-opt >/dev/null
[ -f "$tmp/opt/lib/libqnetworksession.so.0.1.0" ] || fail "no lib/ under a non-/usr prefix"

# The DESTDIR tree is used where it lies, which also proves relocatability.
prefix="$tmp/destdir/usr"
echo "== downstream find_package against $prefix"
cmake -S c-tests/downstream -B "$tmp/down" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/down" >/dev/null
ctest --test-dir "$tmp/down" --output-on-failure

for too_new in 0.2 1.0; do
  if cmake -S c-tests/downstream -B "$tmp/down-$too_new" -DCMAKE_PREFIX_PATH="$prefix" \
       -DQNS_REQUEST_VERSION=$too_new >/dev/null 2>&1; then
    fail "find_package(QNetworkSession $too_new) succeeded against 0.1.0"
  fi
done
echo "find_package of 0.2 and 1.0 refused, as they must be"

echo "== downstream Makefile with pkg-config"
cp c-tests/downstream/Makefile c-tests/downstream/use_library.c "$tmp/"
PKG_CONFIG_PATH="$libdir/pkgconfig" make -s -C "$tmp" check
qt6=0
if [ -f "$libdir/libQNetworkSessionQt6.so.0.1.0" ]; then
  echo "== the Qt 6 library: installed files"
  [ "$(readlink "$libdir/libQNetworkSessionQt6.so.0")" = libQNetworkSessionQt6.so.0.1.0 ] || fail "bad Qt6 .so.0 link"
  readelf -d "$libdir/libQNetworkSessionQt6.so.0.1.0" | grep -q 'SONAME.*\[libQNetworkSessionQt6.so.0\]' ||
    fail "wrong Qt6 SONAME"
  inc=$tmp/destdir/usr/include
  for h in QNetworkSession QNetworkConfigurationManager QNetworkConfiguration \
           QtNetwork/QNetworkSession QtNetwork/qnetworksession.h QtNetwork/qnetworkconfigmanager.h \
           QtNetwork/qnetworkconfiguration.h private/qnetworksession_p.h; do
    [ -f "$inc/qnetworksession-qt6/$h" ] || fail "no qnetworksession-qt6/$h"
  done
  # The C header keeps its name; no Qt header shadows it.
  grep -q '^#define QNETWORKSESSION_H' "$inc/qnetworksession.h" || fail "qnetworksession.h is not the C header"
  [ ! -e "$inc/qnetworksession-qt6/qnetworksession.h" ] || fail "a Qt header named qnetworksession.h on the include path"
  [ -f "$libdir/cmake/QNetworkSessionQt6/QNetworkSessionQt6Config.cmake" ] || fail "no QNetworkSessionQt6Config.cmake"
  [ -f "$libdir/pkgconfig/qnetworksession-qt6.pc" ] || fail "no qnetworksession-qt6.pc"

  echo "== the Qt 6 library: downstream find_package against $prefix"
  cmake -S qt6/tests/downstream -B "$tmp/down-qt6" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$tmp/down-qt6" >/dev/null
  ctest --test-dir "$tmp/down-qt6" --output-on-failure

  echo "== the Qt 6 library: downstream Makefile with pkg-config"
  mkdir -p "$tmp/qt6make"
  cp qt6/tests/downstream/Makefile qt6/tests/downstream/bearer_app.cpp "$tmp/qt6make/"
  PKG_CONFIG_PATH="$libdir/pkgconfig" LD_LIBRARY_PATH="$libdir" make -s -C "$tmp/qt6make" check
  qt6=2
elif [ "${CI:-}" = true ]; then
  fail "the Qt 6 library was not built (qt6-base-dev missing?)"
fi
echo "install: $((5 + qt6)) passed, 0 failed"

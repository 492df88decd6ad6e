#!/usr/bin/env bash
# Installs what building and testing need and a fresh machine lacks:
# cmake, valgrind, pkg-config, qt6-base-dev (the Qt 6 library), xz-utils
# (unpacking Qt's test sources) (Debian packages) and cbindgen 0.29.4
# (pinned: Debian's is too old for #[unsafe(no_mangle)]). Safe to run repeatedly.
# With --build-only: just what building and running the library needs.
set -euo pipefail
CBINDGEN_VERSION=0.29.4
build_only=${1:-}
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v ip >/dev/null || missing+=(iproute2)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
installed qt6-base-dev || missing+=(qt6-base-dev)
if [ "$build_only" != --build-only ]; then
  command -v valgrind >/dev/null || missing+=(valgrind)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  command -v xz >/dev/null || missing+=(xz-utils)
  installed debian-archive-keyring || missing+=(debian-archive-keyring)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$build_only" != --build-only ] && ! cbindgen --version 2>/dev/null | grep -q " $CBINDGEN_VERSION\$"; then
  cargo install --quiet --locked cbindgen --version "$CBINDGEN_VERSION"
fi

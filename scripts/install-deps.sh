#!/usr/bin/env bash
# Installs what building and testing need and a fresh machine lacks:
# cmake, valgrind, pkg-config, qt6-base-dev (the Qt 6 library), xz-utils
# (unpacking Qt's test sources), libdbus-1-dev (the NetworkManager backend),
# dbus and python3-dbusmock (the fake NetworkManager the tests run against)
# as Debian packages, and cbindgen 0.29.4 (pinned: Debian's is too old for
# #[unsafe(no_mangle)]). Safe to run repeatedly.
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
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists dbus-1 2>/dev/null || missing+=(libdbus-1-dev)
if [ "$build_only" != --build-only ]; then
  command -v valgrind >/dev/null || missing+=(valgrind)
  command -v xz >/dev/null || missing+=(xz-utils)
  installed debian-archive-keyring || missing+=(debian-archive-keyring)
  command -v dbus-daemon >/dev/null || missing+=(dbus-daemon)
  # Debian's own interpreter: the tests' fake NetworkManager is a dbusmock template.
  /usr/bin/python3 -c 'import dbusmock' 2>/dev/null || missing+=(python3-dbusmock)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi
if [ "$build_only" != --build-only ] && ! cbindgen --version 2>/dev/null | grep -q " $CBINDGEN_VERSION\$"; then
  cargo install --quiet --locked cbindgen --version "$CBINDGEN_VERSION"
fi

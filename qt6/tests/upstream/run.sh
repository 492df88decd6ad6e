#!/usr/bin/env bash
# Qt 5.15.8's own bearer autotests against Qt 6 and libQNetworkSessionQt6.
#
#   qt6/tests/upstream/run.sh [--sanitize] BUILD_DIR
#
# BUILD_DIR is a top-level build directory configured with QNS_BUILD_QT6=ON
# and built. As root (network namespaces), this script:
#  1. fetches Debian's qtbase-opensource-src 5.15.8 with apt through a private
#     sources list and state directory (the system's apt configuration is only
#     read, for its keyring) into BUILD_DIR/../qt-bearer-sources (or
#     $QNS_UPSTREAM_CACHE), and unpacks tests/auto/network/bearer from it
#     under BUILD_DIR/upstream (nothing of Qt is committed);
#  2. applies three adaptations by scripted edits (adapt() below says which
#     and why; nothing else of Qt's tests is changed);
#  3. builds the four tests and the lackey helper with our own CMake project;
#  4. runs every test function, each data row on its own, in a process of
#     its own on a fresh network: the netlink backend in a
#     private network namespace with veth interfaces it creates, and the
#     simulated backend loaded from tests/data/qt-bearer-network.conf. Stopping an
#     interface is real here, so one row's stop() must not decide the next's.
# QNS_UPSTREAM_BACKENDS="netlink" runs one backend only.
# It prints "upstream: N passed, N failed, N skipped" and fails on any failure
# and on any skip not listed in expected-skips.txt. A failure listed in
# known-failures.txt (a defect of the C library, reported, not papered over
# here) is counted apart; once it passes, the run fails until it is unlisted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sanitize=OFF
if [ "${1:-}" = --sanitize ]; then sanitize=ON; shift; fi
build=$(cd "${1:?usage: run.sh [--sanitize] BUILD_DIR}" && pwd)
work=$build/upstream
# The download is shared by build directories (plain and sanitized runs).
cache=${QNS_UPSTREAM_CACHE:-$(dirname "$build")/qt-bearer-sources}
start=$(date +%s)

[ "$(id -u)" -eq 0 ] || { echo "upstream: needs root (network namespaces)" >&2; exit 1; }

version=5.15.8+dfsg-11+deb12u3
tarball=qtbase-opensource-src_5.15.8+dfsg.orig.tar.xz
bearer=$work/src/tests/auto/network/bearer

fetch() {
  local apt=$cache/apt
  mkdir -p "$apt/etc" "$apt/state/lists/partial" "$apt/cache/archives/partial" "$cache/download"
  cat > "$apt/etc/qtbase-source.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/etc"
              -o "Dir::State=$apt/state" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
              -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update
  # apt checks the files against the signed index before it keeps them.
  (cd "$cache/download" && apt-get "${opts[@]}" -qq source --download-only \
      "qtbase-opensource-src=$version" >/dev/null)
}

unpack() {
  rm -rf "$work/src" && mkdir -p "$work/src"
  tar -xJf "$cache/download/$tarball" -C "$work/src" --strip-components=1 \
      --wildcards '*/tests/auto/network/bearer/*'
}

# The adaptations, each checked to apply exactly once.
adapt() {
  local session=$bearer/qnetworksession/test/tst_qnetworksession.cpp
  local qappless=$bearer/qnetworkconfigurationmanagerqappless/tst_qnetworkconfigurationmanagerqappless.cpp
  # 1. sessionOpenCloseStop is the reference-counting specification: Linux
  #    skipped it for a Qt 5 deadlock (QTBUG-45655) that is not ours.
  perl -0pi -e 's/\n#if defined\(Q_OS_LINUX\) && !defined\(Q_OS_ANDROID\)\n    QSKIP\("Deadlocks on Linux due to QTBUG-45655"\);\n#endif\n/\n/ or die "QSKIP not found\n"' "$session"
  # 2. The qappless test touched the bearer classes through
  #    QNetworkAccessManager, which no longer uses them in Qt 6: touch them directly.
  perl -0pi -e 's/QNetworkAccessManager qnam;/QNetworkConfigurationManager qnam;\n        qnam.allConfigurations();/ or die "qnam not found\n"' "$qappless"
  perl -0pi -e 's/#include <QtNetwork\/qnetworkaccessmanager.h>/#include <QtNetwork\/qnetworkconfigmanager.h>/ or die "include not found\n"' "$qappless"
  # 3. The usage-policy hook (QNetworkSessionPrivate::setUsagePolicies) needs
  #    no edit: the library ships <private/qnetworksession_p.h> with it.
}

if [ ! -f "$cache/download/$tarball" ]; then
  echo "== upstream: fetching qtbase-opensource-src $version"
  fetch
fi
unpack
adapt

echo "== upstream: building Qt's bearer tests"
cmake -S "$here" -B "$work/build" -DQT_BEARER_TESTS="$bearer" -DQNS_BUILD_DIR="$build" \
      -DQNS_UPSTREAM_SANITIZE=$sanitize >/dev/null
cmake --build "$work/build" -j2 >/dev/null

# --- networks ---------------------------------------------------------------
# netlink: qnseth0 Active (carrier, address, the default route), qnseth1
# Discovered (down, startable). Each veth's peer lives in a second namespace.
make_netns() { # name
  local ns=$1 peer=$1-peer
  ip netns add "$ns"
  ip netns add "$peer"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add qnseth0 type veth peer name qnseth0p netns "$peer"
  ip -n "$ns" addr add 192.0.2.1/24 dev qnseth0
  ip -n "$ns" link set qnseth0 up
  ip -n "$peer" link set qnseth0p up
  ip -n "$ns" route add default dev qnseth0
  ip -n "$ns" link add qnseth1 type veth peer name qnseth1p netns "$peer"
  ip -n "$ns" addr add 198.51.100.1/24 dev qnseth1
  ip -n "$peer" link set qnseth1p up
}
# The project's network for these tests (docs/simulated-network.md).
simfile=$(cd "$here/../../.." && pwd)/tests/data/qt-bearer-network.conf
sim_interfaces() { # the name= of every interface line
  awk '$1 == "interface" { for (i = 3; i <= NF; i++) if ($i ~ /^name=/) print substr($i, 6) }' "$simfile"
}
# simulated: the network is the file's; QNetworkInterface only describes
# interfaces the system has, so the file's interface names exist here too.
make_simns() { # name
  local ns=$1 ifname
  ip netns add "$ns"
  ip netns add "$ns-peer"
  ip -n "$ns" link set lo up
  for ifname in $(sim_interfaces); do
    ip -n "$ns" link add "$ifname" type bridge
  done
}
prefix=qnsup$$
cleanup() {
  local ns
  for ns in $(ip netns list | awk -v p="$prefix-" 'index($1, p) == 1 {print $1}'); do
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
with_network() { # id backend command...: runs the command in a fresh network
  local ns=$prefix-$1 backend=$2 rc=0
  shift 2
  if [ "$backend" = netlink ]; then
    make_netns "$ns"
    ip netns exec "$ns" env QNS_BACKEND=netlink "$@" || rc=$?
  else
    make_simns "$ns"
    ip netns exec "$ns" env QNS_BACKEND=simulated QNS_SIMULATED_NETWORK="$simfile" \
      "$@" || rc=$?
  fi
  ip netns del "$ns" 2>/dev/null || true
  ip netns del "$ns-peer" 2>/dev/null || true
  return $rc
}

# --- running ----------------------------------------------------------------
results=$work/results
rm -rf "$results" && mkdir -p "$results"
# Which functions, and rows of data-driven ones, a binary has, as seen on
# that backend's network.
items_of() { # id backend binary
  (cd "$(dirname "$3")" && with_network "$1" "$2" "$3" -datatags) |
    awk '{ fn = $2; $1 = ""; $2 = ""; sub(/^  */, ""); tag = $0
           print (tag == "" ? fn : fn ":" tag) }'
}
run_one() { # id backend binary item log seconds
  (cd "$(dirname "$3")" && with_network "$1" "$2" env ASAN_OPTIONS=detect_leaks=0 \
     QT_QPA_PLATFORM=offscreen timeout "$6" "$3" "$4") >"$5" 2>&1 || true
}

# Field 4 (or 5) of the line of expected-skips.txt (or known-failures.txt)
# for backend, binary and item (function, or function:row).
lookup() { # file field backend binary item
  awk -F' *[|] *' -v b="$3" -v t="$(basename "$4")" -v i="$5" -v f="$2" \
    '$0 !~ /^#/ && $1 == b && $2 == t && $3 == i { print $f; exit }' "$here/$1"
}
listed() { # backend binary item -> skip, omit or nothing; a function's line covers its rows
  local kind
  kind=$(lookup expected-skips.txt 4 "$1" "$2" "$3")
  [ -n "$kind" ] || kind=$(lookup expected-skips.txt 4 "$1" "$2" "${3%%:*}")
  echo "$kind"
}
known_reason() { # backend binary item
  lookup known-failures.txt 4 "$1" "$2" "$3"
}
jobs_file=$work/jobs
: > "$jobs_file"
id=0
for backend in ${QNS_UPSTREAM_BACKENDS:-netlink simulated}; do
  for t in tst_qnetworkconfiguration tst_qnetworkconfigurationmanager \
           tst_qnetworkconfigurationmanagerqappless qnetworksession/tst_qnetworksession; do
    bin=$work/build/$t
    id=$((id + 1))
    while IFS= read -r item; do
      id=$((id + 1))
      [ "$(listed "$backend" "$bin" "$item")" = omit ] && continue
      printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$backend" "$bin" "$item" \
        "$results/$backend.$(basename "$t").$id.log" >> "$jobs_file"
    done < <(items_of "$id" "$backend" "$bin")
  done
done

echo "== upstream: running $(wc -l < "$jobs_file") test processes (netlink and simulated)"
# The long tests mostly sleep (Qt's fixed waits): run four at a time.
while IFS=$'\t' read -r id backend bin item log; do
  while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n || true; done
  limit=600
  [ -n "$(known_reason "$backend" "$bin" "$item")" ] && limit=30
  run_one "$id" "$backend" "$bin" "$item" "$log" "$limit" &
done < "$jobs_file"
wait

# --- verdict ------------------------------------------------------------------
# Each function (row) once; initTestCase/cleanupTestCase run in every process
# and count only when they fail.
passed=0 failed=0 skipped=0 known=0
while IFS=$'\t' read -r id backend bin item log; do
  key="$backend $(basename "$bin") $item"
  reason=$(known_reason "$backend" "$bin" "$item")
  if ! grep -q '^Totals:' "$log" && [ -n "$reason" ]; then
    echo "KNOWN  : $key (did not finish in its time limit; $reason)"
    known=$((known + 1)); continue
  fi
  if ! grep -q '^Totals:' "$log"; then
    echo "CRASH  : $key"; tail -20 "$log" | sed 's/^/    /'
    failed=$((failed + 1)); continue
  fi
  if grep -q '^FAIL!' "$log"; then
    if [ -n "$reason" ]; then
      echo "KNOWN  : $key ($reason)"
      known=$((known + 1))
    else
      grep -E '^(FAIL!|   (Loc|Actual|Expected))' "$log" | sed "s/^/[$backend] /"
      failed=$((failed + 1))
    fi
    continue
  fi
  if [ -n "$reason" ]; then
    echo "FIXED  : $key passes now: take it out of known-failures.txt ($reason)"
    failed=$((failed + 1)); continue
  fi
  if grep -q '^SKIP' "$log"; then
    if [ "$(listed "$backend" "$bin" "$item")" = skip ]; then
      skipped=$((skipped + 1))
    else
      grep '^SKIP' "$log" | sed "s/^/[$backend] unexpected /"
      failed=$((failed + 1))
    fi
    continue
  fi
  passed=$((passed + 1))
done < "$jobs_file"
echo "upstream suite took $(( $(date +%s) - start )) s (logs: $results)"
if [ "$known" -gt 0 ]; then
  echo "upstream: $known known failures, each caused by a C library defect (known-failures.txt)"
fi
echo "upstream: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Runs COMMAND against a fake NetworkManager of its own: a private system-type
# dbus-daemon plus the dbusmock NetworkManager (start-mock-nm.sh), and stops
# both whatever happens (trap), keeping COMMAND's exit status.
#
#   run-with-mock.sh [start-mock-nm.sh options] [--hostile MODE] -- COMMAND [ARGS...]
#
# --hostile MODE: instead of the mock, a daemon that owns NetworkManager's
# name and misbehaves (hostile_nm.py MODE: wrong-types, missing, absurd-paths,
# silent). COMMAND sees DBUS_SYSTEM_BUS_ADDRESS (without the bus's guid, so
# that a restarted bus on the same socket is the same address), NM_MOCK_DIR,
# NM_MOCK_CTL (nm_mockctl.py) and NM_MOCK_HOME (this directory).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-/usr/bin/python3}
opts=()
hostile=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case "$1" in
    --hostile) hostile=$2; shift 2 ;;
    *) opts+=("$1"); shift ;;
  esac
done
[ "${1:-}" = -- ] || { echo "usage: $0 [options] -- COMMAND [ARGS...]" >&2; exit 2; }
shift
# Interface names no host has (a mock device named like a real one would
# make the library read that host interface), unless the test names them.
export ETH_IFACE=${ETH_IFACE:-nmeth0} WIFI_IFACE=${WIFI_IFACE:-nmwlan0}
command -v dbus-daemon >/dev/null || { echo "run-with-mock: dbus-daemon is missing (scripts/install-deps.sh)" >&2; exit 1; }
"$python" -c 'import dbusmock' 2>/dev/null || { echo "run-with-mock: python3-dbusmock is missing (scripts/install-deps.sh)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/qns-nm.XXXXXX")
stop_hostile() {
  local f="$dir/hostile.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q hostile_nm.py; then
    kill "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
cleanup() {
  stop_hostile
  "$here/stop-mock-nm.sh" --dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$hostile" ]; then
  "$here/start-mock-nm.sh" --dir "$dir" --quiet --no-nm --open-bus "${opts[@]}" >/dev/null
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket"
  "$python" "$here/hostile_nm.py" "$hostile" > "$dir/hostile.log" 2>&1 &
  echo $! > "$dir/hostile.pid"
  "$python" - <<'EOF'
import time, dbus
bus = dbus.bus.BusConnection(__import__('os').environ['DBUS_SYSTEM_BUS_ADDRESS'])
for _ in range(500):
    if bus.name_has_owner('org.freedesktop.NetworkManager'):
        break
    time.sleep(0.02)
else:
    raise SystemExit('the hostile daemon did not take the name')
EOF
else
  "$here/start-mock-nm.sh" --dir "$dir" --quiet "${opts[@]}" >/dev/null
fi
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/system_bus_socket"
export NM_MOCK_DIR="$dir" NM_MOCK_CTL="$here/nm_mockctl.py" NM_MOCK_HOME="$here"
# Remember how the bus was started, for tests that restart it.
printf '%s\n' "${opts[@]}" > "$dir/start-options"
set +e
"$@"
rc=$?
set -e
exit $rc

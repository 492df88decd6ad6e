#!/usr/bin/env bash
# The API-sequence fuzzer (c-tests/test_fuzz.c) as a benchmark and a longer
# fuzz run: builds the library (release) and the fuzzer (-O2), runs it for
# SECONDS (default 60) and prints its throughput and its invariant summary.
#
#   benches/fuzz.sh [SECONDS]
#   benches/fuzz.sh --compare REV [--runs N] [SECONDS]
#
# --compare builds the library at git revision REV in a temporary worktree
# and runs this checkout's fuzzer, with the same seed and duration, against
# both libraries (alternating, N runs each, default 1), then prints both
# throughputs and their ratio. Issue 8's "before" revision is 363960f.
#
# QNS_FUZZ_SEED, QNS_FUZZ_THREADS and the fuzzer's other variables pass
# through. For throughput the fuzzer runs (unless these are set) without its
# targeted probes, without waitForOpened(-1), and without callbacks freeing
# the session whose waitForOpened delivers them (QNS_FUZZ_PROBES=0,
# QNS_FUZZ_FOREVER_WAITS=0, QNS_FUZZ_FREE_IN_WAIT=0): on a revision with
# the known waitForOpened and qns_loop_quit defects those hang, sleep out
# their timeouts or corrupt the heap, which measures the defects, not the
# library's speed. Both revisions run exactly the same mix.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60 rev= runs=1
while [ $# -gt 0 ]; do
  case $1 in
    --compare) rev=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) seconds=$1; shift ;;
  esac
done
export QNS_BACKEND=simulated QNS_FUZZ_SECONDS=$seconds
export QNS_FUZZ_SEED=${QNS_FUZZ_SEED:-20240808}
export QNS_FUZZ_PROBES=${QNS_FUZZ_PROBES:-0} QNS_FUZZ_FOREVER_WAITS=${QNS_FUZZ_FOREVER_WAITS:-0}
export QNS_FUZZ_FREE_IN_WAIT=${QNS_FUZZ_FREE_IN_WAIT:-0}
out=build/bench-fuzz
mkdir -p "$out"

# build <source tree> <name>: the library at that tree, and this checkout's
# fuzzer compiled against that tree's header into $out/<name>/test_fuzz.
build() {
  local src=$1 dir
  dir=$(mkdir -p "$out/$2" && cd "$out/$2" && pwd)
  (cd "$src" && nice -n 10 cargo build --quiet --release --lib -j2 --target-dir "$dir/cargo")
  local lib=$dir/cargo/release soname
  soname=$(readelf -d "$lib/libqnetworksession.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
  [ -z "$soname" ] || ln -sf libqnetworksession.so "$lib/$soname"
  nice -n 10 cc -O2 -g -std=c11 -D_GNU_SOURCE -pthread -Wall -I"$src/include" -Ic-tests \
    c-tests/test_fuzz.c c-tests/fuzz/*.c -o "$dir/test_fuzz" -L"$lib" -lqnetworksession -Wl,-rpath,"$lib"
}

# run <name> <run number>: prints "ops/s callbacks/s" (or "failed").
run() {
  local log=$out/$1/run$2.log
  nice -n 10 "$out/$1/test_fuzz" >"$log" 2>&1 || true # violations make it fail: the numbers still count
  local line; line=$(grep ' ops/s, ' "$log" || true)
  if [ -z "$line" ]; then
    echo "failed (see $log)"
    return
  fi
  sed -E 's/.*: ([0-9]+) ops\/s, ([0-9]+) callbacks\/s.*/\1 \2/' <<<"$line"
}

echo "machine: $(nproc) cores, $(uname -r), $(rustc --version)"
echo "fuzz: seed $QNS_FUZZ_SEED, $seconds s, ${QNS_FUZZ_THREADS:-8} threads, probes $QNS_FUZZ_PROBES," \
  "forever waits $QNS_FUZZ_FOREVER_WAITS, free in wait $QNS_FUZZ_FREE_IN_WAIT"
head_name="HEAD ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src include || echo ', modified'))"
build . head

if [ -z "$rev" ]; then
  read -r ops cbs <<<"$(run head 1)"
  grep -E '^(ok|FAIL) |passed' "$out/head/run1.log" || true
  echo "$head_name: $ops ops/s, $cbs callbacks/s (log: $out/head/run1.log)"
  exit 0
fi

sha=$(git rev-parse --short "$rev")
tmp=$(mktemp -d /tmp/qns-bench-fuzz.XXXXXX)
trap 'git worktree remove --force "$tmp" >/dev/null 2>&1 || true; rm -rf "$tmp"; git worktree prune' EXIT
git worktree add --quiet --detach "$tmp" "$sha"
build "$tmp" "rev-$sha"

# Alternate the two so a change in machine load hits both alike.
declare -a head_ops rev_ops
for i in $(seq 1 "$runs"); do
  read -r o c <<<"$(run "rev-$sha" "$i")"; rev_ops+=("$o"); echo "run $i $sha: $o ops/s, $c callbacks/s"
  read -r o c <<<"$(run head "$i")"; head_ops+=("$o"); echo "run $i HEAD: $o ops/s, $c callbacks/s"
done
mean() { awk '{ s = 0; n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { s += $i; n++ } print n ? int(s / n) : "failed" }' <<<"$*"; }
before=$(mean "${rev_ops[@]}") after=$(mean "${head_ops[@]}")
printf '%-28s %12s\n' "library" "ops/s"
printf '%-28s %12s\n' "$sha (before)" "$before" "$head_name" "$after"
if [[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]]; then
  awk -v a="$after" -v b="$before" 'BEGIN { printf "%-28s %12.3f  (after / before; issue 8 wants >= 0.90)\n", "ratio", a / b }'
fi

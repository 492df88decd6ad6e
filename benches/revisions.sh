#!/usr/bin/env bash
# The core benchmark (benches/core.rs: open+close with and without
# callbacks, events through one loop) built at several revisions and run
# alternating, so the numbers come from one run on one machine. Each
# revision is exported with git archive into build/revisions/ and gets
# today's benches/core.rs (it uses only the C API, which is stable).
#   benches/revisions.sh [REV...]     default: 363960f main HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
revs=("$@")
[ ${#revs[@]} -gt 0 ] || revs=(363960f main HEAD)
root=$PWD/build/revisions
mkdir -p "$root"
for rev in "${revs[@]}"; do
  commit=$(git rev-parse --short "$rev^{commit}")
  dir=$root/$commit
  if [ ! -x "$dir/core" ]; then
    rm -rf "$dir/src"; mkdir -p "$dir/src"
    git archive "$commit" | tar -x -C "$dir/src"
    cp benches/core.rs "$dir/src/benches/core.rs"
    (cd "$dir/src" && CARGO_TARGET_DIR=$dir/target cargo bench --quiet --bench core --no-run -j2 2>&1 | tail -2)
    exe=$(ls -t "$dir"/target/release/deps/core-* | grep -v '\.d$' | head -1)
    cp "$exe" "$dir/core"
  fi
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2 3; do
  for rev in "${revs[@]}"; do
    commit=$(git rev-parse --short "$rev^{commit}")
    "$root/$commit/core" | sed "s/^/$rev ($commit) round $round: /"
  done
done

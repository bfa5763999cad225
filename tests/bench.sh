#!/usr/bin/env bash
# Benchmark: a synthetic platform of N services x E environments, on tmpfs.
# Usage: tests/bench.sh [SERVICES] [ENVS] [RUNS]
# Prints the median wall time and peak memory of `build` (fresh tree), `check`
# (clean tree), `build --dry-run` (compile and plan, no writes) and the I/O floor:
# `cp -r` of the same generated tree.
set -euo pipefail
cd "$(dirname "$0")/.."
services="${1:-1000}" envs="${2:-3}" runs="${3:-7}"
base="${BENCH_DIR:-/dev/shm}/pave-bench"
cargo build --release --quiet --bins
pave="$PWD/target/release/pave"
rm -rf "$base" && mkdir -p "$base"
"$PWD/target/release/pave-synth" "$base/repo" --services "$services" --envs "$envs"

# Runs a command RUNS times; prints the median seconds and the largest peak RSS in MiB.
measure() {
  local label="$1" prepare="$2"; shift 2
  local times=() peak=0
  for _ in $(seq "$runs"); do
    eval "$prepare"
    local start end rss
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$base/rss" "$@" >/dev/null 2>&1 || true
    rss=$(tail -1 "$base/rss")
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-34s median %6.3f s   peak %5d MiB\n' "$label" "$median" "$((peak / 1024))"
}

"$pave" build --root "$base/repo" >/dev/null 2>&1
files=$(find "$base/repo/generated" -type f | wc -l)
echo "synthetic platform: $services services x $envs environments -> $files files ($(du -sh "$base/repo/generated" | cut -f1))"
measure "build (fresh tree)" "rm -rf '$base/repo/generated'" "$pave" build --root "$base/repo"
measure "check (clean tree)" ":" "$pave" check --root "$base/repo"
measure "build --dry-run (compile only)" ":" "$pave" build --dry-run --root "$base/repo" --tree "$base/empty"
# The same compile without any policy pack, to show what the baseline pack costs.
cp -r "$base/repo" "$base/nopolicy" && rm -rf "$base/nopolicy/generated"
printf 'policies:\n  packs: []\n' >> "$base/nopolicy/platform.yaml"
measure "  the same without policy packs" ":" "$pave" build --dry-run --root "$base/nopolicy" --tree "$base/empty"
measure "cp -r of the tree (I/O floor)" "rm -rf '$base/copy'" cp -r "$base/repo/generated" "$base/copy"
rm -rf "$base"

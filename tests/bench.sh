#!/usr/bin/env bash
# Benchmark: a synthetic platform (pave-synth: every target on) of N services x E
# environments, on tmpfs, with the I/O floors measured in the same run.
#
# Usage: tests/bench.sh [SERVICES] [ENVS] [RUNS]        (default 1000 3 7)
#        tests/bench.sh --curve [ENVS] [RUNS]            (default 3 3)
#        tests/bench.sh --wide [ENVS] [RUNS]             (default 3 3)
#
# The default run prints, as a Markdown table: `build` of a fresh tree beside the
# `cp -r` floor, `check` of a clean tree beside the read floor (`cat` of every file),
# `build` with nothing changed (and how many files it wrote: must be 0),
# `build --dry-run` into an empty tree (compile and plan, no reads or writes) with and
# without policy packs (the baseline pack's share of a build), peak memory, the tree's
# bytes and file count, and its Prometheus rule count.
# `--curve` builds fresh trees of 1,000, 2,000, 5,000 and 10,000 services
# (`BENCH_SIZES` overrides) and prints time, peak memory and the ratio to the first.
# `--wide` measures one wide service (pave-synth's `--wide-*` options) at n and 8n per
# dimension: env keys, secrets, module needs, service needs, ports, files, and routes
# (services routed on one host). For `build` of a fresh tree, `check` and
# `explain wide` it prints both times and their ratio: about 8 is linear, 64
# quadratic. `BENCH_WIDE` overrides the dimensions and their n
# (default `env:2500 secrets:2500 needs:250 service-needs:250 ports:250 files:250
# routes:250`).
# Times are medians of RUNS wall-clock runs; peak memory is the largest RSS seen. The
# default run takes every figure once per round, RUNS rounds, so each figure and its
# floor are measured seconds apart; its ratios are the medians of the rounds' ratios.
# The work folder is `${BENCH_DIR:-/dev/shm}/pave-bench` (tmpfs, so the disk does not
# count); it is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
curve=false wide=false
if [ "${1:-}" = "--curve" ] || [ "${1:-}" = "--wide" ]; then
  [ "$1" = "--curve" ] && curve=true || wide=true
  shift
  services=0 envs="${1:-3}" runs="${2:-3}"
else
  services="${1:-1000}" envs="${2:-3}" runs="${3:-7}"
fi
base="${BENCH_DIR:-/dev/shm}/pave-bench"
cargo build --release --quiet --bins
pave="$PWD/target/release/pave"
synth="$PWD/target/release/pave-synth"
rm -rf "$base" && mkdir -p "$base"
trap 'rm -rf "$base"' EXIT

# measure PREPARE CMD...: runs PREPARE then CMD, RUNS times; sets `median` (seconds)
# and `peak` (MiB, the largest maximum RSS of CMD).
measure() {
  local prepare="$1"
  shift
  local times=() rss start end
  peak=0
  for _ in $(seq "$runs"); do
    eval "$prepare"
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$base/rss" "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    rss=$(tail -1 "$base/rss")
    times+=("$(echo "$end - $start" | bc)")
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  done
  peak=$((peak / 1024))
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}')
}

ratio() { echo "scale=2; $1 / $2" | bc; }
declare -A times

if $curve; then
  echo "| services x $envs | files | build (s) | cp -r floor (s) | build / floor | peak MiB | time / first |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  first=""
  for n in ${BENCH_SIZES:-1000 2000 5000 10000}; do
    rm -rf "$base/repo" "$base/copy"
    "$synth" "$base/repo" --services "$n" --envs "$envs"
    "$pave" build --root "$base/repo" >/dev/null 2>&1
    files=$(find "$base/repo/generated" -type f | wc -l)
    measure "rm -rf '$base/copy'; mkdir '$base/copy'" cp -r "$base/repo/generated" "$base/repo/.github" "$base/repo/atlantis.yaml" "$base/copy"
    floor=$median
    measure "rm -rf '$base/repo/generated' '$base/repo/.github' '$base/repo/atlantis.yaml'" "$pave" build --root "$base/repo"
    first=${first:-$median}
    echo "| $n | $files | $median | $floor | $(ratio "$median" "$floor") | $peak | $(ratio "$median" "$first") |"
  done
  exit 0
fi

if $wide; then
  echo "one wide service beside 2 ordinary ones, $envs environments, every target; pave $("$pave" --version | cut -d' ' -f2)"
  echo
  echo "| dimension | command | n | time n (s) | 8n | time 8n (s) | ratio (linear 8, quadratic 64) |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
  for spec in ${BENCH_WIDE:-env:2500 secrets:2500 needs:250 service-needs:250 ports:250 files:250 routes:250}; do
    dim=${spec%%:*} n=${spec#*:}
    for size in "$n" "$((8 * n))"; do
      repo="$base/wide-$size"
      rm -rf "$repo"
      "$synth" "$repo" --services 2 --envs "$envs" "--wide-$dim" "$size"
      fresh="rm -rf '$repo/generated' '$repo/.github' '$repo/atlantis.yaml'"
      measure "$fresh" "$pave" build --root "$repo"
      times[$size.build]=$median
      measure ":" "$pave" check --root "$repo"
      times[$size.check]=$median
      # Routes add services, not width: explain the first routed one then.
      subject=wide
      [ "$dim" = routes ] && subject=route-00000
      measure ":" "$pave" explain "$subject" --root "$repo"
      times[$size.explain]=$median
      rm -rf "$repo"
    done
    for cmd in build check explain; do
      small=${times[$n.$cmd]} large=${times[$((8 * n)).$cmd]}
      echo "| $dim | $cmd | $n | $small | $((8 * n)) | $large | $(ratio "$large" "$small") |"
    done
  done
  exit 0
fi

"$synth" "$base/repo" --services "$services" --envs "$envs"
"$pave" build --root "$base/repo" >/dev/null 2>&1
tree="$base/repo/generated"
# Everything pave writes: the output folder, the CI workflows and atlantis.yaml.
outputs=("$tree" "$base/repo/.github" "$base/repo/atlantis.yaml")
files=$(find "${outputs[@]}" -type f | wc -l)
bytes=$(find "${outputs[@]}" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
rules=$(grep -rhE '^ *- (alert|record): ' "$tree" | wc -l)
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

echo "synthetic platform: $services services x $envs environments, every target; pave $("$pave" --version | cut -d' ' -f2)"
echo
echo "| figure | median (s) | floor (s) | ratio to floor | peak MiB |"
echo "| --- | ---: | ---: | ---: | ---: |"

# Every figure is taken once per round, the rounds repeated RUNS times: a figure and
# its floor are measured seconds apart, not minutes, so a machine whose speed drifts
# (a shared host) moves both together. A ratio is the median of the rounds' ratios.
declare -A samples peaks
once() { # once KEY PREPARE CMD...: runs PREPARE, then times CMD into samples[KEY]
  local key=$1 prepare=$2 start end rss
  shift 2
  eval "$prepare"
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$base/rss" "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  rss=$(tail -1 "$base/rss")
  samples[$key]+="$(echo "$end - $start" | bc) "
  [ "${rss:-0}" -gt "${peaks[$key]:-0}" ] && peaks[$key]=$rss
  return 0
}
median_of() { printf '%s\n' ${samples[$1]} | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
peak_of() { echo $((${peaks[$1]:-0} / 1024)); }
# The median over the rounds of KEY's time divided by (or, with -, minus) FLOOR's.
paired() {
  paste <(printf '%s\n' ${samples[$1]}) <(printf '%s\n' ${samples[$2]}) |
    awk -v op="${3:-/}" '{print (op == "/") ? $1 / $2 : $1 - $2}' | sort -n |
    awk -v op="${3:-/}" '{a[NR]=$1} END {printf (op == "/") ? "%.2f" : "%.3f", a[int((NR+1)/2)]}'
}

# The same compile without any policy pack: the difference is the baseline pack's cost.
cp -r "$base/repo" "$base/nopolicy" && rm -rf "$base/nopolicy/generated"
printf 'policies:\n  packs: []\n' >>"$base/nopolicy/platform.yaml"
fresh="rm -rf '$tree' '$base/repo/.github' '$base/repo/atlantis.yaml'"
for _ in $(seq "$runs"); do
  # The write floor: copying the same tree; the read floor: reading every file once.
  once copy "rm -rf '$base/copy'; mkdir '$base/copy'" cp -r "${outputs[@]}" "$base/copy"
  once build "$fresh" "$pave" build --root "$base/repo"
  once cat ":" find "${outputs[@]}" -type f -exec cat {} +
  once check ":" "$pave" check --root "$base/repo"
  once noop ":" "$pave" build --root "$base/repo"
  once dry ":" "$pave" build --dry-run --root "$base/repo" --tree "$base/empty"
  once nopacks ":" "$pave" build --dry-run --root "$base/nopolicy" --tree "$base/empty"
done
build=$(median_of build)
row "build, fresh tree" "$build" "$(median_of copy) (\`cp -r\`)" "$(paired build copy)" "$(peak_of build)"
row "check, clean tree" "$(median_of check)" "$(median_of cat) (\`cat\` every file)" "$(paired check cat)" "$(peak_of check)"
row "build, nothing changed" "$(median_of noop)" "$(median_of check) (check)" "$(paired noop check)" "$(peak_of noop)"
row "build --dry-run (compile only)" "$(median_of dry)" "" "" "$(peak_of dry)"
row "  the same without policy packs" "$(median_of nopacks)" "" "" "$(peak_of nopacks)"
policy=$(paired dry nopacks -)
# A build with nothing to do must not create, rename, delete or open any file for writing.
writes=$(strace -f -qq -e trace=openat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat \
  -o /dev/stdout "$pave" build --root "$base/repo" 2>/dev/null |
  grep -cE 'O_WRONLY|O_RDWR|O_CREAT|rename|unlink|mkdir' || true)
echo
echo "- tree: $files files, $bytes bytes ($((bytes / 1048576)) MiB); Prometheus rules (alert + record): $rules"
echo "- baseline policy pack: $policy s, $(echo "scale=1; 100 * $policy / $build" | bc)% of a fresh build"
echo "- files written by a build with nothing changed: $writes"

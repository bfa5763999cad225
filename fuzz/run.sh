#!/bin/sh
# Runs one pave fuzz target for a while with the limits of issue 9: a panic is a crash,
# an input taking over 5 s is a timeout. New inputs go to fuzz/grown/<target> (ignored by
# git); the committed seeds in fuzz/corpus/<target> are only read. Crashes land in
# fuzz/artifacts/<target>/.
#
#   fuzz/run.sh yaml_load|kdl_load|compile [seconds, default 600] [more libFuzzer flags]
set -eu
target=${1:?usage: fuzz/run.sh yaml_load|kdl_load|compile [seconds] [libFuzzer flags]}
seconds=${2:-600}
shift
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."
mkdir -p "fuzz/grown/$target"
# cargo-fuzz passes -Z flags to rustc: RUSTC_BOOTSTRAP lets a stable toolchain take them.
# No sanitizer: pave is safe Rust, and uninstrumented runs are several times faster.
RUSTC_BOOTSTRAP=1 CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} \
    cargo fuzz run --sanitizer none "$target" \
    "$PWD/fuzz/grown/$target" "$PWD/fuzz/corpus/$target" -- \
    -timeout=5 -rss_limit_mb=2048 -max_total_time="$seconds" \
    -dict="$PWD/fuzz/$target.dict" -print_final_stats=1 "$@"

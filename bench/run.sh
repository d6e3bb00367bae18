#!/usr/bin/env bash
# bench/run.sh: the two entry points of the benchmarks (the Makefile's
# `bench` and `bench-smoke` call this after scripts/install-deps.sh bench).
#
#   bench/run.sh full    every workload at every size; writes
#                        bench/results/latest.jsonl and docs/benchmarks.md
#   bench/run.sh smoke   every workload at tiny N, then checks the output is
#                        well-formed (no timing checks); exits non-zero if not
#
# Never run two of these at once, nor anything else heavy: the machine is
# what is being measured.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-full}"
jobs="${JOBS:-$(nproc)}"
build=build/bench

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGOMAP_BUILD_BENCH=ON -DGOMAP_BUILD_TESTS=OFF -DGOMAP_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$jobs"
# What was just compiled: HEAD, and whether include/ differed from it (other
# engineers' work in progress is compiled too). Recorded in the results.
source="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- include 2>/dev/null || source="$source+uncommitted-changes-in-include"
bin="$build/bench/gomap_bench"
go_bin="$build/bench/gomap-go-bench"

case "$mode" in
  smoke)
    start=$(date +%s)
    timeout 600 "$bin" --smoke --source "$source" --out "$build/smoke.jsonl" > "$build/smoke-tables.txt"
    timeout 300 "$go_bin" -smoke -out "$build/smoke-go.jsonl"
    python3 bench/report.py "$build/smoke.jsonl" --check --go-standalone "$build/smoke-go.jsonl"
    echo "bench-smoke: passed in $(( $(date +%s) - start )) s (tables: $build/smoke-tables.txt)"
    ;;
  full)
    # Written to the build tree first: an interrupted run leaves the
    # committed results alone.
    "$bin" --source "$source" --out "$build/results.jsonl" | tee "$build/tables.txt"
    mkdir -p bench/results
    cp "$build/results.jsonl" bench/results/latest.jsonl
    python3 bench/report.py bench/results/latest.jsonl --out docs/benchmarks.md --command "make bench"
    echo "bench: wrote docs/benchmarks.md and bench/results/latest.jsonl"
    ;;
  *)
    echo "usage: bench/run.sh full|smoke" >&2
    exit 2
    ;;
esac

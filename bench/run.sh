#!/usr/bin/env bash
# bench/run.sh: the two entry points of the benchmarks (the Makefile's
# `bench` and `bench-smoke` call this after scripts/install-deps.sh bench).
#
#   bench/run.sh full    every workload at every size; writes
#                        bench/results/latest.jsonl and docs/benchmarks.md
#   bench/run.sh smoke   every workload at tiny N, then checks the output is
#                        well-formed (no timing checks); exits non-zero if not
#   bench/run.sh concurrent  the concurrent workload alone (a few minutes):
#                        bench/results/concurrent.jsonl, its section of
#                        docs/benchmarks.md, and every target's ratio
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
if [ "$mode" = concurrent ]; then
  cmake --build "$build" -j "$jobs" --target gomap_bench_concurrent
else
  cmake --build "$build" -j "$jobs"
fi
# What was just compiled: HEAD, and whether include/ differed from it (other
# engineers' work in progress is compiled too). Recorded in the results.
source="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- include 2>/dev/null || source="$source+uncommitted-changes-in-include"
bin="$build/bench/gomap_bench"
go_bin="$build/bench/gomap-go-bench"
conc_bin="$build/bench/gomap_bench_concurrent"

# The concurrent workload, then the document (from the last full run's
# results and these) and the targets' ratios.
run_concurrent() {
  "$conc_bin" --source "$source" --out "$build/concurrent.jsonl" | tee "$build/concurrent-tables.txt"
  mkdir -p bench/results
  cp "$build/concurrent.jsonl" bench/results/concurrent.jsonl
  python3 bench/report.py bench/results/latest.jsonl --out docs/benchmarks.md --command "make bench" \
    --concurrent bench/results/concurrent.jsonl
  python3 bench/report_concurrent.py bench/results/concurrent.jsonl --targets
}

case "$mode" in
  smoke)
    start=$(date +%s)
    timeout 600 "$bin" --smoke --source "$source" --out "$build/smoke.jsonl" > "$build/smoke-tables.txt"
    timeout 300 "$go_bin" -smoke -out "$build/smoke-go.jsonl"
    timeout 120 "$conc_bin" --smoke --source "$source" --out "$build/smoke-concurrent.jsonl" > "$build/smoke-concurrent.txt"
    python3 bench/report.py "$build/smoke.jsonl" --check --go-standalone "$build/smoke-go.jsonl" \
      --concurrent "$build/smoke-concurrent.jsonl"
    timeout 120 "$build/bench/gomap_shrink_latency" 200000 1 | grep -q "inserts during the shrink"
    echo "bench-smoke: passed in $(( $(date +%s) - start )) s (tables: $build/smoke-tables.txt)"
    ;;
  full)
    # Written to the build tree first: an interrupted run leaves the
    # committed results alone.
    "$bin" --source "$source" --out "$build/results.jsonl" | tee "$build/tables.txt"
    mkdir -p bench/results
    cp "$build/results.jsonl" bench/results/latest.jsonl
    run_concurrent
    {
      echo "# Latency of gomap's growths and shrinks"
      echo
      echo "Written by \`make bench\` ($(date -u +%Y-%m-%dT%H:%M:%SZ), gomap $source, load average at the start: $(cut -d' ' -f1-3 /proc/loadavg))."
      echo "Every insert of 10^7 keys without reserve, then every insert of the shrink that follows"
      echo "erasing 90% of them, timed with steady_clock (~20 ns per read); a control loop of fixed work"
      echo "(~1/3 of an insert) timed the same way shows the machine's own stalls. Source: bench/src/shrink_latency.cpp."
      echo
      "$build/bench/gomap_shrink_latency" 10000000 5
    } > docs/shrink-latency.md
    echo "bench: wrote docs/benchmarks.md, docs/shrink-latency.md and bench/results/latest.jsonl"
    ;;
  concurrent)
    run_concurrent
    echo "bench-concurrent: wrote bench/results/concurrent.jsonl and docs/benchmarks.md"
    ;;
  *)
    echo "usage: bench/run.sh full|smoke|concurrent" >&2
    exit 2
    ;;
esac

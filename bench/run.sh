#!/usr/bin/env bash
# bench/run.sh: the two entry points of the benchmarks (the Makefile's
# `bench` and `bench-smoke` call this after scripts/install-deps.sh bench).
#
#   bench/run.sh full    every workload at every size, then the throughput
#                        workloads again built at -O2; writes
#                        bench/results/latest.jsonl, latest-o2.jsonl and
#                        docs/benchmarks.md, and prints issue 13's targets
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
# The second tree: the same driver at -O2 (what Debian and Fedora package
# builds use), for the throughput workloads and latency of these maps, default
# hashers (cut there: the common pass, robin, dense, btree, memory, and std's
# core workloads at 10^7; docs/benchmarks.md says so).
o2=build/bench-o2
o2_maps=gomap,absl_flat,boost_flat,std_unordered,go
o2_groups=core,churn,strings,latency
o2_max_n=std_unordered=1000000  # std's 10^7 core phases alone would take ~1.5 min

configure() {  # configure BUILD_DIR [cmake args...]
  local dir="$1"
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" \
    -DGOMAP_BUILD_BENCH=ON -DGOMAP_BUILD_TESTS=OFF -DGOMAP_BUILD_EXAMPLES=OFF >/dev/null
}
configure "$build"
if [ "$mode" = concurrent ]; then
  cmake --build "$build" -j "$jobs" --target gomap_bench_concurrent gomap_bench_line_sharing
else
  cmake --build "$build" -j "$jobs"
  configure "$o2" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DGOMAP_BENCH_MAPS="gomap;absl_flat;boost_flat;std_unordered"
  cmake --build "$o2" -j "$jobs" --target gomap_bench
fi
# What was just compiled: HEAD, and whether include/ differed from it (other
# engineers' work in progress is compiled too). Recorded in the results.
source="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- include 2>/dev/null || source="$source+uncommitted-changes-in-include"
bin="$build/bench/gomap_bench"
go_bin="$build/bench/gomap-go-bench"
conc_bin="$build/bench/gomap_bench_concurrent"
o2_bin="$o2/bench/gomap_bench"
o2_results=bench/results/latest-o2.jsonl

# The concurrent workload, then the document (from the last full run's
# results and these) and the targets' ratios.
run_concurrent() {
  "$conc_bin" --source "$source" --out "$build/concurrent.jsonl" | tee "$build/concurrent-tables.txt"
  mkdir -p bench/results
  cp "$build/concurrent.jsonl" bench/results/concurrent.jsonl
  # What sharing a written cache line costs the two threads (line_sharing.cpp).
  { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), gomap $source, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$build/bench/gomap_bench_line_sharing"; } | tee bench/results/line_sharing.txt
  local o2_arg=()  # no -O2 results before the first full run
  [ -f "$o2_results" ] && o2_arg=(--o2 "$o2_results")
  python3 bench/report.py bench/results/latest.jsonl --out docs/benchmarks.md --command "make bench" \
    --concurrent bench/results/concurrent.jsonl "${o2_arg[@]}"
  python3 bench/report_concurrent.py bench/results/concurrent.jsonl --targets
}

case "$mode" in
  smoke)
    start=$(date +%s)
    timeout 600 "$bin" --smoke --source "$source" --out "$build/smoke.jsonl" > "$build/smoke-tables.txt"
    timeout 300 "$o2_bin" --smoke --only "$o2_groups" --maps "$o2_maps" --max-n "$o2_max_n" --hashers default --source "$source" \
      --out "$o2/smoke.jsonl" > "$o2/smoke-tables.txt"
    timeout 300 "$go_bin" -smoke -out "$build/smoke-go.jsonl"
    timeout 120 "$conc_bin" --smoke --source "$source" --out "$build/smoke-concurrent.jsonl" > "$build/smoke-concurrent.txt"
    python3 bench/report.py "$build/smoke.jsonl" --check --go-standalone "$build/smoke-go.jsonl" \
      --concurrent "$build/smoke-concurrent.jsonl" --o2 "$o2/smoke.jsonl"
    # The document and the targets render from a smoke run too (into the build tree).
    python3 bench/report.py "$build/smoke.jsonl" --o2 "$o2/smoke.jsonl" --out "$build/smoke-benchmarks.md"
    python3 bench/report.py "$build/smoke.jsonl" --o2 "$o2/smoke.jsonl" --targets > "$build/smoke-targets.txt"
    cp docs/performance.md "$build/smoke-performance.md"
    python3 bench/report.py "$build/smoke.jsonl" --o2 "$o2/smoke.jsonl" --performance-doc "$build/smoke-performance.md"
    timeout 120 "$build/bench/gomap_shrink_latency" 200000 1 | grep -q "inserts during the shrink"
    echo "bench-smoke: passed in $(( $(date +%s) - start )) s (tables: $build/smoke-tables.txt)"
    ;;
  full)
    # Written to the build tree first: an interrupted run leaves the
    # committed results alone.
    "$bin" --source "$source" --out "$build/results.jsonl" | tee "$build/tables.txt"
    "$o2_bin" --only "$o2_groups" --maps "$o2_maps" --max-n "$o2_max_n" --hashers default \
      --source "$source" --out "$o2/results.jsonl" | tee "$o2/tables.txt"
    mkdir -p bench/results
    cp "$build/results.jsonl" bench/results/latest.jsonl
    cp "$o2/results.jsonl" "$o2_results"
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
    python3 bench/report.py bench/results/latest.jsonl --o2 "$o2_results" --performance-doc docs/performance.md
    python3 bench/report.py bench/results/latest.jsonl --o2 "$o2_results" --targets
    echo "bench: wrote docs/benchmarks.md, docs/performance.md's targets, docs/shrink-latency.md, bench/results/latest.jsonl and $o2_results"
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

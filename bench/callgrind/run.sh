#!/bin/sh
# bench/callgrind/run.sh [--rev REV] [N]: builds ops.cpp at the release
# flags (-O3 -DNDEBUG, as CMake's Release) and at -O2, runs each under
# callgrind, and prints instructions per operation for every phase. Counts
# are repeatable to a fraction of an instruction (the map's seed is random
# per run, so chain lengths differ slightly). `--rev REV` measures the
# headers of git revision REV instead of the work tree (e.g. --rev main, for
# a before/after). Needs g++, valgrind and git.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rev=
if [ "${1:-}" = "--rev" ]; then rev=$2; shift 2; fi
n=${1:-100000}
out=${GOMAP_CALLGRIND_DIR:-$root/build/callgrind}
mkdir -p "$out"
inc=$root/include
if [ -n "$rev" ]; then
  inc=$out/rev/include
  rm -rf "$out/rev" && mkdir -p "$out/rev"
  git -C "$root" archive "$rev" include | tar -x -C "$out/rev"
  echo "headers of $rev ($(git -C "$root" rev-parse --short "$rev"))"
fi
cxx=${CXX:-g++}
printf '%-8s %16s %16s %16s %16s %16s %16s\n' flags insert insert_reserved find_hit find_miss iterate erase
for flags in "-O3 -DNDEBUG" "-O2 -DNDEBUG"; do
  tag=$(echo "$flags" | cut -d' ' -f1 | tr -d -)
  "$cxx" -std=c++20 $flags ${GOMAP_CALLGRIND_CXXFLAGS:-} -I"$inc" "$here/ops.cpp" -o "$out/ops_$tag"
  rm -f "$out/callgrind.$tag".*
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$tag.%p" \
    "$out/ops_$tag" "$n" >/dev/null 2>"$out/valgrind.$tag.log"
  printf '%-8s' "$tag"
  for phase in insert insert_reserved find_hit find_miss iterate erase; do
    f=$(grep -l "^desc: Trigger: Client Request: $phase\$" "$out/callgrind.$tag".* | head -n 1)
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f")
    awk -v t="$total" -v n="$n" 'BEGIN { printf " %16.1f", t / n }'
  done
  printf '\n'
done

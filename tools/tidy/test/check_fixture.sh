#!/usr/bin/env bash
# Runs gomap-unsized-map-fill over one fixture and checks what it says and
# what its fix-its do, in the manner of clang-tidy's own test fixtures:
#   1. the fixture's `// CHECK-...:` comments are blanked in a copy (lines
#      kept, so [[@LINE]] still holds and CHECK-FIXES cannot match itself);
#   2. clang-tidy's output must hold exactly as many gomap warnings as the
#      fixture has `CHECK-MESSAGES: ... warning:` lines, and FileCheck matches
#      them (prefix CHECK-MESSAGES);
#   3. the copy, fixed by the same run (-fix), is matched (prefix
#      CHECK-FIXES); a fixture with no warning must come out unchanged;
#   4. the fixed file is compiled.
# A `// RUN-ARGS: <one argument>` line passes an extra clang-tidy argument.
#
# usage: check_fixture.sh CLANG_TIDY PLUGIN FILECHECK CXX FIXTURE WORKDIR [compile flags...]
set -euo pipefail
tidy=$1 plugin=$2 filecheck=$3 cxx=$4 fixture=$5 work=$6
shift 6
name=$(basename "$fixture" .cpp)
mkdir -p "$work"
input="$work/$name.cpp"
fixed="$work/$name.fixed.cpp"
sed -E 's#// *(CHECK-[A-Z-]+|RUN-ARGS):.*#//#' "$fixture" > "$input"

extra=()
if args=$(sed -n 's#^// RUN-ARGS: ##p' "$fixture") && [ -n "$args" ]; then extra+=("$args"); fi
run_tidy() {
  "$tidy" -load "$plugin" -checks='-*,gomap-*' "${extra[@]}" "$@"
}

# One run both reports (on the positions of the unfixed text) and fixes.
messages="$work/$name.messages"
cp "$input" "$fixed"
if ! run_tidy -fix "$fixed" -- "$@" > "$messages" 2>&1 || grep -q 'error:' "$messages"; then
  echo "check_fixture: clang-tidy failed on $name:" >&2
  cat "$messages" >&2
  exit 1
fi
expected=$(grep -c '// CHECK-MESSAGES: .*warning:' "$fixture" || true)
actual=$(grep -c 'warning: .*\[gomap-' "$messages" || true)
if [ "$expected" != "$actual" ]; then
  echo "check_fixture: $name: expected $expected gomap warnings, clang-tidy gave $actual:" >&2
  cat "$messages" >&2
  exit 1
fi
if [ "$expected" -gt 0 ]; then
  "$filecheck" "$fixture" --check-prefix=CHECK-MESSAGES --input-file="$messages"
fi
if grep -q '// CHECK-FIXES' "$fixture"; then
  "$filecheck" "$fixture" --check-prefix=CHECK-FIXES --input-file="$fixed"
fi
if [ "$expected" = 0 ] && ! cmp -s "$input" "$fixed"; then
  echo "check_fixture: $name has no warning, yet -fix changed it:" >&2
  diff "$input" "$fixed" >&2 || true
  exit 1
fi

"$cxx" -std=c++20 -c -o "$work/$name.fixed.o" "$@" "$fixed"
echo "check_fixture: $name: $actual warnings as expected, fixes applied and compiled"

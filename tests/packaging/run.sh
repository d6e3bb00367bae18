#!/usr/bin/env bash
# tests/packaging/run.sh: gomap consumed the four ways a user consumes it,
# and its gdb printers (the Makefile's test-packaging; docs/debugging.md).
#
#   1. configure with -DBUILD_TESTING=OFF (no developer target, no test
#      package looked for), build, `cmake --install` into a prefix; check
#      the installed layout the design notes fix
#   2. a consumer project: find_package(gomap CONFIG REQUIRED) against that
#      prefix (gomap::gomap, and gomap::http with COMPONENTS http), built, run
#   3. the same consumer with add_subdirectory(<checkout>) (gomap then
#      installs nothing), and with FetchContent of a file:// git URL of the
#      checkout (its HEAD commit; SOURCE_DIR when the tree has uncommitted
#      changes) and GOMAP_INSTALL=ON (gomap's files then install)
#   4. a pkg-config consumer: g++ $(pkg-config --cflags gomap)
#   5. gdb -batch on a program compiled -O0 -g: the printers loaded by the
#      auto-load stub and by `source`, exact output (check_gdb.py)
#   6. cpack -G DEB: the package's fields and file list (dpkg-deb)
#
# Usage: tests/packaging/run.sh [work dir]   (default build/packaging)
# Any failure stops the run with a line saying which step broke.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
here="$src/tests/packaging"
out="${1:-$src/build/packaging}"
jobs="${JOBS:-$(nproc)}"
start=$(date +%s)

fail() { echo "test-packaging: FAILED: $*" >&2; exit 1; }
step() { echo "test-packaging: $*"; }
run() {  # run <what> <command...>: the command's output is shown only if it fails
  local what="$1"; shift
  local log="$out/log.txt"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "$what (command: $*)"
  fi
}
for tool in cmake ninja g++ pkg-config gdb git dpkg-deb; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps.sh packaging installs it)"
done

version="$(sed -n 's/^project(gomap VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")"
[ -n "$version" ] || fail "no project(gomap VERSION ...) in CMakeLists.txt"
rm -rf "$out"
mkdir -p "$out"
prefix="$out/prefix"
build="$out/gomap-build"

# ---- 1. the BUILD_TESTING=OFF build and its install ------------------------
step "configure -DBUILD_TESTING=OFF, build, install into $prefix"
run "configuring gomap with -DBUILD_TESTING=OFF" \
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
if grep -E '^(GTest|GTEST|benchmark|absl|Threads)[A-Za-z_]*(_DIR|_INCLUDE_DIR|_LIBRARY)[:=]' "$build/CMakeCache.txt"; then
  fail "-DBUILD_TESTING=OFF still looked for a test or benchmark package (CMakeCache.txt above)"
fi
targets="$(ninja -C "$build" -t targets all | cut -d: -f1)"
if grep -E '(^|/)(test_[a-z_]+|gomap_demo|gomap_bench[a-z_]*|gomap_observe[a-z_]*|gomap_lab[a-z_]*)$' <<<"$targets"; then
  fail "-DBUILD_TESTING=OFF still defines developer targets (above)"
fi
run "building the BUILD_TESTING=OFF tree" cmake --build "$build" -j "$jobs"
run "cmake --install" cmake --install "$build" --prefix "$prefix"
http=OFF
[ -f "$prefix/lib/cmake/gomap/gomapHttpTargets.cmake" ] && http=ON
for f in include/gomap/map.hpp include/gomap/set.hpp include/gomap/version.hpp \
         lib/cmake/gomap/gomapConfig.cmake lib/cmake/gomap/gomapConfigVersion.cmake \
         lib/cmake/gomap/gomapTargets.cmake share/pkgconfig/gomap.pc \
         share/gomap/gdb/gomap_printers.py share/gomap/gdb/gomap-gdb.py; do
  [ -f "$prefix/$f" ] || fail "the install has no $f"
done
grep -q 'SameMajorVersion\|CVF_VERSION_MAJOR' "$prefix/lib/cmake/gomap/gomapConfigVersion.cmake" ||
  fail "gomapConfigVersion.cmake is not a SameMajorVersion version file"
grep -q '^  INTERFACE_INCLUDE_DIRECTORIES "${_IMPORT_PREFIX}/include"$' "$prefix/lib/cmake/gomap/gomapTargets.cmake" ||
  fail "gomap::gomap's exported include directories are not just <prefix>/include (an absolute path leaked?)"
if grep -rlF -e "$src/include" -e "$build" "$prefix/lib/cmake" "$prefix/share/pkgconfig"; then
  fail "installed package files name the source or build tree (above)"
fi

# ---- 2, 3. CMake consumers --------------------------------------------------
consumer() {  # consumer <name> <cmake args...>: configure, build and run the consumer project
  local name="$1"; shift
  local dir="$out/consumer-$name"
  run "configuring the $name consumer" cmake -S "$here/consumer" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DGOMAP_EXPECT_VERSION="$version" "$@"
  run "building the $name consumer" cmake --build "$dir" -j "$jobs"
  local said
  said="$("$dir/consumer")" || fail "the $name consumer's program failed: $said"
  step "  $name: $said"
  # gomap as a subproject installs nothing of its own, unless GOMAP_INSTALL=ON.
  if [ "$name" = subdirectory ]; then
    run "cmake --install of the $name consumer" cmake --install "$dir" --prefix "$dir/installed"
    if [ -e "$dir/installed" ] && [ -n "$(find "$dir/installed" -type f)" ]; then
      find "$dir/installed" -type f >&2
      fail "gomap as a subproject ($name) installed files (above): install rules must be off unless GOMAP_INSTALL=ON"
    fi
  elif [ "$name" = fetchcontent ]; then
    run "cmake --install of the $name consumer" cmake --install "$dir" --prefix "$dir/installed"
    [ -f "$dir/installed/lib/cmake/gomap/gomapConfig.cmake" ] && [ -f "$dir/installed/include/gomap/map.hpp" ] ||
      fail "gomap as a subproject with GOMAP_INSTALL=ON ($name) did not install its headers and CMake package"
    [ ! -e "$dir/CPackConfig.cmake" ] || fail "gomap as a subproject ($name) set up CPack for the parent project"
  fi
}
step "consumers: find_package, add_subdirectory, FetchContent"
consumer find_package -DCMAKE_PREFIX_PATH="$prefix" -DGOMAP_CONSUMER_HTTP="$http"
[ "$http" = ON ] && grep -q "with gomap::http" <<<"$("$out/consumer-find_package/consumer")" ||
  { [ "$http" = OFF ] || fail "the find_package consumer did not link gomap::http"; }
consumer subdirectory -DGOMAP_CONSUME=subdirectory -DGOMAP_CHECKOUT="$src"
# A clean git checkout is fetched by URL and commit, as a user's project
# would; a checkout with uncommitted changes (or none of git) by SOURCE_DIR,
# so that what is tested is what is on disk.
if git -C "$src" rev-parse --verify -q HEAD >/dev/null && [ -z "$(git -C "$src" status --porcelain)" ]; then
  head="$(git -C "$src" rev-parse HEAD)"
  consumer fetchcontent -DGOMAP_INSTALL=ON -DGOMAP_CONSUME=fetchcontent -DGOMAP_GIT_URL="file://$src" -DGOMAP_GIT_TAG="$head" \
    -DFETCHCONTENT_BASE_DIR="$out/fetchcontent"
  step "  (FetchContent fetched file://$src at ${head:0:12})"
else
  consumer fetchcontent -DGOMAP_INSTALL=ON -DGOMAP_CONSUME=fetchcontent -DGOMAP_FETCH_SOURCE_DIR="$src" \
    -DFETCHCONTENT_BASE_DIR="$out/fetchcontent"
  step "  (FetchContent used SOURCE_DIR: the checkout has uncommitted changes or no git)"
fi

# ---- 4. pkg-config ----------------------------------------------------------
step "pkg-config consumer"
export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
[ "$(pkg-config --modversion gomap)" = "$version" ] || fail "pkg-config --modversion gomap is not $version"
pkg-config --print-requires gomap | grep -q '^libxxhash' || fail "gomap.pc does not require libxxhash"
cflags="$(pkg-config --cflags gomap)" || fail "pkg-config --cflags gomap failed"
grep -qF -- "-I$prefix/include" <<<"$cflags" || fail "pkg-config --cflags gomap ($cflags) lacks -I$prefix/include"
run "compiling with pkg-config --cflags gomap" \
  g++ -std=c++20 -O1 $cflags -DGOMAP_CONSUMER_EXPECT_VERSION="\"$version\"" "$here/consumer/main.cpp" \
  -o "$out/pkgconfig-consumer"
said="$("$out/pkgconfig-consumer")" || fail "the pkg-config consumer's program failed: $said"
step "  pkg-config: $said"

# ---- 5. gdb -------------------------------------------------------------------
step "gdb printers (auto-load stub, then source)"
run "compiling the gdb subject (-O0 -g)" g++ -std=c++20 -O0 -g $cflags "$here/gdb_subject.cpp" -o "$out/gdb_subject"
# Debian's layout: <datadir>/auto-load/<the program's absolute path>-gdb.py.
autoload="$prefix/share/gdb/auto-load"
mkdir -p "$autoload$out"
cp "$prefix/share/gomap/gdb/gomap-gdb.py" "$autoload$out/gdb_subject-gdb.py"
GOMAP_CHECK_LOADED_BY=auto-load run "the gdb printers, loaded by the auto-load stub (tests/packaging/check_gdb.py)" \
  gdb -batch -nx -iex "add-auto-load-scripts-directory $autoload" -iex "add-auto-load-safe-path $autoload" \
  -x "$here/check_gdb.py" "$out/gdb_subject"
rm "$autoload$out/gdb_subject-gdb.py"
GOMAP_CHECK_LOADED_BY=source run "the gdb printers, sourced (tests/packaging/check_gdb.py)" \
  gdb -batch -nx -ex "source $prefix/share/gomap/gdb/gomap_printers.py" -x "$here/check_gdb.py" "$out/gdb_subject"

# ---- 6. the Debian package ------------------------------------------------------
step "cpack -G DEB"
(cd "$build" && run "cpack -G DEB" cpack -G DEB)
deb="$build/gomap_${version}_all.deb"
[ -f "$deb" ] || fail "cpack made no $(basename "$deb") (made: $(ls "$build"/*.deb 2>/dev/null))"
[ "$(dpkg-deb -f "$deb" Package)" = gomap ] || fail "the .deb's Package is not gomap"
[ "$(dpkg-deb -f "$deb" Architecture)" = all ] || fail "the .deb's Architecture is not all"
dpkg-deb -f "$deb" Depends | grep -q '^libxxhash-dev' || fail "the .deb does not depend on libxxhash-dev"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the .deb's Version is not $version"
# Its files: every header of include/gomap, the package files, nothing else.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||' | sort >"$out/deb-files.txt"
{
  (cd "$src" && find include/gomap -type f) | sed 's|^|usr/|'
  printf 'usr/%s\n' lib/cmake/gomap/gomapConfig.cmake lib/cmake/gomap/gomapConfigVersion.cmake \
    lib/cmake/gomap/gomapTargets.cmake share/pkgconfig/gomap.pc share/gomap/gdb/gomap_printers.py \
    share/gomap/gdb/gomap-gdb.py share/doc/gomap/README.md share/doc/gomap/debugging.md
} | sort >"$out/deb-expected.txt"
if ! diff -u "$out/deb-expected.txt" "$out/deb-files.txt" >&2; then
  fail "the .deb's file list differs from the expected one (diff above: - expected, + in the package)"
fi
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/pkgconfig/gomap.pc | grep -qx 'prefix=/usr' ||
  fail "the .deb's gomap.pc does not say prefix=/usr"

step "passed in $(( $(date +%s) - start )) s (gomap $version; gomap::http in the install: $http)"

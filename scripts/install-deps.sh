#!/usr/bin/env bash
# Installs the Debian packages gomap's build, tests and tools need, and only
# those that are missing: a machine that has them all runs no apt-get at all.
# Usage: scripts/install-deps.sh [group...]   groups: build (default), the others below, all
set -euo pipefail

build=(cmake ninja-build g++ libgtest-dev libgmock-dev libxxhash-dev)
bench=(libbenchmark-dev libabsl-dev libboost1.81-dev robin-map-dev libsparsehash-dev golang-go python3 libtbb-dev libcuckoo-dev)
# USDT probes (sys/sdt.h, readelf), the /metrics endpoint (cpp-httplib via
# pkg-config), promtool and a Prometheus server for the observability tests.
observe=(systemtap-sdt-dev binutils libcpp-httplib-dev pkg-config prometheus)
# tests/packaging: the gdb printers, FetchContent from a git URL, pkg-config
# (dpkg-deb, for the .deb's checks, is in every Debian system).
packaging=(gdb git pkg-config)
# gomap-lab (tools/lab): its peers (absl, Boost.Unordered, tbb, libcuckoo, Go),
# CLI11, gomap::http and Boost.Stacktrace (gomap::audit) for `audit`, npm for uPlot and playwright-core, and the
# Chromium the report's test renders the page in.
lab=(libabsl-dev libboost1.81-dev libboost-stacktrace1.81-dev libtbb-dev libcuckoo-dev libcli11-dev
     libcpp-httplib-dev pkg-config golang-go python3 nodejs npm chromium)
# The clang-tidy plugin (libclang-14-dev), the clang-tidy that loads it, FileCheck
# for its fixtures (llvm-14-tools), and Boost.Stacktrace for <gomap/audit.hpp>.
lint=(libclang-14-dev clang-tidy-14 llvm-14-tools libboost-stacktrace1.81-dev)
# The libFuzzer target (make fuzz): clang and its fuzzer/sanitizer runtimes.
fuzz=(clang-14 libclang-rt-14-dev)
# Every group but build, which the ones that compile add themselves. A new
# group is an array above and a name here.
groups=(bench observe packaging lab lint fuzz)

want=()
add_group() {
  if [[ " ${groups[*]} " != *" $1 "* ]]; then
    echo "install-deps: unknown group '$1' (build, ${groups[*]}, all)" >&2
    exit 2
  fi
  local -n pkgs="$1"
  want+=("${pkgs[@]}")
}
for g in "${@:-build}"; do
  case "$g" in
    build) ;;
    all) for o in "${groups[@]}"; do add_group "$o"; done ;;
    *) add_group "$g" ;;
  esac
done
# Every group builds something with the project's compiler and CMake.
want+=("${build[@]}")

missing=()
for p in "${want[@]}"; do
  # npm also comes bundled with other builds of Node.js (NodeSource's nodejs
  # package), which conflict with Debian's npm package: a working npm is enough.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# de-duplicate
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

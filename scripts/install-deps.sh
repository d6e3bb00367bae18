#!/usr/bin/env bash
# Installs the Debian packages gomap's build, tests and tools need, and only
# those that are missing: a machine that has them all runs no apt-get at all.
# Usage: scripts/install-deps.sh [group...]   groups: build (default), bench, observe, fuzz, all
set -euo pipefail

build=(cmake ninja-build g++ libgtest-dev libgmock-dev libxxhash-dev)
bench=(libbenchmark-dev libabsl-dev robin-map-dev libsparsehash-dev golang-go python3)
# USDT probes (sys/sdt.h, readelf), the /metrics endpoint (cpp-httplib via
# pkg-config), promtool and a Prometheus server for the observability tests.
observe=(systemtap-sdt-dev binutils libcpp-httplib-dev pkg-config prometheus)
# The libFuzzer target (make fuzz): clang and its fuzzer/sanitizer runtimes.
fuzz=(clang-14 libclang-rt-14-dev)

want=()
for g in "${@:-build}"; do
  case "$g" in
    build) want+=("${build[@]}") ;;
    bench) want+=("${build[@]}" "${bench[@]}") ;;
    observe) want+=("${observe[@]}") ;;
    fuzz) want+=("${build[@]}" "${fuzz[@]}") ;;
    all) want+=("${build[@]}" "${bench[@]}" "${observe[@]}" "${fuzz[@]}") ;;
    *) echo "install-deps: unknown group '$g' (build, bench, observe, fuzz, all)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
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

// bench/src/common.cpp: the out-of-line parts of common.hpp (the keyset,
// the TSC calibration, RSS and the load average), shared by the benchmark
// executables (gomap_bench, gomap_bench_concurrent).
#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <string>

#include "common.hpp"

namespace gomap_bench {

// ---- keyset, clocks, RSS ---------------------------------------------------------

void keyset::generate(std::size_t count) {
  splitmix64 g{key_seed};
  keys_.resize(count);
  for (auto& k : keys_) {
    k = g.next();
    if (k == reserved_empty_key || k == reserved_deleted_key)
      throw std::runtime_error("key stream hits a reserved key: change key_seed");
  }
}

std::span<const std::uint64_t> keyset::shuffled(std::size_t n) {
  if (shuffled_.size() != n) {
    const auto k = keys(n);
    shuffled_.assign(k.begin(), k.end());
    shuffle(shuffled_);
  }
  return shuffled_;
}

std::span<const std::string> keyset::strings(std::size_t n) {
  if (strings_.size() != n) {
    splitmix64 g{string_seed};
    strings_.clear();
    strings_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) strings_.push_back(string_key(g.next()));
    shuffled_strings_.clear();
  }
  return strings_;
}

std::span<const std::string> keyset::shuffled_strings(std::size_t n) {
  if (shuffled_strings_.size() != n) {
    const auto s = strings(n);
    shuffled_strings_.assign(s.begin(), s.end());
    shuffle(shuffled_strings_);
  }
  return shuffled_strings_;
}

keyset& keys() {
  static keyset k;
  return k;
}

double ticks_per_ns() {
  static const double v = [] {
    const std::int64_t n0 = now_ns();
    const std::uint64_t t0 = ticks();
    while (now_ns() - n0 < 100'000'000) {
    }
    const std::int64_t n1 = now_ns();
    const std::uint64_t t1 = ticks();
    return double(t1 - t0) / double(n1 - n0);
  }();
  return v;
}

namespace {
std::size_t status_field(const char* name) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) == 0) return std::stoull(line.substr(std::strlen(name))) * 1024;  // "kB"
  }
  return 0;
}
}  // namespace

std::size_t rss_bytes() { return status_field("VmRSS:"); }
// Resets VmHWM to the current RSS (Linux >= 4.0; harmless where unsupported).
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }
std::size_t peak_rss_bytes() { return status_field("VmHWM:"); }

long involuntary_switches() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_nivcsw;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace gomap_bench

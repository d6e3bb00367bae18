// bench/src/common.cpp: the out-of-line parts of common.hpp, the measuring
// code every benchmark executable (gomap_bench, gomap_bench_concurrent) and
// the lab (tools/lab) share: the key sequence, the clocks, RSS, the latency
// summary, the control loop. Built as the gomap_bench_harness library
// (bench/harness/CMakeLists.txt), so all of them link one copy.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

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

double thread_run_queue_ns() {
  // One descriptor per thread: /proc/thread-self names the thread that opens it.
  thread_local const int fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  char buf[96];
  const ssize_t n = fd < 0 ? -1 : ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return nan;
  buf[n] = '\0';
  unsigned long long on_cpu = 0, waiting = 0;
  if (std::sscanf(buf, "%llu %llu", &on_cpu, &waiting) != 2) return nan;
  return double(waiting);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

latency_ns summarize(std::span<std::uint64_t> t, long preempted) {
  latency_ns r;
  r.preempted = double(preempted);
  if (t.empty()) return r;
  const double scale = 1.0 / ticks_per_ns();
  auto at = [&](double q) {
    const auto k = std::min(t.size() - 1, static_cast<std::size_t>(q * double(t.size())));
    std::nth_element(t.begin(), t.begin() + std::ptrdiff_t(k), t.end());
    return double(t[k]) * scale;
  };
  r.p50 = at(0.5);
  r.p99 = at(0.99);
  r.p999 = at(0.999);
  r.p9999 = at(0.9999);
  r.max = double(*std::max_element(t.begin(), t.end())) * scale;
  return r;
}

// ---- the control loop ------------------------------------------------------------

// Fixed work of about one large-map insert (48 dependent multiply-adds,
// ~150 cycles), timed exactly like the inserts: what it shows above its
// median is the machine's own noise (interrupts, preemption, the hypervisor).
void time_control(std::span<const std::uint64_t> k, std::span<std::uint64_t> d, std::vector<run_queue_wait>* waits,
                  std::uint64_t slow) {
  std::uint64_t x = 1;
  time_each(
      std::min(k.size(), d.size()),
      [&](std::size_t i) {
        for (int r = 0; r < 48; ++r) {
          x = x * 0x9e3779b97f4a7c15ull + k[i];
          asm volatile("" : "+r"(x));
        }
      },
      d, waits, slow);
  keep(x);
}

namespace {

class control final : public subject {
 public:
  control() : subject("control", "none") {}
  bool has(group g) const override { return g == group::latency; }
  latency_ns latency(std::size_t n) override {
    std::vector<std::uint64_t> d(n);
    const long switches = involuntary_switches();
    time_control(keys().keys(n), d);
    return summarize(d, involuntary_switches() - switches);
  }
};

}  // namespace

std::unique_ptr<subject> make_control() { return std::make_unique<control>(); }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace gomap_bench

// bench/src/shrink_latency.cpp: per-operation latency of gomap's incremental
// growths on a 10^7-entry map (docs/shrink-latency.md, written by `make
// bench`). Times every insert; an observer (growth events cost nothing
// measurable) says which growth, if any, each insert fell in:
//   - the doublings while inserting 10^7 keys without reserve,
//   - the shrinking growth that follows erasing 90% of them (each insert of a
//     new key then pays for a bounded slice of it),
//   - a control loop doing fixed work, which shows the machine's own stalls.
// Prints one line per phase (p50, p99, p99.99, max); medians of `runs` runs.
#include <gomap/map.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

using clk = std::chrono::steady_clock;
std::int64_t elapsed(clk::time_point a, clk::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// Which growth is running, from the map's own events.
struct phase_observer {
  static constexpr bool enabled = true;
  gomap::growth_event_kind* running = nullptr;  // the start kind, or grow_end when none
  void on_growth_event(const gomap::growth_event& e) noexcept { *running = e.kind; }
};
using observed_map = gomap::map<std::uint64_t, std::uint64_t, gomap::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                                std::allocator<std::pair<const std::uint64_t, std::uint64_t>>, phase_observer>;

struct summary {
  double ops = 0, p50 = 0, p99 = 0, p9999 = 0, max = 0;
};
summary summarize(std::vector<std::int64_t>& v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return double(v[std::min(v.size() - 1, std::size_t(q * double(v.size())))]); };
  return {double(v.size()), at(0.5), at(0.99), at(0.9999), double(v.back())};
}

struct run_result {
  summary doubling, steady, shrink, control;
};

run_result one_run(std::size_t n) {
  gomap::growth_event_kind running = gomap::growth_event_kind::grow_end;
  observed_map m;
  m.observer().running = &running;
  std::vector<std::uint64_t> keys(n);
  std::uint64_t seed = 0x5eed;
  for (auto& k : keys) k = splitmix(seed);

  std::vector<std::int64_t> doubling, steady, shrink, control;
  doubling.reserve(n);
  steady.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = clk::now();
    m.try_emplace(keys[i], i);
    const auto t1 = clk::now();
    // An insert belongs to the growth it started or advanced.
    (running == gomap::growth_event_kind::grow_start || i == 0 ? doubling : steady).push_back(elapsed(t0, t1));
  }
  for (std::size_t i = 0; i < n; ++i)
    if (i % 10) m.erase(keys[i]);
  // Inserts of new keys until the shrink they start has finished.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = splitmix(seed);
    const auto t0 = clk::now();
    m.try_emplace(k, i);
    const auto t1 = clk::now();
    if (running != gomap::growth_event_kind::shrink_start) {
      if (i > 0) break;
      continue;
    }
    shrink.push_back(elapsed(t0, t1));
  }
  // Fixed work of about one insert's duration (a dependent chain of 100
  // multiply-adds, ~300 ns), timed the same way over as many operations, so
  // that it meets the machine's stalls (preemption, page reclaim) as often.
  std::uint64_t x = 1;
  control.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = clk::now();
    for (int j = 0; j < 100; ++j) x = x * 6364136223846793005ull + 1442695040888963407ull;
    const auto t1 = clk::now();
    control.push_back(elapsed(t0, t1));
  }
  if (x == 42) std::puts("");
  return {summarize(doubling), summarize(steady), summarize(shrink), summarize(control)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<run_result> rs;
  for (int r = 0; r < runs; ++r) rs.push_back(one_run(n));
  auto row = [&](const char* name, summary run_result::*field) {
    auto med = [&](double summary::*f) {
      std::vector<double> v;
      for (const auto& r : rs) v.push_back((r.*field).*f);
      return median(v);
    };
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n", name, med(&summary::ops), med(&summary::p50),
                med(&summary::p99), med(&summary::p9999), med(&summary::max));
  };
  std::printf("gomap per-operation latency, %zu keys, median of %d runs (ns)\n\n", n, runs);
  std::printf("| phase | operations | p50 | p99 | p99.99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
  row("inserts during a doubling growth", &run_result::doubling);
  row("inserts with no growth running", &run_result::steady);
  row("inserts during the shrink after erasing 90%", &run_result::shrink);
  row("control loop (fixed work)", &run_result::control);
  return 0;
}

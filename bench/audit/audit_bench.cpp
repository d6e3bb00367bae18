// bench/audit/audit_bench.cpp: what the audit costs maps, in one run, as
// ratios to the audit switched off (docs/lint-and-audit.md quotes them).
//
// Variants, all the same map type; only the audit's run-time state differs:
//   off         gomap::audit never enabled in the round (the default)
//   off'        the same again: an A/A control that shows the run's noise
//   unsampled   audit enabled at 1 in 2^30, every measured map unsampled:
//               construction calls the audit's sampler, which says no
//   sampled     audit enabled at 1 in 1: every map records its creation stack
//               and takes the slow insert path
// Workloads: `construct` builds and destroys an empty map (ns per map);
// `fill` inserts n random keys into a map from empty (ns per insert);
// `find` looks up n present keys (ns per find).
// Rounds rotate the variants' order; each keeps its best of `reps` runs per
// round; each figure is the median over the rounds, each ratio the median of
// the per-round ratios to `off`.
//
//   audit_bench [--n N] [--rounds R] [--reps K] [--smoke]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gomap/audit.hpp>
#include <gomap/map.hpp>

#include "../observe/workload.hpp"

namespace {

using obench::random_keys;
using obench::u64;
using clock_type = std::chrono::steady_clock;

double ns_since(clock_type::time_point t0, std::size_t ops) {
  return std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / static_cast<double>(ops);
}

double run_construct(std::size_t n, u64& sink) {
  const std::size_t maps = std::min<std::size_t>(n, 20000);
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < maps; ++i) {
    gomap::map<u64, u64> m;
    sink += m.bucket_count();
    asm volatile("" : : "r"(&m) : "memory");
  }
  return ns_since(t0, maps);
}

double run_fill(const std::vector<u64>& keys, u64& sink) {
  const auto t0 = clock_type::now();
  gomap::map<u64, u64> m;
  for (u64 k : keys) m[k] = k;
  sink += m.size();
  return ns_since(t0, keys.size());
}

double run_find(const gomap::map<u64, u64>& m, const std::vector<u64>& keys, u64& sink) {
  const auto t0 = clock_type::now();
  for (u64 k : keys) sink += m.find(k)->second;
  return ns_since(t0, keys.size());
}

struct variant {
  const char* name;
  void (*arm)();
  std::vector<double> ns[3], ratio[3];
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 200000, rounds = 7, reps = 3;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "audit_bench: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (!std::strcmp(argv[i], "--n")) n = value();
    else if (!std::strcmp(argv[i], "--rounds")) rounds = value();
    else if (!std::strcmp(argv[i], "--reps")) reps = value();
    else if (!std::strcmp(argv[i], "--smoke")) smoke = true;
    else {
      std::fprintf(stderr, "usage: audit_bench [--n N] [--rounds R] [--reps K] [--smoke]\n");
      return 2;
    }
  }
  if (smoke) n = 2000, rounds = 2, reps = 1;
  if (n == 0 || rounds == 0 || reps == 0) {
    std::fprintf(stderr, "audit_bench: --n, --rounds and --reps must be at least 1\n");
    return 2;
  }

  const std::vector<u64> keys = random_keys(n);
  gomap::audit::disable();
  gomap::map<u64, u64> filled;
  for (u64 k : keys) filled[k] = k;

  std::vector<variant> vs = {
      {"off", [] { gomap::audit::disable(); }, {}, {}},
      {"off'", [] { gomap::audit::disable(); }, {}, {}},
      {"unsampled",
       [] {
         gomap::audit::enable(std::size_t{1} << 30);
         gomap::map<u64, u64> first;  // takes the count's first sample
       },
       {}, {}},
      {"sampled", [] { gomap::audit::enable(1); }, {}, {}},
  };
  u64 sink = 0;
  for (std::size_t r = 0; r < rounds; ++r) {
    double round_ns[4][3];
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t v = (j + r) % vs.size();
      vs[v].arm();
      double best[3] = {1e300, 1e300, 1e300};
      for (std::size_t k = 0; k < reps; ++k) {
        best[0] = std::min(best[0], run_construct(n, sink));
        best[1] = std::min(best[1], run_fill(keys, sink));
        best[2] = std::min(best[2], run_find(filled, keys, sink));
      }
      gomap::audit::disable();
      for (int w = 0; w < 3; ++w) round_ns[v][w] = best[w];
    }
    for (std::size_t v = 0; v < vs.size(); ++v)
      for (int w = 0; w < 3; ++w) {
        vs[v].ns[w].push_back(round_ns[v][w]);
        vs[v].ratio[w].push_back(round_ns[v][w] / round_ns[0][w]);
      }
  }
  gomap::audit::reset();

  std::printf("n=%zu rounds=%zu reps=%zu (median over rounds; ratio = median of per-round ratios to off)\n", n, rounds,
              reps);
  std::printf("%-10s %14s %8s %14s %8s %14s %8s\n", "variant", "construct ns", "ratio", "fill ns/op", "ratio",
              "find ns/op", "ratio");
  for (const variant& v : vs)
    std::printf("%-10s %14.2f %8.3f %14.2f %8.3f %14.2f %8.3f\n", v.name, median(v.ns[0]), median(v.ratio[0]),
                median(v.ns[1]), median(v.ratio[1]), median(v.ns[2]), median(v.ratio[2]));
  std::printf("(sink %llu)\n", static_cast<unsigned long long>(sink % 10));
  return 0;
}

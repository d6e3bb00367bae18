// bench/observe/observe_bench.cpp: what observing costs an insert.
//
// Variants, each its own map type running the same loop (workload.hpp):
//   none      gomap::map with no_observer (the default): observing compiled out
//   none'     the same again: an A/A control that shows the run's noise
//   usdt      built with GOMAP_USDT (usdt_variant.cpp): probes in place, no tracer
//   ring      ring_observer into an event_ring drained by a ring_reader thread
//   metrics   metrics_observer feeding a metrics_registry
// Workloads: `fresh` inserts n random keys into an empty map (it grows ~log2(n)
// times, so every growth event fires); `presized` inserts them into a map
// reserved for n (no growth, no event: the hot path alone).
// Rounds interleave the variants, rotating their order. Within a round each
// variant runs `reps` times and keeps its best time (preemption and page
// faults only ever add time); each figure is the median over the rounds,
// with the min-max spread, and the ratio to `none` is the median of the
// per-round ratios (pairs measured moments apart).
//
//   observe_bench [--n N] [--rounds R] [--reps K] [--smoke]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gomap/map.hpp>
#include <gomap/observe/prometheus.hpp>
#include <gomap/observe/ring_buffer_observer.hpp>

#include "workload.hpp"

namespace obench {
namespace {

template <int Tag>
struct tagged_hash : gomap::hash<u64> {};
template <int Tag, class O = gomap::no_observer>
using bench_map =
    gomap::map<u64, u64, tagged_hash<Tag>, gomap::default_equal<u64>, std::allocator<std::pair<const u64, u64>>, O>;

struct variant {
  std::string name;
  std::function<double(const std::vector<u64>&, u64&)> fresh, presized;
  std::vector<double> fresh_ns, presized_ns;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace
}  // namespace obench

int main(int argc, char** argv) {
  using namespace obench;
  std::size_t n = 200000;
  int rounds = 5;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--n") && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--smoke")) {
      n = 20000;
      rounds = 1;
      reps = 1;
    } else {
      std::fprintf(stderr, "usage: %s [--n N] [--rounds R] [--reps K] [--smoke]\n", argv[0]);
      return 2;
    }
  }
  const std::vector<u64> keys = random_keys(n);

  auto ring = std::make_shared<gomap::event_ring>(1024);
  u64 events_read = 0;
  gomap::ring_reader reader(ring, [&](const gomap::growth_event&) { ++events_read; });
  gomap::metrics_registry registry;
  gomap::metrics_registration registration = registry.add("bench");

  using none_map = bench_map<0>;
  using control_map = bench_map<1>;
  using ring_map = bench_map<2, gomap::ring_observer>;
  using metrics_map = bench_map<3, gomap::metrics_observer>;
  auto make_ring = [&] {
    ring_map m;
    m.observer() = gomap::ring_observer(ring);
    return m;
  };
  auto make_metrics = [&] {
    metrics_map m;
    m.observer() = registration.observer();
    return m;
  };
  std::vector<variant> vs;
  vs.push_back({"none",
                [](auto& k, u64& c) {
                  return insert_fresh<none_map>(
                      k, [] { return none_map(); }, c);
                },
                [](auto& k, u64& c) {
                  return insert_presized<none_map>(
                      k, [] { return none_map(); }, c);
                },
                {},
                {}});
  vs.push_back({"none'",
                [](auto& k, u64& c) {
                  return insert_fresh<control_map>(
                      k, [] { return control_map(); }, c);
                },
                [](auto& k, u64& c) {
                  return insert_presized<control_map>(
                      k, [] { return control_map(); }, c);
                },
                {},
                {}});
  vs.push_back({"usdt", usdt_insert_fresh, usdt_insert_presized, {}, {}});
  vs.push_back({"ring",
                [&](auto& k, u64& c) { return insert_fresh<ring_map>(k, make_ring, c); },
                [&](auto& k, u64& c) { return insert_presized<ring_map>(k, make_ring, c); },
                {},
                {}});
  vs.push_back({"metrics",
                [&](auto& k, u64& c) { return insert_fresh<metrics_map>(k, make_metrics, c); },
                [&](auto& k, u64& c) { return insert_presized<metrics_map>(k, make_metrics, c); },
                {},
                {}});

  u64 checksum = 0;
  for (auto& v : vs) v.fresh(keys, checksum);  // warm-up: page in the allocator's arenas
  auto best_of = [&](const auto& run) {
    double best = run(keys, checksum);
    for (int k = 1; k < reps; ++k) best = std::min(best, run(keys, checksum));
    return best;
  };
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < vs.size(); ++i) {
      variant& v = vs[(i + r) % vs.size()];
      v.fresh_ns.push_back(best_of(v.fresh));
    }
    for (std::size_t i = 0; i < vs.size(); ++i) {
      variant& v = vs[(i + r) % vs.size()];
      v.presized_ns.push_back(best_of(v.presized));
    }
  }

  std::printf(
      "gomap observation cost: %zu random u64 keys, %d rounds interleaved, best of %d per round;\n"
      "median [min-max] over the rounds, ns per insert; ratio = median [min-max] of per-round ratios to none\n",
      n, rounds, reps);
  std::printf("%-8s %22s %24s   %22s %24s\n", "variant", "fresh (grows) ns", "ratio", "presized ns", "ratio");
  auto ratios = [](const std::vector<double>& a, const std::vector<double>& base) {
    std::vector<double> r;
    for (std::size_t i = 0; i < a.size(); ++i) r.push_back(a[i] / base[i]);
    return r;
  };
  auto lo = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  auto hi = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  for (const auto& v : vs) {
    const auto rf = ratios(v.fresh_ns, vs[0].fresh_ns), rp = ratios(v.presized_ns, vs[0].presized_ns);
    std::printf("%-8s %7.2f [%6.2f-%6.2f] %7.3f [%6.3f-%6.3f]   %7.2f [%6.2f-%6.2f] %7.3f [%6.3f-%6.3f]\n",
                v.name.c_str(), median(v.fresh_ns), lo(v.fresh_ns), hi(v.fresh_ns), median(rf), lo(rf), hi(rf),
                median(v.presized_ns), lo(v.presized_ns), hi(v.presized_ns), median(rp), lo(rp), hi(rp));
  }
  // The per-event costs, alone: what an enabled observer adds at each growth
  // start and end (one clock read, then the observer), best of `reps`.
  auto per_event = [&](auto&& push) {
    constexpr int events = 200000;
    double best = 1e300;
    for (int k = 0; k < std::max(reps, 3); ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < events; ++i) push(i);
      const auto t1 = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / events);
    }
    return best;
  };
  reader.stop();
  gomap::ring_observer ro(ring);
  gomap::metrics_observer mo = registration.observer();
  gomap::growth_event ev;
  const double clock_ns = per_event([&](int i) { ev.time_ns = gomap::internal::now_ns() + static_cast<u64>(i); });
  const double ring_ns = per_event([&](int i) {
    ev.entries = static_cast<u64>(i);
    ro.on_growth_event(ev);
    if ((i & 511) == 511) ring->drain([&](const gomap::growth_event& e) { checksum += e.entries; });
  });
  ev.kind = gomap::growth_event_kind::grow_end;
  const double metrics_ns = per_event([&](int i) {
    ev.duration_ns = static_cast<u64>(i) * 1000;
    mo.on_growth_event(ev);
  });

  none_map once;
  for (u64 k : keys) once.emplace(k, k);
  const double events_per_run = 2.0 * static_cast<double>(once.stats().growths);
  std::printf("ring: %llu events read, %llu dropped; growths per fresh run: %llu (%.0f events)\n",
              static_cast<unsigned long long>(events_read), static_cast<unsigned long long>(ring->dropped()),
              static_cast<unsigned long long>(once.stats().growths), events_per_run);
  std::printf("per event: clock read %.1f ns, ring push %.1f ns, metrics update %.1f ns\n", clock_ns, ring_ns,
              metrics_ns);
  std::printf(
      "=> events add %.4f ns per insert (ring) and %.4f ns (metrics) to the fresh run, "
      "plus one increment per insert made during a growth\n",
      events_per_run * (clock_ns + ring_ns) / static_cast<double>(n),
      events_per_run * (clock_ns + metrics_ns) / static_cast<double>(n));
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(checksum));
  return 0;
}

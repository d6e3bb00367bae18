// tools/lab/audit.cpp: `gomap-lab audit`. A live workload on one observed
// map: its growth events are printed as they happen (read from the event
// ring by a ring_reader thread, so the map's path never blocks on the
// terminal) and its figures are served at /metrics (gomap::http) until the
// time is up. The workload cycles through what the scenarios show: doublings
// from empty, a mass delete and the shrink that follows, and churn (which
// starts same-size growths). The run is also an audit (<gomap/audit.hpp>):
// every map it creates is sampled, and the audit's report closes the output,
// naming the creation site whose maps grew from empty and the reserve() that
// would have spared them.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <gomap/audit.hpp>
#include <gomap/http/metrics_server.hpp>
#include <gomap/observe/prometheus.hpp>
#include <gomap/observe/ring_buffer_observer.hpp>
#include <gomap/observe/tee_observer.hpp>
#include <thread>

#include "maps.hpp"
#include "util.hpp"

namespace gomap_lab {
namespace {

using observer = gomap::tee_observer<gomap::ring_observer, gomap::metrics_observer>;
using audited_map =
    gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>, std::allocator<std::pair<const u64, u64>>, observer>;

std::pair<std::string, int> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    throw std::invalid_argument("--listen '" + listen + "': expected HOST:PORT, e.g. 127.0.0.1:9464");
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (*end != '\0' || p < 0 || p > 65535)
    throw std::invalid_argument("--listen '" + listen + "': the port must be a number from 0 to 65535");
  return {listen.substr(0, colon), int(p)};
}

}  // namespace

int audit(const std::string& listen, double seconds, scale size) {
  const auto [host, port] = parse_listen(listen);
  const std::size_t n = by_scale<std::size_t>(size, 20'000, 1'000'000, 10'000'000);
  auto ring = std::make_shared<gomap::event_ring>(4096);
  gomap::audit::enable(1);  // every map from here on
  audited_map m;
  m.observer().first() = gomap::ring_observer(ring);
  gomap::metrics_registration reg = gomap::metrics_registry::global().add("lab_audit", m);
  gomap::metrics_server server(gomap::metrics_registry::global(), {.host = host, .port = port});
  std::printf("gomap-lab audit: serving http://%s:%d/metrics for %.0f s; growth events of map \"lab_audit\" follow\n",
              server.host().c_str(), server.port(), seconds);
  std::fflush(stdout);

  const std::int64_t t0 = gomap_bench::now_ns();
  std::atomic<std::uint64_t> printed{0};
  std::array<std::uint64_t, 4> by_kind{};
  gomap::ring_reader reader(ring, [&](const gomap::growth_event& e) {
    const double at = (double(e.time_ns) - double(t0)) / 1e9;
    ++by_kind[static_cast<std::size_t>(e.kind)];
    if (e.kind == gomap::growth_event_kind::grow_end)
      std::printf("[%8.3f s] %-21s %-20s B %2u -> %2u  entries %9zu  took %s over %llu inserts\n", at,
                  gomap::to_string(e.kind), gomap::to_string(e.growth), e.old_B, e.new_B, e.entries,
                  fmt_ns(double(e.duration_ns)).c_str(), static_cast<unsigned long long>(e.operations));
    else
      std::printf("[%8.3f s] %-21s %-20s B %2u -> %2u  entries %9zu  overflow buckets %zu\n", at,
                  gomap::to_string(e.kind), "", e.old_B, e.new_B, e.entries, e.overflow_buckets);
    std::fflush(stdout);
    ++printed;
  });

  // The workload, until the deadline; figures published every 100 ms.
  const std::int64_t deadline = t0 + std::int64_t(seconds * 1e9);
  std::int64_t next_publish = 0;
  gomap_bench::splitmix64 g{0xa0d17};
  std::uint64_t ops = 0, cycles = 0;
  auto tick = [&] {
    ++ops;
    if ((ops & 1023) == 0) {
      const std::int64_t now = gomap_bench::now_ns();
      if (now >= next_publish) {
        reg.publish(m);
        next_publish = now + 100'000'000;
      }
      if (now >= deadline) return false;
      // Paced, so that a reader can follow the events.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  };
  std::vector<u64> live;
  live.reserve(n);
  bool running = true;
  while (running) {
    ++cycles;
    const std::int64_t cycle_start = gomap_bench::now_ns();
    // 1. From empty to n keys: every doubling.
    while (running && live.size() < n) {
      const u64 k = g.next();
      m.try_emplace(k, ops);
      live.push_back(k);
      running = tick();
    }
    // 2. Erase 90%, then inserts: the shrinking growth.
    for (std::size_t i = 0; running && i < n - n / 10; ++i) {
      m.erase(live.back());
      live.pop_back();
      running = tick();
    }
    // 3. Churn at the remaining size: overflow chains, same-size growths.
    for (std::size_t i = 0; running && i < 4 * n; ++i) {
      const u64 k = g.next();
      m.try_emplace(k, ops);
      const std::size_t victim = std::size_t(g.next() % live.size());
      m.erase(live[victim]);
      live[victim] = k;
      running = tick();
    }
    // A cycle lasts at least a second: small workloads would flood the terminal.
    while (running && gomap_bench::now_ns() - cycle_start < 1'000'000'000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      reg.publish(m);
      running = gomap_bench::now_ns() < deadline;
    }
    if (running) {
      m.clear_and_release();
      live.clear();
    }
  }
  reg.publish(m);
  reader.stop();
  const gomap::map_stats s = m.stats();
  std::printf("\naudit: %.1f s, %llu operations in %llu cycles; growth events: %llu doublings, %llu same-size, "
              "%llu shrinks, %llu ends (%llu dropped by the ring)\n",
              double(gomap_bench::now_ns() - t0) / 1e9, static_cast<unsigned long long>(ops),
              static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(by_kind[0]),
              static_cast<unsigned long long>(by_kind[1]), static_cast<unsigned long long>(by_kind[2]),
              static_cast<unsigned long long>(by_kind[3]), static_cast<unsigned long long>(ring->dropped()));
  std::printf("final map: %zu entries, B=%u, %zu overflow buckets, %zu tombstones, %s held\n", s.size, s.B,
              s.overflow_buckets, s.tombstones, fmt_bytes(double(s.bytes_allocated)).c_str());
  std::printf("\n%s", gomap::audit::report().to_string().c_str());
  gomap::audit::disable();
  std::fflush(stdout);
  return 0;
}

}  // namespace gomap_lab

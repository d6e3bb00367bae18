// bench/src/concurrent_maps.hpp: the concurrent maps of the `concurrent`
// workload, each behind the same two calls (put, get), and the timed loop
// that drives them (run_cell). Shared by gomap_bench_concurrent
// (concurrent.cpp, which documents what is timed) and the lab's
// concurrent-maps scenario (tools/lab).
#pragma once

#include <atomic>
#include <cstdio>
#include <string>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include <libcuckoo/cuckoohash_map.hh>
#include <tbb/concurrent_hash_map.h>

#include <gomap/map.hpp>
#include <gomap/sharded_map.hpp>
#include <gomap/sync_map.hpp>

#include "common.hpp"

namespace gomap_bench::concurrent {

using u64 = std::uint64_t;

// ---- the maps, each behind the same three calls ------------------------------------

template <class Lock>
struct sharded_adapter {
  gomap::internal::basic_sharded_map<u64, u64, gomap::hash<u64>, std::equal_to<u64>,
                                     std::allocator<std::pair<const u64, u64>>, Lock>
      m;
  explicit sharded_adapter(std::size_t n) : m(n) {}
  void put(u64 k, u64 v) { m.insert_or_assign(k, v); }
  bool get(u64 k, u64& out) const {
    return m.cvisit(k, [&](const auto& kv) { out = kv.second; }) != 0;
  }
};

struct sync_adapter {
  gomap::sync_map<u64, u64> m;
  explicit sync_adapter(std::size_t) {}
  void put(u64 k, u64 v) { m.store(k, v); }
  bool get(u64 k, u64& out) const {
    const auto v = m.load(k);
    if (v) out = *v;
    return v.has_value();
  }
  // After a preload every key sits in the dirty map; Go's Range promotes it,
  // as a warm map would have been by its misses.
  void warm() {
    m.range([](u64, u64) { return false; });
  }
};

struct tbb_adapter {
  tbb::concurrent_hash_map<u64, u64> m;
  explicit tbb_adapter(std::size_t n) : m(n) {}
  void put(u64 k, u64 v) {
    tbb::concurrent_hash_map<u64, u64>::accessor a;
    m.insert(a, k);
    a->second = v;
  }
  bool get(u64 k, u64& out) const {
    tbb::concurrent_hash_map<u64, u64>::const_accessor a;
    if (!m.find(a, k)) return false;
    out = a->second;
    return true;
  }
};

struct cuckoo_adapter {
  libcuckoo::cuckoohash_map<u64, u64> m;
  explicit cuckoo_adapter(std::size_t n) : m(n) {}
  void put(u64 k, u64 v) { m.insert_or_assign(k, v); }
  bool get(u64 k, u64& out) const { return m.find(k, out); }
};

// What a user writes first: one lock around a gomap::map; with no_lock, the
// single-threaded baseline (run at 1 thread only).
struct no_lock {
  void lock() noexcept {}
  void unlock() noexcept {}
};

template <class Mutex>
struct locked_adapter {
  gomap::map<u64, u64> m;
  mutable Mutex mu;
  explicit locked_adapter(std::size_t n) : m(n) {}
  void put(u64 k, u64 v) {
    std::lock_guard<Mutex> lk(mu);
    m.insert_or_assign(k, v);
  }
  bool get(u64 k, u64& out) const {
    gomap::internal::shared_guard<Mutex> lk(mu);
    auto it = m.find(k);
    if (it == m.end()) return false;
    out = it->second;
    return true;
  }
};

// ---- the timed loop -------------------------------------------------------------------

struct cell_result {
  double ops = 0, seconds = 0;
  double mops() const { return ops / seconds / 1e6; }
};

struct xorshift {
  u64 s;
  u64 next() noexcept {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

template <class Map>
cell_result run_cell(Map& map, std::span<const u64> keys, unsigned threads, unsigned read_pct, double ms) {
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false}, stop{false}, wrong{false};
  std::vector<u64> done(threads, 0);
  const u64 read_below = (u64{read_pct} << 16) / 100;  // a draw's low 16 bits below this: read
  const u64 n = keys.size();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      xorshift rng{0x9e3779b97f4a7c15ull * (t + 1) ^ 0x676f6d6170ull};
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      u64 ops = 0, sum = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; ++i) {
          const u64 r = rng.next();
          const u64 k = keys[((r >> 32) * n) >> 32];
          if ((r & 0xffff) < read_below) {
            u64 v = 0;
            if (!map.get(k, v)) [[unlikely]]
              wrong.store(true);
            sum += v;
          } else {
            map.put(k, r);
          }
        }
        ops += 64;
      }
      keep(sum);
      done[t] = ops;
    });
  while (ready.load() < threads) std::this_thread::yield();
  const std::int64_t t0 = now_ns();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(ms * 1000)));
  stop.store(true);
  for (auto& th : pool) th.join();
  const std::int64_t t1 = now_ns();
  if (wrong.load()) throw std::runtime_error("a preloaded key was not found: the map is broken");
  cell_result r;
  for (u64 d : done) r.ops += static_cast<double>(d);
  r.seconds = static_cast<double>(t1 - t0) / 1e9;
  return r;
}

// Go's sync.Map: bench/go's program in -concurrent mode runs every (mix,
// threads) cell on its own preloaded map (the same keys) and prints
// "threads=T read=R ops=X ns=Y" per cell. Throws if it fails or skips a cell.
struct go_cell {
  unsigned threads, read_pct;
  double mops;
};
inline std::vector<go_cell> run_go_sync_map(const std::string& go, std::size_t n, const std::vector<unsigned>& threads,
                                            const std::vector<unsigned>& mixes, double ms) {
  std::string ts, rs;
  for (unsigned t : threads) ts += (ts.empty() ? "" : ",") + std::to_string(t);
  for (unsigned m : mixes) rs += (rs.empty() ? "" : ",") + std::to_string(m);
  const std::string cmd = "'" + go + "' -concurrent -n " + std::to_string(n) + " -threads " + ts + " -mixes " + rs +
                          " -ms " + std::to_string(static_cast<long>(ms));
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::vector<go_cell> cells;
  char line[256];
  while (std::fgets(line, sizeof line, p)) {
    unsigned t = 0, r = 0;
    double ops = 0, ns = 0;
    if (std::sscanf(line, "threads=%u read=%u ops=%lf ns=%lf", &t, &r, &ops, &ns) == 4 && ns > 0)
      cells.push_back({t, r, ops / (ns / 1e9) / 1e6});
  }
  if (::pclose(p) != 0 || cells.size() != threads.size() * mixes.size())
    throw std::runtime_error("the Go peer failed: " + cmd);
  return cells;
}

}  // namespace gomap_bench::concurrent

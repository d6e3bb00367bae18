// bench/observe/workload.hpp: the timed loops, shared by every variant's
// translation unit so that each variant runs the same code on its own map
// type, and the keys (bench/audit uses them too).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace obench {

using u64 = std::uint64_t;

// n pseudo-random keys (splitmix64 from a fixed seed): the same in every run.
inline std::vector<u64> random_keys(std::size_t n) {
  std::vector<u64> v(n);
  u64 s = 0x243f6a8885a308d3ull;
  for (auto& k : v) {
    u64 z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    k = z ^ (z >> 31);
  }
  return v;
}

// Inserts every key into a fresh map built by make(); returns ns per insert.
// Without a hint the map starts empty and grows ~log2(n) times on the way.
template <class Map, class Make>
double insert_fresh(const std::vector<u64>& keys, Make make, u64& checksum) {
  Map m = make();
  const auto t0 = std::chrono::steady_clock::now();
  for (u64 k : keys) m.emplace(k, k);
  const auto t1 = std::chrono::steady_clock::now();
  checksum += m.size() + m.stats().growths;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(keys.size());
}

// Inserts into a map presized for all keys: no growth, no event; the hot
// path alone.
template <class Map, class Make>
double insert_presized(const std::vector<u64>& keys, Make make, u64& checksum) {
  Map m = make();
  m.reserve(keys.size());
  const auto t0 = std::chrono::steady_clock::now();
  for (u64 k : keys) m.emplace(k, k);
  const auto t1 = std::chrono::steady_clock::now();
  checksum += m.size() + m.stats().growths;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(keys.size());
}

// One entry per variant: each compiled in its own translation unit.
double usdt_insert_fresh(const std::vector<u64>& keys, u64& checksum);
double usdt_insert_presized(const std::vector<u64>& keys, u64& checksum);

}  // namespace obench

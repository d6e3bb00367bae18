// bench/observe/workload.hpp: the timed loops, shared by every variant's
// translation unit so that each variant runs the same code on its own map type.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace obench {

using u64 = std::uint64_t;

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

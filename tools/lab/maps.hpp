// tools/lab/maps.hpp: the maps the lab sets next to gomap, as families of
// bench/src/workloads.hpp (the same insert, reserve and timing code as the
// benchmarks), each with its default hasher, std::allocator and a
// counting-allocator variant (`counted`) for bytes held.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <gomap/map.hpp>
#include <string>
#include <unordered_map>

#include "workloads.hpp"

namespace gomap_lab {

using gomap_bench::counting_allocator;
using u64 = std::uint64_t;
template <class K>
using counted_alloc = counting_allocator<std::pair<const K, u64>>;

struct gomap_family : gomap_bench::std_like_family {
  static constexpr const char* name = "gomap::map";
  using map = gomap::map<u64, u64>;
  using counted = gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>, counted_alloc<u64>>;
};

struct absl_family : gomap_bench::std_like_family {
  static constexpr const char* name = "absl::flat_hash_map";
  using map = absl::flat_hash_map<u64, u64>;
  using counted = absl::flat_hash_map<u64, u64, absl::Hash<u64>, std::equal_to<u64>, counted_alloc<u64>>;
};

struct boost_family : gomap_bench::std_like_family {
  static constexpr const char* name = "boost::unordered_flat_map";
  using map = boost::unordered_flat_map<u64, u64>;
  using counted = boost::unordered_flat_map<u64, u64, boost::hash<u64>, std::equal_to<u64>, counted_alloc<u64>>;
};

struct std_family : gomap_bench::std_like_family {
  static constexpr const char* name = "std::unordered_map";
  using map = std::unordered_map<u64, u64>;
  using counted = std::unordered_map<u64, u64, std::hash<u64>, std::equal_to<u64>, counted_alloc<u64>>;
};

// The name Go's map goes by in every table.
inline constexpr const char* go_name = "Go map (go1.19)";

// "gomap", "absl", "boost", "std", "Go": for verdicts, where full names crowd.
inline std::string short_name(const std::string& name) {
  if (name == go_name) return "Go";
  if (name.rfind("gomap", 0) == 0) return "gomap";
  const auto colons = name.find("::");
  return colons == std::string::npos ? name : name.substr(0, colons);
}

// Calls f.template operator()<Family>() for each C++ hash map, in table order.
template <class F>
void for_each_hash_map(F&& f) {
  f.template operator()<gomap_family>();
  f.template operator()<absl_family>();
  f.template operator()<boost_family>();
  f.template operator()<std_family>();
}

}  // namespace gomap_lab

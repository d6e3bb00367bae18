// std::unordered_map (libstdc++), with std::hash by default (the identity
// for integers; libstdc++ then takes the bucket modulo a prime).
#include <unordered_map>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct std_unordered_family : std_like_family {
  static constexpr const char* name = "std_unordered";
  template <class K>
  using default_hash = std::hash<K>;
  template <class K, class H>
  using map = std::unordered_map<K, std::uint64_t, H>;
  template <class K, class H>
  using counted =
      std::unordered_map<K, std::uint64_t, H, std::equal_to<K>, counting_allocator<std::pair<const K, std::uint64_t>>>;
};

}  // namespace

void add_std_unordered(subject_list& out) { add_family<std_unordered_family>(out); }

}  // namespace gomap_bench

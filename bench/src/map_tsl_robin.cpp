// tsl::robin_map (robin-hood open addressing, power-of-two sizes), with
// std::hash by default, as its documentation recommends for integers.
#include <tsl/robin_map.h>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct tsl_robin_family : std_like_family {
  static constexpr const char* name = "tsl_robin";
  template <class K>
  using default_hash = std::hash<K>;
  template <class K, class H>
  using map = tsl::robin_map<K, std::uint64_t, H>;
  template <class K, class H>
  using counted =
      tsl::robin_map<K, std::uint64_t, H, std::equal_to<K>, counting_allocator<std::pair<K, std::uint64_t>>>;
};

}  // namespace

void add_tsl_robin(subject_list& out) { add_family<tsl_robin_family>(out); }

}  // namespace gomap_bench

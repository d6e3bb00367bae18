// absl::btree_map: ordered, no hasher (so it is in the default pass only)
// and no reserve (so it has no insert_reserved).
#include <absl/container/btree_map.h>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct absl_btree_family : std_like_family {
  static constexpr const char* name = "absl_btree";
  static constexpr bool has_reserve = false;
  static constexpr bool hashed = false;
  template <class K>
  using default_hash = void;
  template <class K, class H>
  using map = absl::btree_map<K, std::uint64_t>;
  template <class K, class H>
  using counted =
      absl::btree_map<K, std::uint64_t, std::less<K>, counting_allocator<std::pair<const K, std::uint64_t>>>;
};

}  // namespace

void add_absl_btree(subject_list& out) { add_family<absl_btree_family>(out); }

}  // namespace gomap_bench

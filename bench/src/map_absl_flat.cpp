// absl::flat_hash_map (Swiss table), with absl::Hash by default.
#include <absl/container/flat_hash_map.h>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct absl_flat_family : std_like_family {
  static constexpr const char* name = "absl_flat";
  template <class K>
  using default_hash = absl::Hash<K>;
  template <class K>
  using eq = typename absl::flat_hash_map<K, std::uint64_t>::key_equal;
  template <class K, class H>
  using map = absl::flat_hash_map<K, std::uint64_t, H, eq<K>>;
  template <class K, class H>
  using counted =
      absl::flat_hash_map<K, std::uint64_t, H, eq<K>, counting_allocator<std::pair<const K, std::uint64_t>>>;
};

}  // namespace

void add_absl_flat(subject_list& out) { add_family<absl_flat_family>(out); }

}  // namespace gomap_bench

// gomap::map, with its default seeded hasher and std::allocator (so arrays of
// 1 MiB and more are mmap'ed; see include/gomap/internal/memory.hpp). The
// counting-allocator variant goes through the allocator for every array.
#include <gomap/map.hpp>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct gomap_family : std_like_family {
  static constexpr const char* name = "gomap";
  template <class K>
  using default_hash = gomap::hash<K>;
  template <class K, class H>
  using map = gomap::map<K, std::uint64_t, H>;
  template <class K, class H>
  using counted =
      gomap::map<K, std::uint64_t, H, gomap::default_equal<K>, counting_allocator<std::pair<const K, std::uint64_t>>>;
  template <class M>
  static double gomap_bytes(const M& m) {
    return double(m.stats().bytes_allocated);
  }
};

}  // namespace

void add_gomap(subject_list& out) { add_family<gomap_family>(out); }

}  // namespace gomap_bench

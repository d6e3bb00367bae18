// boost::unordered_flat_map (Boost 1.81, libboost1.81-dev; open addressing in
// 15-slot groups with SIMD metadata), with boost::hash by default: the
// identity for integers, which the map post-mixes itself (a multiply-fold)
// because boost::hash does not declare itself avalanching.
#include <boost/unordered/unordered_flat_map.hpp>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct boost_flat_family : std_like_family {
  static constexpr const char* name = "boost_flat";
  template <class K>
  using default_hash = boost::hash<K>;
  template <class K, class H>
  using map = boost::unordered_flat_map<K, std::uint64_t, H>;
  template <class K, class H>
  using counted = boost::unordered_flat_map<K, std::uint64_t, H, std::equal_to<K>,
                                            counting_allocator<std::pair<const K, std::uint64_t>>>;
};

}  // namespace

void add_boost_flat(subject_list& out) { add_family<boost_flat_family>(out); }

}  // namespace gomap_bench

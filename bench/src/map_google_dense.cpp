// google::dense_hash_map (sparsehash 2.0, classic open addressing with
// quadratic probing), with std::hash by default. It needs two keys that are
// never inserted, for its empty and deleted markers; reserve is resize().
#include <sparsehash/dense_hash_map>

#include "workloads.hpp"

namespace gomap_bench {
namespace {

struct google_dense_family : std_like_family {
  static constexpr const char* name = "google_dense";
  template <class K>
  using default_hash = std::hash<K>;
  template <class K, class H>
  using map = google::dense_hash_map<K, std::uint64_t, H>;
  template <class K, class H>
  using counted = google::dense_hash_map<K, std::uint64_t, H, std::equal_to<K>,
                                         counting_allocator<std::pair<const K, std::uint64_t>>>;

  // String keys are 16 hex digits, so neither marker can be one.
  template <class M>
  static void prepare(M& m) {
    if constexpr (std::is_same_v<typename M::key_type, std::string>) {
      m.set_empty_key(std::string());
      m.set_deleted_key(std::string("!"));
    } else {
      m.set_empty_key(reserved_empty_key);
      m.set_deleted_key(reserved_deleted_key);
    }
  }
  template <class M>
  static void reserve(M& m, std::size_t n) {
    m.resize(n);
  }
  template <class M, class K>
  static void insert(M& m, const K& k, std::uint64_t v) {
    m.insert(typename M::value_type(k, v));
  }
};

}  // namespace

void add_google_dense(subject_list& out) { add_family<google_dense_family>(out); }

}  // namespace gomap_bench

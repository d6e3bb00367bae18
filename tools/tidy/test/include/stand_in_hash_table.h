// Test input for the gomap-unsized-map-fill fixtures: the smallest hash-table
// class template with the members the check looks at, so that the fixtures
// can declare absl's and Boost's tables without those libraries installed.
// Not an implementation: the fixtures are only parsed (and compiled after
// -fix, never run).
#pragma once

#include <cstddef>
#include <utility>

namespace stand_in {

template <class K, class V>
class hash_table {
 public:
  using size_type = std::size_t;
  hash_table() = default;
  explicit hash_table(size_type bucket_count) : n_(bucket_count) {}
  template <class P>
  std::pair<int, bool> insert(P&&) { return {0, true}; }
  template <class... A>
  std::pair<int, bool> emplace(A&&...) { return {0, true}; }
  template <class... A>
  std::pair<int, bool> try_emplace(const K&, A&&...) { return {0, true}; }
  template <class M>
  std::pair<int, bool> insert_or_assign(const K&, M&&) { return {0, true}; }
  V& operator[](const K&) { return v_; }
  int find(const K&) const { return 0; }
  bool contains(const K&) const { return false; }
  size_type size() const { return n_; }
  void reserve(size_type n) { n_ = n; }
  void rehash(size_type n) { n_ = n; }

 private:
  size_type n_ = 0;
  V v_{};
};

}  // namespace stand_in

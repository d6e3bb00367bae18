// tests/test_api.cpp: the std::unordered_map surface of gomap::map, typed over
// int, uint64_t, std::string, a move-only value and a counting type (which
// fails the test on any leak or double destruction): construction,
// assignment, swap, equality, iteration, capacity, clear, lookup, at,
// operator[], reserve/rehash and the observers. Modifiers are in
// test_api_modify.cpp.
#include <algorithm>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/typed_support.hpp"

namespace {

using gotest::id;
using gotest::make;

template <class P>
class MapApi : public gotest::map_test<P> {};
TYPED_TEST_SUITE(MapApi, gotest::map_types, gotest::type_names);

#define SKIP_IF_MOVE_ONLY()                         \
  if constexpr (!TestFixture::copyable)             \
    GTEST_SKIP() << "the mapped type is move-only"; \
  else

// ---- construction -----------------------------------------------------------

TYPED_TEST(MapApi, default_constructed_is_empty_and_allocates_nothing) {
  typename TestFixture::Map m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.begin(), m.end());
  EXPECT_EQ(m.cbegin(), m.cend());
  EXPECT_EQ(m.bucket_count(), 0u);
  EXPECT_EQ(m.capacity(), 0u);
  EXPECT_EQ(m.load_factor(), 0.0f);
  EXPECT_EQ(m.stats().bytes_allocated, 0u);
  EXPECT_GT(m.max_size(), std::size_t{1} << 30);
  EXPECT_FALSE(m.contains(TestFixture::key(1)));
}

TYPED_TEST(MapApi, hint_constructor_sizes_for_the_hint) {
  typename TestFixture::Map m(100);
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.bucket_count(), 16u);  // Go: 100 entries need B = 4
  EXPECT_EQ(m.capacity(), 104u);     // 6.5 * 16
  for (int i = 0; i < 100; ++i) m.emplace(TestFixture::key(i), TestFixture::val(i));
  EXPECT_EQ(m.bucket_count(), 16u);
  EXPECT_TRUE(this->holds(m, 100));
}

TYPED_TEST(MapApi, range_constructor_inserts_each_key_once_first_wins) {
  using K = typename TestFixture::K;
  using V = typename TestFixture::V;
  std::vector<std::pair<K, V>> src;
  for (int i = 0; i < 50; ++i) src.emplace_back(TestFixture::key(i), TestFixture::val(i));
  src.emplace_back(TestFixture::key(7), TestFixture::val(700));  // duplicate: ignored
  typename TestFixture::Map m(std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  EXPECT_TRUE(this->holds(m, 50));
  typename TestFixture::Map hinted(std::make_move_iterator(src.begin()), std::make_move_iterator(src.begin()), 1000);
  EXPECT_TRUE(hinted.empty());
  EXPECT_EQ(hinted.bucket_count(), 256u);
}

TYPED_TEST(MapApi, initializer_list_constructor_and_assignment) {
  SKIP_IF_MOVE_ONLY() {
    using Map = typename TestFixture::Map;
    Map m{{TestFixture::key(1), TestFixture::val(1)},
          {TestFixture::key(2), TestFixture::val(2)},
          {TestFixture::key(1), TestFixture::val(100)}};
    EXPECT_TRUE(this->holds(m, 2, 1));
    m = {{TestFixture::key(5), TestFixture::val(5)}};
    EXPECT_TRUE(this->holds(m, 1, 5));
    Map hinted({{TestFixture::key(3), TestFixture::val(3)}}, 500);
    EXPECT_EQ(hinted.bucket_count(), 128u);
    EXPECT_TRUE(this->holds(hinted, 1, 3));
  }
}

TYPED_TEST(MapApi, copy_constructor_copies_every_entry_independently) {
  SKIP_IF_MOVE_ONLY() {
    auto m = this->filled(300);
    typename TestFixture::Map c(m);
    EXPECT_TRUE(this->holds(c, 300));
    EXPECT_TRUE(c == m);
    c.erase(TestFixture::key(0));
    c[TestFixture::key(1)] = TestFixture::val(1000);
    EXPECT_TRUE(this->holds(m, 300)) << "the source is untouched";
    EXPECT_EQ(id(c.at(TestFixture::key(1))), 1000);
    typename TestFixture::Map c2(m, m.get_allocator());
    EXPECT_TRUE(this->holds(c2, 300));
  }
}

TYPED_TEST(MapApi, copy_assignment_replaces_contents_and_survives_self_assignment) {
  SKIP_IF_MOVE_ONLY() {
    auto m = this->filled(100);
    auto t = this->filled(50, 1000);
    t = m;
    EXPECT_TRUE(this->holds(t, 100));
    auto& alias = t;
    t = alias;
    EXPECT_TRUE(this->holds(t, 100));
    typename TestFixture::Map e;
    t = e;
    EXPECT_TRUE(t.empty());
    GOTEST_EXPECT_VALID(t);
  }
}

TYPED_TEST(MapApi, move_constructor_steals_without_relocating) {
  auto m = this->filled(200);
  const auto* where = &*m.find(TestFixture::key(42));
  typename TestFixture::Map moved(std::move(m));
  EXPECT_TRUE(this->holds(moved, 200));
  EXPECT_EQ(&*moved.find(TestFixture::key(42)), where) << "a move steals the arrays";
  EXPECT_TRUE(m.empty());  // NOLINT(bugprone-use-after-move)
  GOTEST_EXPECT_VALID(m);
  m.emplace(TestFixture::key(1), TestFixture::val(1));  // the moved-from map is usable
  EXPECT_TRUE(this->holds(m, 1, 1));
}

// Found by this suite (it did not compile: table::move_elements_from called a
// Policy::mutable_ref that did not exist); fixed in 219927d.
TYPED_TEST(MapApi, move_constructor_with_allocator_keeps_every_entry) {
  auto m = this->filled(200);
  typename TestFixture::Map moved(std::move(m), m.get_allocator());
  EXPECT_TRUE(this->holds(moved, 200));
  GOTEST_EXPECT_VALID(m);  // NOLINT(bugprone-use-after-move)
}

TYPED_TEST(MapApi, move_assignment_destroys_the_old_contents) {
  auto m = this->filled(100);
  auto t = this->filled(500, 1000);
  t = std::move(m);
  EXPECT_TRUE(this->holds(t, 100));
  EXPECT_TRUE(m.empty());  // NOLINT(bugprone-use-after-move)
  t = std::move(t);        // self-move leaves a valid map
  GOTEST_EXPECT_VALID(t);
}

TYPED_TEST(MapApi, swap_exchanges_contents_and_iterators_follow_their_entries) {
  auto a = this->filled(10);
  auto b = this->filled(300, 1000);
  auto it = a.find(TestFixture::key(3));
  a.swap(b);
  EXPECT_TRUE(this->holds(a, 300, 1000));
  EXPECT_TRUE(this->holds(b, 10));
  EXPECT_EQ(it, b.find(TestFixture::key(3))) << "iterators stay valid and refer to the other container";
  swap(a, b);  // ADL
  EXPECT_TRUE(this->holds(a, 10));
  std::swap(a, b);
  EXPECT_TRUE(this->holds(a, 300, 1000));
}

// ---- comparison ---------------------------------------------------------------

TYPED_TEST(MapApi, equality_ignores_order_and_compares_values) {
  using Map = typename TestFixture::Map;
  Map a, b;
  for (int i = 0; i < 100; ++i) a.emplace(TestFixture::key(i), TestFixture::val(i));
  for (int i = 99; i >= 0; --i) b.emplace(TestFixture::key(i), TestFixture::val(i));
  EXPECT_TRUE(a == a);
  if constexpr (TestFixture::copyable) {
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a != b);
    b[TestFixture::key(50)] = TestFixture::val(51);
    EXPECT_FALSE(a == b) << "same keys, one value differs";
    b[TestFixture::key(50)] = TestFixture::val(50);
    EXPECT_TRUE(a == b);
  } else {
    EXPECT_FALSE(a == b) << "unique_ptr values compare by address";
  }
  b.erase(TestFixture::key(0));
  EXPECT_TRUE(a != b);
  b.emplace(TestFixture::key(100), TestFixture::val(0));
  EXPECT_FALSE(a == b) << "same size, one key differs";
  EXPECT_TRUE(Map() == Map());
}

// ---- iterators ----------------------------------------------------------------

TYPED_TEST(MapApi, iterators_visit_every_entry_once_and_allow_value_writes) {
  using Map = typename TestFixture::Map;
  static_assert(std::is_same_v<typename std::iterator_traits<typename Map::iterator>::iterator_category,
                               std::forward_iterator_tag>);
  static_assert(std::is_convertible_v<typename Map::iterator, typename Map::const_iterator>);
  static_assert(!std::is_convertible_v<typename Map::const_iterator, typename Map::iterator>);
  static_assert(std::is_same_v<decltype(*std::declval<typename Map::iterator>()), typename Map::value_type&>);
  static_assert(
      std::is_same_v<decltype(*std::declval<typename Map::const_iterator>()), const typename Map::value_type&>);
  auto m = this->filled(500);
  std::vector<int> seen;
  for (auto it = m.begin(); it != m.end(); it++) seen.push_back(id(it->first));
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen[i], i);
  for (auto& [k, v] : m) v = TestFixture::val(id(k) + 1);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(id(m.find(TestFixture::key(i))->second), i + 1);
  typename Map::const_iterator ci = m.begin();
  EXPECT_EQ(ci, m.cbegin());
  const Map& cm = m;
  EXPECT_EQ(std::distance(cm.begin(), cm.end()), 500);
  typename Map::iterator default_it;
  EXPECT_EQ(default_it, m.end()) << "a value-initialised iterator equals end()";
}

TYPED_TEST(MapApi, iteration_order_is_deterministic_for_a_given_state) {
  auto m = this->filled(300);
  std::vector<int> first, second;
  for (const auto& e : m) first.push_back(id(e.first));
  for (const auto& e : m) second.push_back(id(e.first));
  EXPECT_EQ(first, second);
}

// ---- size and capacity --------------------------------------------------------

TYPED_TEST(MapApi, size_capacity_and_load_factor_track_inserts) {
  typename TestFixture::Map m;
  for (int i = 0; i < 2000; ++i) {
    m.emplace(TestFixture::key(i), TestFixture::val(i));
    ASSERT_EQ(m.size(), static_cast<std::size_t>(i) + 1);
    ASSERT_LE(m.size(), m.capacity());
    const std::size_t buckets = m.bucket_count();
    ASSERT_EQ(m.capacity(), buckets == 1 ? 8u : buckets * 13 / 2);
    ASSERT_FLOAT_EQ(m.load_factor(), static_cast<float>(m.size()) / static_cast<float>(buckets));
    ASSERT_LE(m.load_factor(), 8.0f);
  }
  EXPECT_FALSE(m.empty());
  EXPECT_EQ(m.max_load_factor(), 6.5f);
  m.max_load_factor(1.0f);  // accepted and ignored
  EXPECT_EQ(m.max_load_factor(), 6.5f);
}

TYPED_TEST(MapApi, clear_destroys_every_entry_and_keeps_the_buckets) {
  auto m = this->filled(1000);
  const std::size_t buckets = m.bucket_count();
  m.clear();
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.begin(), m.end());
  EXPECT_EQ(m.bucket_count(), buckets) << "Go's clear keeps the array";
  EXPECT_EQ(m.stats().overflow_buckets, 0u);
  EXPECT_FALSE(m.contains(TestFixture::key(5)));
  GOTEST_EXPECT_VALID(m);
  for (int i = 0; i < 1000; ++i) m.emplace(TestFixture::key(i), TestFixture::val(i));
  EXPECT_EQ(m.bucket_count(), buckets) << "refilling to the old size does not grow";
  EXPECT_TRUE(this->holds(m, 1000));
  m.clear();
  m.clear();
  EXPECT_TRUE(m.empty());
}

// ---- lookup -------------------------------------------------------------------

TYPED_TEST(MapApi, find_contains_count_equal_range_on_present_and_absent_keys) {
  auto m = this->filled(200);
  const auto& cm = m;
  for (int i = 0; i < 400; ++i) {
    const auto k = TestFixture::key(i);
    const bool present = i < 200;
    EXPECT_EQ(m.contains(k), present);
    EXPECT_EQ(m.count(k), present ? 1u : 0u);
    auto it = m.find(k);
    auto cit = cm.find(k);
    EXPECT_EQ(it == m.end(), !present);
    EXPECT_EQ(cit, typename TestFixture::Map::const_iterator(it));
    auto [lo, hi] = m.equal_range(k);
    auto [clo, chi] = cm.equal_range(k);
    EXPECT_EQ(lo, it);
    EXPECT_EQ(clo, cit);
    EXPECT_EQ(std::distance(lo, hi), present ? 1 : 0);
    EXPECT_EQ(std::distance(clo, chi), present ? 1 : 0);
    if (present) {
      EXPECT_EQ(id(it->second), i);
    }
  }
}

TYPED_TEST(MapApi, at_returns_the_value_or_throws_out_of_range) {
  auto m = this->filled(20);
  EXPECT_EQ(id(m.at(TestFixture::key(7))), 7);
  EXPECT_EQ(id(std::as_const(m).at(TestFixture::key(7))), 7);
  m.at(TestFixture::key(7)) = TestFixture::val(70);
  EXPECT_EQ(id(m.at(TestFixture::key(7))), 70);
  EXPECT_THROW((void)m.at(TestFixture::key(20)), std::out_of_range);
  EXPECT_THROW((void)std::as_const(m).at(TestFixture::key(-5)), std::out_of_range);
  EXPECT_EQ(m.size(), 20u) << "at never inserts";
}

TYPED_TEST(MapApi, subscript_value_initialises_absent_keys_and_returns_present_ones) {
  auto m = this->filled(10);
  EXPECT_EQ(id(m[TestFixture::key(3)]), 3);
  EXPECT_EQ(m.size(), 10u);
  auto& v = m[TestFixture::key(42)];
  EXPECT_TRUE(gotest::is_value_initialized(v));
  EXPECT_EQ(m.size(), 11u);
  v = TestFixture::val(43);
  EXPECT_EQ(id(m.at(TestFixture::key(42))), 43);
  auto k = TestFixture::key(77);
  m[std::move(k)] = TestFixture::val(77);  // rvalue key
  EXPECT_EQ(id(m.at(TestFixture::key(77))), 77);
  GOTEST_EXPECT_VALID(m);
}

// ---- buckets ------------------------------------------------------------------

TYPED_TEST(MapApi, reserve_makes_room_for_n_without_further_growth) {
  typename TestFixture::Map m;
  m.reserve(5000);
  EXPECT_EQ(m.stats().B, gotest::go_b_for_hint(5000));
  const auto growths = m.stats().growths;
  for (int i = 0; i < 5000; ++i) m.emplace(TestFixture::key(i), TestFixture::val(i));
  EXPECT_EQ(m.stats().growths, growths);
  EXPECT_TRUE(this->holds(m, 5000));
  m.reserve(10);  // smaller than the table: no change
  EXPECT_EQ(m.stats().B, gotest::go_b_for_hint(5000));
  m.reserve(20000);  // a filled map grows to Go's B for the new hint, keeping its entries
  EXPECT_EQ(m.stats().B, gotest::go_b_for_hint(20000));
  EXPECT_FALSE(m.stats().growing);
  EXPECT_TRUE(this->holds(m, 5000));
}

TYPED_TEST(MapApi, rehash_sets_at_least_n_buckets_and_keeps_entries) {
  auto m = this->filled(100);
  m.rehash(1000);
  EXPECT_EQ(m.bucket_count(), 1024u);
  EXPECT_TRUE(this->holds(m, 100));
  m.rehash(1);  // shrinks, but never below what size() needs
  EXPECT_EQ(m.bucket_count(), std::size_t{1} << gotest::go_b_for_hint(100));
  EXPECT_TRUE(this->holds(m, 100));
}

// ---- observers ----------------------------------------------------------------

TYPED_TEST(MapApi, observers_return_the_map_policies) {
  using Map = typename TestFixture::Map;
  using K = typename TestFixture::K;
  static_assert(std::is_same_v<typename Map::hasher, gomap::hash<K>>);
  static_assert(std::is_same_v<typename Map::key_equal, gomap::default_equal<K>>);
  static_assert(
      std::is_same_v<typename Map::allocator_type, std::allocator<std::pair<const K, typename TestFixture::V>>>);
  static_assert(std::is_same_v<typename Map::value_type, std::pair<const K, typename TestFixture::V>>);
  static_assert(std::is_same_v<typename Map::mapped_type, typename TestFixture::V>);
  Map m;
  const K a = TestFixture::key(1), b = TestFixture::key(2);
  EXPECT_TRUE(m.key_eq()(a, a));
  EXPECT_FALSE(m.key_eq()(a, b));
  EXPECT_EQ(m.hash_function()(a), m.hash_function()(a));
  EXPECT_TRUE(m.get_allocator() == typename Map::allocator_type());
}

}  // namespace

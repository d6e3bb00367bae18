// tests/test_api_modify.cpp: the modifiers of gomap::map, typed over the same
// key/value types as test_api.cpp: every insert form, insert_or_assign,
// emplace, emplace_hint, try_emplace (which must not touch its arguments when
// the key is present), erase by key, iterator and range, gomap::erase_if,
// extract and node-handle insert (including a changed key), and merge.
#include <iterator>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/typed_support.hpp"

namespace {

using gotest::id;

template <class P>
class MapModify : public gotest::map_test<P> {};
TYPED_TEST_SUITE(MapModify, gotest::map_types, gotest::type_names);

// ---- insert -------------------------------------------------------------------

TYPED_TEST(MapModify, insert_value_rvalue_inserts_once) {
  using value_type = typename TestFixture::Map::value_type;
  typename TestFixture::Map m;
  auto [it, inserted] = m.insert(value_type(TestFixture::key(1), TestFixture::val(1)));
  EXPECT_TRUE(inserted);
  EXPECT_EQ(id(it->first), 1);
  auto [it2, inserted2] = m.insert(value_type(TestFixture::key(1), TestFixture::val(2)));
  EXPECT_FALSE(inserted2);
  EXPECT_EQ(it2, it);
  EXPECT_EQ(id(it2->second), 1) << "a present key keeps its value";
  EXPECT_TRUE(this->holds(m, 1, 1));
}

TYPED_TEST(MapModify, insert_value_lvalue_copies) {
  if constexpr (!TestFixture::copyable) {
    GTEST_SKIP() << "the mapped type is move-only";
  } else {
    using value_type = typename TestFixture::Map::value_type;
    typename TestFixture::Map m;
    const value_type v(TestFixture::key(3), TestFixture::val(3));
    EXPECT_TRUE(m.insert(v).second);
    EXPECT_FALSE(m.insert(v).second);
    EXPECT_EQ(id(v.second), 3) << "the source is untouched";
    EXPECT_EQ(m.insert(m.cbegin(), v), m.find(TestFixture::key(3)));
    EXPECT_TRUE(this->holds(m, 1, 3));
    m.insert(
        {value_type(TestFixture::key(4), TestFixture::val(4)), value_type(TestFixture::key(5), TestFixture::val(5))});
    EXPECT_TRUE(this->holds(m, 3, 3));
  }
}

TYPED_TEST(MapModify, insert_convertible_pair_and_hinted_forms) {
  using K = typename TestFixture::K;
  using V = typename TestFixture::V;
  typename TestFixture::Map m;
  EXPECT_TRUE(m.insert(std::pair<K, V>(TestFixture::key(1), TestFixture::val(1))).second);  // P&&
  auto it = m.insert(m.end(), std::pair<K, V>(TestFixture::key(2), TestFixture::val(2)));
  EXPECT_EQ(id(it->first), 2);
  it = m.insert(m.begin(), typename TestFixture::Map::value_type(TestFixture::key(3), TestFixture::val(3)));
  EXPECT_EQ(id(it->first), 3);
  it = m.insert(m.begin(), std::pair<K, V>(TestFixture::key(3), TestFixture::val(30)));
  EXPECT_EQ(id(it->second), 3) << "the hint is ignored; a present key wins";
  EXPECT_TRUE(this->holds(m, 3, 1));
}

TYPED_TEST(MapModify, insert_range_inserts_new_keys_and_skips_present_ones) {
  using K = typename TestFixture::K;
  using V = typename TestFixture::V;
  auto m = this->filled(50);
  std::vector<std::pair<K, V>> more;
  for (int i = 25; i < 100; ++i) more.emplace_back(TestFixture::key(i), TestFixture::val(i));
  m.insert(std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  EXPECT_TRUE(this->holds(m, 100));
}

TYPED_TEST(MapModify, insert_or_assign_inserts_then_assigns) {
  typename TestFixture::Map m;
  auto [it, inserted] = m.insert_or_assign(TestFixture::key(1), TestFixture::val(1));
  EXPECT_TRUE(inserted);
  auto [it2, inserted2] = m.insert_or_assign(TestFixture::key(1), TestFixture::val(11));
  EXPECT_FALSE(inserted2);
  EXPECT_EQ(it, it2);
  EXPECT_EQ(id(m.at(TestFixture::key(1))), 11);
  auto k = TestFixture::key(2);
  m.insert_or_assign(std::move(k), TestFixture::val(2));
  auto h = m.insert_or_assign(m.cbegin(), TestFixture::key(2), TestFixture::val(22));
  EXPECT_EQ(id(h->second), 22);
  auto k3 = TestFixture::key(3);
  h = m.insert_or_assign(m.cend(), std::move(k3), TestFixture::val(3));
  EXPECT_EQ(id(h->first), 3);
  EXPECT_EQ(m.size(), 3u);
  GOTEST_EXPECT_VALID(m);
}

// ---- emplace ------------------------------------------------------------------

TYPED_TEST(MapModify, emplace_accepts_key_value_pair_and_piecewise_forms) {
  using K = typename TestFixture::K;
  using V = typename TestFixture::V;
  typename TestFixture::Map m;
  EXPECT_TRUE(m.emplace(TestFixture::key(1), TestFixture::val(1)).second);
  EXPECT_TRUE(m.emplace(std::pair<K, V>(TestFixture::key(2), TestFixture::val(2))).second);
  EXPECT_TRUE(m.emplace(std::piecewise_construct, std::forward_as_tuple(TestFixture::key(3)),
                        std::forward_as_tuple(TestFixture::val(3)))
                  .second);
  EXPECT_TRUE(m.emplace(typename TestFixture::Map::value_type(TestFixture::key(4), TestFixture::val(4))).second);
  auto [it, inserted] = m.emplace(TestFixture::key(2), TestFixture::val(20));
  EXPECT_FALSE(inserted);
  EXPECT_EQ(id(it->second), 2);
  EXPECT_FALSE(m.emplace(std::piecewise_construct, std::forward_as_tuple(TestFixture::key(3)),
                         std::forward_as_tuple(TestFixture::val(30)))
                   .second);
  EXPECT_TRUE(this->holds(m, 4, 1));
}

TYPED_TEST(MapModify, emplace_of_a_present_key_leaves_rvalue_arguments_intact) {
  // container.hpp: with the key readable off the arguments, nothing is built
  // (nor moved from) when the key is present.
  auto m = this->filled(10);
  auto k = TestFixture::key(5);
  auto v = TestFixture::val(500);
  EXPECT_FALSE(m.emplace(std::move(k), std::move(v)).second);
  EXPECT_EQ(id(k), 5);    // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(id(v), 500);  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(
      m.emplace(std::piecewise_construct, std::forward_as_tuple(std::move(k)), std::forward_as_tuple(std::move(v)))
          .second);
  EXPECT_EQ(id(k), 5);    // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(id(v), 500);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(this->holds(m, 10));
}

TYPED_TEST(MapModify, emplace_hint_inserts_like_emplace) {
  typename TestFixture::Map m;
  auto it = m.emplace_hint(m.end(), TestFixture::key(1), TestFixture::val(1));
  EXPECT_EQ(id(it->first), 1);
  auto it2 = m.emplace_hint(m.begin(), TestFixture::key(1), TestFixture::val(100));
  EXPECT_EQ(it2, it);
  EXPECT_EQ(id(it2->second), 1);
  EXPECT_TRUE(this->holds(m, 1, 1));
}

// ---- try_emplace --------------------------------------------------------------

TYPED_TEST(MapModify, try_emplace_does_not_move_from_arguments_when_key_present) {
  auto m = this->filled(10);
  auto k = TestFixture::key(4);
  auto v = TestFixture::val(400);
  auto [it, inserted] = m.try_emplace(std::move(k), std::move(v));
  EXPECT_FALSE(inserted);
  EXPECT_EQ(id(it->second), 4);
  EXPECT_EQ(id(k), 4) << "the key was moved from";      // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(id(v), 400) << "the value was moved from";  // NOLINT(bugprone-use-after-move)
  const auto ck = TestFixture::key(4);
  EXPECT_FALSE(m.try_emplace(ck, std::move(v)).second);
  EXPECT_EQ(id(v), 400);  // NOLINT(bugprone-use-after-move)
  auto hit = m.try_emplace(m.cbegin(), std::move(k), std::move(v));
  EXPECT_EQ(hit, it);
  EXPECT_EQ(id(k), 4);    // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(id(v), 400);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(this->holds(m, 10));
}

TYPED_TEST(MapModify, try_emplace_inserts_absent_keys_with_constructed_values) {
  typename TestFixture::Map m;
  auto [it, inserted] = m.try_emplace(TestFixture::key(1), TestFixture::val(1));
  EXPECT_TRUE(inserted);
  EXPECT_EQ(id(it->second), 1);
  auto [it0, inserted0] = m.try_emplace(TestFixture::key(2));  // value-initialised
  EXPECT_TRUE(inserted0);
  EXPECT_TRUE(gotest::is_value_initialized(it0->second));
  const auto ck = TestFixture::key(3);
  auto h = m.try_emplace(m.cend(), ck, TestFixture::val(3));
  EXPECT_EQ(id(h->first), 3);
  EXPECT_EQ(m.size(), 3u);
  GOTEST_EXPECT_VALID(m);
}

// ---- erase --------------------------------------------------------------------

TYPED_TEST(MapModify, erase_by_key_returns_how_many) {
  auto m = this->filled(100);
  EXPECT_EQ(m.erase(TestFixture::key(10)), 1u);
  EXPECT_EQ(m.erase(TestFixture::key(10)), 0u);
  EXPECT_EQ(m.erase(TestFixture::key(1000)), 0u);
  EXPECT_EQ(m.size(), 99u);
  EXPECT_FALSE(m.contains(TestFixture::key(10)));
  for (int i = 0; i < 100; ++i) m.erase(TestFixture::key(i));
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.begin(), m.end());
  GOTEST_EXPECT_VALID(m);
}

TYPED_TEST(MapModify, erase_by_iterator_returns_the_next_entry) {
  auto m = this->filled(100);
  auto it = m.find(TestFixture::key(20));
  auto expected_next = std::next(it);
  EXPECT_EQ(m.erase(it), expected_next);
  auto cit = typename TestFixture::Map::const_iterator(m.find(TestFixture::key(30)));
  auto cnext = std::next(cit);
  EXPECT_EQ(m.erase(cit), cnext);
  EXPECT_EQ(m.size(), 98u);
  // Erasing everything through begin() walks the whole map.
  std::size_t n = 0;
  for (auto i = m.begin(); i != m.end(); ++n) i = m.erase(i);
  EXPECT_EQ(n, 98u);
  EXPECT_TRUE(m.empty());
  GOTEST_EXPECT_VALID(m);
}

TYPED_TEST(MapModify, erase_range_erases_exactly_the_range) {
  auto m = this->filled(100);
  auto first = std::next(m.begin(), 10), last = std::next(m.begin(), 40);
  std::vector<int> kept;
  for (auto it = m.begin(); it != first; ++it) kept.push_back(id(it->first));
  for (auto it = last; it != m.end(); ++it) kept.push_back(id(it->first));
  auto r = m.erase(first, last);
  EXPECT_EQ(r, last);
  EXPECT_EQ(m.size(), 70u);
  for (int k : kept) EXPECT_TRUE(m.contains(TestFixture::key(k)));
  EXPECT_EQ(m.erase(m.begin(), m.begin()), m.begin()) << "an empty range erases nothing";
  EXPECT_EQ(m.erase(m.cbegin(), m.cend()), m.end());
  EXPECT_TRUE(m.empty());
  GOTEST_EXPECT_VALID(m);
}

TYPED_TEST(MapModify, erase_if_erases_matching_entries_and_counts_them) {
  auto m = this->filled(300);
  const auto n = gomap::erase_if(m, [](const auto& e) { return id(e.first) % 3 == 0; });
  EXPECT_EQ(n, 100u);
  EXPECT_EQ(m.size(), 200u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(m.contains(TestFixture::key(i)), i % 3 != 0);
  EXPECT_EQ(gomap::erase_if(m, [](const auto&) { return false; }), 0u);
  GOTEST_EXPECT_VALID(m);
}

TYPED_TEST(MapModify, erase_while_iterating_idiom_visits_everything_once) {
  auto m = this->filled(1000);
  std::vector<int> visits(1000, 0);
  for (auto it = m.begin(); it != m.end();) {
    ++visits[id(it->first)];
    it = id(it->first) % 2 ? m.erase(it) : std::next(it);
  }
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(visits[i], 1) << "key " << i;
  EXPECT_EQ(m.size(), 500u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(m.contains(TestFixture::key(i)), i % 2 == 0);
  GOTEST_EXPECT_VALID(m);
}

// ---- node handles -------------------------------------------------------------

TYPED_TEST(MapModify, extract_moves_the_entry_out) {
  using node_type = typename TestFixture::Map::node_type;
  auto m = this->filled(50);
  node_type n = m.extract(TestFixture::key(7));
  ASSERT_FALSE(n.empty());
  ASSERT_TRUE(static_cast<bool>(n));
  EXPECT_EQ(id(n.key()), 7);
  EXPECT_EQ(id(n.mapped()), 7);
  EXPECT_EQ(m.size(), 49u);
  EXPECT_FALSE(m.contains(TestFixture::key(7)));
  EXPECT_TRUE(m.extract(TestFixture::key(7)).empty()) << "absent key: empty node";
  node_type n2 = m.extract(m.find(TestFixture::key(8)));
  EXPECT_EQ(id(n2.key()), 8);
  node_type moved(std::move(n2));
  EXPECT_TRUE(n2.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(id(moved.mapped()), 8);
  swap(n, moved);
  EXPECT_EQ(id(n.key()), 8);
  EXPECT_EQ(id(moved.key()), 7);
  EXPECT_EQ(m.size(), 48u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(m.contains(TestFixture::key(i)), i != 7 && i != 8);
  GOTEST_EXPECT_VALID(m);
  EXPECT_TRUE(n.get_allocator() == m.get_allocator());
}

TYPED_TEST(MapModify, node_insert_with_a_changed_key) {
  auto m = this->filled(20);
  auto n = m.extract(TestFixture::key(3));
  n.key() = TestFixture::key(300);
  n.mapped() = TestFixture::val(301);
  auto r = m.insert(std::move(n));
  EXPECT_TRUE(r.inserted);
  EXPECT_TRUE(r.node.empty());
  EXPECT_EQ(id(r.position->first), 300);
  EXPECT_EQ(id(m.at(TestFixture::key(300))), 301);
  EXPECT_FALSE(m.contains(TestFixture::key(3)));
  EXPECT_EQ(m.size(), 20u);
  GOTEST_EXPECT_VALID(m);
}

TYPED_TEST(MapModify, node_insert_of_a_present_key_hands_the_node_back) {
  auto m = this->filled(20);
  auto donor = this->filled(1, 5);
  auto n = donor.extract(donor.begin());
  n.mapped() = TestFixture::val(555);
  auto r = m.insert(std::move(n));
  EXPECT_FALSE(r.inserted);
  ASSERT_FALSE(r.node.empty());
  EXPECT_EQ(id(r.node.key()), 5);
  EXPECT_EQ(id(r.node.mapped()), 555);
  EXPECT_EQ(r.position, m.find(TestFixture::key(5)));
  EXPECT_EQ(id(m.at(TestFixture::key(5))), 5);
  auto empty = m.insert(typename TestFixture::Map::node_type());
  EXPECT_FALSE(empty.inserted);
  EXPECT_EQ(empty.position, m.end());
  auto n2 = donor.extract(TestFixture::key(5));  // already gone: empty
  EXPECT_EQ(m.insert(m.cbegin(), std::move(n2)), m.end());
  auto n3 = m.extract(TestFixture::key(6));
  n3.key() = TestFixture::key(60);
  EXPECT_EQ(id(m.insert(m.cend(), std::move(n3))->first), 60);
  EXPECT_EQ(m.size(), 20u);
  GOTEST_EXPECT_VALID(m);
}

TYPED_TEST(MapModify, merge_moves_absent_keys_and_leaves_duplicates_in_the_source) {
  auto dst = this->filled(100);      // 0..99
  auto src = this->filled(100, 50);  // 50..149
  src[TestFixture::key(60)] = TestFixture::val(6000);
  dst.merge(src);
  EXPECT_EQ(dst.size(), 150u);
  EXPECT_EQ(id(dst.at(TestFixture::key(60))), 60) << "a present key keeps its value";
  EXPECT_EQ(id(dst.at(TestFixture::key(149))), 149);
  EXPECT_EQ(src.size(), 50u);
  for (int i = 50; i < 100; ++i) EXPECT_TRUE(src.contains(TestFixture::key(i)));
  EXPECT_EQ(id(src.at(TestFixture::key(60))), 6000);
  GOTEST_EXPECT_VALID(dst);
  GOTEST_EXPECT_VALID(src);
  dst.merge(this->filled(10, 1000));  // rvalue source
  EXPECT_EQ(dst.size(), 160u);
}

}  // namespace

// tests/test_set.cpp: gomap::set, the same engine with keys only, typed over
// int, uint64_t, std::string and the counting type.
#include <algorithm>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/set.hpp>

#include "support/typed_support.hpp"

namespace {

using gotest::id;

template <class K>
class SetApi : public ::testing::Test {
 protected:
  using Set = gomap::set<K>;
  static K key(int i) { return gotest::make<K>(i); }
  static Set filled(int n, int first = 0) {
    Set s;
    for (int i = first; i < first + n; ++i) s.insert(key(i));
    return s;
  }
  static ::testing::AssertionResult holds(const Set& s, int n, int first = 0) {
    if (s.size() != static_cast<std::size_t>(n)) return ::testing::AssertionFailure() << "size " << s.size();
    for (int i = first; i < first + n; ++i)
      if (!s.contains(key(i))) return ::testing::AssertionFailure() << "key " << i << " missing";
    std::size_t visited = 0;
    for (const auto& k : s) {
      if (id(k) < first || id(k) >= first + n) return ::testing::AssertionFailure() << "unexpected " << id(k);
      ++visited;
    }
    if (visited != s.size()) return ::testing::AssertionFailure() << "visited " << visited;
    if (std::string err = gotest::check(s); !err.empty()) return ::testing::AssertionFailure() << err;
    return ::testing::AssertionSuccess();
  }
  void SetUp() override { live0_ = gotest::counted::live().size(); }
  void TearDown() override { EXPECT_EQ(gotest::counted::live().size(), live0_) << "counted objects leaked"; }

 private:
  std::size_t live0_ = 0;
};
TYPED_TEST_SUITE(SetApi, gotest::key_types, gotest::type_names);

TYPED_TEST(SetApi, iterators_are_const) {
  using Set = typename TestFixture::Set;
  static_assert(std::is_same_v<typename Set::value_type, TypeParam>);
  static_assert(std::is_same_v<typename Set::key_type, TypeParam>);
  static_assert(std::is_same_v<decltype(*std::declval<typename Set::iterator>()), const TypeParam&>);
  auto s = this->filled(100);
  EXPECT_TRUE(this->holds(s, 100));
}

TYPED_TEST(SetApi, construction_forms) {
  using Set = typename TestFixture::Set;
  std::vector<TypeParam> v;
  for (int i = 0; i < 40; ++i) v.push_back(this->key(i % 20));
  Set r(v.begin(), v.end());
  EXPECT_TRUE(this->holds(r, 20));
  Set il{this->key(1), this->key(2), this->key(2)};
  EXPECT_TRUE(this->holds(il, 2, 1));
  Set h(1000);
  EXPECT_EQ(h.bucket_count(), 256u);
  Set c(r);
  EXPECT_TRUE(c == r);
  Set m(std::move(c));
  EXPECT_TRUE(m == r);
  EXPECT_TRUE(c.empty());                   // NOLINT(bugprone-use-after-move)
  Set ma(std::move(m), m.get_allocator());  // did not compile for sets before 4528819
  EXPECT_TRUE(ma == r);
  il = {this->key(7)};
  EXPECT_TRUE(this->holds(il, 1, 7));
  il = r;
  EXPECT_TRUE(this->holds(il, 20));
  Set e;
  e.swap(il);
  EXPECT_TRUE(this->holds(e, 20));
  EXPECT_TRUE(il.empty());
}

TYPED_TEST(SetApi, insert_emplace_and_lookup) {
  using Set = typename TestFixture::Set;
  Set s;
  const TypeParam k1 = this->key(1);
  EXPECT_TRUE(s.insert(k1).second);
  EXPECT_FALSE(s.insert(k1).second);
  EXPECT_TRUE(s.insert(this->key(2)).second);
  EXPECT_TRUE(s.emplace(this->key(3)).second);
  EXPECT_FALSE(s.emplace(this->key(3)).second);
  EXPECT_EQ(*s.emplace_hint(s.end(), this->key(4)), this->key(4));
  EXPECT_EQ(*s.insert(s.begin(), this->key(5)), this->key(5));
  s.insert({this->key(6), this->key(7)});
  std::vector<TypeParam> more{this->key(8), this->key(9)};
  s.insert(more.begin(), more.end());
  EXPECT_TRUE(this->holds(s, 9, 1));
  EXPECT_EQ(s.count(this->key(9)), 1u);
  EXPECT_EQ(s.count(this->key(10)), 0u);
  EXPECT_EQ(s.find(this->key(10)), s.end());
  auto [lo, hi] = s.equal_range(this->key(5));
  EXPECT_EQ(std::distance(lo, hi), 1);
  EXPECT_EQ(*lo, this->key(5));
}

TYPED_TEST(SetApi, erase_forms_and_erase_if) {
  auto s = this->filled(200);
  EXPECT_EQ(s.erase(this->key(0)), 1u);
  EXPECT_EQ(s.erase(this->key(0)), 0u);
  auto it = s.find(this->key(1));
  auto next = std::next(it);
  EXPECT_EQ(s.erase(it), next);
  EXPECT_EQ(gomap::erase_if(s, [](const TypeParam& k) { return id(k) % 2 == 0; }), 99u);
  EXPECT_EQ(s.size(), 99u);
  for (int i = 2; i < 200; ++i) EXPECT_EQ(s.contains(this->key(i)), i % 2 == 1) << i;
  EXPECT_EQ(s.erase(s.begin(), s.end()), s.end());
  EXPECT_TRUE(s.empty());
  GOTEST_EXPECT_VALID(s);
}

TYPED_TEST(SetApi, extract_node_with_changed_value_and_merge) {
  auto s = this->filled(30);
  auto n = s.extract(this->key(4));
  ASSERT_FALSE(n.empty());
  EXPECT_EQ(id(n.value()), 4);
  n.value() = this->key(400);
  auto r = s.insert(std::move(n));
  EXPECT_TRUE(r.inserted);
  EXPECT_EQ(*r.position, this->key(400));
  EXPECT_FALSE(s.contains(this->key(4)));
  auto dup = s.extract(this->key(5));
  auto other = this->filled(1, 5);
  auto r2 = other.insert(std::move(dup));
  EXPECT_FALSE(r2.inserted);
  EXPECT_FALSE(r2.node.empty());
  auto src = this->filled(20, 25);  // 25..44; 25..29 are in s
  s.merge(src);
  EXPECT_EQ(s.size(), 29u + 15u);
  EXPECT_EQ(src.size(), 5u);
  GOTEST_EXPECT_VALID(s);
  GOTEST_EXPECT_VALID(src);
}

TYPED_TEST(SetApi, clear_reserve_and_stats) {
  auto s = this->filled(500);
  s.clear();
  EXPECT_TRUE(s.empty());
  s.reserve(3000);
  EXPECT_EQ(s.stats().B, gotest::go_b_for_hint(3000));
  for (int i = 0; i < 3000; ++i) s.insert(this->key(i));
  EXPECT_FALSE(s.stats().growing);
  EXPECT_TRUE(this->holds(s, 3000));
}

}  // namespace

// tests/test_conformance.cpp: what an outside conformance suite (ported from
// libstdc++'s unordered_map/unordered_set tests and Go's map_test.go) found
// (issue 10), one test per hazard, and the differences from std that gomap
// documents instead of fixing (load factor of one bucket, heterogeneous
// equal_range, node handle self-move). The concurrent-readers hazard (a
// data race in range() const) is in test_concurrent_readers.cpp, which the
// TSan build runs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include "support/test_support.hpp"

namespace {

using u64 = std::uint64_t;

std::multiset<u64> keys_from(gomap::map<u64, u64>::const_iterator it, gomap::map<u64, u64>::const_iterator end) {
  std::multiset<u64> out;
  for (; it != end; ++it) out.insert(it->first);
  return out;
}

std::multiset<u64> keys_of(const gomap::map<u64, u64>& m) { return keys_from(m.begin(), m.end()); }

gomap::map<u64, u64> filled(u64 first, std::size_t n) {
  gomap::map<u64, u64> m;
  for (u64 k = first; k < first + n; ++k) m.emplace(k, k);
  return m;
}

// ---- item 2: elements that only convert to value_type --------------------------

int conversions = 0;

struct converts_to_pair {
  int key;
  operator std::pair<const int, int>() const {  // NOLINT: the conversion is the point
    ++conversions;
    return {key, key * 10};
  }
};

struct converts_to_string {
  const char* s;
  operator std::string() const {  // NOLINT
    ++conversions;
    return s;
  }
};

TEST(Conformance, insert_of_a_type_that_converts_to_value_type_converts_once_per_element) {
  const std::vector<converts_to_pair> in{{1}, {2}, {1}, {3}};
  conversions = 0;
  gomap::map<int, int> a(in.begin(), in.end());
  EXPECT_EQ(conversions, 4);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(a.at(3), 30);

  gomap::map<int, int> b;
  conversions = 0;
  b.insert(in.begin(), in.end());
  EXPECT_EQ(conversions, 4);
  EXPECT_EQ(b, a);

  gomap::map<int, int> c;
  conversions = 0;
  EXPECT_TRUE(c.insert(converts_to_pair{7}).second);
  EXPECT_FALSE(c.insert(converts_to_pair{7}).second);
  EXPECT_EQ(c.insert(c.cbegin(), converts_to_pair{8})->second, 80);
  EXPECT_TRUE(c.emplace(converts_to_pair{9}).second);
  EXPECT_EQ(conversions, 4);
  EXPECT_EQ(c.size(), 3u);

  const std::vector<converts_to_string> words{{"x"}, {"y"}, {"x"}};
  conversions = 0;
  gomap::set<std::string> s(words.begin(), words.end());
  EXPECT_EQ(conversions, 3);
  EXPECT_EQ(s.size(), 2u);
  GOTEST_EXPECT_VALID(a);
  GOTEST_EXPECT_VALID(s);
}

// ---- item 3: iterators follow their elements on swap and move ----------------------

TEST(Conformance, iterators_survive_swap_and_walk_the_other_map) {
  auto a = filled(0, 1000), b = filled(5000, 300);
  const auto a_keys = keys_of(a), b_keys = keys_of(b);
  gomap::map<u64, u64>::const_iterator ia = a.cbegin(), ib = b.cbegin();
  a.swap(b);
  EXPECT_EQ(keys_from(ia, b.cend()), a_keys) << "an iterator taken from a walks a's elements, now in b";
  EXPECT_EQ(keys_from(ib, a.cend()), b_keys);
  std::swap(a, b);
  EXPECT_EQ(keys_from(ia, a.cend()), a_keys);
  using std::swap;
  swap(a, b);
  EXPECT_EQ(keys_from(ia, b.cend()), a_keys);
}

TEST(Conformance, iterators_survive_swap_in_the_middle_of_a_growth) {
  gomap::map<u64, u64> a;
  u64 k = 0;
  while (a.size() < 200 || !a.stats().growing) a.emplace(k, k), ++k;
  auto b = filled(1 << 20, 50);
  const auto a_keys = keys_of(a);
  auto it = a.cbegin();
  swap(a, b);
  EXPECT_EQ(keys_from(it, b.cend()), a_keys);
  GOTEST_EXPECT_VALID(b);
}

TEST(Conformance, iterators_survive_move_construction_and_move_assignment) {
  auto a = filled(0, 700);
  const auto keys = keys_of(a);
  auto it = a.cbegin();
  gomap::map<u64, u64> b(std::move(a));
  EXPECT_EQ(keys_from(it, b.cend()), keys);
  gomap::map<u64, u64> c;
  c = std::move(b);
  EXPECT_EQ(keys_from(it, c.cend()), keys);
  auto mit = c.find(3);
  gomap::map<u64, u64> d(std::move(c), std::allocator<std::pair<const u64, u64>>());
  EXPECT_EQ(mit->second, 3u);
  const auto after = std::next(mit);
  EXPECT_TRUE(d.erase(mit) == after) << "an iterator kept across the move erases in d";
  EXPECT_EQ(d.size(), keys.size() - 1);
  GOTEST_EXPECT_VALID(d);
}

// ---- item 4: deduction guides with an allocator argument ----------------------------

TEST(Conformance, deduction_from_a_map_and_an_allocator_or_what_converts_to_one) {
  gomap::map<int, int> m{{1, 2}};
  std::allocator<std::pair<const int, int>> alloc;
  gomap::map m1(m, alloc);
  static_assert(std::is_same_v<decltype(m1), gomap::map<int, int>>);
  gomap::map m2(std::move(m1), alloc);
  static_assert(std::is_same_v<decltype(m2), gomap::map<int, int>>);
  EXPECT_EQ(m2.at(1), 2);

  std::pmr::monotonic_buffer_resource pool;
  gomap::pmr::map<int, int> pm{std::pmr::polymorphic_allocator<std::pair<const int, int>>(&pool)};
  pm.emplace(3, 4);
  gomap::map pm1(pm, &pool);  // a memory_resource* converts to the allocator (P1518R2)
  static_assert(std::is_same_v<decltype(pm1), gomap::pmr::map<int, int>>);
  gomap::map pm2(std::move(pm1), &pool);
  static_assert(std::is_same_v<decltype(pm2), gomap::pmr::map<int, int>>);
  EXPECT_EQ(pm2.at(3), 4);

  gomap::set<int> s{1, 2};
  gomap::set s1(s, std::allocator<int>());
  static_assert(std::is_same_v<decltype(s1), gomap::set<int>>);
  gomap::set s2(std::move(s1), std::allocator<int>());
  static_assert(std::is_same_v<decltype(s2), gomap::set<int>>);
  EXPECT_EQ(s2.size(), 2u);
  gomap::pmr::set<int> ps{std::pmr::polymorphic_allocator<int>(&pool)};
  ps.insert(5);
  gomap::set ps1(ps, &pool);
  static_assert(std::is_same_v<decltype(ps1), gomap::pmr::set<int>>);
  EXPECT_TRUE(ps1.contains(5));
}

// ---- item 5: no default constructor without default-constructible policies --------

struct no_default_hash {
  explicit no_default_hash(int) {}
  std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k); }
};
struct no_default_equal {
  explicit no_default_equal(int) {}
  bool operator()(int a, int b) const noexcept { return a == b; }
};
template <class T>
struct no_default_alloc {
  using value_type = T;
  explicit no_default_alloc(int) {}
  template <class U>
  no_default_alloc(const no_default_alloc<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
  friend bool operator==(const no_default_alloc&, const no_default_alloc&) noexcept { return true; }
};

TEST(Conformance, default_constructibility_is_false_not_an_error_without_default_policies) {
  using P = std::pair<const int, int>;
  EXPECT_TRUE((std::is_default_constructible_v<gomap::map<int, int>>));
  EXPECT_FALSE((std::is_default_constructible_v<gomap::map<int, int, no_default_hash>>));
  EXPECT_FALSE((std::is_default_constructible_v<gomap::map<int, int, gomap::hash<int>, no_default_equal>>));
  EXPECT_FALSE((std::is_default_constructible_v<
                gomap::map<int, int, gomap::hash<int>, std::equal_to<int>, no_default_alloc<P>>>));
  EXPECT_FALSE((std::is_default_constructible_v<gomap::set<int, no_default_hash>>));
  EXPECT_FALSE((std::is_default_constructible_v<gomap::set<int, gomap::hash<int>, no_default_equal>>));
  EXPECT_FALSE(
      (std::is_default_constructible_v<gomap::set<int, gomap::hash<int>, std::equal_to<int>, no_default_alloc<int>>>));
  gomap::map<int, int, no_default_hash, no_default_equal> m(0, no_default_hash(1), no_default_equal(1));
  m[1] = 2;
  EXPECT_EQ(m.at(1), 2);
  gomap::set<int, gomap::hash<int>, std::equal_to<int>, no_default_alloc<int>> s(0, no_default_alloc<int>(1));
  s.insert(3);
  EXPECT_TRUE(s.contains(3));
}

// ---- item 6: the seeded protocol is opted into, not guessed from call syntax ----------

int unary_calls = 0, binary_calls = 0;

// One type as both the hasher and the equality (libstdc++'s dup_types.cc):
// its operator()(int, int) accepts a seed too, and must not be taken for a
// seeded hash.
struct hash_and_equal : std::hash<int>, std::equal_to<int> {
  std::size_t operator()(int k) const noexcept {
    ++unary_calls;
    return std::hash<int>::operator()(k);
  }
  bool operator()(int a, int b) const noexcept {
    ++binary_calls;
    return std::equal_to<int>::operator()(a, b);
  }
};

TEST(Conformance, a_hasher_that_is_also_the_equality_is_called_as_a_hasher) {
  gomap::map<int, int, hash_and_equal, hash_and_equal> m;
  unary_calls = 0;
  for (int k = 0; k < 2000; ++k) m.emplace(k, k);
  EXPECT_GE(unary_calls, 2000) << "every insert hashes with h(key)";
  for (int k = 0; k < 2000; ++k) ASSERT_EQ(m.at(k), k);
  EXPECT_FALSE(m.contains(-1));
  // A hash of 0 or 1 (the equality's answer) would pile every key into two
  // chains; with the real hash the chains stay Go-short.
  EXPECT_LT(m.stats().overflow_buckets, m.bucket_count() / 4);
  GOTEST_EXPECT_VALID(m);
}

struct callable_with_seed_but_not_seeded {
  std::uint64_t operator()(u64 k) const noexcept {
    ++unary_calls;
    return k;
  }
  std::uint64_t operator()(u64, std::uint64_t) const noexcept {
    ++binary_calls;
    return 0;  // would put every key in bucket 0
  }
};

struct opted_in {
  using is_seeded = void;
  std::uint64_t operator()(u64 k, std::uint64_t seed) const noexcept {
    ++binary_calls;
    return gomap::hash<u64>()(k, seed);
  }
};

TEST(Conformance, only_a_hasher_that_declares_is_seeded_receives_the_seed) {
  EXPECT_FALSE(gomap::is_seeded_hasher<callable_with_seed_but_not_seeded>::value);
  EXPECT_TRUE(gomap::is_seeded_hasher<opted_in>::value);
  EXPECT_TRUE(gomap::is_seeded_hasher<gomap::hash<u64>>::value);
  EXPECT_TRUE(gomap::is_seeded_hasher<gomap::hash<std::string>>::value);
  EXPECT_FALSE(gomap::is_seeded_hasher<std::hash<u64>>::value);

  gomap::map<u64, u64, callable_with_seed_but_not_seeded> m;
  unary_calls = binary_calls = 0;
  for (u64 k = 0; k < 1000; ++k) m.emplace(k, k);
  EXPECT_GE(unary_calls, 1000);
  EXPECT_EQ(binary_calls, 0);
  GOTEST_EXPECT_VALID(m);

  gomap::map<u64, u64, opted_in> o;
  unary_calls = binary_calls = 0;
  for (u64 k = 0; k < 1000; ++k) o.emplace(k, k);
  EXPECT_GE(binary_calls, 1000);
  GOTEST_EXPECT_VALID(o);
}

// ---- item 7: iterator == const_iterator next to an unconstrained operator== -------------

struct any_conv {
  any_conv() = default;
  template <class T>
  any_conv(const T&) {}  // NOLINT: converts from anything, as in libstdc++ PR 115939
  template <class T>
  friend bool operator==(const T&, const any_conv&) {
    return true;
  }
};

TEST(Conformance, iterator_compares_with_const_iterator_beside_an_unconstrained_operator_eq) {
  gomap::map<int, any_conv> m;
  m.emplace(1, any_conv());
  gomap::map<int, any_conv>::iterator it = m.begin();
  gomap::map<int, any_conv>::const_iterator cit = m.cbegin();
  EXPECT_TRUE(it == cit);
  EXPECT_TRUE(cit == it);
  EXPECT_FALSE(it != cit);
  EXPECT_TRUE(it != m.cend());
  EXPECT_TRUE(m.cend() != it);
  ++it;
  EXPECT_TRUE(it == m.cend());
}

// ---- item 8: a move across unequal allocators moves, never copies --------------------

int copies = 0, moves = 0;

struct throwing_move {
  int v = 0;
  explicit throwing_move(int x) : v(x) {}
  throwing_move(const throwing_move& o) : v(o.v) { ++copies; }
  throwing_move(throwing_move&& o) noexcept(false) : v(o.v) { ++moves; }
  throwing_move& operator=(const throwing_move&) = default;
  throwing_move& operator=(throwing_move&&) = default;
};

template <class T>
struct id_alloc {
  using value_type = T;
  using propagate_on_container_move_assignment = std::false_type;
  using is_always_equal = std::false_type;
  int id = 0;
  explicit id_alloc(int i) noexcept : id(i) {}
  template <class U>
  id_alloc(const id_alloc<U>& o) noexcept : id(o.id) {}  // NOLINT
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
  template <class U>
  friend bool operator==(const id_alloc& a, const id_alloc<U>& b) noexcept {
    return a.id == b.id;
  }
};

TEST(Conformance, move_assignment_across_unequal_allocators_moves_elements_whose_move_may_throw) {
  using A = id_alloc<std::pair<const int, throwing_move>>;
  using M = gomap::map<int, throwing_move, gomap::hash<int>, std::equal_to<int>, A>;
  M a(0, A(1)), b(0, A(2));
  for (int k = 0; k < 500; ++k) a.emplace(k, throwing_move(k));
  b.emplace(-1, throwing_move(-1));
  copies = moves = 0;
  b = std::move(a);
  EXPECT_EQ(copies, 0) << "elements are move-constructed, not copied";
  EXPECT_EQ(moves, 500);
  EXPECT_EQ(b.size(), 500u);
  EXPECT_EQ(b.at(499).v, 499);
  EXPECT_EQ(b.get_allocator().id, 2);

  copies = moves = 0;
  M c(std::move(b), A(3));
  EXPECT_EQ(copies, 0);
  EXPECT_EQ(moves, 500);
  EXPECT_EQ(c.at(7).v, 7);
  GOTEST_EXPECT_VALID(c);
}

// ---- item 9: noexcept of the moves follows the policies ------------------------------

struct throwing_move_hash {
  throwing_move_hash() = default;
  throwing_move_hash(const throwing_move_hash&) = default;
  throwing_move_hash(throwing_move_hash&&) noexcept(false) {}
  throwing_move_hash& operator=(const throwing_move_hash&) = default;
  throwing_move_hash& operator=(throwing_move_hash&&) noexcept(false) { return *this; }
  std::size_t operator()(int k) const noexcept { return static_cast<std::size_t>(k); }
};
struct throwing_move_equal {
  throwing_move_equal() = default;
  throwing_move_equal(const throwing_move_equal&) = default;
  throwing_move_equal(throwing_move_equal&&) noexcept(false) {}
  throwing_move_equal& operator=(const throwing_move_equal&) = default;
  throwing_move_equal& operator=(throwing_move_equal&&) noexcept(false) { return *this; }
  bool operator()(int a, int b) const noexcept { return a == b; }
};

TEST(Conformance, move_noexcept_follows_the_hasher_equality_and_allocator) {
  using plain = gomap::map<int, int>;
  using throwing_h = gomap::map<int, int, throwing_move_hash>;
  using throwing_e = gomap::map<int, int, gomap::hash<int>, throwing_move_equal>;
  using unequal = gomap::map<int, int, gomap::hash<int>, std::equal_to<int>, id_alloc<std::pair<const int, int>>>;
  using A = plain::allocator_type;
  EXPECT_TRUE(std::is_nothrow_move_constructible_v<plain>);
  EXPECT_FALSE(std::is_nothrow_move_constructible_v<throwing_h>);
  EXPECT_FALSE(std::is_nothrow_move_constructible_v<throwing_e>);
  EXPECT_TRUE((std::is_nothrow_constructible_v<plain, plain&&, const A&>)) << "std::allocator is always equal";
  EXPECT_FALSE((std::is_nothrow_constructible_v<throwing_h, throwing_h&&, const A&>));
  EXPECT_FALSE((std::is_nothrow_constructible_v<unequal, unequal&&, const unequal::allocator_type&>));
  EXPECT_TRUE(std::is_nothrow_move_assignable_v<plain>);
  EXPECT_FALSE(std::is_nothrow_move_assignable_v<throwing_h>);
  EXPECT_FALSE(std::is_nothrow_move_assignable_v<unequal>);
  EXPECT_TRUE(std::is_nothrow_move_constructible_v<gomap::set<int>>);
  EXPECT_FALSE((std::is_nothrow_move_constructible_v<gomap::set<int, throwing_move_hash>>));
  // ... and the moves still work.
  throwing_h a;
  a.emplace(1, 1);
  throwing_h b(std::move(a));
  EXPECT_EQ(b.at(1), 1);
}

// ---- item 10 (documented): one bucket holds 8 entries ----------------------------------

TEST(Conformance, one_bucket_holds_eight_entries_so_load_factor_reaches_eight) {
  gomap::map<int, int> m;
  for (int k = 0; k < 8; ++k) m.emplace(k, k);
  EXPECT_EQ(m.bucket_count(), 1u) << "Go's rule: a one-bucket map grows past 8 entries";
  EXPECT_FLOAT_EQ(m.load_factor(), 8.0f);
  EXPECT_FLOAT_EQ(m.max_load_factor(), 6.5f);
  m.emplace(8, 8);
  EXPECT_EQ(m.stats().B, 1u);
  for (int k = 9; k < 5000; ++k) {
    m.emplace(k, k);
    ASSERT_LE(m.load_factor(), m.max_load_factor()) << "from two buckets on the load stays <= 6.5, at " << k;
  }
}

// ---- item 11: heterogeneous count counts every equivalent key -------------------------

// Strings hashed by their first letter; a `letter` is equivalent to every
// stored string that starts with it, a string only to itself.
struct letter {
  char c;
};
struct first_letter_hash {
  using is_transparent = void;
  std::size_t operator()(const std::string& s) const noexcept { return std::hash<char>()(s.empty() ? '\0' : s[0]); }
  std::size_t operator()(letter l) const noexcept { return std::hash<char>()(l.c); }
};
struct first_letter_equal {
  using is_transparent = void;
  bool operator()(const std::string& a, const std::string& b) const noexcept { return a == b; }
  bool operator()(letter l, const std::string& s) const noexcept { return !s.empty() && s[0] == l.c; }
  bool operator()(const std::string& s, letter l) const noexcept { return (*this)(l, s); }
};

TEST(Conformance, heterogeneous_count_counts_every_equivalent_key) {
  gomap::set<std::string, first_letter_hash, first_letter_equal> s;
  for (const char* w : {"apple", "avocado", "apricot", "banana", "blueberry", "cherry"}) s.insert(w);
  EXPECT_EQ(s.count(letter{'a'}), 3u);
  EXPECT_EQ(s.count(letter{'b'}), 2u);
  EXPECT_EQ(s.count(letter{'c'}), 1u);
  EXPECT_EQ(s.count(letter{'z'}), 0u);
  EXPECT_EQ(s.count(std::string("apple")), 1u);
  EXPECT_TRUE(s.contains(letter{'b'}));
  // Documented: equal_range holds the first equivalent entry found only.
  auto [first, last] = s.equal_range(letter{'a'});
  ASSERT_NE(first, s.end());
  EXPECT_EQ((*first)[0], 'a');
  EXPECT_EQ(std::distance(first, last), 1);
}

TEST(Conformance, heterogeneous_count_during_a_growth_counts_in_the_right_array) {
  gomap::map<std::string, int, first_letter_hash, first_letter_equal> m;
  int i = 0;
  for (char c = 'a'; c <= 'z'; ++c)
    for (int j = 0; j < 3; ++j) m.emplace(std::string(1, c) + std::to_string(j), i++);
  std::size_t n = 0;
  while (!m.stats().growing) m.emplace(std::string(1, static_cast<char>('A' + n % 26)) + std::to_string(n), 0), ++n;
  for (char c = 'a'; c <= 'z'; ++c) ASSERT_EQ(m.count(letter{c}), 3u) << c;
  GOTEST_EXPECT_VALID(m);
}

// ---- item 12 (documented): a node handle's self-move keeps its element ----------------

TEST(Conformance, node_handle_self_move_assignment_keeps_its_element) {
  gomap::map<int, std::string> m{{1, "one"}};
  auto node = m.extract(1);
  auto& same = node;
  node = std::move(same);
  ASSERT_FALSE(node.empty());
  EXPECT_EQ(node.key(), 1);
  EXPECT_EQ(node.mapped(), "one");
  EXPECT_TRUE(m.insert(std::move(node)).inserted);
  EXPECT_EQ(m.at(1), "one");
}

}  // namespace

// tests/test_growth_midway.cpp: everything keeps working while an incremental
// growth is half done.
//
// During a growth entries live in two arrays: old buckets not yet evacuated,
// and the new array. Lookups must consult the right one, iteration must see
// every entry exactly once, erase must relocate nothing (the std
// erase-while-iterating idiom, and references to other entries staying put),
// and the growth must end after a bounded number of inserts.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/test_support.hpp"

namespace {

using map_t = gomap::map<std::uint64_t, std::uint64_t>;

std::uint64_t value_of(std::uint64_t k) { return k * 3 + 1; }

// Inserts keys 0, 1, ... until a doubling growth from at least `min_old`
// buckets is in progress and about half evacuated. Returns the next key.
std::uint64_t grow_to_midway(map_t& m, std::size_t min_old, std::uint64_t k = 0) {
  for (;; ++k) {
    m.emplace(k, value_of(k));
    const gomap::map_stats s = m.stats();
    if (s.growing && s.old_bucket_count >= min_old && s.evacuated >= s.old_bucket_count / 2) return k + 1;
    if (k > 10000000) {
      ADD_FAILURE() << "no growth reached midway";
      return k;
    }
  }
}

std::vector<std::uint64_t> sorted_keys(const map_t& m) {
  std::vector<std::uint64_t> v;
  for (const auto& e : m) v.push_back(e.first);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::uint64_t> iota_keys(std::uint64_t n) {
  std::vector<std::uint64_t> v(n);
  for (std::uint64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(GrowthMidway, growth_ends_within_old_bucket_count_inserts_and_evacuated_is_monotone) {
  map_t m;
  bool growing = false;
  std::size_t old_n = 0, evacuated = 0, inserts = 0, growths_seen = 0;
  for (std::uint64_t k = 0; k < 30000; ++k) {  // up to the growth from 2048 buckets
    m.emplace(k, value_of(k));
    const gomap::map_stats s = m.stats();
    if (s.growing && !growing) {  // a growth started on this insert
      ++growths_seen;
      old_n = s.old_bucket_count;
      EXPECT_EQ(old_n * 2, s.bucket_count);
      evacuated = 0;
      inserts = 0;
    }
    if (s.growing) {
      ++inserts;
      ASSERT_LE(inserts, old_n) << "growth from " << old_n << " buckets still running after " << inserts << " inserts";
      ASSERT_GE(s.evacuated, evacuated) << "nevacuate went backwards";
      ASSERT_LE(s.evacuated, old_n);
      ASSERT_GE(s.evacuated, inserts) << "each insert of a new key evacuates at least one old bucket in order";
      evacuated = s.evacuated;
    } else {
      EXPECT_EQ(s.old_bucket_count, 0u);
      EXPECT_EQ(s.evacuated, 0u);
    }
    growing = s.growing;
  }
  EXPECT_GE(growths_seen, 7u) << "growths from 16 to 2048 buckets are observed mid-way";
  GOTEST_EXPECT_VALID(m);
}

TEST(GrowthMidway, insert_of_a_present_key_does_no_evacuation_and_invalidates_nothing) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 64);
  const gomap::map_stats before = m.stats();
  std::vector<const std::pair<const std::uint64_t, std::uint64_t>*> where;
  for (std::uint64_t k = 0; k < n; ++k) where.push_back(&*m.find(k));
  for (std::uint64_t k = 0; k < n; k += 7) {
    EXPECT_FALSE(m.emplace(k, 0).second);
    EXPECT_FALSE(m.try_emplace(k, 0).second);
    EXPECT_FALSE(m.insert({k, 0}).second);
    m[k] = value_of(k);
    EXPECT_FALSE(m.insert_or_assign(k, value_of(k)).second);
  }
  const gomap::map_stats after = m.stats();
  EXPECT_TRUE(after.growing);
  EXPECT_EQ(after.evacuated, before.evacuated);
  for (std::uint64_t k = 0; k < n; ++k) {
    ASSERT_EQ(&*m.find(k), where[k]) << "key " << k << " moved";
    EXPECT_EQ(where[k]->second, value_of(k));
  }
  GOTEST_EXPECT_VALID(m);
}

// Every key is found (and every absent key is not) after every insert of the
// growths from 16 to 512 old buckets.
TEST(GrowthMidway, find_every_key_while_growing) {
  map_t m;
  std::size_t checked_steps = 0;
  for (std::uint64_t k = 0; k < 6657; ++k) {  // 6657 starts the growth from 512 buckets
    m.emplace(k, value_of(k));
    if (!m.stats().growing || m.bucket_count() < 32) continue;
    ++checked_steps;
    for (std::uint64_t j = 0; j <= k; ++j) {
      auto it = m.find(j);
      ASSERT_NE(it, m.end()) << "key " << j << " lost mid-growth after inserting " << k;
      ASSERT_EQ(it->second, value_of(j));
      ASSERT_TRUE(std::as_const(m).contains(j));
    }
    for (std::uint64_t j = k + 1; j < k + 50; ++j) ASSERT_FALSE(m.contains(j));
  }
  EXPECT_GT(checked_steps, 100u);
  GOTEST_EXPECT_VALID(m);
}

TEST(GrowthMidway, iteration_during_growth_visits_each_entry_exactly_once) {
  map_t m;
  std::size_t checked_steps = 0;
  for (std::uint64_t k = 0; k < 6657; ++k) {
    m.emplace(k, value_of(k));
    if (!m.stats().growing || m.bucket_count() < 32) continue;
    ++checked_steps;
    std::vector<std::uint64_t> seen;
    std::size_t n = 0;
    for (auto it = m.cbegin(); it != m.cend(); ++it, ++n) {
      ASSERT_EQ(it->second, value_of(it->first));
      seen.push_back(it->first);
    }
    ASSERT_EQ(n, m.size());
    ASSERT_EQ(static_cast<std::size_t>(std::distance(m.begin(), m.end())), m.size());
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen, iota_keys(k + 1)) << "after inserting key " << k;
  }
  EXPECT_GT(checked_steps, 100u);
}

TEST(GrowthMidway, erase_while_iterating_during_growth) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 128);
  const gomap::map_stats before = m.stats();
  std::multiset<std::uint64_t> visited;
  for (auto it = m.begin(); it != m.end();) {
    visited.insert(it->first);
    it = it->first % 2 ? m.erase(it) : std::next(it);
  }
  EXPECT_EQ(visited.size(), n) << "every entry visited once while erasing";
  EXPECT_EQ(std::set<std::uint64_t>(visited.begin(), visited.end()).size(), n);
  const gomap::map_stats after = m.stats();
  EXPECT_TRUE(after.growing) << "erase does no evacuation work";
  EXPECT_EQ(after.evacuated, before.evacuated);
  GOTEST_ASSERT_VALID(m);
  std::vector<std::uint64_t> evens;
  for (std::uint64_t k = 0; k < n; k += 2) evens.push_back(k);
  EXPECT_EQ(sorted_keys(m), evens);
  // The growth goes on with the next inserts and finishes cleanly.
  std::uint64_t k = n;
  while (m.stats().growing) {
    m.emplace(k, value_of(k));
    evens.push_back(k++);
  }
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(sorted_keys(m), evens);
}

TEST(GrowthMidway, erase_if_during_growth) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 64);
  const std::size_t erased = gomap::erase_if(m, [](const auto& e) { return e.first % 3 == 0; });
  EXPECT_EQ(erased, (n + 2) / 3);
  EXPECT_EQ(m.size(), n - erased);
  for (std::uint64_t k = 0; k < n; ++k) EXPECT_EQ(m.contains(k), k % 3 != 0) << k;
  GOTEST_EXPECT_VALID(m);
}

// C++'s guarantee that Go does not give: erase invalidates only the erased
// entry. Pointers and iterators to every other entry stay valid and keep
// their key and value, whether erasing by key, by iterator or by range.
TEST(GrowthMidway, erase_invalidates_only_the_erased_entry) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 64);
  std::vector<std::pair<const std::uint64_t, std::uint64_t>*> where(n);
  std::vector<map_t::iterator> iters(n);
  for (auto it = m.begin(); it != m.end(); ++it) {
    where[it->first] = &*it;
    iters[it->first] = it;
  }
  std::set<std::uint64_t> erased;
  for (std::uint64_t k = 0; k < n; k += 5) erased.insert(k), m.erase(k);         // by key
  for (std::uint64_t k = 1; k < n; k += 5) erased.insert(k), m.erase(iters[k]);  // by iterator
  for (std::uint64_t k = 2; k < n; k += 5) erased.insert(k), m.erase(map_t::const_iterator(iters[k]));
  // A range of three consecutive entries (in iteration order) that are all still live.
  {
    auto first = m.begin();
    while (std::next(first, 3) != m.end()) {
      auto a = first, b = std::next(a), c = std::next(b);
      if (!erased.count(a->first) && !erased.count(b->first) && !erased.count(c->first)) break;
      ++first;
    }
    auto last = std::next(first, 3);
    for (auto it = first; it != last; ++it) erased.insert(it->first);
    auto after = m.erase(first, last);
    EXPECT_EQ(after, last);
  }
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.size(), n - erased.size());
  for (std::uint64_t k = 0; k < n; ++k) {
    if (erased.count(k)) {
      EXPECT_FALSE(m.contains(k));
      continue;
    }
    auto it = m.find(k);
    ASSERT_NE(it, m.end());
    EXPECT_EQ(&*it, where[k]) << "key " << k << " was relocated by an erase";
    EXPECT_EQ(it, iters[k]) << "iterator to key " << k << " changed";
    EXPECT_EQ(where[k]->first, k);
    EXPECT_EQ(where[k]->second, value_of(k));
  }
  EXPECT_TRUE(m.stats().growing);
}

TEST(GrowthMidway, clear_during_growth_keeps_the_new_array_and_ends_the_growth) {
  map_t m;
  grow_to_midway(m, 64);
  const std::size_t buckets = m.bucket_count();
  m.clear();
  GOTEST_ASSERT_VALID(m);
  const gomap::map_stats s = m.stats();
  EXPECT_EQ(s.size, 0u);
  EXPECT_FALSE(s.growing);
  EXPECT_EQ(s.bucket_count, buckets);
  EXPECT_EQ(s.overflow_buckets, 0u);
  EXPECT_EQ(m.begin(), m.end());
  for (std::uint64_t k = 0; k < 100; ++k) m.emplace(k, k);
  EXPECT_EQ(m.size(), 100u);
  GOTEST_EXPECT_VALID(m);
}

TEST(GrowthMidway, copy_of_a_growing_map_has_every_entry) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 64);
  const gomap::map_stats before = m.stats();
  map_t c(m);
  GOTEST_ASSERT_VALID(c);
  EXPECT_EQ(c.size(), n);
  EXPECT_EQ(sorted_keys(c), iota_keys(n));
  EXPECT_TRUE(c == m);
  EXPECT_FALSE(c.stats().growing) << "a copy is built at the size its entries need";
  EXPECT_EQ(m.stats().evacuated, before.evacuated) << "copying reads, it does not evacuate";
  map_t a;
  a = m;
  EXPECT_TRUE(a == m);
  GOTEST_EXPECT_VALID(a);
}

TEST(GrowthMidway, move_of_a_growing_map_carries_the_growth) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 64);
  const gomap::map_stats before = m.stats();
  map_t moved(std::move(m));
  const gomap::map_stats s = moved.stats();
  EXPECT_TRUE(s.growing);
  EXPECT_EQ(s.evacuated, before.evacuated);
  EXPECT_EQ(moved.size(), n);
  GOTEST_ASSERT_VALID(moved);
  EXPECT_TRUE(m.empty());  // NOLINT(bugprone-use-after-move): moved-from is valid and empty
  GOTEST_ASSERT_VALID(m);
  m.emplace(1, 1);
  EXPECT_EQ(m.size(), 1u);
  std::uint64_t k = n;
  while (moved.stats().growing) moved.emplace(k, value_of(k)), ++k;
  EXPECT_EQ(sorted_keys(moved), iota_keys(k));
  GOTEST_EXPECT_VALID(moved);
}

TEST(GrowthMidway, reserve_and_rehash_finish_a_growth_in_progress) {
  map_t m;
  const std::uint64_t n = grow_to_midway(m, 64);
  m.reserve(n);
  EXPECT_FALSE(m.stats().growing);
  EXPECT_EQ(sorted_keys(m), iota_keys(n));
  GOTEST_EXPECT_VALID(m);

  map_t r;
  const std::uint64_t nr = grow_to_midway(r, 64);
  const std::size_t buckets = r.bucket_count();
  r.rehash(0);
  EXPECT_FALSE(r.stats().growing);
  EXPECT_EQ(r.bucket_count(), buckets);
  EXPECT_EQ(sorted_keys(r), iota_keys(nr));
  GOTEST_EXPECT_VALID(r);
}

TEST(GrowthMidway, same_size_growth_midway_keeps_every_entry_reachable) {
  using placed_map = gomap::map<std::uint64_t, std::uint64_t, gotest::placed_hash>;
  using gotest::placed;
  placed_map m(100);  // B = 4: a same-size growth starts at 16 overflow buckets
  std::set<std::uint64_t> model;
  for (std::uint64_t j = 0; j < 16; ++j) {
    // Nine keys chain an overflow bucket; erasing four leaves 5 * 16 = 80 < 104 entries.
    for (std::uint64_t t = 10; t < 19; ++t) m.emplace(placed(j, t), t), model.insert(placed(j, t));
    for (std::uint64_t t = 11; t < 19; t += 2) m.erase(placed(j, t)), model.erase(placed(j, t));
  }
  ASSERT_EQ(m.stats().overflow_buckets, 16u);
  std::uint64_t t = 30;
  m.emplace(placed(5, t), 0), model.insert(placed(5, t));
  ASSERT_TRUE(m.stats().same_size_grow);
  while (m.stats().growing) {
    GOTEST_ASSERT_VALID(m);
    for (std::uint64_t k : model) ASSERT_TRUE(m.contains(k)) << k;
    std::set<std::uint64_t> seen;
    for (const auto& e : m) ASSERT_TRUE(seen.insert(e.first).second) << "visited twice: " << e.first;
    ASSERT_EQ(seen, model);
    ++t;
    m.emplace(placed(t % 16, t), 0), model.insert(placed(t % 16, t));
  }
  GOTEST_EXPECT_VALID(m);
  EXPECT_EQ(m.size(), model.size());
}

}  // namespace

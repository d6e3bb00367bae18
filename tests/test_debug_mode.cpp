// tests/test_debug_mode.cpp: debug mode (GOMAP_DEBUG=1, internal/debug.hpp)
// catches the misuses a release build cannot see, each with a message that
// names it and the fix, and never fires in a correct program. Built with
// GOMAP_DEBUG=1 in every configuration (this file defines it), so the
// checks are tested in the release run too.
#ifndef GOMAP_DEBUG
#define GOMAP_DEBUG 1
#endif

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include "support/test_support.hpp"

static_assert(GOMAP_DEBUG, "this test checks debug mode");

namespace {

using u64 = std::uint64_t;
using map = gomap::map<u64, u64>;

map filled(std::size_t n) {
  map m;
  for (u64 k = 0; k < n; ++k) m.emplace(k, k);
  return m;
}

TEST(DebugModeDeathTest, iterator_used_after_an_insert_of_a_new_key) {
  EXPECT_DEATH(
      {
        map m = filled(100);
        auto it = m.find(5);
        m.emplace(1000, 0);
        u64 v = it->second;
        (void)v;
      },
      "gomap debug: iterator used after an operation invalidated it .*take a fresh iterator");
}

// reserve() and shrink_to_fit() free the array the iterator points into: the
// check then reads the freed array's owner word, which ASan reports as a
// use-after-free before debug mode can (either way the misuse is caught).
#ifdef GOMAP_TEST_SANITIZED
#define GOMAP_TEST_FREED_ARRAY "iterator used after an operation invalidated it|heap-use-after-free"
#else
#define GOMAP_TEST_FREED_ARRAY "iterator used after an operation invalidated it"
#endif

TEST(DebugModeDeathTest, iterator_used_after_clear_reserve_rehash_or_shrink) {
  EXPECT_DEATH(
      {
        map m = filled(100);
        auto it = m.begin();
        m.clear();
        m.emplace(1, 1);
        ++it;
      },
      "iterator used after an operation invalidated it");
  EXPECT_DEATH(
      {
        map m = filled(100);
        auto it = m.begin();
        m.reserve(100000);
        (void)*it;
      },
      GOMAP_TEST_FREED_ARRAY);
  EXPECT_DEATH(
      {
        map m = filled(1000);
        auto it = m.find(3);
        for (u64 k = 10; k < 1000; ++k) m.erase(k);
        m.shrink_to_fit();
        (void)*it;
      },
      GOMAP_TEST_FREED_ARRAY);
}

TEST(DebugModeDeathTest, iterator_to_an_erased_entry) {
  EXPECT_DEATH(
      {
        map m = filled(100);
        auto it = m.find(7);
        m.erase(7);
        ++it;
      },
      "gomap debug: iterator to an erased entry used: continue from the iterator erase\\(it\\) returns");
}

TEST(DebugModeDeathTest, dereferencing_or_incrementing_end) {
  EXPECT_DEATH(
      {
        map m = filled(10);
        (void)*m.end();
      },
      "gomap debug: dereferencing end\\(\\): compare with end\\(\\)");
  EXPECT_DEATH(
      {
        map m = filled(10);
        auto it = m.find(12345);
        (void)it->second;
      },
      "dereferencing end\\(\\)");
  EXPECT_DEATH(
      {
        gomap::set<int> s;
        s.insert(1);
        auto it = s.end();
        ++it;
      },
      "gomap debug: incrementing end\\(\\)");
}

TEST(DebugModeDeathTest, comparing_iterators_of_two_maps) {
  EXPECT_DEATH(
      {
        map a = filled(10);
        map b = filled(10);
        bool same = a.begin() == b.end();
        (void)same;
      },
      "gomap debug: comparing iterators of two different maps");
  EXPECT_DEATH(
      {
        map a = filled(10);
        map b = filled(10);
        for (auto it = a.begin(); it != b.end(); ++it) {
        }
      },
      "comparing iterators of two different maps");
}

// ---- correct programs never trip it ----------------------------------------------

TEST(DebugMode, erase_while_iterating_never_trips) {
  map m = filled(5000);
  std::size_t erased = 0;
  for (auto it = m.begin(); it != m.end();) {
    if (it->first % 3 == 0) {
      it = m.erase(it);
      ++erased;
    } else {
      ++it;
    }
  }
  EXPECT_EQ(m.size(), 5000 - erased);
  std::size_t even = 0;
  for (const auto& kv : m) even += kv.first % 2 == 0;
  EXPECT_EQ(gomap::erase_if(m, [](const auto& kv) { return kv.first % 2 == 0; }), even);
  GOTEST_EXPECT_VALID(m);
}

TEST(DebugMode, iterators_kept_across_inserts_of_present_keys_and_erases_of_others) {
  map m = filled(3000);
  auto it = m.find(42);
  for (u64 k = 0; k < 3000; ++k) {
    EXPECT_FALSE(m.try_emplace(k, 0).second);
    m.insert({k, 1});
    m[k] += 0;
  }
  for (u64 k = 100; k < 200; ++k) m.erase(k);
  EXPECT_EQ(it->first, 42u);
  EXPECT_EQ(it->second, 42u);
  EXPECT_TRUE(it != m.end());
}

TEST(DebugMode, iterators_follow_swap_and_move_and_iterate_during_a_growth) {
  map a;
  u64 k = 0;
  while (a.size() < 500 || !a.stats().growing) a.emplace(k, k), ++k;
  std::size_t seen = 0;
  for (auto it = a.begin(); it != a.end(); ++it) ++seen;
  EXPECT_EQ(seen, a.size());
  auto it = a.cbegin();
  map b = filled(10);
  a.swap(b);
  seen = 0;
  for (; it != b.cend(); ++it) ++seen;
  EXPECT_EQ(seen, b.size());
  auto jt = b.find(3);
  map c(std::move(b));
  EXPECT_EQ(jt->second, 3u);
  EXPECT_TRUE(jt != c.end());
  std::size_t ranged = 0;
  c.range([&](u64 key, u64&) {
    ++ranged;
    if (key % 2) c.emplace(key + (1u << 30), 0);
  });
  EXPECT_GE(ranged, seen);
  GOTEST_EXPECT_VALID(c);
}

}  // namespace

// tests/test_tombstones.cpp: erase leaves Go's tombstones, inserts reuse them,
// and a chain whose tail empties collapses back to empty_rest.
//
// Every key here is placed by hand (support/test_support.hpp's placed_hash:
// key = bucket << 8 | tag, tophash = tag), so each test knows which slot of
// which bucket each key occupies: slot i of bucket 0 holds the i-th key
// inserted there, and iteration walks the chain in slot order. The
// invariant checker runs after every step.
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/test_support.hpp"

namespace {

using gotest::placed;
using placed_map = gomap::map<std::uint64_t, std::uint64_t, gotest::placed_hash>;

std::vector<std::uint64_t> keys_in_order(const placed_map& m) {
  std::vector<std::uint64_t> v;
  for (const auto& e : m) v.push_back(e.first);
  return v;
}

std::vector<std::uint64_t> tags(std::initializer_list<std::uint64_t> t, std::uint64_t bucket = 0) {
  std::vector<std::uint64_t> v;
  for (auto x : t) v.push_back(placed(bucket, x));
  return v;
}

// Bucket 0 of a one-bucket map holding tags 10..10+n-1 in slots 0..n-1.
placed_map filled_bucket0(unsigned n, std::size_t hint = 0) {
  placed_map m(hint);
  for (unsigned i = 0; i < n; ++i) m.emplace(placed(0, 10 + i), i);
  return m;
}

TEST(Tombstones, erase_before_a_live_slot_leaves_a_tombstone) {
  placed_map m = filled_bucket0(6);
  ASSERT_EQ(m.bucket_count(), 1u);
  EXPECT_EQ(m.erase(placed(0, 12)), 1u);  // slot 2; slots 3-5 are live
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 1u);
  EXPECT_EQ(m.size(), 5u);
  EXPECT_FALSE(m.contains(placed(0, 12)));
  for (std::uint64_t t : {10, 11, 13, 14, 15}) EXPECT_TRUE(m.contains(placed(0, t))) << "probe must pass the tombstone";
}

TEST(Tombstones, erase_of_the_last_live_slot_leaves_no_tombstone) {
  placed_map m = filled_bucket0(6);
  EXPECT_EQ(m.erase(placed(0, 15)), 1u);  // slot 5, nothing live after it
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 0u);
}

TEST(Tombstones, insert_reuses_the_first_tombstone_of_the_chain) {
  placed_map m = filled_bucket0(6);
  m.erase(placed(0, 13));  // slot 3
  m.erase(placed(0, 11));  // slot 1
  GOTEST_ASSERT_VALID(m);
  ASSERT_EQ(m.stats().tombstones, 2u);
  m.emplace(placed(0, 50), 50);
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 1u);
  // The new key took slot 1, the first free one, not slot 3 nor slot 6.
  EXPECT_EQ(keys_in_order(m), tags({10, 50, 12, 14, 15}));
  m.emplace(placed(0, 51), 51);
  EXPECT_EQ(m.stats().tombstones, 0u);
  EXPECT_EQ(keys_in_order(m), tags({10, 50, 12, 51, 14, 15}));
  GOTEST_EXPECT_VALID(m);
}

TEST(Tombstones, insert_of_a_present_key_behind_a_tombstone_is_not_duplicated) {
  // The insert scan must keep looking past the first free slot for the key.
  placed_map m = filled_bucket0(6);
  m.erase(placed(0, 11));
  auto [it, inserted] = m.emplace(placed(0, 14), 999);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(it->first, placed(0, 14));
  EXPECT_EQ(it->second, 4u);
  EXPECT_EQ(m.size(), 5u);
  EXPECT_EQ(m.stats().tombstones, 1u);
  GOTEST_EXPECT_VALID(m);
}

TEST(Tombstones, reusing_a_tombstone_in_a_full_bucket_chains_no_overflow) {
  placed_map m = filled_bucket0(8, /*hint=*/12);  // B = 1: no growth up to 13 entries
  ASSERT_EQ(m.stats().B, 1u);
  ASSERT_EQ(m.stats().overflow_buckets, 0u);
  m.erase(placed(0, 13));
  ASSERT_EQ(m.stats().tombstones, 1u);
  m.emplace(placed(0, 60), 60);
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().overflow_buckets, 0u);
  EXPECT_EQ(m.stats().tombstones, 0u);
  m.emplace(placed(0, 61), 61);  // now the bucket is full: the ninth key chains one
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().overflow_buckets, 1u);
  EXPECT_EQ(m.stats().growths, 0u);
}

TEST(Tombstones, tombstone_in_an_overflow_bucket_is_reused_before_chaining_another) {
  placed_map m = filled_bucket0(12, /*hint=*/12);  // slots 0-7 + overflow slots 0-3
  ASSERT_EQ(m.stats().overflow_buckets, 1u);
  m.erase(placed(0, 19));  // overflow slot 1
  m.emplace(placed(0, 70), 70);
  m.emplace(placed(0, 71), 71);  // overflow slot 4: the overflow bucket still has room
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().overflow_buckets, 1u);
  EXPECT_EQ(m.stats().tombstones, 0u);
  EXPECT_EQ(keys_in_order(m), tags({10, 11, 12, 13, 14, 15, 16, 17, 18, 70, 20, 21, 71}));
}

// Go's mapdelete: when the slot after the erased one is empty_rest (or the
// chain ends), the erased slot and the run of empty_one before it become
// empty_rest, walking back across bucket boundaries.
TEST(Tombstones, emptied_chain_tail_collapses_to_empty_rest_across_buckets) {
  placed_map m = filled_bucket0(12, /*hint=*/12);  // main slots 0-7 (tags 10-17), overflow 0-3 (tags 18-21)
  // Erase slots 5..9 (the run crosses into the overflow bucket): all tombstones.
  unsigned expect = 0;
  for (std::uint64_t t : {15, 16, 17, 18, 19}) {
    m.erase(placed(0, t));
    GOTEST_ASSERT_VALID(m);
    EXPECT_EQ(m.stats().tombstones, ++expect) << "after erasing tag " << t;
  }
  // Erase the chain's last entry: no tombstone, and slot 10 is still live.
  m.erase(placed(0, 21));
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 5u);
  // Erase slot 10: the whole run 5..10 collapses to empty_rest.
  m.erase(placed(0, 20));
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 0u);
  EXPECT_EQ(keys_in_order(m), tags({10, 11, 12, 13, 14}));
  for (std::uint64_t t : {10, 11, 12, 13, 14}) EXPECT_TRUE(m.contains(placed(0, t)));
  for (std::uint64_t t : {15, 16, 17, 18, 19, 20, 21}) EXPECT_FALSE(m.contains(placed(0, t)));
  // The next insert goes to slot 5, the first free one.
  m.emplace(placed(0, 80), 80);
  EXPECT_EQ(keys_in_order(m), tags({10, 11, 12, 13, 14, 80}));
  EXPECT_EQ(m.stats().overflow_buckets, 1u) << "erase frees no overflow bucket (only evacuation does)";
  GOTEST_EXPECT_VALID(m);
}

TEST(Tombstones, collapse_stops_at_the_first_live_slot) {
  placed_map m = filled_bucket0(8);
  m.erase(placed(0, 11));  // tombstone at 1
  m.erase(placed(0, 13));  // tombstone at 3
  m.erase(placed(0, 14));  // tombstone at 4
  ASSERT_EQ(m.stats().tombstones, 3u);
  m.erase(placed(0, 17));  // last slot: nothing to collapse (slot 6 live)
  EXPECT_EQ(m.stats().tombstones, 3u);
  m.erase(placed(0, 16));
  m.erase(placed(0, 15));  // slots 3..7 empty now: 3, 4 collapse; slot 2 is live
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 1u) << "slot 1 stays a tombstone behind live slot 2";
  m.erase(placed(0, 12));  // slots 1..7 empty: everything after slot 0 collapses
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.stats().tombstones, 0u);
  EXPECT_EQ(keys_in_order(m), tags({10}));
}

TEST(Tombstones, erasing_every_key_in_random_order_leaves_no_tombstone) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 50; ++round) {
    placed_map m(13);
    std::vector<std::uint64_t> keys;
    const unsigned n = 1 + static_cast<unsigned>(rng() % 13);
    for (unsigned i = 0; i < n; ++i) {
      const std::uint64_t bucket = rng() % 2;
      keys.push_back(placed(bucket, 5 + i));
      m.emplace(keys.back(), i);
    }
    std::shuffle(keys.begin(), keys.end(), rng);
    for (std::uint64_t k : keys) {
      ASSERT_EQ(m.erase(k), 1u);
      GOTEST_ASSERT_VALID(m) << "round " << round;
    }
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.stats().tombstones, 0u) << "round " << round;
  }
}

TEST(Tombstones, tophash_below_5_is_raised_past_the_markers) {
  // Tags 0-4 would read as empty_rest, empty_one, evacuated_*; the engine
  // raises them to 5-9, where they collide with real tags 5-9.
  placed_map m;
  for (std::uint64_t t = 0; t < 8; ++t) m.emplace(placed(0, t), t);
  GOTEST_ASSERT_VALID(m);
  EXPECT_EQ(m.size(), 8u);
  for (std::uint64_t t = 0; t < 8; ++t) {
    auto it = m.find(placed(0, t));
    ASSERT_NE(it, m.end()) << "tag " << t;
    EXPECT_EQ(it->second, t);
  }
  m.erase(placed(0, 0));
  m.erase(placed(0, 5));
  GOTEST_ASSERT_VALID(m);
  EXPECT_FALSE(m.contains(placed(0, 0)));
  EXPECT_TRUE(m.contains(placed(0, 1)));
  EXPECT_EQ(m.stats().tombstones, 2u);
}

}  // namespace

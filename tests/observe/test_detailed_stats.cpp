// tests/observe/test_detailed_stats.cpp: the bucket scan counts chains,
// occupancy, tombstones and the key distribution exactly, also while a growth
// has entries in two arrays, and its entropy tells a skewed hash from a good one.
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/detailed_stats.hpp>
#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include "../support/test_support.hpp"

namespace {

using gotest::placed;
using u64 = std::uint64_t;
using placed_map = gomap::map<u64, u64, gotest::placed_hash>;

// A histogram h (h[k] things of size k): how many things, and their total size.
template <class H>
std::pair<std::size_t, std::size_t> histogram_sums(const H& h) {
  std::size_t count = 0, total = 0;
  for (std::size_t k = 0; k < h.size(); ++k) {
    count += h[k];
    total += k * h[k];
  }
  return {count, total};
}

// Figures any scan must agree on, whatever the table looks like.
template <class M>
void expect_consistent(const M& m, const gomap::detailed_map_stats& d) {
  const gomap::map_stats s = m.stats();
  EXPECT_EQ(d.entries, m.size());
  EXPECT_EQ(d.tombstones, s.tombstones);
  EXPECT_EQ(d.overflow_buckets, s.overflow_buckets);
  EXPECT_EQ(d.summary.size, s.size);
  const auto [chains, buckets] = histogram_sums(d.chain_length);
  EXPECT_EQ(chains, d.chains);
  EXPECT_EQ(buckets, d.buckets);
  const auto [occupied, live] = histogram_sums(d.bucket_occupancy);
  EXPECT_EQ(occupied, d.buckets);
  EXPECT_EQ(live, d.entries);
  const auto [keyed_buckets, keys] = histogram_sums(d.keys_per_bucket);
  EXPECT_EQ(keyed_buckets, s.bucket_count);
  EXPECT_EQ(keys, m.size());
  if (!d.keys_per_bucket.empty()) {
    EXPECT_NE(d.keys_per_bucket.back(), 0u);
  }
  if (!d.chain_length.empty()) {
    EXPECT_NE(d.chain_length.back(), 0u);
  }
  EXPECT_EQ(d.entropy_max, double(s.B));
  EXPECT_LE(d.entropy, d.entropy_max + 1e-9);
  EXPECT_LE(d.entropy_uniform, d.entropy_max + 1e-9);
  EXPECT_GE(d.entropy, 0.0);
}

TEST(DetailedStats, map_without_buckets_scans_to_nothing) {
  gomap::map<u64, u64> m;
  const gomap::detailed_map_stats d = gomap::detailed_stats(m);
  EXPECT_EQ(d.chains, 0u);
  EXPECT_EQ(d.buckets, 0u);
  EXPECT_TRUE(d.chain_length.empty());
  EXPECT_TRUE(d.keys_per_bucket.empty());
  EXPECT_EQ(d.entropy, 0.0);
  EXPECT_EQ(d.overflow_ratio, 0.0);
  EXPECT_EQ(d.tombstone_ratio, 0.0);
}

// A table laid out by hand: every figure is known.
TEST(DetailedStats, hand_placed_chains_are_counted_exactly) {
  placed_map m(100);  // B = 4: 16 buckets
  ASSERT_EQ(m.stats().B, 4u);
  for (u64 t = 10; t < 19; ++t) m.emplace(placed(0, t), t);  // 9 keys: a chain of 2 buckets
  for (u64 t = 10; t < 13; ++t) m.emplace(placed(1, t), t);  // 3 keys
  m.erase(placed(0, 12));                                    // a tombstone mid-bucket (slots after it are full)
  GOTEST_ASSERT_VALID(m);

  const gomap::detailed_map_stats d = gomap::detailed_stats(m);
  expect_consistent(m, d);
  EXPECT_EQ(d.chains, 16u);
  EXPECT_EQ(d.buckets, 17u);
  EXPECT_EQ(d.chain_length, (std::vector<std::size_t>{0, 15, 1}));
  EXPECT_EQ(d.bucket_occupancy[0], 14u);
  EXPECT_EQ(d.bucket_occupancy[1], 1u);  // the overflow bucket
  EXPECT_EQ(d.bucket_occupancy[3], 1u);  // bucket 1
  EXPECT_EQ(d.bucket_occupancy[7], 1u);  // bucket 0's head, less the tombstone
  EXPECT_EQ(d.tombstones, 1u);
  EXPECT_DOUBLE_EQ(d.tombstone_ratio, 1.0 / 12.0);
  EXPECT_DOUBLE_EQ(d.overflow_ratio, 1.0 / 16.0);
  EXPECT_DOUBLE_EQ(d.load_factor, 11.0 / 16.0);
  ASSERT_EQ(d.keys_per_bucket.size(), 9u);
  EXPECT_EQ(d.keys_per_bucket[0], 14u);
  EXPECT_EQ(d.keys_per_bucket[3], 1u);
  EXPECT_EQ(d.keys_per_bucket[8], 1u);
  // Two buckets hold 8/11 and 3/11 of the keys.
  const double p = 8.0 / 11.0, q = 3.0 / 11.0;
  EXPECT_NEAR(d.entropy, -(p * std::log2(p) + q * std::log2(q)), 1e-12);
  EXPECT_EQ(d.entropy_max, 4.0);
}

TEST(DetailedStats, good_hash_spreads_keys_as_chance_does) {
  // Random keys: the entropy of a random spread has a standard deviation of
  // about 0.001 bit here. (Sequential keys through the multiplicative integer
  // hash stray further from chance, either way, by up to ~0.04 bit.)
  gomap::map<u64, u64> m;
  u64 s = 0x243f6a8885a308d3ull;
  for (u64 i = 0; i < 100000; ++i) {
    u64 z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    m.emplace(z ^ (z >> 31), i);
  }
  const gomap::detailed_map_stats d = gomap::detailed_stats(m);
  expect_consistent(m, d);
  // Chance alone leaves a gap to the maximum (keys are Poisson per bucket);
  // a good hash loses nothing beyond it.
  EXPECT_LT(d.entropy_uniform, d.entropy_max - 0.05);
  EXPECT_NEAR(d.entropy, d.entropy_uniform, 0.02);
}

TEST(DetailedStats, skewed_hash_shows_as_an_entropy_deficit) {
  // Keys land in 16 buckets of many: the entropy is log2(16) bits.
  placed_map m;
  for (u64 i = 0; i < 5000; ++i) m.emplace(placed(i % 16, 10 + (i / 16) % 200) + (i / 3200 << 40), i);
  const gomap::detailed_map_stats d = gomap::detailed_stats(m);
  expect_consistent(m, d);
  EXPECT_GE(d.entropy_max, 9.0);
  EXPECT_NEAR(d.entropy, 4.0, 0.01);
  EXPECT_GT(d.entropy_uniform - d.entropy, 4.0);
  EXPECT_GE(d.chain_length.size(), 41u) << "16 chains of about 313 keys: 40 buckets each";
  EXPECT_GT(d.keys_per_bucket.size(), 300u);
}

// Mid-growth, entries in old chains are counted where they will land: running
// the growth to its end (reserve() at the current size moves nothing else)
// leaves the distribution unchanged.
TEST(DetailedStats, mid_growth_figures_survive_finishing_the_growth) {
  gomap::map<u64, u64> m;
  u64 k = 0;
  for (;; ++k) {
    m.emplace(k, k);
    const gomap::map_stats s = m.stats();
    if (s.growing && s.old_bucket_count >= 1024 && s.evacuated >= s.old_bucket_count / 3) break;
  }
  for (u64 j = 0; j < k; j += 5) m.erase(j);  // tombstones in both arrays
  const gomap::detailed_map_stats mid = gomap::detailed_stats(m);
  ASSERT_TRUE(mid.summary.growing);
  expect_consistent(m, mid);
  // Both arrays are scanned: old chains not evacuated plus initialised new ones.
  EXPECT_GT(mid.chains, mid.summary.old_bucket_count - mid.summary.evacuated);
  EXPECT_LT(mid.chains, mid.summary.bucket_count + mid.summary.old_bucket_count);

  m.reserve(m.size());
  const gomap::detailed_map_stats after = gomap::detailed_stats(m);
  ASSERT_FALSE(after.summary.growing);
  expect_consistent(m, after);
  EXPECT_EQ(after.chains, after.summary.bucket_count);
  EXPECT_EQ(after.keys_per_bucket, mid.keys_per_bucket);
  EXPECT_DOUBLE_EQ(after.entropy, mid.entropy);
  EXPECT_EQ(after.entries, mid.entries);
}

TEST(DetailedStats, works_on_sets) {
  gomap::set<u64> s;
  for (u64 k = 0; k < 3000; ++k) s.insert(k);
  const gomap::detailed_map_stats d = gomap::detailed_stats(s);
  expect_consistent(s, d);
  EXPECT_EQ(d.entries, 3000u);
}

TEST(DetailedStats, expected_uniform_entropy_matches_closed_forms) {
  using gomap::internal::expected_uniform_entropy;
  EXPECT_EQ(expected_uniform_entropy(0, 16), 0.0);
  EXPECT_EQ(expected_uniform_entropy(1000, 1), 0.0);  // one bucket: no spread possible
  // Two keys, two buckets: together (H = 0) or apart (H = 1), each half the time.
  EXPECT_NEAR(expected_uniform_entropy(2, 2), 0.5, 1e-12);
  // Many keys per bucket: the deficit to log2(m) tends to 1 / (2 ln 2 * keys per bucket).
  const double deficit = 10.0 - expected_uniform_entropy(1024 * 1000, 1024);
  EXPECT_NEAR(deficit, 1.0 / (2 * std::log(2.0) * 1000), 1e-5);
}

}  // namespace

// The scan's own ln(k!) (std::lgamma races on glibc's signgam when two
// threads scan at once): it must agree with lgamma, computed here on one
// thread, everywhere the expected entropy evaluates it.
TEST(DetailedStats, log_factorial_agrees_with_lgamma) {
  for (double k : {0.0, 1.0, 2.0, 5.0, 15.0, 16.0, 17.0, 100.0, 1e4, 1e6, 1e9}) {
    const double want = std::lgamma(k + 1);
    EXPECT_NEAR(gomap::internal::log_factorial(k), want, 1e-12 * std::max(1.0, want)) << k;
  }
}

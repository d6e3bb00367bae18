// tests/test_hash.cpp: the seeded default hasher, per-map seeds, and the
// post-mixing that keeps a weak user hasher (std::hash<uint64_t> is the
// identity) from piling every key into one bucket.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/test_support.hpp"

namespace {

TEST(Hash, seeded_hash_differs_across_seeds_with_half_the_bits_flipped) {
  const gomap::hash<std::uint64_t> h;
  const std::uint64_t seeds[] = {0, 1, 2, 0x9e3779b97f4a7c15ull, ~0ull};
  double flipped = 0;
  long pairs = 0;
  for (std::uint64_t v = 0; v < 2000; ++v) {
    for (std::size_t a = 0; a < std::size(seeds); ++a) {
      for (std::size_t b = a + 1; b < std::size(seeds); ++b) {
        const std::uint64_t x = h(v << 20, seeds[a]), y = h(v << 20, seeds[b]);
        ASSERT_NE(x, y) << "value " << v << ", seeds " << seeds[a] << " and " << seeds[b];
        flipped += std::popcount(x ^ y);
        ++pairs;
      }
    }
  }
  const double mean = flipped / static_cast<double>(pairs);
  EXPECT_GT(mean, 28.0);
  EXPECT_LT(mean, 36.0);
}

TEST(Hash, hash_is_deterministic_for_a_seed_and_defaults_to_seed_zero) {
  const gomap::hash<std::uint64_t> h;
  EXPECT_EQ(h(12345, 77), h(12345, 77));
  EXPECT_EQ(h(12345), h(12345, 0));
  const gomap::hash<std::string> hs;
  EXPECT_EQ(hs("abc", 5), hs(std::string("abc"), 5));
  EXPECT_NE(hs("abc", 5), hs("abc", 6));
  EXPECT_NE(hs("abc", 5), hs("abd", 5));
}

TEST(Hash, signed_zeros_hash_equal_because_they_compare_equal) {
  const gomap::hash<double> h;
  EXPECT_EQ(h(0.0, 3), h(-0.0, 3));
  const gomap::hash<float> hf;
  EXPECT_EQ(hf(0.0f, 3), hf(-0.0f, 3));
  gomap::map<double, int> m;
  m[0.0] = 1;
  m[-0.0] = 2;
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.at(0.0), 2);
}

TEST(Hash, low_and_high_bits_both_depend_on_every_key_bit) {
  // The bucket comes from the low bits and the tophash from the top byte:
  // flipping any single key bit must change both, most of the time.
  const gomap::hash<std::uint64_t> h;
  for (unsigned bit = 0; bit < 64; ++bit) {
    int low_changed = 0, top_changed = 0;
    for (std::uint64_t v = 1; v <= 256; ++v) {
      const std::uint64_t k = v * 0x9e3779b97f4a7c15ull;
      const std::uint64_t a = h(k, 42), b = h(k ^ (std::uint64_t{1} << bit), 42);
      low_changed += (a & 0xff) != (b & 0xff);
      top_changed += (a >> 56) != (b >> 56);
    }
    EXPECT_GT(low_changed, 230) << "bit " << bit;
    EXPECT_GT(top_changed, 230) << "bit " << bit;
  }
}

std::vector<std::uint64_t> order(const gomap::map<std::uint64_t, int>& m) {
  std::vector<std::uint64_t> v;
  for (const auto& e : m) v.push_back(e.first);
  return v;
}

TEST(Hash, each_map_draws_its_own_seed) {
  gomap::map<std::uint64_t, int> a, b;
  for (std::uint64_t k = 0; k < 1000; ++k) a.emplace(k, 0), b.emplace(k, 0);
  EXPECT_NE(order(a), order(b)) << "same keys, same insertion order: only the seed can tell the layouts apart";
  gomap::map<std::uint64_t, int> c(a);
  EXPECT_NE(order(a), order(c)) << "a copy gets a fresh seed";
}

TEST(Hash, seed_is_redrawn_when_the_map_becomes_empty) {
  gomap::map<std::uint64_t, int> m(1000);
  for (std::uint64_t k = 0; k < 1000; ++k) m.emplace(k, 0);
  const auto before = order(m);
  for (std::uint64_t k = 0; k < 1000; ++k) m.erase(k);
  ASSERT_TRUE(m.empty());
  for (std::uint64_t k = 0; k < 1000; ++k) m.emplace(k, 0);
  EXPECT_NE(order(m), before) << "Go re-seeds an emptied map against crafted collisions";
  const auto again = order(m);
  m.clear();
  for (std::uint64_t k = 0; k < 1000; ++k) m.emplace(k, 0);
  EXPECT_NE(order(m), again) << "clear() re-seeds too";
}

// Expected overflow buckets when n keys fall uniformly at random into
// `buckets` buckets of 8 slots (Poisson occupancy): what a good hash achieves.
double uniform_overflow(double n, double buckets) {
  const double lambda = n / buckets;
  double p = std::exp(-lambda), expected = 0;
  for (int k = 1; k < 400; ++k) {
    p *= lambda / k;
    expected += p * ((k + 7) / 8 - 1);
  }
  return expected * buckets;
}

struct spread {
  gomap::map_stats stats;
  std::uint64_t unmixed_overflow = 0, unmixed_longest = 0;
  double uniform = 0;
};

// Keys i << 32 for i < 1e5 in a map with hasher H; what the identity alone
// would do to the same 2^B buckets; and what a uniform hash would.
template <class H>
spread measure_shifted_keys(const char* name) {
  constexpr std::uint64_t n = 100000;
  gomap::map<std::uint64_t, std::uint64_t, H> m;
  for (std::uint64_t i = 0; i < n; ++i) m.emplace(i << 32, i);
  spread r;
  r.stats = m.stats();
  std::vector<std::uint64_t> per_bucket(r.stats.bucket_count, 0);
  for (std::uint64_t i = 0; i < n; ++i) ++per_bucket[(i << 32) & (r.stats.bucket_count - 1)];
  for (std::uint64_t c : per_bucket) {
    const std::uint64_t chain = c == 0 ? 1 : (c + 7) / 8;
    r.unmixed_overflow += chain - 1;
    r.unmixed_longest = std::max(r.unmixed_longest, chain);
  }
  r.uniform = uniform_overflow(n, static_cast<double>(r.stats.bucket_count));
  std::printf(
      "[ figures  ] 1e5 keys i<<32, %s: B %u, %zu overflow buckets; identity unmixed: %llu overflow, "
      "longest chain %llu buckets; uniform hash: %.0f overflow\n",
      name, r.stats.B, r.stats.overflow_buckets, static_cast<unsigned long long>(r.unmixed_overflow),
      static_cast<unsigned long long>(r.unmixed_longest), r.uniform);
  for (std::uint64_t i = 0; i < n; i += 7) EXPECT_EQ(m.at(i << 32), i);
  GOTEST_EXPECT_VALID(m);
  return r;
}

// Keys i << 32 under the identity hasher: the low 32 bits are zero for every
// key, so without mixing every key would land in bucket 0 (and share tophash
// 0), one chain of 12,500 buckets. gomap post-mixes a seedless hasher's
// result with the map seed.
TEST(Hash, identity_std_hash_of_shifted_keys_spreads_after_post_mixing) {
  const spread r = measure_shifted_keys<std::hash<std::uint64_t>>("std::hash (identity)");
  EXPECT_EQ(r.unmixed_longest, (100000u + 7) / 8) << "the model: every key in one bucket";
  EXPECT_EQ(r.stats.B, gotest::go_b_for_hint(100000)) << "no more doublings than Go's for 1e5 entries";
  EXPECT_EQ(r.stats.same_size_growths, 0u) << "overflow never reached 2^B";
  EXPECT_LT(static_cast<double>(r.stats.overflow_buckets), r.unmixed_overflow / 1.5);
}

// Keys that differ only in their high half must fill the buckets like a
// uniform hash would (found by this suite: the bare multiply-fold reached
// ~49% of the buckets, 2.5x the overflow; fixed in internal::mix_seeded).
TEST(Hash, shifted_keys_fill_buckets_like_a_uniform_hash) {
  const spread id = measure_shifted_keys<std::hash<std::uint64_t>>("std::hash (identity)");
  EXPECT_LT(static_cast<double>(id.stats.overflow_buckets), 1.5 * id.uniform);
  const spread def = measure_shifted_keys<gomap::hash<std::uint64_t>>("gomap::hash<uint64_t>");
  EXPECT_LT(static_cast<double>(def.stats.overflow_buckets), 1.5 * def.uniform);
}

}  // namespace

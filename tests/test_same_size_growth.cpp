// tests/test_same_size_growth.cpp: overflow buckets do not pile up under
// insert/erase churn, because Go's same-size growth compacts the chains.
//
// Erase never frees an overflow bucket (only evacuation does), so a map that
// churns at a constant size keeps chaining overflow buckets wherever a bucket
// momentarily holds more than 8 entries. Go bounds this with
// tooManyOverflowBuckets (noverflow >= 2^min(B,15)): the next insert of a new
// key starts a same-size growth. The deterministic test places keys by hand to
// reach the threshold exactly; the churn tests measure the bound at scale and
// print their figures.
#include <cstdint>
#include <cstdio>
#include <deque>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/test_support.hpp"

namespace {

using gotest::go_b_for_hint;
using gotest::go_too_many_overflow_buckets;
using gotest::placed;
using placed_map = gomap::map<std::uint64_t, std::uint64_t, gotest::placed_hash>;

TEST(SameSizeGrowth, starts_on_the_insert_that_finds_2_pow_B_overflow_buckets) {
  placed_map m(100);
  ASSERT_EQ(m.stats().B, go_b_for_hint(100));
  ASSERT_EQ(m.stats().B, 4u);
  const std::size_t threshold = 16;  // 2^4
  ASSERT_TRUE(go_too_many_overflow_buckets(threshold, 4));
  ASSERT_FALSE(go_too_many_overflow_buckets(threshold - 1, 4));

  // In each bucket j: nine keys (the ninth chains an overflow bucket), then
  // erase eight of them. One entry per bucket stays; the overflow bucket too.
  for (std::uint64_t j = 0; j < threshold; ++j) {
    for (std::uint64_t t = 10; t < 19; ++t) m.emplace(placed(j, t), t);
    for (std::uint64_t t = 11; t < 19; ++t) m.erase(placed(j, t));
    GOTEST_ASSERT_VALID(m);
    const gomap::map_stats s = m.stats();
    ASSERT_EQ(s.overflow_buckets, j + 1);
    ASSERT_EQ(s.same_size_growths, 0u) << "at " << j + 1 << " overflow buckets";
    ASSERT_FALSE(s.growing);
  }
  // Present keys never start a growth.
  m.emplace(placed(3, 10), 0);
  m[placed(4, 10)] = 1;
  EXPECT_EQ(m.stats().same_size_growths, 0u);

  m.emplace(placed(0, 100), 100);  // the first new key after the threshold
  gomap::map_stats s = m.stats();
  EXPECT_EQ(s.same_size_growths, 1u);
  EXPECT_EQ(s.growths, 0u);
  EXPECT_EQ(s.B, 4u);
  EXPECT_TRUE(s.growing);
  EXPECT_TRUE(s.same_size_grow);
  EXPECT_EQ(s.old_bucket_count, 16u);
  GOTEST_ASSERT_VALID(m);

  // Each further insert evacuates at least one more old bucket.
  std::size_t inserted = 1;
  for (std::uint64_t i = 0; i < 16 && m.stats().growing; ++i, ++inserted) {
    m.emplace(placed(i, 101), i);
    GOTEST_ASSERT_VALID(m);
  }
  s = m.stats();
  EXPECT_FALSE(s.growing);
  EXPECT_LE(inserted, 16u) << "a same-size growth of 16 old buckets ends within 16 inserts";
  EXPECT_EQ(s.overflow_buckets, 0u) << "every bucket holds at most 3 entries: the chains are compacted";
  EXPECT_EQ(s.tombstones, 0u);
  EXPECT_EQ(s.size, 16u + inserted);
  for (std::uint64_t j = 0; j < 16; ++j) EXPECT_EQ(m.at(placed(j, 10)), j == 4 ? 1u : 10u);
}

struct churn_figures {
  std::uint64_t ops = 0;
  std::uint64_t same_size_growths = 0;
  std::uint64_t doubling_growths = 0;
  unsigned max_B = 0;
  std::size_t max_overflow = 0;
  std::size_t final_overflow = 0;
  std::size_t bucket_count = 0;
};

// `live` entries; each op inserts a fresh key and erases the oldest one.
// `next_key(op)` gives the op-th key; it must not be live already.
template <class Map, class NextKey>
churn_figures churn(Map& m, std::size_t live, std::uint64_t ops, NextKey next_key) {
  std::deque<std::uint64_t> fifo;
  churn_figures f;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < live; ++i) {
    fifo.push_back(next_key(n++));
    m.emplace(fifo.back(), i);
  }
  const gomap::map_stats s0 = m.stats();
  for (std::uint64_t op = 0; op < ops; ++op) {
    fifo.push_back(next_key(n++));
    m.emplace(fifo.back(), op);
    m.erase(fifo.front());
    fifo.pop_front();
    if (op % 8 == 0 || op + 1 == ops) {  // stats() walks the table: sample
      const gomap::map_stats s = m.stats();
      f.max_B = std::max(f.max_B, s.B);
      f.max_overflow = std::max(f.max_overflow, s.overflow_buckets);
    }
  }
  const gomap::map_stats s = m.stats();
  f.ops = ops;
  f.same_size_growths = s.same_size_growths - s0.same_size_growths;
  f.doubling_growths = s.growths - s0.growths;
  f.final_overflow = s.overflow_buckets;
  f.bucket_count = s.bucket_count;
  EXPECT_EQ(s.size, live);
  return f;
}

void report(const char* name, const churn_figures& f) {
  std::printf(
      "[ figures  ] %s: %llu ops, %llu same-size growths, %llu doubling growths, max B %u, "
      "max overflow buckets %zu (of %zu buckets), final overflow %zu\n",
      name, static_cast<unsigned long long>(f.ops), static_cast<unsigned long long>(f.same_size_growths),
      static_cast<unsigned long long>(f.doubling_growths), f.max_B, f.max_overflow, f.bucket_count, f.final_overflow);
  ::testing::Test::RecordProperty("same_size_growths", std::to_string(f.same_size_growths));
  ::testing::Test::RecordProperty("max_B", std::to_string(f.max_B));
  ::testing::Test::RecordProperty("max_overflow_buckets", std::to_string(f.max_overflow));
}

#ifdef GOMAP_TEST_SANITIZED
constexpr std::uint64_t churn_ops = 1000000;
#else
constexpr std::uint64_t churn_ops = 4000000;
#endif

// The map's seed is drawn at random; these hashers fix it so that the figures
// (and whether a same-size growth happens) are the same on every run.
struct fixed_seed_hash {
  using is_seeded = void;
  std::uint64_t operator()(std::uint64_t k, std::uint64_t) const noexcept {
    return gomap::hash<std::uint64_t>{}(k, 0x5eed5eed5eed5eedull);
  }
};

// 1000 live random keys: B stays Go's B for 1001 entries. Each bucket that
// momentarily holds a ninth entry keeps an overflow bucket; with 256 buckets
// that reaches Go's threshold (256) again and again, so same-size growths run
// and keep the overflow count bounded.
TEST(SameSizeGrowth, churn_overflow_bounded_random_keys) {
  gomap::map<std::uint64_t, std::uint64_t, fixed_seed_hash> m;
  std::mt19937_64 rng(42);
  const churn_figures f = churn(m, 1000, churn_ops, [&](std::uint64_t) { return rng(); });
  report("churn, 1000 live random keys", f);
  const unsigned B = go_b_for_hint(1001);
  EXPECT_EQ(f.max_B, B) << "churn at a constant size must not double the table";
  EXPECT_EQ(f.doubling_growths, 0u);
  EXPECT_GT(f.same_size_growths, 0u);
  EXPECT_LE(f.max_overflow, 2 * (std::size_t{1} << B));
  GOTEST_EXPECT_VALID(m);
}

// Go's overflow leak, made certain: the live keys crowd a window of 10 hot
// buckets (100 keys each) that slides one bucket per 100 ops. Each bucket the
// window reaches chains ~12 overflow buckets that erase never frees, so without
// same-size growth the count would pass 3000; with it, it must stay bounded.
TEST(SameSizeGrowth, churn_sliding_hot_buckets_forces_same_size_growth) {
  placed_map m;
  const churn_figures f =
      churn(m, 1000, churn_ops / 4, [](std::uint64_t i) { return placed((i / 100) % 256, 5 + i % 100); });
  report("churn, 1000 live keys in a sliding window of 10 buckets", f);
  const unsigned B = go_b_for_hint(1001);
  EXPECT_EQ(f.max_B, B);
  EXPECT_EQ(f.doubling_growths, 0u);
  EXPECT_GE(f.same_size_growths, f.ops / 100 / 256) << "at least one per pass of the window over the table";
  EXPECT_LE(f.max_overflow, 2 * (std::size_t{1} << B));
  GOTEST_EXPECT_VALID(m);
}

}  // namespace

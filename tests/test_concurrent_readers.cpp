// tests/test_concurrent_readers.cpp: const members are safe to call from
// several threads at once ([res.on.data.races]), as Go's map allows
// concurrent reads (TestConcurrentReadsAfterGrowth). Issue 10 found range()
// const bumping a plain counter: TSan reported the race, and a lost update
// could leave the map believing a range was still running (growth frozen,
// reserve() throwing). Built and run under TSan by `make test` (label tsan).
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/detailed_stats.hpp>
#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include "support/test_support.hpp"

namespace {

using u64 = std::uint64_t;

// Every kind of read, from `threads` threads at once, on one map.
template <class M>
void read_from_many_threads(const M& m, u64 n, int threads, int rounds) {
  std::atomic<int> errors{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        for (u64 k = 0; k < n; ++k)
          if (m.find(k) == m.end() || !m.contains(k)) ++errors;
        u64 seen = 0;
        for (auto it = m.begin(); it != m.end(); ++it) ++seen;
        u64 ranged = 0;
        m.range([&](const auto&...) { ++ranged; });
        if (seen != n || ranged != n) ++errors;
        if (m.stats().size != n) ++errors;
        if ((r + t) % 4 == 0 && gomap::detailed_stats(m).entries != n) ++errors;
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(errors.load(), 0);
}

TEST(ConcurrentReaders, find_iteration_range_and_stats_from_many_threads_leave_the_map_writable) {
  gomap::map<u64, u64> m;
  const u64 n = 5000;
  for (u64 k = 0; k < n; ++k) m.emplace(k, k);
  read_from_many_threads(m, n, 4, 20);
  EXPECT_NO_THROW(m.reserve(4 * n)) << "no range() is left counted as running";
  GOTEST_EXPECT_VALID(m);
}

TEST(ConcurrentReaders, reads_during_a_growth_in_progress_then_the_growth_resumes) {
  gomap::map<u64, u64> m;
  u64 n = 0;
  while (n < 3000 || !m.stats().growing) m.emplace(n, n), ++n;
  read_from_many_threads(m, n, 4, 20);
  ASSERT_TRUE(m.stats().growing) << "reads do no growth work";
  const std::size_t old_buckets = m.stats().old_bucket_count;
  for (std::size_t i = 0; i < old_buckets && m.stats().growing; ++i) m.emplace(n + i, 0);
  EXPECT_FALSE(m.stats().growing) << "evacuation is not frozen by a range() counted as running";
  GOTEST_EXPECT_VALID(m);
}

TEST(ConcurrentReaders, set_reads_from_many_threads) {
  gomap::set<u64> s;
  const u64 n = 3000;
  for (u64 k = 0; k < n; ++k) s.insert(k);
  read_from_many_threads(s, n, 3, 10);
  EXPECT_NO_THROW(s.rehash(4096));
  GOTEST_EXPECT_VALID(s);
}

}  // namespace

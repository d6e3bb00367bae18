// tests/test_misuse.cpp: concurrent misuse ends the process with Go's
// message, and a correct single-threaded program never trips the check.
//
// The death tests race on purpose (the writers only touch present keys, so
// the table is never restructured under the race and the writing flag is the
// only thing they fight over). They run in a child process (gtest's
// "threadsafe" death-test style re-executes this binary) and are left out of
// TSan builds, where the race itself would be the report.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/test_support.hpp"

namespace {

using map_t = gomap::map<std::uint64_t, std::uint64_t>;

#if !defined(__SANITIZE_THREAD__)

// Upper bound on each racing loop: the check fires within microseconds, this
// only keeps a broken check from hanging the suite (the death test then fails
// with "failed to die").
constexpr std::uint64_t race_bound = 200000000;

map_t present_keys() {
  map_t m;
  for (std::uint64_t k = 0; k < 1024; ++k) m.emplace(k, k);
  return m;
}

// Writes that find their key present: guarded writes that change nothing.
void write_present(map_t& m, const std::atomic<bool>& go) {
  while (!go.load()) {
  }
  for (std::uint64_t i = 0; i < race_bound; ++i) m.try_emplace(i & 1023, 0);
}

void two_writers() {
  map_t m = present_keys();
  std::atomic<bool> go{false};
  std::thread a(write_present, std::ref(m), std::cref(go));
  std::thread b(write_present, std::ref(m), std::cref(go));
  go = true;
  a.join();
  b.join();
}

void reader_and_writer() {
  map_t m = present_keys();
  std::atomic<bool> go{false};
  std::thread w(write_present, std::ref(m), std::cref(go));
  std::thread r([&] {
    while (!go.load()) {
    }
    std::uint64_t found = 0;
    for (std::uint64_t i = 0; i < race_bound; ++i) found += std::as_const(m).contains(i & 1023);
    std::printf("%llu\n", static_cast<unsigned long long>(found));
  });
  go = true;
  w.join();
  r.join();
}

void iterator_and_writer() {
  map_t m = present_keys();
  std::atomic<bool> go{false};
  std::thread w(write_present, std::ref(m), std::cref(go));
  std::thread it([&] {
    while (!go.load()) {
    }
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < race_bound / 1024; ++i)
      for (auto e = std::as_const(m).begin(); e != std::as_const(m).end(); ++e) sum += e->first;
    std::printf("%llu\n", static_cast<unsigned long long>(sum));
  });
  go = true;
  w.join();
  it.join();
}

class ConcurrentMisuseDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ConcurrentMisuseDeathTest, two_writers_die_with_concurrent_map_writes) {
  EXPECT_DEATH(two_writers(), "fatal error: concurrent map writes");
}

TEST_F(ConcurrentMisuseDeathTest, reader_racing_a_writer_dies_with_concurrent_map_read_and_map_write) {
  EXPECT_DEATH(reader_and_writer(), "fatal error: concurrent map read and map write");
}

TEST_F(ConcurrentMisuseDeathTest, iteration_racing_a_writer_dies_with_concurrent_map_iteration_and_map_write) {
  EXPECT_DEATH(iterator_and_writer(), "fatal error: concurrent map iteration and map write");
}

#endif  // !__SANITIZE_THREAD__

// Millions of operations from one thread, including iteration with nested
// const lookups, copies and stats inside the loop, erase while iterating,
// and writes that throw: the writing flag must never be seen set.
struct sometimes_throwing_hash {
  using is_seeded = void;
  bool* armed;
  std::uint64_t operator()(std::uint64_t k, std::uint64_t seed) const {
    if (*armed && k % 1000 == 999) throw std::runtime_error("hash refused");
    return gomap::hash<std::uint64_t>{}(k, seed);
  }
};

TEST(ConcurrentMisuse, heavy_single_threaded_workload_never_trips_the_check) {
  bool armed = false;
  gomap::map<std::uint64_t, std::uint64_t, sometimes_throwing_hash> m(0, sometimes_throwing_hash{&armed});
  std::unordered_map<std::uint64_t, std::uint64_t> model;
  std::mt19937_64 rng(7);
#ifdef GOMAP_TEST_SANITIZED
  constexpr int ops = 1000000;
#else
  constexpr int ops = 4000000;
#endif
  std::uint64_t nested = 0, throws = 0;
  for (int i = 0; i < ops; ++i) {
    const std::uint64_t k = rng() % 20000;
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2:
        m[k] = k;
        model[k] = k;
        break;
      case 3:
        m.erase(k);
        model.erase(k);
        break;
      case 4: ASSERT_EQ(m.contains(k), model.count(k) == 1); break;
      case 5:
        armed = true;
        try {
          m.insert_or_assign(k, k);
          model[k] = k;
        } catch (const std::runtime_error&) {
          ++throws;  // the guard must have cleared the flag on the way out
        }
        armed = false;
        break;
      default:
        if (rng() % 4096 == 0) {
          // A full pass with reads nested inside it.
          const auto& cm = m;
          for (const auto& [key, value] : cm) {
            nested += cm.contains(key) + cm.count(key ^ 1) + (cm.find(key) != cm.end());
            if (key % 500 == 0) {
              nested += cm.stats().size;
              auto copy = cm;  // copying reads the map mid-iteration
              nested += copy.size();
            }
            (void)value;
          }
          for (auto it = m.begin(); it != m.end();) {
            if (it->first % 97 == 0) {
              model.erase(it->first);
              it = m.erase(it);
            } else {
              ++it;
            }
          }
        } else {
          (void)m.find(k);
        }
    }
  }
  EXPECT_EQ(m.size(), model.size());
  for (const auto& [k, v] : model) ASSERT_EQ(m.at(k), v);
  EXPECT_GT(nested, 0u);
  EXPECT_GT(throws, 0u);
  GOTEST_EXPECT_VALID(m);
}

}  // namespace

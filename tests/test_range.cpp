// Go's range semantics (issue: "Go's range semantics, and memory that comes
// back"). Each test checks the guarantees against a model:
//   - an entry present for the whole range is produced exactly once;
//   - an entry erased before it is reached is not produced;
//   - an entry inserted during the range is produced at most once;
// also when the callback's inserts start a growth or a shrink.
#include <gtest/gtest.h>
#include <gomap/internal/table_check.hpp>
#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

std::string check(const auto& m) {
  return gomap::internal::table_checker::check(gomap::internal::table_access::table_of(m));
}

// Every value carries the generation of its entry, so that a key erased and
// inserted again is a different entry.
struct entry_value {
  std::uint64_t gen;
};
using gen_map = gomap::map<std::uint64_t, entry_value>;

// Runs one range over `m` with `body` mutating map and model together, and
// checks the three guarantees. Returns how many entries were produced.
struct range_model {
  explicit range_model(gen_map& map) : m(map) {}

  gen_map& m;
  std::map<std::uint64_t, std::uint64_t> live;  // key -> generation
  std::uint64_t gen = 0;
  bool check_each_step = false;

  void insert(std::uint64_t k) {
    if (live.count(k)) return;
    live[k] = ++gen;
    ASSERT_TRUE(m.emplace(k, entry_value{gen}).second);
  }
  void erase(std::uint64_t k) {
    const bool present = live.erase(k) != 0;
    ASSERT_EQ(m.erase(k), present ? 1u : 0u);
  }

  template <class Body>
  std::size_t run(Body body, std::size_t stop_after = SIZE_MAX) {
    const auto start = live;
    std::set<std::pair<std::uint64_t, std::uint64_t>> produced;
    std::size_t calls = 0;
    bool stopped = false;
    m.range([&](const std::uint64_t& k, entry_value& v) -> bool {
      const auto it = live.find(k);
      EXPECT_TRUE(it != live.end() && it->second == v.gen) << "produced an entry that is not live: key " << k;
      EXPECT_TRUE(produced.emplace(k, v.gen).second) << "produced twice: key " << k;
      if (++calls > stop_after) {
        stopped = true;
        return false;
      }
      body(k);
      if (check_each_step) {
        EXPECT_EQ(check(m), "");
      }
      return true;
    });
    if (!stopped) {
      for (const auto& kv : start) {
        const auto it = live.find(kv.first);
        if (it != live.end() && it->second == kv.second) {
          EXPECT_TRUE(produced.count(kv)) << "entry present for the whole range not produced: key " << kv.first;
        }
      }
    }
    EXPECT_EQ(m.size(), live.size());
    EXPECT_EQ(check(m), "");
    for (const auto& kv : live) {
      const auto it = m.find(kv.first);
      EXPECT_TRUE(it != m.end() && it->second.gen == kv.second) << "key lost after the range: " << kv.first;
    }
    return produced.size();
  }
};

TEST(Range, empty_map_produces_nothing) {
  gomap::map<int, int> m;
  int calls = 0;
  m.range([&](const int&, int&) { ++calls; });
  EXPECT_EQ(calls, 0);
  m[1] = 1;
  m.erase(1);
  m.range([&](const int&, int&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(Range, one_element_map_produces_it_once) {
  gomap::map<int, int> m{{7, 49}};
  std::vector<std::pair<int, int>> seen;
  m.range([&](const int& k, int& v) { seen.emplace_back(k, v); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_pair(7, 49));
}

TEST(Range, callback_can_modify_values) {
  gomap::map<int, int> m;
  for (int i = 0; i < 1000; ++i) m[i] = i;
  m.range([](const int&, int& v) { v *= 2; });
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(m.at(i), 2 * i);
}

TEST(Range, early_stop_when_callback_returns_false) {
  gomap::map<int, int> m;
  for (int i = 0; i < 1000; ++i) m[i] = i;
  int calls = 0;
  m.range([&](const int&, int&) { return ++calls < 10; });
  EXPECT_EQ(calls, 10);
}

TEST(Range, start_is_randomised_per_range) {
  gomap::map<int, int> m;
  for (int i = 0; i < 1000; ++i) m[i] = i;
  std::set<int> firsts;
  for (int r = 0; r < 64; ++r) {
    int first = -1;
    m.range([&](const int& k, int&) {
      first = k;
      return false;
    });
    firsts.insert(first);
  }
  // 64 draws over ~150 buckets x 8 offsets: one repeated start in all of
  // them would mean the start is not randomised.
  EXPECT_GT(firsts.size(), 16u);
}

TEST(Range, delete_during_range_never_produces_erased_entries) {
  gen_map m;
  range_model model{m};
  for (std::uint64_t k = 0; k < 5000; ++k) model.insert(k);
  std::mt19937_64 rng(1);
  model.run([&](std::uint64_t) {
    for (int i = 0; i < 3; ++i) model.erase(rng() % 5000);
  });
  EXPECT_LT(m.size(), 5000u);
}

TEST(Range, insert_during_range_starts_a_growth_and_loses_nothing) {
  gen_map m;
  range_model model{m};
  for (std::uint64_t k = 0; k < 1664; ++k) model.insert(k);  // B = 8 holds 1664: the next key grows
  const auto before = m.stats();
  std::uint64_t next = 100000;
  model.run([&](std::uint64_t) {
    model.insert(next++);
    model.insert(next++);
  });
  const auto after = m.stats();
  EXPECT_GT(after.growths, before.growths) << "the callback's inserts must have started a growth";
  EXPECT_GE(m.size(), 1664u * 2);
}

TEST(Range, range_across_a_shrink_started_inside_the_callback) {
  gen_map m;
  range_model model{m};
  for (std::uint64_t k = 0; k < 100000; ++k) model.insert(k);
  for (std::uint64_t k = 0; k < 100000; ++k)
    if (k % 50) model.erase(k);
  const auto before = m.stats();
  std::uint64_t next = 1000000;
  model.run([&](std::uint64_t) { model.insert(next++); });
  EXPECT_GT(m.stats().shrinks, before.shrinks) << "the first insert must have started a shrink";
}

TEST(Range, range_during_a_growth_in_progress_filters_old_buckets) {
  gen_map m;
  range_model model{m};
  for (std::uint64_t k = 0; k < 13 * 512 + 1; ++k) model.insert(k);  // starts growth B = 10 -> 11
  ASSERT_TRUE(m.stats().growing);
  std::mt19937_64 rng(3);
  std::uint64_t next = 1u << 30;
  model.check_each_step = true;
  model.run([&](std::uint64_t) {
    if (rng() % 2) model.insert(next++);
    if (rng() % 3 == 0) model.erase(rng() % 7000);
  });
}

TEST(Range, nested_ranges_see_every_live_entry) {
  gen_map m;
  range_model model{m};
  for (std::uint64_t k = 0; k < 300; ++k) model.insert(k);
  int outer = 0;
  model.run([&](std::uint64_t) {
    if (++outer % 50) return;
    std::size_t inner = 0;
    m.range([&](const std::uint64_t&, entry_value&) { ++inner; });
    EXPECT_EQ(inner, model.live.size());
  });
}

TEST(Range, clear_inside_the_callback_ends_the_walk_safely) {
  gen_map m;
  range_model model{m};
  for (std::uint64_t k = 0; k < 2000; ++k) model.insert(k);
  int calls = 0;
  std::uint64_t next = 50000;
  model.run([&](std::uint64_t) {
    if (++calls == 10) {
      model.live.clear();
      m.clear();
    }
    if (calls > 10 && calls < 20) model.insert(next++);
  });
}

TEST(Range, whole_table_calls_inside_the_callback_throw) {
  gomap::map<int, int> m;
  for (int i = 0; i < 100; ++i) m[i] = i;
  EXPECT_THROW(m.range([&](const int&, int&) { m.reserve(10000); }), std::logic_error);
  EXPECT_THROW(m.range([&](const int&, int&) { m.shrink_to_fit(); }), std::logic_error);
  EXPECT_THROW(m.range([&](const int&, int&) { m.rehash(0); }), std::logic_error);
  EXPECT_THROW(m.range([&](const int&, int&) { m.clear_and_release(); }), std::logic_error);
  EXPECT_EQ(m.size(), 100u);
  EXPECT_EQ(check(m), "");
  m.reserve(10000);  // the range ended: allowed again
}

TEST(Range, set_range_produces_every_key) {
  gomap::set<std::string> s;
  for (int i = 0; i < 500; ++i) s.insert(std::to_string(i));
  std::set<std::string> seen;
  s.range([&](const std::string& k) { EXPECT_TRUE(seen.insert(k).second); });
  EXPECT_EQ(seen.size(), 500u);
}

// 10^5 seeded scenarios: random sizes (empty, tiny, around growth points,
// after mass erases), random callbacks (erase, insert, both, clear, nested
// range, early stop), both shrink policies.
void random_scenarios(int first, int count) {
  for (int sc = first; sc < first + count; ++sc) {
    SCOPED_TRACE("scenario " + std::to_string(sc));
    std::mt19937_64 rng(sc);
    gen_map m;
    if (rng() % 4 == 0) m.set_shrink_policy(gomap::shrink_policy::never);
    range_model model{m};
    const std::size_t shape = rng() % 8;
    const std::size_t n0 = shape == 0 ? rng() % 3 : shape < 4 ? rng() % 64 : rng() % 700;
    const std::uint64_t universe = n0 * 2 + 16;
    for (std::size_t i = 0; i < n0; ++i) model.insert(rng() % universe);
    if (rng() % 4 == 0) {
      std::vector<std::uint64_t> keys;
      for (const auto& kv : model.live) keys.push_back(kv.first);
      for (std::uint64_t k : keys)
        if (rng() % 8) model.erase(k);
    }
    const int mode = static_cast<int>(rng() % 6);
    const std::size_t stop_after = rng() % 6 == 0 ? rng() % (n0 + 1) : SIZE_MAX;
    model.run(
        [&](std::uint64_t) {
          const int ops = mode == 0 ? 0 : 1 + static_cast<int>(rng() % 3);
          for (int o = 0; o < ops; ++o) {
            const std::uint64_t x = rng() % universe;
            const bool ins = mode == 2 || (mode != 1 && rng() % 2);
            if (mode == 5 && rng() % 100 == 0) {
              model.live.clear();
              m.clear();
            } else if (ins) {
              model.insert(x);
            } else {
              model.erase(x);
            }
          }
          if (mode == 4 && rng() % 20 == 0) {
            std::size_t inner = 0;
            m.range([&](const std::uint64_t&, entry_value&) { ++inner; });
            EXPECT_EQ(inner, model.live.size());
          }
        },
        stop_after);
    if (::testing::Test::HasFailure()) return;
  }
}

// 4 x 25000 = 10^5 scenarios, under the sanitizers too (~14 s a shard with ASan).
constexpr int scenarios_per_shard = 25000;

TEST(RangeRandom, shard0) { random_scenarios(0 * scenarios_per_shard, scenarios_per_shard); }
TEST(RangeRandom, shard1) { random_scenarios(1 * scenarios_per_shard, scenarios_per_shard); }
TEST(RangeRandom, shard2) { random_scenarios(2 * scenarios_per_shard, scenarios_per_shard); }
TEST(RangeRandom, shard3) { random_scenarios(3 * scenarios_per_shard, scenarios_per_shard); }

}  // namespace

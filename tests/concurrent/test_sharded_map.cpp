// tests/concurrent/test_sharded_map.cpp: gomap::sharded_map, typed over the
// three shard locks the benchmark compares (the default rw_spinlock,
// std::mutex, std::shared_mutex).
//
// Every member on its own; with threads, a model-based stress whose history
// must be linearizable per key, visit() counters that lose no update,
// visit_all racing inserts and erases, and the misuse detector still firing
// on a plain gomap::map that the same threads share unguarded. Bounded by
// operation counts, never by timing.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/sharded_map.hpp>

#include "history.hpp"
#include "threads.hpp"

namespace {

using gomap_test::run_threads;
using gomap_test::scale;

template <class Lock>
using u64_sharded = gomap::internal::basic_sharded_map<std::uint64_t, std::uint64_t, gomap::hash<std::uint64_t>,
                                                       std::equal_to<std::uint64_t>,
                                                       std::allocator<std::pair<const std::uint64_t, std::uint64_t>>, Lock>;

template <class Lock>
class ShardedMap : public ::testing::Test {
 public:
  using map_type = u64_sharded<Lock>;
};
using locks = ::testing::Types<gomap::internal::rw_spinlock, std::mutex, std::shared_mutex>;
TYPED_TEST_SUITE(ShardedMap, locks);

std::uint64_t value_of(const auto& m, std::uint64_t k) {
  std::uint64_t v = 0;
  EXPECT_EQ(m.cvisit(k, [&](const auto& kv) { v = kv.second; }), 1u) << "key " << k;
  return v;
}

// ---- every member, one thread ------------------------------------------------

TYPED_TEST(ShardedMap, insert_family_reports_whether_it_inserted) {
  typename TestFixture::map_type m;
  EXPECT_TRUE(m.insert({1, 10}));
  EXPECT_FALSE(m.insert({1, 11}));
  EXPECT_TRUE(m.insert(std::pair<int, int>(2, 20)));  // converted
  EXPECT_TRUE(m.emplace(3, 30));
  EXPECT_FALSE(m.emplace(3, 31));
  EXPECT_TRUE(m.try_emplace(4, 40));
  EXPECT_FALSE(m.try_emplace(4, 41));
  EXPECT_TRUE(m.insert_or_assign(5, 50));
  EXPECT_FALSE(m.insert_or_assign(5, 51));
  EXPECT_EQ(value_of(m, 1), 10u);
  EXPECT_EQ(value_of(m, 3), 30u);
  EXPECT_EQ(value_of(m, 4), 40u);
  EXPECT_EQ(value_of(m, 5), 51u);
  EXPECT_EQ(m.size(), 5u);
}

TYPED_TEST(ShardedMap, insert_or_visit_visits_the_present_element) {
  typename TestFixture::map_type m;
  int visits = 0;
  EXPECT_TRUE(m.insert_or_visit({1, 10}, [&](auto&) { ++visits; }));
  EXPECT_EQ(visits, 0);
  EXPECT_FALSE(m.insert_or_visit({1, 99}, [&](auto& kv) {
    ++visits;
    kv.second += 1;
  }));
  EXPECT_EQ(value_of(m, 1), 11u);
  EXPECT_FALSE(m.insert_or_cvisit({1, 99}, [&](const auto& kv) {
    ++visits;
    EXPECT_EQ(kv.second, 11u);
  }));
  EXPECT_EQ(visits, 2);
}

TYPED_TEST(ShardedMap, visit_and_cvisit_return_how_many_they_visited) {
  typename TestFixture::map_type m;
  m.insert({1, 10});
  EXPECT_EQ(m.visit(1, [](auto& kv) { kv.second = 12; }), 1u);
  EXPECT_EQ(m.visit(2, [](auto&) { ADD_FAILURE(); }), 0u);
  EXPECT_EQ(m.cvisit(2, [](const auto&) { ADD_FAILURE(); }), 0u);
  const auto& cm = m;
  EXPECT_EQ(cm.visit(1, [](const auto& kv) { EXPECT_EQ(kv.second, 12u); }), 1u);
  EXPECT_TRUE(m.contains(1));
  EXPECT_FALSE(m.contains(2));
  EXPECT_EQ(m.count(1), 1u);
  EXPECT_EQ(m.count(2), 0u);
}

TYPED_TEST(ShardedMap, visit_all_and_visit_while) {
  typename TestFixture::map_type m;
  for (std::uint64_t k = 0; k < 1000; ++k) m.insert({k, k});
  EXPECT_EQ(m.visit_all([](auto& kv) { kv.second *= 2; }), 1000u);
  std::set<std::uint64_t> seen;
  EXPECT_EQ(m.cvisit_all([&](const auto& kv) {
    EXPECT_EQ(kv.second, kv.first * 2);
    EXPECT_TRUE(seen.insert(kv.first).second);
  }),
            1000u);
  EXPECT_EQ(seen.size(), 1000u);
  int n = 0;
  EXPECT_FALSE(m.visit_while([&](auto&) { return ++n < 10; }));
  EXPECT_EQ(n, 10);
  n = 0;
  EXPECT_TRUE(m.cvisit_while([&](const auto&) { return ++n > 0; }));
  EXPECT_EQ(n, 1000);
}

TYPED_TEST(ShardedMap, erase_and_erase_if) {
  typename TestFixture::map_type m;
  for (std::uint64_t k = 0; k < 100; ++k) m.insert({k, k});
  EXPECT_EQ(m.erase(5), 1u);
  EXPECT_EQ(m.erase(5), 0u);
  EXPECT_EQ(m.erase_if(6, [](auto& kv) { return kv.second == 7; }), 0u);
  EXPECT_EQ(m.erase_if(6, [](auto& kv) { return kv.second == 6; }), 1u);
  EXPECT_EQ(m.erase_if([](auto& kv) { return kv.first % 2 == 1; }), 49u);  // 5 was gone
  EXPECT_EQ(m.size(), 49u);
  m.cvisit_all([](const auto& kv) { EXPECT_EQ(kv.first % 2, 0u); });
  m.clear();
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), 0u);
}

TYPED_TEST(ShardedMap, stats_are_summed_over_shards) {
  typename TestFixture::map_type m(0, gomap::shard_count(16));
  EXPECT_EQ(m.shard_count(), 16u);
  for (std::uint64_t k = 0; k < 5000; ++k) m.insert({k, k});
  for (std::uint64_t k = 0; k < 1000; ++k) m.erase(k);
  const gomap::map_stats s = m.stats();
  EXPECT_EQ(s.size, 4000u);
  EXPECT_GE(s.bucket_count, 16u * 32u);  // 250 keys a shard: at least 32 buckets each
  EXPECT_GT(s.growths, 16u);             // every shard grew from 1 bucket
  EXPECT_GT(s.bytes_allocated, 4000u * 16u);
  EXPECT_LE(s.B, 8u);  // the largest shard's
}

// The shard bits are not the inner maps' bucket bits: keys spread over all of
// every shard's buckets, so each shard's table stays as full as a lone map's.
TYPED_TEST(ShardedMap, shards_do_not_steal_bucket_bits) {
  typename TestFixture::map_type m(0, gomap::shard_count(256));
  for (std::uint64_t k = 0; k < 200000; ++k) m.insert({k, k});
  const gomap::map_stats s = m.stats();
  // A lone gomap::map of 781 keys has B = 7 (128 buckets, load 6.1); if the
  // shard bits were bucket bits, half the buckets of each shard would stay empty
  // and overflow chains would triple.
  EXPECT_LT(static_cast<double>(s.overflow_buckets) / static_cast<double>(s.bucket_count), 0.25);
}

TYPED_TEST(ShardedMap, reserve_spreads_over_shards_so_inserts_do_not_grow) {
  typename TestFixture::map_type m(0, gomap::shard_count(32));
  m.reserve(100000);
  const auto before = m.stats();
  for (std::uint64_t k = 0; k < 100000; ++k) m.insert({k * 0x9e3779b97f4a7c15ull, k});
  const auto after = m.stats();
  EXPECT_EQ(after.growths, before.growths);
  EXPECT_EQ(after.bucket_count, before.bucket_count);
  typename TestFixture::map_type hinted(100000, gomap::shard_count(32));
  EXPECT_EQ(hinted.stats().bucket_count, before.bucket_count);
}

TEST(ShardedMapApi, shard_count_must_be_a_power_of_two) {
  using m_t = gomap::sharded_map<int, int>;
  EXPECT_THROW(m_t(0, gomap::shard_count(0)), std::invalid_argument);
  EXPECT_THROW(m_t(0, gomap::shard_count(3)), std::invalid_argument);
  EXPECT_THROW(m_t(0, gomap::shard_count(1u << 17)), std::invalid_argument);
  try {
    m_t(0, gomap::shard_count(48));
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("power of two"), std::string::npos) << e.what();
  }
  m_t one(0, gomap::shard_count(1));
  for (int k = 0; k < 100; ++k) one.insert({k, k});
  EXPECT_EQ(one.size(), 100u);
  EXPECT_EQ(m_t().shard_count(), 64u);
}

TEST(ShardedMapApi, heterogeneous_lookup_with_transparent_hash_and_equality) {
  gomap::sharded_map<std::string, int, gomap::hash<std::string>, gomap::string_equal> m;
  m.insert_or_assign("alpha", 1);
  EXPECT_EQ(m.cvisit(std::string_view("alpha"), [](const auto& kv) { EXPECT_EQ(kv.second, 1); }), 1u);
  EXPECT_EQ(m.visit(std::string_view("alpha"), [](auto& kv) { kv.second = 2; }), 1u);
  EXPECT_TRUE(m.contains(std::string_view("alpha")));
  EXPECT_EQ(m.erase(std::string_view("alpha")), 1u);
  EXPECT_FALSE(m.contains(std::string("alpha")));
}

TEST(ShardedMapApi, move_only_values) {
  gomap::sharded_map<int, std::unique_ptr<int>> m;
  EXPECT_TRUE(m.try_emplace(1, std::make_unique<int>(5)));
  EXPECT_TRUE(m.emplace(2, std::make_unique<int>(6)));
  int v = 0;
  m.cvisit(1, [&](const auto& kv) { v = *kv.second; });
  EXPECT_EQ(v, 5);
}

// ---- threads --------------------------------------------------------------------

TYPED_TEST(ShardedMap, visit_increments_lose_no_update) {
  typename TestFixture::map_type m(0, gomap::shard_count(4));
  constexpr int threads = 4;
  const int per_thread = 20000 * scale;
  run_threads(threads, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      const auto k = static_cast<std::uint64_t>(i + t) % 8;
      if (i % 2)
        m.visit(k, [](auto& kv) { ++kv.second; }) || m.insert_or_visit({k, 1}, [](auto& kv) { ++kv.second; });
      else
        m.insert_or_visit({k, 1}, [](auto& kv) { ++kv.second; });
    }
  });
  std::uint64_t total = 0;
  m.cvisit_all([&](const auto& kv) { total += kv.second; });
  EXPECT_EQ(total, static_cast<std::uint64_t>(threads) * static_cast<std::uint64_t>(per_thread));
}

// Stable keys (never touched) are visited exactly once by every visit_all and
// cvisit_all pass while other threads insert and erase around them, growing
// and shrinking the shards; no key is visited twice.
TYPED_TEST(ShardedMap, visit_all_racing_inserts_and_erases) {
  typename TestFixture::map_type m(0, gomap::shard_count(8));
  constexpr std::uint64_t stable = 2000;
  for (std::uint64_t k = 0; k < stable; ++k) m.insert({k, k});
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  run_threads(3, [&](int t) {
    if (t == 0) {
      for (int pass = 0; pass < 10 * scale; ++pass) {
        std::vector<int> seen(stable + 10000, 0);
        auto count = [&](const auto& kv) {
          if (++seen[kv.first] > 1) failures.fetch_add(1);
          if (kv.first < stable && kv.second != kv.first) failures.fetch_add(1);
        };
        if (pass % 2)
          m.visit_all([&](auto& kv) { count(kv); });
        else
          m.cvisit_all(count);
        for (std::uint64_t k = 0; k < stable; ++k)
          if (seen[k] != 1) failures.fetch_add(1);
      }
      stop = true;
      return;
    }
    std::mt19937_64 rng(static_cast<unsigned>(t));
    while (!stop.load()) {
      const std::uint64_t k = stable + rng() % 10000;
      if (rng() % 2)
        m.insert({k, k});
      else
        m.erase(k);
      if (rng() % 1000 == 0) m.erase_if([&](auto& kv) { return kv.first >= stable && kv.first % 3 == 0; });
    }
  });
  EXPECT_EQ(failures.load(), 0);
}

enum sharded_op { op_insert_or_assign, op_try_emplace, op_cvisit, op_erase, op_visit_set, op_erase_if_equal, op_count };

bool sharded_model(const gomap_test::key_state& s, const gomap_test::op_record& op, gomap_test::key_state& after) {
  after = s;
  switch (op.kind) {
    case op_insert_or_assign: after = op.arg; return op.out_flag == !s;
    case op_try_emplace:
      if (!s) after = op.arg;
      return op.out_flag == !s;
    case op_cvisit: return op.out_value == s;
    case op_erase: after.reset(); return op.out_flag == s.has_value();
    case op_visit_set:
      if (s) after = op.arg;
      return op.out_value == s;  // the value the visitor saw before setting
    case op_erase_if_equal: return gomap_test::model_delete_if_equal(s, op, after);
  }
  return false;
}

TYPED_TEST(ShardedMap, random_history_is_linearizable_per_key) {
  constexpr int threads = 4;
  constexpr std::uint64_t keys = 6;
  const int ops_per_thread = 1500;
  for (int round = 0; round < 2 * scale; ++round) {
    typename TestFixture::map_type m(0, gomap::shard_count(2));
    std::vector<gomap_test::key_state> initial(keys);
    for (std::uint64_t k = 1; k < keys; k += 2) {
      m.insert({k, 1000 + k});
      initial[k] = 1000 + k;
    }
    gomap_test::history_spec spec;
    spec.threads = threads;
    spec.ops_per_thread = ops_per_thread;
    spec.keys = keys;
    spec.kinds = op_count;
    spec.seed = static_cast<unsigned>(round);
    spec.compares = [](int kind) { return kind == op_erase_if_equal; };
    spec.writes = [](int kind) { return kind == op_insert_or_assign; };
    const auto hist = gomap_test::record_history(spec, [&](gomap_test::op_record& op) {
      switch (op.kind) {
        case op_insert_or_assign: op.out_flag = m.insert_or_assign(op.key, op.arg); break;
        case op_try_emplace: op.out_flag = m.try_emplace(op.key, op.arg); break;
        case op_cvisit: m.cvisit(op.key, [&](const auto& kv) { op.out_value = kv.second; }); break;
        case op_erase: op.out_flag = m.erase(op.key) == 1; break;
        case op_visit_set:
          m.visit(op.key, [&](auto& kv) {
            op.out_value = kv.second;
            kv.second = op.arg;
          });
          break;
        case op_erase_if_equal:
          op.out_flag = m.erase_if(op.key, [&](auto& kv) { return kv.second == op.arg; }) == 1;
          break;
      }
    });
    std::vector<gomap_test::key_state> final(keys);
    for (std::uint64_t k = 0; k < keys; ++k) m.cvisit(k, [&](const auto& kv) { final[k] = kv.second; });
    ASSERT_TRUE(gomap_test::linearizable_per_key(hist, keys, sharded_model, initial, final)) << "round " << round;
  }
}

// The misuse detector still guards a plain gomap::map: two threads writing
// it unguarded die with Go's message, which points at the types that fix it
// (tests/test_misuse.cpp has the full set of death tests); the same writes
// through a sharded_map are fine.
#if !defined(__SANITIZE_THREAD__)
void two_unguarded_writers() {
  gomap::map<std::uint64_t, std::uint64_t> m;
  for (std::uint64_t k = 0; k < 1024; ++k) m.emplace(k, k);
  std::atomic<bool> go{false};
  auto writer = [&] {
    while (!go.load()) {
    }
    for (std::uint64_t i = 0; i < 200000000; ++i) m.try_emplace(i & 1023, 0);
  };
  std::thread a(writer);
  std::thread b(writer);
  go = true;
  a.join();
  b.join();
}

TEST(ShardedMapDeathTest, unguarded_gomap_map_still_dies_and_names_the_fix) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(two_unguarded_writers(),
               "concurrent map writes \\(guard the map with a mutex, or use gomap::sharded_map or gomap::sync_map\\)");
}
#endif

TEST(ShardedMapApi, the_fix_the_misuse_message_names_works) {
  gomap::sharded_map<std::uint64_t, std::uint64_t> m;
  for (std::uint64_t k = 0; k < 1024; ++k) m.insert({k, k});
  run_threads(2, [&](int) {
    for (std::uint64_t i = 0; i < 100000; ++i) m.try_emplace(i & 1023, 0);
  });
  EXPECT_EQ(m.size(), 1024u);
}

}  // namespace

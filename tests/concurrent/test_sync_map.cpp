// tests/concurrent/test_sync_map.cpp: gomap::sync_map, Go's sync.Map.
//
// Every member on its own; Go's Range rules (f may call any member, no key
// twice); and, with threads, a model-based stress whose recorded history
// must be linearizable key by key, the CAS counter (no lost update),
// load_or_store with one winner per key, and a reclamation stress with heap
// values (ASan finds a value freed under a reader; TSan a missing order).
// Thread counts and operation counts are fixed: the tests end by counting,
// never by timing.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/sync_map.hpp>

#include "history.hpp"
#include "threads.hpp"

namespace {

using u64_map = gomap::sync_map<std::uint64_t, std::uint64_t>;

using gomap_test::run_threads;
using gomap_test::scale;

// ---- every member, one thread ------------------------------------------------

TEST(SyncMap, load_of_an_absent_key_is_empty) {
  u64_map m;
  EXPECT_FALSE(m.load(1).has_value());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.empty());
}

TEST(SyncMap, store_then_load_and_overwrite) {
  u64_map m;
  m.store(1, 10);
  EXPECT_EQ(m.load(1), 10u);
  m.store(1, 11);
  EXPECT_EQ(m.load(1), 11u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(SyncMap, swap_returns_the_previous_value) {
  u64_map m;
  EXPECT_EQ(m.swap(1, 10), std::nullopt);
  EXPECT_EQ(m.swap(1, 11), 10u);
  EXPECT_EQ(m.load(1), 11u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(SyncMap, load_or_store_stores_once_then_loads) {
  u64_map m;
  EXPECT_EQ(m.load_or_store(1, 10), std::make_pair(std::uint64_t{10}, false));
  EXPECT_EQ(m.load_or_store(1, 20), std::make_pair(std::uint64_t{10}, true));
  EXPECT_EQ(m.load(1), 10u);
}

TEST(SyncMap, load_and_delete_and_erase) {
  u64_map m;
  m.store(1, 10);
  m.store(2, 20);
  EXPECT_EQ(m.load_and_delete(1), 10u);
  EXPECT_EQ(m.load_and_delete(1), std::nullopt);
  m.erase(2);
  m.erase(3);  // absent: nothing happens
  EXPECT_FALSE(m.load(2).has_value());
  EXPECT_EQ(m.size(), 0u);
}

TEST(SyncMap, compare_and_swap_only_on_an_equal_present_value) {
  u64_map m;
  EXPECT_FALSE(m.compare_and_swap(1, 0, 1));  // never inserts
  EXPECT_FALSE(m.load(1).has_value());
  m.store(1, 10);
  EXPECT_FALSE(m.compare_and_swap(1, 9, 11));
  EXPECT_EQ(m.load(1), 10u);
  EXPECT_TRUE(m.compare_and_swap(1, 10, 11));
  EXPECT_EQ(m.load(1), 11u);
}

TEST(SyncMap, compare_and_delete_only_on_an_equal_present_value) {
  u64_map m;
  EXPECT_FALSE(m.compare_and_delete(1, 0));
  m.store(1, 10);
  EXPECT_FALSE(m.compare_and_delete(1, 9));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_TRUE(m.compare_and_delete(1, 10));
  EXPECT_FALSE(m.load(1).has_value());
  EXPECT_EQ(m.size(), 0u);
}

TEST(SyncMap, clear_removes_every_key_and_the_map_stays_usable) {
  u64_map m;
  m.clear();  // empty: nothing to do
  for (std::uint64_t k = 0; k < 100; ++k) m.store(k, k);
  m.range([](std::uint64_t, std::uint64_t) {});  // promotes: keys in both maps
  for (std::uint64_t k = 100; k < 150; ++k) m.store(k, k);  // and some only in dirty
  m.clear();
  EXPECT_EQ(m.size(), 0u);
  for (std::uint64_t k = 0; k < 150; ++k) EXPECT_FALSE(m.load(k).has_value()) << k;
  m.store(7, 70);
  EXPECT_EQ(m.load(7), 70u);
  EXPECT_EQ(m.size(), 1u);
}

// size() follows every transition: new key, delete, re-store of a deleted
// key (nil entry), re-store of an expunged one, clear.
TEST(SyncMap, size_counts_keys_through_every_path) {
  u64_map m;
  for (std::uint64_t k = 0; k < 64; ++k) m.store(k, k);
  EXPECT_EQ(m.size(), 64u);
  m.range([](std::uint64_t, std::uint64_t) {});  // promote
  for (std::uint64_t k = 0; k < 32; ++k) m.erase(k);  // nil entries in read
  EXPECT_EQ(m.size(), 32u);
  m.store(1000, 1);  // a new key: dirty is rebuilt, the nil entries expunged
  EXPECT_EQ(m.size(), 33u);
  for (std::uint64_t k = 0; k < 16; ++k) m.store(k, k);  // unexpunged
  EXPECT_EQ(m.size(), 49u);
  for (std::uint64_t k = 16; k < 24; ++k) EXPECT_EQ(m.load_or_store(k, k).second, false);
  EXPECT_EQ(m.size(), 57u);
  m.clear();
  EXPECT_EQ(m.size(), 0u);
}

// Loads that miss the read map while dirty holds new keys lock and count
// misses; enough of them promote dirty, after which every key still loads.
TEST(SyncMap, keys_survive_promotions_and_dirty_rebuilds) {
  u64_map m;
  std::vector<std::uint64_t> expect(2000, 0);
  std::mt19937_64 rng(1);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t k = rng() % expect.size();
      if (rng() % 4 == 0) {
        m.erase(k);
        expect[k] = 0;
      } else {
        m.store(k, k + 1 + static_cast<std::uint64_t>(round));
        expect[k] = k + 1 + static_cast<std::uint64_t>(round);
      }
    }
    std::size_t live = 0;
    for (std::uint64_t k = 0; k < expect.size(); ++k) {  // these loads promote
      const auto v = m.load(k);
      ASSERT_EQ(v.value_or(0), expect[k]) << "round " << round << " key " << k;
      live += expect[k] != 0;
    }
    ASSERT_EQ(m.size(), live);
  }
}

TEST(SyncMap, values_are_typed_and_not_boxed) {
  gomap::sync_map<int, std::vector<int>> m;
  m.store(1, {1, 2, 3});
  auto v = m.load(1);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->size(), 3u);
  EXPECT_TRUE(m.compare_and_swap(1, std::vector<int>{1, 2, 3}, std::vector<int>{4}));
  EXPECT_EQ(m.load(1)->at(0), 4);
}

TEST(SyncMap, heterogeneous_load_with_transparent_hash_and_equality) {
  gomap::sync_map<std::string, int, gomap::hash<std::string>, gomap::string_equal> m;
  m.store("alpha", 1);
  m.store("beta", 2);
  EXPECT_EQ(m.load(std::string_view("alpha")), 1);
  EXPECT_EQ(m.load("beta"), 2);  // a C string: no std::string is built
  EXPECT_FALSE(m.load(std::string_view("gamma")).has_value());
  m.range([](const std::string&, int) {});  // promote, then the lock-free path
  EXPECT_EQ(m.load(std::string_view("beta")), 2);
}

// ---- Go's Range rules ------------------------------------------------------------

TEST(SyncMapRange, visits_each_present_key_once_and_stops_on_false) {
  u64_map m;
  for (std::uint64_t k = 0; k < 500; ++k) m.store(k, k * 2);
  std::set<std::uint64_t> seen;
  m.range([&](std::uint64_t k, std::uint64_t v) {
    EXPECT_EQ(v, k * 2);
    EXPECT_TRUE(seen.insert(k).second) << "key " << k << " visited twice";
  });
  EXPECT_EQ(seen.size(), 500u);
  int calls = 0;
  m.range([&](std::uint64_t, std::uint64_t) { return ++calls < 10; });
  EXPECT_EQ(calls, 10);
}

// f calls every member of the same map, range included; keys nobody touches
// are visited exactly once, and no key is visited twice.
TEST(SyncMapRange, f_may_call_any_member) {
  u64_map m;
  for (std::uint64_t k = 0; k < 1000; ++k) m.store(k, k);
  std::set<std::uint64_t> seen;
  std::uint64_t next_new = 100000;
  int step = 0;
  m.range([&](std::uint64_t k, std::uint64_t) {
    EXPECT_TRUE(seen.insert(k).second) << "key " << k << " visited twice";
    if (k % 2 == 1) return true;  // odd keys: untouched by f
    switch (step++ % 9) {
      case 0: m.store(next_new++, 1); break;                 // a new key: dirty rebuilt from read
      case 1: m.erase(k); break;                              // the key being visited
      case 2: (void)m.load(next_new - 1); break;              // a miss that may promote
      case 3: (void)m.swap(k, 7); break;
      case 4: (void)m.load_or_store(next_new++, 2); break;
      case 5: (void)m.load_and_delete(k + 2); break;          // an even key ahead
      case 6: (void)m.compare_and_swap(k, k, k + 1); break;
      case 7: (void)m.compare_and_delete(k, 7); break;
      case 8: m.range([](std::uint64_t, std::uint64_t) { return false; }); break;
    }
    EXPECT_GE(m.size(), 500u);
    return true;
  });
  for (std::uint64_t k = 1; k < 1000; k += 2) EXPECT_EQ(seen.count(k), 1u) << "untouched key " << k;
  for (std::uint64_t k = 100000; k < next_new; ++k) EXPECT_EQ(seen.count(k), 0u) << k;
}

TEST(SyncMapRange, f_may_clear_the_map) {
  u64_map m;
  for (std::uint64_t k = 0; k < 100; ++k) m.store(k, k);
  int calls = 0;
  m.range([&](std::uint64_t, std::uint64_t) {
    if (++calls == 10) m.clear();
  });
  // Entries reached after the clear were expunged by it: not visited.
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(m.size(), 0u);
}

// A range runs while other threads store and delete: no key twice, and keys
// no thread touches visited exactly once every time.
TEST(SyncMapRange, concurrent_writers_never_make_range_repeat_a_key) {
  u64_map m;
  constexpr std::uint64_t stable = 512, churn = 512;
  for (std::uint64_t k = 0; k < stable + churn; ++k) m.store(k, k);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  run_threads(3, [&](int t) {
    if (t == 0) {
      for (int r = 0; r < 10 * scale; ++r) {
        std::vector<int> seen(stable + churn + 4096, 0);
        m.range([&](std::uint64_t k, std::uint64_t) {
          if (k < seen.size() && ++seen[k] > 1) failures.fetch_add(1);
        });
        for (std::uint64_t k = 0; k < stable; ++k)
          if (seen[k] != 1) failures.fetch_add(1);
      }
      stop = true;
      return;
    }
    std::mt19937_64 rng(static_cast<unsigned>(t));
    while (!stop.load()) {
      const std::uint64_t k = stable + rng() % (churn + 2048);
      if (rng() % 2)
        m.store(k, k);
      else
        m.erase(k);
    }
  });
  EXPECT_EQ(failures.load(), 0);
}

// ---- threads ------------------------------------------------------------------------

// No lost update: every increment is a CAS from the value just loaded.
TEST(SyncMapThreads, compare_and_swap_counter_loses_no_update) {
  u64_map m;
  constexpr int threads = 4;
  const int per_thread = 5000 * scale;
  constexpr std::uint64_t keys = 3;
  for (std::uint64_t k = 0; k < keys; ++k) m.store(k, 0);
  run_threads(threads, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      const std::uint64_t k = static_cast<std::uint64_t>(i + t) % keys;
      for (;;) {
        const std::uint64_t v = m.load(k).value();
        if (m.compare_and_swap(k, v, v + 1)) break;
      }
    }
  });
  std::uint64_t total = 0;
  for (std::uint64_t k = 0; k < keys; ++k) total += m.load(k).value();
  EXPECT_EQ(total, static_cast<std::uint64_t>(threads) * static_cast<std::uint64_t>(per_thread));
}

// Racing load_or_store on absent keys: one winner per key, and every loser
// loads the winner's value.
TEST(SyncMapThreads, load_or_store_has_one_winner_per_key) {
  constexpr int threads = 4;
  constexpr std::uint64_t keys = 2000;
  for (int round = 0; round < 2 * scale; ++round) {
    u64_map m;
    std::vector<std::vector<std::pair<std::uint64_t, bool>>> got(threads);
    run_threads(threads, [&](int t) {
      got[static_cast<std::size_t>(t)].resize(keys);
      for (std::uint64_t i = 0; i < keys; ++i) {
        const std::uint64_t k = (t % 2) ? i : keys - 1 - i;  // meet in the middle, and race there
        got[static_cast<std::size_t>(t)][k] = m.load_or_store(k, static_cast<std::uint64_t>(t));
      }
    });
    for (std::uint64_t k = 0; k < keys; ++k) {
      int winners = 0;
      std::uint64_t winner = 0;
      for (int t = 0; t < threads; ++t)
        if (!got[static_cast<std::size_t>(t)][k].second) {
          ++winners;
          winner = static_cast<std::uint64_t>(t);
        }
      ASSERT_EQ(winners, 1) << "key " << k;
      for (int t = 0; t < threads; ++t) ASSERT_EQ(got[static_cast<std::size_t>(t)][k].first, winner) << "key " << k;
      ASSERT_EQ(m.load(k), winner);
    }
    EXPECT_EQ(m.size(), keys);
  }
}

// The model: the key's value (or none), Go's semantics for each member.
enum sync_op { op_load, op_store, op_swap, op_load_or_store, op_load_and_delete, op_erase, op_cas, op_cad, op_count };

bool sync_model(const gomap_test::key_state& s, const gomap_test::op_record& op, gomap_test::key_state& after) {
  after = s;
  switch (op.kind) {
    case op_load: return op.out_value == s;
    case op_store: after = op.arg; return true;
    case op_swap: after = op.arg; return op.out_value == s;
    case op_load_or_store:
      if (s) return op.out_flag && op.out_value == s;
      after = op.arg;
      return !op.out_flag && op.out_value == op.arg;
    case op_load_and_delete: after.reset(); return op.out_value == s;
    case op_erase: after.reset(); return true;
    case op_cas:
      if (s && *s == op.arg) {
        after = op.arg2;
        return op.out_flag;
      }
      return !op.out_flag;
    case op_cad: return gomap_test::model_delete_if_equal(s, op, after);
  }
  return false;
}

// The checker itself: it must reject a load that misses a store which
// finished before the load began, and accept it when the two overlap.
TEST(SyncMapThreads, history_checker_rejects_a_stale_load) {
  gomap_test::op_record store, load;
  store.kind = op_store;
  store.arg = 5;
  store.invoke = 0;
  store.respond = 1;
  load.kind = op_load;
  load.invoke = 2;
  load.respond = 3;  // out_value empty: it missed the store
  std::vector<std::vector<gomap_test::op_record>> h{{store}, {load}};
  EXPECT_FALSE(gomap_test::linearizable_per_key(h, 1, sync_model, {std::nullopt}, {5}));
  h[1][0].invoke = 0;  // overlapping: the load may come first
  EXPECT_TRUE(gomap_test::linearizable_per_key(h, 1, sync_model, {std::nullopt}, {5}));
  EXPECT_FALSE(gomap_test::linearizable_per_key(h, 1, sync_model, {std::nullopt}, {std::nullopt}));  // final state
}

// Threads run random operations on a few keys (so that they collide, and
// promotions, expunges and dirty rebuilds happen all the time); the history
// must be linearizable per key, ending in the state the map holds after.
TEST(SyncMapThreads, random_history_is_linearizable_per_key) {
  constexpr int threads = 4;
  constexpr std::uint64_t keys = 6;
  const int ops_per_thread = 1500;
  for (int round = 0; round < 3 * scale; ++round) {
    u64_map m;
    std::vector<gomap_test::key_state> initial(keys);
    for (std::uint64_t k = 0; k < keys; k += 2) {
      m.store(k, 1000 + k);
      initial[k] = 1000 + k;
    }
    if (round % 2) m.range([](std::uint64_t, std::uint64_t) {});  // start from a promoted map
    gomap_test::history_spec spec;
    spec.threads = threads;
    spec.ops_per_thread = ops_per_thread;
    spec.keys = keys;
    spec.kinds = op_count;
    spec.seed = static_cast<unsigned>(round);
    spec.compares = [](int kind) { return kind == op_cas || kind == op_cad; };
    spec.writes = [](int kind) { return kind == op_store || kind == op_swap; };
    const auto hist = gomap_test::record_history(spec, [&](gomap_test::op_record& op) {
      switch (op.kind) {
        case op_load: op.out_value = m.load(op.key); break;
        case op_store: m.store(op.key, op.arg); break;
        case op_swap: op.out_value = m.swap(op.key, op.arg); break;
        case op_load_or_store: {
          auto [v, loaded] = m.load_or_store(op.key, op.arg);
          op.out_value = v;
          op.out_flag = loaded;
          break;
        }
        case op_load_and_delete: op.out_value = m.load_and_delete(op.key); break;
        case op_erase: m.erase(op.key); break;
        case op_cas: op.out_flag = m.compare_and_swap(op.key, op.arg, op.arg2); break;
        case op_cad: op.out_flag = m.compare_and_delete(op.key, op.arg); break;
      }
    });
    std::vector<gomap_test::key_state> final(keys);
    std::size_t live = 0;
    for (std::uint64_t k = 0; k < keys; ++k) {
      final[k] = m.load(k);
      live += final[k].has_value();
    }
    EXPECT_EQ(m.size(), live);
    ASSERT_TRUE(gomap_test::linearizable_per_key(hist, keys, sync_model, initial, final)) << "round " << round;
  }
}

// Reclamation under fire: heap-allocated values replaced, deleted, cleared
// and read by every member at once. A value freed while a reader copies it
// is a use-after-free (ASan) or a race (TSan); a torn or stale pointer shows
// as a value that does not belong to its key.
TEST(SyncMapThreads, reclamation_keeps_every_value_readable) {
  gomap::sync_map<std::uint64_t, std::string> m;
  constexpr std::uint64_t keys = 64;
  const int ops = 4000 * scale;
  auto value_for = [](std::uint64_t k, std::uint64_t n) {
    return "key-" + std::to_string(k) + "-value-" + std::to_string(n) + std::string(24, 'x');  // heap-allocated
  };
  auto belongs = [](std::uint64_t k, const std::string& v) {
    return v.rfind("key-" + std::to_string(k) + "-value-", 0) == 0 && v.size() > 24;
  };
  std::atomic<int> bad{0};
  run_threads(4, [&](int t) {
    std::mt19937_64 rng(static_cast<unsigned>(t) + 77);
    for (int i = 0; i < ops; ++i) {
      const std::uint64_t k = rng() % keys;
      const std::uint64_t n = rng();
      switch (rng() % 10) {
        case 0: m.store(k, value_for(k, n)); break;
        case 1:
          if (auto v = m.swap(k, value_for(k, n)); v && !belongs(k, *v)) bad.fetch_add(1);
          break;
        case 2:
          if (auto v = m.load_and_delete(k); v && !belongs(k, *v)) bad.fetch_add(1);
          break;
        case 3:
          if (!belongs(k, m.load_or_store(k, value_for(k, n)).first)) bad.fetch_add(1);
          break;
        case 4:
          if (auto v = m.load(k)) (void)m.compare_and_swap(k, *v, value_for(k, n));
          break;
        case 5:
          if (auto v = m.load(k)) (void)m.compare_and_delete(k, *v);
          break;
        case 6:
          if (i % 64 == 0) m.clear();
          break;
        case 7:
          if (i % 16 == 0)
            m.range([&](std::uint64_t rk, const std::string& v) {
              if (!belongs(rk, v)) bad.fetch_add(1);
            });
          break;
        default:
          if (auto v = m.load(k); v && !belongs(k, *v)) bad.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(m.size(), keys);
}

// The narrowest window, held open: readers copy 4 KiB values of two hot
// keys while writers replace them. Freeing a replaced value without waiting
// for its readers is caught here by ASan (use-after-free) and TSan (a free
// racing a read) within a few thousand loads.
TEST(SyncMapThreads, readers_copying_large_values_never_see_them_freed) {
  gomap::sync_map<std::uint64_t, std::string> m;
  m.store(0, std::string(4096, 'a'));
  m.store(1, std::string(4096, 'a'));
  m.range([](std::uint64_t, const std::string&) {});  // promote: the lock-free paths
  std::atomic<int> bad{0};
  const int loads = 20000 * scale;
  std::atomic<int> readers_done{0};
  run_threads(4, [&](int t) {
    if (t < 2) {
      for (int i = 0; i < loads; ++i) {
        const auto v = m.load(static_cast<std::uint64_t>(i & 1));
        if (!v || v->size() != 4096 || (*v)[0] != (*v)[4095]) bad.fetch_add(1);
      }
      readers_done.fetch_add(1);
    } else {
      for (int i = 0; readers_done.load() < 2 && i < 50 * loads; ++i)
        m.store(static_cast<std::uint64_t>(i & 1), std::string(4096, static_cast<char>('a' + i % 26)));
    }
  });
  EXPECT_EQ(bad.load(), 0);
}

// Threads come and go: a thread's retired values outlive it and are freed by
// others (or at exit); LeakSanitizer checks nothing is lost.
TEST(SyncMapThreads, short_lived_threads_hand_over_their_retirements) {
  gomap::sync_map<std::uint64_t, std::string> m;
  for (int wave = 0; wave < 8; ++wave)
    run_threads(2, [&](int t) {
      for (std::uint64_t i = 0; i < 300; ++i) m.store(i % 10, std::to_string(i) + std::string(32, char('a' + t)));
    });
  EXPECT_EQ(m.size(), 10u);
}

}  // namespace

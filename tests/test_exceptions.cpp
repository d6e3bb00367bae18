// tests/test_exceptions.cpp: a throw from the hasher, the equality, the
// allocator or a copy constructor leaves the map valid, with exactly the
// entries it had (the insert that threw inserted nothing), and leaks nothing.
//
// Each sweep injects one exception at the N-th call of the faulty operation,
// for N = 1, 2, ... until a run of inserts completes without reaching N: so
// the throw lands at every call site the run reaches, including each step of
// an evacuation (after some entries were already transferred, which must be
// undone). After the throw the map is compared with a model, checked, and
// then used again to finish the run. Keys and values are `counted`, so a
// leaked or doubly destroyed element fails the test.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/test_support.hpp"

namespace {

using gotest::counted;

struct injected : std::exception {
  const char* what() const noexcept override { return "injected fault"; }
};

// Throws on the N-th hit after arm(N).
struct fault {
  long countdown = 0;
  void arm(long n) { countdown = n; }
  void disarm() { countdown = 0; }
  void hit() {
    if (countdown > 0 && --countdown == 0) throw injected();
  }
};
fault hash_fault, eq_fault, alloc_fault, copy_fault;

// ---- faulty policies and types -----------------------------------------------

// Hashers ignore the map seed so that sweeps are reproducible. Keys
// k / hash_group share one hash, to build chains (and make the equality run)
// on purpose; a runtime setting, so that each map type is compiled once.
int hash_group = 1;
class group_scope {  // sets hash_group for one test
 public:
  explicit group_scope(int g) { hash_group = g; }
  ~group_scope() { hash_group = 1; }
  group_scope(const group_scope&) = delete;
  group_scope& operator=(const group_scope&) = delete;
};
struct throwing_hash {
  using is_seeded = void;
  std::uint64_t operator()(const counted& k, std::uint64_t) const {
    hash_fault.hit();
    return gomap::hash<int>{}(k.v / hash_group, 0x5eed);
  }
};
struct fixed_hash {
  using is_seeded = void;
  std::uint64_t operator()(const counted& k, std::uint64_t) const noexcept {
    return gomap::hash<int>{}(k.v / hash_group, 0x5eed);
  }
};
struct throwing_eq {
  bool operator()(const counted& a, const counted& b) const {
    eq_fault.hit();
    return a.v == b.v;
  }
};
template <class T>
struct throwing_alloc {
  using value_type = T;
  throwing_alloc() = default;
  template <class U>
  throwing_alloc(const throwing_alloc<U>&) noexcept {}
  T* allocate(std::size_t n) {
    alloc_fault.hit();
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>{}.deallocate(p, n); }
  template <class U>
  bool operator==(const throwing_alloc<U>&) const noexcept {
    return true;
  }
};

// A value whose copy may throw and whose move is not noexcept: the engine
// must copy it during evacuation (std::move_if_noexcept's rule) and keep the
// originals until the bucket commits.
struct fragile {
  counted c;
  explicit fragile(int v) : c(v) {}
  fragile(const fragile& o) : c((copy_fault.hit(), o.c)) {}
  fragile(fragile&& o) noexcept(false) : c(std::move(o.c)) {}
  fragile& operator=(const fragile& o) {
    copy_fault.hit();
    c = o.c;
    return *this;
  }
};
static_assert(!std::is_nothrow_move_constructible_v<fragile>);

int value_id(const counted& v) { return v.v; }
int value_id(const fragile& v) { return v.c.v; }

template <class V>
V make_value(int k) {
  return V(k * 10);
}

// ---- the sweep ------------------------------------------------------------------

// The map holds exactly {k -> k * 10 : k in model}, and is consistent.
template <class Map>
::testing::AssertionResult matches(const Map& m, const std::set<int>& model) {
  if (std::string err = gotest::check(m); !err.empty()) return ::testing::AssertionFailure() << err;
  if (m.size() != model.size()) return ::testing::AssertionFailure() << "size " << m.size() << " vs " << model.size();
  for (int k : model) {
    auto it = m.find(counted(k));
    if (it == m.end()) return ::testing::AssertionFailure() << "key " << k << " lost";
    if (value_id(it->second) != k * 10) return ::testing::AssertionFailure() << "key " << k << " has a wrong value";
  }
  std::size_t n = 0;
  for (const auto& e : m) {
    if (!model.count(e.first.v)) return ::testing::AssertionFailure() << "key " << e.first.v << " should be absent";
    ++n;
  }
  if (n != model.size()) return ::testing::AssertionFailure() << "iteration saw " << n;
  return ::testing::AssertionSuccess();
}

// Inserts key k through one of several members, chosen by k.
template <class Map>
void insert_key(Map& m, int k) {
  using V = typename Map::mapped_type;
  const typename Map::value_type v(counted(k), make_value<V>(k));
  switch (k % 4) {
    case 0: m.insert(v); break;                              // copies key and value
    case 1: m.emplace(v.first, v.second); break;             // copies
    case 2: m.try_emplace(v.first, v.second); break;         // copies the value
    default: m.emplace(typename Map::value_type(v)); break;  // copies, then moves
  }
}

struct sweep_result {
  long points = 0;  // how many N threw
};

// `prepare` fills the map before the fault is armed (e.g. to set up a shrink).
template <class Map>
sweep_result sweep(fault& f, int keys, const std::function<void(Map&, std::set<int>&)>& prepare = {}) {
  sweep_result r;
  for (long n = 1; n < 1000000; ++n) {
    gotest::counted_scope scope;
    bool threw = false;
    {
      Map m;
      std::set<int> model;
      if (prepare) prepare(m, model);
      int failed_at = -1;
      f.arm(n);
      for (int k = 0; k < keys; ++k) {
        if (model.count(k)) continue;
        try {
          insert_key(m, k);
        } catch (const injected&) {
          threw = true;
          failed_at = k;
          break;
        }
        model.insert(k);
      }
      f.disarm();
      if (!threw) {
        EXPECT_TRUE(matches(m, model)) << "no fault at N = " << n;
        break;
      }
      ++r.points;
      EXPECT_TRUE(matches(m, model)) << "after a fault at call " << n << " while inserting key " << failed_at;
      if (::testing::Test::HasFailure()) return r;
      // The map keeps working: finish the run.
      for (int k = failed_at; k < keys; ++k) {
        insert_key(m, k);
        model.insert(k);
      }
      EXPECT_TRUE(matches(m, model)) << "finishing the run after a fault at call " << n;
    }
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "fault injected at call " << n;
      return r;
    }
  }
  return r;
}

void report(const char* what, const sweep_result& r, long min_points = 50) {
  std::printf("[ figures  ] %s: a fault injected at each of %ld call sites\n", what, r.points);
  EXPECT_GE(r.points, min_points) << "the sweep reached too few call sites to mean anything";
}

// Fills 1000 keys above the swept range (B = 8) and erases 700 of them: the
// first swept insert starts a shrinking growth (300 < 1664 / 4) that moves the
// 300 survivors, at most 32 per insert, over the next inserts.
template <class Map>
void big_then_erased(Map& m, std::set<int>& model) {
  for (int k = 1000; k < 2000; ++k) m.emplace(counted(k), make_value<typename Map::mapped_type>(k));
  for (int k = 1000; k < 1700; ++k) m.erase(counted(k));
  for (int k = 1700; k < 2000; ++k) model.insert(k);
}

// ---- hasher ---------------------------------------------------------------------

TEST(ExceptionSafety, throwing_hasher_with_nothrow_move_during_evacuation) {
  // counted moves without throwing: evacuation moves entries, so undoing a
  // half-evacuated bucket must move them back.
  using Map = gomap::map<counted, counted, throwing_hash>;
  report("hasher, nothrow-move value", sweep<Map>(hash_fault, 300));
}

TEST(ExceptionSafety, throwing_hasher_with_copied_values_during_evacuation) {
  using Map = gomap::map<counted, fragile, throwing_hash>;
  report("hasher, copy-transferred value", sweep<Map>(hash_fault, 300));
}

TEST(ExceptionSafety, throwing_hasher_in_chained_buckets) {
  using Map = gomap::map<counted, counted, throwing_hash>;
  group_scope five(5);  // five keys per hash: overflow chains
  report("hasher, chained buckets", sweep<Map>(hash_fault, 300));
}

// ---- equality -------------------------------------------------------------------

TEST(ExceptionSafety, throwing_equality) {
  using Map = gomap::map<counted, counted, fixed_hash, throwing_eq>;
  group_scope four(4);  // four keys per hash: compares happen
  report("equality", sweep<Map>(eq_fault, 300));
}

// ---- allocator ------------------------------------------------------------------

TEST(ExceptionSafety, throwing_allocator_for_arrays_and_overflow_buckets) {
  using Map = gomap::map<counted, counted, fixed_hash, std::equal_to<counted>,
                         throwing_alloc<std::pair<const counted, counted>>>;
  group_scope three(3);
  report("allocator", sweep<Map>(alloc_fault, 600));
}

TEST(ExceptionSafety, throwing_allocator_during_a_shrinking_growth) {
  // Ten keys per hash: every chain needs an overflow bucket, so the shrink's
  // evacuation allocates as it goes.
  using Map = gomap::map<counted, counted, fixed_hash, std::equal_to<counted>,
                         throwing_alloc<std::pair<const counted, counted>>>;
  group_scope ten(10);
  {
    gotest::counted_scope scope;
    Map probe;
    std::set<int> model;
    big_then_erased(probe, model);
    probe.emplace(counted(0), counted(0));
    ASSERT_EQ(probe.stats().shrinks, 1u) << "the setup must start a shrink";
    ASSERT_TRUE(probe.stats().growing) << "... that takes several inserts";
  }
  report("allocator, shrinking", sweep<Map>(alloc_fault, 100, big_then_erased<Map>), 10);
}

// ---- copy constructor -----------------------------------------------------------

TEST(ExceptionSafety, throwing_copy_with_potentially_throwing_move) {
  using Map = gomap::map<counted, fragile, fixed_hash>;
  static_assert(!gomap::internal::map_policy<counted, fragile>::transfer_moves,
                "evacuation must copy a value whose move may throw");
  report("value copy", sweep<Map>(copy_fault, 300));
}

TEST(ExceptionSafety, throwing_copy_in_chained_buckets) {
  using Map = gomap::map<counted, fragile, fixed_hash>;
  group_scope three(3);
  report("value copy, chains", sweep<Map>(copy_fault, 300));
}

TEST(ExceptionSafety, throwing_copy_during_a_shrinking_growth) {
  using Map = gomap::map<counted, fragile, fixed_hash>;
  group_scope ten(10);
  report("value copy, shrinking", sweep<Map>(copy_fault, 100, big_then_erased<Map>));
}

TEST(ExceptionSafety, throwing_hasher_during_a_shrinking_growth) {
  using Map = gomap::map<counted, counted, throwing_hash>;
  group_scope ten(10);
  report("hasher, shrinking", sweep<Map>(hash_fault, 100, big_then_erased<Map>));
}

// ---- whole-map copies -------------------------------------------------------------

TEST(ExceptionSafety, throwing_copy_constructor_of_the_map_leaks_nothing) {
  using Map = gomap::map<counted, fragile, fixed_hash>;
  gotest::counted_scope scope;
  Map src;
  std::set<int> model;
  for (int k = 0; k < 200; ++k) insert_key(src, k), model.insert(k);
  long points = 0;
  for (long n = 1;; ++n) {
    copy_fault.arm(n);
    try {
      Map c(src);
      copy_fault.disarm();
      EXPECT_TRUE(matches(c, model));
      break;
    } catch (const injected&) {
      ++points;
    }
    copy_fault.disarm();
    ASSERT_TRUE(matches(src, model));
  }
  EXPECT_EQ(points, 200) << "one throw per copied value";
}

TEST(ExceptionSafety, throwing_copy_assignment_leaves_the_target_unchanged) {
  using Map = gomap::map<counted, fragile, fixed_hash>;
  gotest::counted_scope scope;
  Map src, dst;
  std::set<int> src_model, dst_model;
  for (int k = 0; k < 100; ++k) insert_key(src, k), src_model.insert(k);
  for (int k = 500; k < 550; ++k) insert_key(dst, k), dst_model.insert(k);
  for (long n = 1; n <= 100; ++n) {
    copy_fault.arm(n);
    EXPECT_THROW(dst = src, injected);
    copy_fault.disarm();
    ASSERT_TRUE(matches(dst, dst_model)) << "strong guarantee, fault at copy " << n;
  }
  dst = src;
  EXPECT_TRUE(matches(dst, src_model));
}

// ---- length_error -----------------------------------------------------------------

TEST(ExceptionSafety, reserve_or_hint_beyond_max_size_throws_length_error_and_changes_nothing) {
  using Map = gomap::map<counted, counted, fixed_hash>;
  gotest::counted_scope scope;
  Map m;
  std::set<int> model;
  for (int k = 0; k < 100; ++k) m.emplace(counted(k), counted(k * 10)), model.insert(k);
  const gomap::map_stats before = m.stats();
  EXPECT_THROW(m.reserve(m.max_size() + 1), std::length_error);
  EXPECT_THROW(m.reserve(std::numeric_limits<std::size_t>::max()), std::length_error);
  EXPECT_THROW(m.rehash(std::numeric_limits<std::size_t>::max()), std::length_error);
  EXPECT_THROW(Map big(m.max_size() + 1), std::length_error);
  const gomap::map_stats after = m.stats();
  EXPECT_EQ(after.B, before.B);
  EXPECT_EQ(after.bytes_allocated, before.bytes_allocated);
  EXPECT_TRUE(matches(m, model));
}

}  // namespace

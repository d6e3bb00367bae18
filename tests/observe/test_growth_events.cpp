// tests/observe/test_growth_events.cpp: the observer hears every growth, with
// the right sizes, counts and spans.
//
// Each kind of growth is driven on purpose (doubling from an empty map, a
// same-size growth from hand-placed overflow chains, a shrink after mass
// erases, a growth run to completion by reserve()), and the events are
// checked against the map's own counters and Go's sizing rules.
#include <cstdint>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/observe/ring_buffer_observer.hpp>
#include <gomap/observe/tee_observer.hpp>
#include <gomap/set.hpp>

#include "../support/test_support.hpp"

namespace {

using gomap::growth_event;
using gomap::growth_event_kind;
using u64 = std::uint64_t;

// Appends every event to a vector the test owns (allocating is fine here).
struct recording_observer {
  static constexpr bool enabled = true;
  std::vector<growth_event>* out = nullptr;
  void on_growth_event(const growth_event& e) noexcept { out->push_back(e); }
};

template <class Hash = gomap::hash<u64>>
using recorded_map = gomap::map<u64, u64, Hash, gomap::default_equal<u64>, std::allocator<std::pair<const u64, u64>>,
                                recording_observer>;

bool is_start(const growth_event& e) { return e.kind != growth_event_kind::grow_end; }

// Starts and ends alternate, each end names the start it ends and repeats
// its sizes, and the clock runs forward.
void expect_well_formed(const std::vector<growth_event>& ev) {
  for (std::size_t i = 0; i < ev.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ev[i].map, ev[0].map);
    EXPECT_NE(ev[i].map, nullptr);
    if (i % 2 == 0) {
      ASSERT_TRUE(is_start(ev[i]));
      EXPECT_EQ(ev[i].growth, ev[i].kind);
      EXPECT_EQ(ev[i].duration_ns, 0u);
      EXPECT_EQ(ev[i].operations, 0u);
    } else {
      ASSERT_EQ(ev[i].kind, growth_event_kind::grow_end);
      EXPECT_EQ(ev[i].growth, ev[i - 1].kind);
      EXPECT_EQ(ev[i].old_B, ev[i - 1].old_B);
      EXPECT_EQ(ev[i].new_B, ev[i - 1].new_B);
      EXPECT_GE(ev[i].time_ns, ev[i - 1].time_ns);
      EXPECT_EQ(ev[i].duration_ns, ev[i].time_ns - ev[i - 1].time_ns);
    }
  }
}

TEST(GrowthEvents, no_observer_leaves_no_state_in_the_map) {
  static_assert(!gomap::no_observer::enabled);
  static_assert(gomap::growth_observer<gomap::ring_observer>);
  // The enabled observer carries a clock (start time, operations); the
  // default one carries nothing.
  EXPECT_LT(sizeof(gomap::map<u64, u64>), sizeof(recorded_map<>));
}

TEST(GrowthEvents, doubling_from_empty_reports_go_sizes_and_spans) {
  std::vector<growth_event> ev;
  recorded_map<> m;
  m.observer().out = &ev;
  u64 inserts_while_growing = 0;  // inserts that started a growth or found one running
  auto insert = [&](u64 k) {
    const bool was_growing = m.stats().growing;
    const std::size_t e0 = ev.size();
    m.emplace(k, k);
    inserts_while_growing += was_growing || (ev.size() > e0 && is_start(ev[e0]));
  };
  for (u64 k = 0; k < 20000; ++k) insert(k);
  const std::size_t before = ev.size();
  m.emplace(1, 1);  // present: no event, no growth work
  EXPECT_EQ(ev.size(), before);
  for (u64 k = 1000000; m.stats().growing; ++k) insert(k);
  expect_well_formed(ev);
  const gomap::map_stats s = m.stats();
  ASSERT_EQ(ev.size(), 2 * s.growths);
  ASSERT_GE(s.growths, 11u);
  u64 ops = 0;
  for (std::size_t i = 0; i < ev.size(); i += 2) {
    SCOPED_TRACE(i);
    const growth_event& start = ev[i];
    const growth_event& end = ev[i + 1];
    EXPECT_EQ(start.kind, growth_event_kind::grow_start);
    EXPECT_EQ(start.old_B, i / 2) << "a map without a hint starts at B = 0 and doubles one step at a time";
    EXPECT_EQ(start.new_B, start.old_B + 1);
    // The insert of key number count+1 overloads 2^B buckets: Go's trigger.
    EXPECT_FALSE(gotest::go_over_load_factor(start.entries, start.old_B));
    EXPECT_TRUE(gotest::go_over_load_factor(start.entries + 1, start.old_B));
    // Every insert during the growth evacuates at least one old bucket.
    EXPECT_GE(end.operations, 1u);
    EXPECT_LE(end.operations, u64{1} << start.old_B);
    // The growth ends inside its last insert, before that entry is counted.
    EXPECT_EQ(end.entries + 1, start.entries + end.operations) << "only new keys were inserted";
    ops += end.operations;
  }
  EXPECT_EQ(ops, inserts_while_growing) << "operations counts exactly the inserts made while growing";
}

TEST(GrowthEvents, same_size_growth_reports_the_overflow_it_compacts) {
  using gotest::placed;
  std::vector<growth_event> ev;
  recorded_map<gotest::placed_hash> m(100);  // B = 4
  m.observer().out = &ev;
  for (u64 j = 0; j < 16; ++j) {
    for (u64 t = 10; t < 19; ++t) m.emplace(placed(j, t), t);
    for (u64 t = 11; t < 19; ++t) m.erase(placed(j, t));
  }
  ASSERT_TRUE(ev.empty());
  m.emplace(placed(0, 100), 0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, growth_event_kind::same_size_grow_start);
  EXPECT_EQ(ev[0].old_B, 4u);
  EXPECT_EQ(ev[0].new_B, 4u);
  EXPECT_EQ(ev[0].entries, 16u);
  EXPECT_EQ(ev[0].overflow_buckets, 16u);
  for (u64 i = 0; i < 16 && m.stats().growing; ++i) m.emplace(placed(i, 101), i);
  ASSERT_EQ(ev.size(), 2u);
  expect_well_formed(ev);
  EXPECT_EQ(ev[1].growth, growth_event_kind::same_size_grow_start);
  EXPECT_EQ(ev[1].overflow_buckets, 0u) << "the chains were compacted";
  EXPECT_EQ(ev[1].entries + 1, m.size());
  EXPECT_EQ(ev[1].entries + 1, 16u + ev[1].operations);
}

TEST(GrowthEvents, shrink_after_mass_erase_reports_the_smaller_array) {
  std::vector<growth_event> ev;
  recorded_map<> m;
  m.observer().out = &ev;
  for (u64 k = 0; k < 10000; ++k) m.emplace(k, k);
  for (u64 k = 1u << 30; m.stats().growing; ++k) m.emplace(k, 0);
  const unsigned big_B = m.stats().B;
  for (u64 k = 0; k < 10000; ++k)
    if (k >= 100) m.erase(k);
  ev.clear();
  m.emplace(u64{1} << 40, 0);  // the next insert of a new key starts the shrink
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].kind, growth_event_kind::shrink_start);
  EXPECT_EQ(ev[0].old_B, big_B);
  EXPECT_LT(ev[0].new_B, big_B);
  EXPECT_EQ(ev[0].entries, 100u);
  for (u64 k = 0; m.stats().growing && k < 10000; ++k) m.emplace((u64{1} << 41) + k, 0);
  ASSERT_EQ(ev.size(), 2u);
  expect_well_formed(ev);
  EXPECT_EQ(ev[1].growth, growth_event_kind::shrink_start);
  EXPECT_EQ(m.stats().shrinks, 1u);
}

TEST(GrowthEvents, reserve_runs_growths_that_span_no_insert) {
  std::vector<growth_event> ev;
  recorded_map<> m;
  m.observer().out = &ev;
  for (u64 k = 0; k < 100; ++k) m.emplace(k, k);
  ev.clear();
  m.reserve(100000);  // several doublings, each evacuated at once
  ASSERT_GE(ev.size(), 2u);
  expect_well_formed(ev);
  for (std::size_t i = 1; i < ev.size(); i += 2) EXPECT_EQ(ev[i].operations, 0u);
  EXPECT_EQ(ev.back().new_B, m.stats().B);
}

TEST(GrowthEvents, ring_observer_records_what_the_map_reports) {
  using ring_map = gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>,
                              std::allocator<std::pair<const u64, u64>>, gomap::ring_observer>;
  auto ring = std::make_shared<gomap::event_ring>(256);
  ring_map m;
  m.observer() = gomap::ring_observer(ring);
  for (u64 k = 0; k < 50000; ++k) m.emplace(k, k);
  std::vector<growth_event> ev;
  ring->drain([&](const growth_event& e) { ev.push_back(e); });
  expect_well_formed(ev);
  const gomap::map_stats s = m.stats();
  EXPECT_EQ(ev.size(), 2 * s.growths - (s.growing ? 1 : 0));
  EXPECT_EQ(ring->dropped(), 0u);
  EXPECT_EQ(ring->recorded(), ev.size());

  // A copy shares the ring: its growths land there too.
  ring_map copy = m;
  EXPECT_EQ(copy.observer().ring(), ring);
  for (u64 k = 0; k < 50000 && !copy.stats().growing; ++k) copy.emplace(1000000 + k, k);
  std::size_t more = ring->drain([&](const growth_event& e) { EXPECT_NE(e.map, ev[0].map); });
  EXPECT_GE(more, 1u);
}

TEST(GrowthEvents, tee_observer_feeds_both_sides) {
  std::vector<growth_event> a, b;
  using tee = gomap::tee_observer<recording_observer, recording_observer>;
  gomap::set<u64, gomap::hash<u64>, gomap::default_equal<u64>, std::allocator<u64>, tee> s;
  s.observer().first().out = &a;
  s.observer().second().out = &b;
  for (u64 k = 0; k < 1000; ++k) s.insert(k);
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind);
    EXPECT_EQ(a[i].time_ns, b[i].time_ns);
  }
  static_assert(gomap::tee_observer<gomap::no_observer, gomap::no_observer>::enabled == false);
}

}  // namespace

// tests/observe/test_ring_buffer.cpp: the event ring never blocks, drops
// (and counts) when full, loses and duplicates nothing under concurrent
// producers, and its reader thread delivers everything before it stops.
// Run under TSan too (ctest -L tsan with the tsan preset).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/observe/ring_buffer_observer.hpp>

// Counts this thread's allocations, to prove the map's side of the ring
// allocates nothing. (GCC flags free() on memory from operator new once both
// are inlined, not knowing this operator new is malloc.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
thread_local long allocations = 0;
}  // namespace
void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using gomap::event_ring;
using gomap::growth_event;
using u64 = std::uint64_t;

// Producer p's n-th event: `map` names the producer, `entries` the sequence.
growth_event numbered(std::uintptr_t producer, u64 seq) {
  growth_event e;
  e.map = reinterpret_cast<const void*>(producer);
  e.entries = seq;
  e.operations = seq * 7 + producer;  // a second field, to catch torn copies
  return e;
}

TEST(EventRing, capacity_rounds_up_to_a_power_of_two) {
  EXPECT_EQ(event_ring(1).capacity(), 2u);
  EXPECT_EQ(event_ring(5).capacity(), 8u);
  EXPECT_EQ(event_ring(1024).capacity(), 1024u);
  EXPECT_EQ(event_ring(1025).capacity(), 2048u);
}

TEST(EventRing, full_ring_drops_and_counts_instead_of_waiting) {
  event_ring ring(8);
  for (u64 i = 0; i < 8; ++i) EXPECT_TRUE(ring.try_push(numbered(1, i)));
  for (u64 i = 8; i < 13; ++i) EXPECT_FALSE(ring.try_push(numbered(1, i)));
  EXPECT_EQ(ring.dropped(), 5u);
  EXPECT_EQ(ring.recorded(), 8u);
  std::vector<u64> got;
  EXPECT_EQ(ring.drain([&](const growth_event& e) { got.push_back(e.entries); }), 8u);
  EXPECT_EQ(got, (std::vector<u64>{0, 1, 2, 3, 4, 5, 6, 7})) << "oldest first; the dropped ones are the newest";
  growth_event e;
  EXPECT_FALSE(ring.try_pop(e));
  EXPECT_TRUE(ring.try_push(numbered(1, 99))) << "room again once drained";
  EXPECT_EQ(ring.dropped(), 5u);
}

TEST(EventRing, producer_side_never_allocates) {
  auto ring = std::make_shared<event_ring>(16);
  gomap::ring_observer obs(ring);
  const long before = allocations;
  for (u64 i = 0; i < 1000; ++i) obs.on_growth_event(numbered(1, i));  // fills, then drops
  EXPECT_EQ(allocations, before);
  EXPECT_EQ(ring->recorded(), 16u);
  EXPECT_EQ(ring->dropped(), 1000u - 16u);
}

TEST(EventRing, keeps_order_over_many_laps) {
  event_ring ring(4);
  u64 next_in = 0, next_out = 0;
  for (int lap = 0; lap < 1000; ++lap) {
    const u64 n = 1 + lap % 4;
    for (u64 i = 0; i < n; ++i) ASSERT_TRUE(ring.try_push(numbered(2, next_in++)));
    ring.drain([&](const growth_event& e) {
      EXPECT_EQ(e.entries, next_out);
      EXPECT_EQ(e.operations, next_out * 7 + 2);
      ++next_out;
    });
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(ring.dropped(), 0u);
}

TEST(EventRing, drain_stops_at_max) {
  event_ring ring(16);
  for (u64 i = 0; i < 10; ++i) ring.try_push(numbered(1, i));
  EXPECT_EQ(ring.drain([](const growth_event&) {}, 3), 3u);
  EXPECT_EQ(ring.drain([](const growth_event&) {}), 7u);
}

// Several producers and one consumer at once: every event is either
// delivered exactly once, in its producer's order, or counted as dropped.
TEST(EventRing, concurrent_producers_lose_and_duplicate_nothing) {
  constexpr unsigned producers = 4;
  constexpr u64 per_producer = 20000;
  event_ring ring(64);  // small: the producers overrun it, so drops happen
  std::atomic<unsigned> done{0};
  std::vector<std::vector<u64>> seen(producers + 1);
  std::thread consumer([&] {
    auto take = [&](const growth_event& e) {
      seen[reinterpret_cast<std::uintptr_t>(e.map)].push_back(e.entries);
      EXPECT_EQ(e.operations, e.entries * 7 + reinterpret_cast<std::uintptr_t>(e.map));
    };
    while (done.load(std::memory_order_acquire) < producers) ring.drain(take);
    ring.drain(take);
  });
  std::vector<std::thread> threads;
  for (unsigned p = 1; p <= producers; ++p)
    threads.emplace_back([&, p] {
      for (u64 i = 0; i < per_producer; ++i) ring.try_push(numbered(p, i));
      done.fetch_add(1, std::memory_order_release);
    });
  for (auto& t : threads) t.join();
  consumer.join();

  u64 delivered = 0;
  for (unsigned p = 1; p <= producers; ++p) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(std::is_sorted(seen[p].begin(), seen[p].end()));
    EXPECT_EQ(std::adjacent_find(seen[p].begin(), seen[p].end()), seen[p].end()) << "an event came out twice";
    delivered += seen[p].size();
  }
  EXPECT_EQ(delivered + ring.dropped(), producers * per_producer);
  EXPECT_EQ(ring.recorded(), delivered);
}

TEST(RingReader, delivers_everything_recorded_before_it_stops) {
  auto ring = std::make_shared<event_ring>(1 << 12);
  std::vector<u64> got;  // touched only by the reader thread until stop() returns
  gomap::ring_reader reader(
      ring, [&](const growth_event& e) { got.push_back(e.entries); }, std::chrono::milliseconds(1));
  for (u64 i = 0; i < 3000; ++i) ASSERT_TRUE(ring->try_push(numbered(1, i)));
  reader.stop();
  reader.stop();  // idempotent
  ASSERT_EQ(got.size(), 3000u);
  for (u64 i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], i);
  EXPECT_EQ(reader.delivered(), 3000u);
}

// Maps on several threads share one ring; a reader drains it meanwhile.
TEST(RingReader, maps_on_several_threads_share_one_ring) {
  using ring_map = gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>,
                              std::allocator<std::pair<const u64, u64>>, gomap::ring_observer>;
  auto ring = std::make_shared<event_ring>(1024);
  std::atomic<u64> starts{0}, ends{0};
  u64 expected_starts = 0, expected_ends = 0;
  {
    gomap::ring_reader reader(ring, [&](const growth_event& e) {
      (e.kind == gomap::growth_event_kind::grow_end ? ends : starts).fetch_add(1, std::memory_order_relaxed);
    });
    constexpr int threads = 3;
    std::vector<gomap::map_stats> final_stats(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        ring_map m;
        m.observer() = gomap::ring_observer(ring);
        for (u64 k = 0; k < 30000; ++k) m.emplace(k * 3 + t, k);
        final_stats[t] = m.stats();
      });
    for (auto& t : ts) t.join();
    for (const auto& s : final_stats) {
      expected_starts += s.growths;
      expected_ends += s.growths - (s.growing ? 1 : 0);
    }
  }  // the reader stops here, after a last drain
  EXPECT_EQ(ring->dropped(), 0u);
  EXPECT_EQ(starts.load(), expected_starts);
  EXPECT_EQ(ends.load(), expected_ends);
}

}  // namespace

// tests/concurrent/test_visitor_reentry.cpp: built with GOMAP_DEBUG=1, a
// visitor that calls a member of the sharded_map it is visiting stops the
// process with a message naming the misuse and the fix (in a release build
// the same call deadlocks on the shard lock, or corrupts the shard).
#include <cstdint>

#include <gtest/gtest.h>

#include <gomap/sharded_map.hpp>

#if !defined(GOMAP_DEBUG) || !GOMAP_DEBUG
#error "this test checks a debug-mode diagnostic: build it with -DGOMAP_DEBUG=1"
#endif

namespace {

using map_t = gomap::sharded_map<std::uint64_t, std::uint64_t>;
constexpr const char* message = "a visitor called a member of the map it is visiting";

void fill(map_t& m) {
  for (std::uint64_t k = 0; k < 100; ++k) m.insert({k, k});
}

TEST(VisitorReentryDeathTest, visit_calling_size_dies) {
  EXPECT_DEATH(
      {
        map_t m;
        fill(m);
        m.visit(1, [&](auto&) { (void)m.size(); });
      },
      message);
}

TEST(VisitorReentryDeathTest, cvisit_all_calling_insert_dies) {
  EXPECT_DEATH(
      {
        map_t m;
        fill(m);
        m.cvisit_all([&](const auto& kv) { m.insert({kv.first + 1000, 0}); });
      },
      message);
}

TEST(VisitorReentryDeathTest, erase_if_calling_contains_dies) {
  EXPECT_DEATH(
      {
        map_t m;
        fill(m);
        m.erase_if([&](auto& kv) { return m.contains(kv.first + 1); });
      },
      message);
}

TEST(VisitorReentryDeathTest, insert_or_visit_calling_visit_dies) {
  EXPECT_DEATH(
      {
        map_t m;
        fill(m);
        m.insert_or_visit({1, 0}, [&](auto&) { m.visit(2, [](auto&) {}); });
      },
      message);
}

// Visiting another map from a visitor is allowed, and the marker is gone
// once the visit returns.
TEST(VisitorReentry, other_maps_and_later_calls_are_fine) {
  map_t a, b;
  fill(a);
  fill(b);
  std::uint64_t sum = 0;
  a.cvisit_all([&](const auto& kv) { b.cvisit(kv.first, [&](const auto& kv2) { sum += kv2.second; }); });
  EXPECT_EQ(sum, 4950u);
  a.visit(1, [](auto&) {});
  EXPECT_EQ(a.size(), 100u);
}

}  // namespace

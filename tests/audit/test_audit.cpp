// tests/audit/test_audit.cpp: <gomap/audit.hpp>, the run-time twin of the
// gomap-unsized-map-fill check (docs/lint-and-audit.md). The audit is
// process-wide, so every test starts with reset() and reads only its own sites.
#include <gomap/audit.hpp>
#include <gomap/map.hpp>
#include <gomap/observe/op_latency.hpp>
#include <gomap/set.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using u64 = std::uint64_t;

class Audit : public ::testing::Test {
 protected:
  void SetUp() override {
    gomap::audit::disable();
    gomap::audit::reset();
  }
  void TearDown() override { gomap::audit::disable(); }
};

// The report's site created at this file's `line`, if any.
std::optional<gomap::audit::site> site_at(const gomap::audit::report_table& t, int line) {
  const std::string needle = "test_audit.cpp:" + std::to_string(line) + " ";
  for (const auto& s : t.sites)
    if (s.where.find(needle) != std::string::npos) return s;
  return std::nullopt;
}

template <class M>
void fill(M& m, u64 n, u64 base = 0) {
  for (u64 k = 0; k < n; ++k) m[base + k] = k;
}

TEST_F(Audit, off_by_default_samples_nothing) {
  ASSERT_FALSE(gomap::audit::enabled());
  {
    gomap::map<u64, u64> m;
    fill(m, 1000);
  }
  const auto t = gomap::audit::report();
  EXPECT_EQ(t.sampled, 0u);
  EXPECT_EQ(t.every, 0u);
  EXPECT_TRUE(t.sites.empty());
}

TEST_F(Audit, enable_zero_is_rejected_with_a_message) {
  EXPECT_THROW(gomap::audit::enable(0), std::invalid_argument);
  EXPECT_FALSE(gomap::audit::enabled());
}

TEST_F(Audit, samples_one_in_every_maps_constructed) {
  gomap::audit::enable(10);
  std::vector<gomap::map<u64, u64>> maps(95);  // 10 sampled: the 1st, 11th, ... 91st
  EXPECT_EQ(gomap::audit::report().sampled, 10u);
  for (int i = 0; i < 5; ++i) gomap::set<u64> s;  // the 96th..100th: none sampled
  EXPECT_EQ(gomap::audit::report().sampled, 10u);
  gomap::set<u64> s;  // the 101st
  EXPECT_EQ(gomap::audit::report().sampled, 11u);
}

TEST_F(Audit, copies_and_moves_are_not_sampled) {
  gomap::audit::enable(1);
  gomap::map<u64, u64> a;
  fill(a, 100);
  gomap::map<u64, u64> b(a);
  gomap::map<u64, u64> c(std::move(b));
  EXPECT_EQ(gomap::audit::report().sampled, 1u);
}

TEST_F(Audit, records_the_creation_site_growths_from_empty_and_peak) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 1;
  gomap::map<u64, u64> m;
  fill(m, 1000);
  for (u64 k = 0; k < 600; ++k) m.erase(k);  // the peak stays 1000

  const auto t = gomap::audit::report();
  const auto s = site_at(t, line);
  ASSERT_TRUE(s) << t.to_string();
  // The always-on counter counts the same doublings: 0 -> B = 8 for 1000 entries.
  EXPECT_EQ(m.stats().growths, 8u);
  EXPECT_EQ(s->growths, 8u);
  EXPECT_EQ(s->max_growths, 8u);
  EXPECT_EQ(s->peak, 1000u);
  EXPECT_EQ(s->suggested_reserve, 1000u);
  EXPECT_EQ(s->maps, 1u);
  EXPECT_EQ(s->live, 1u);
  EXPECT_EQ(s->maps_grown, 1u);
  EXPECT_EQ(s->max_hint, 0u);
  // Each doubling evacuates what the map held when it started: 8 + 13 + 26 + ... + 832.
  EXPECT_EQ(s->moved, 8u + 13 + 26 + 52 + 104 + 208 + 416 + 832);
  EXPECT_GT(s->grow_ns, 0u);
  EXPECT_NE(s->where.find(" in "), std::string::npos) << s->where;  // function name symbolized
  EXPECT_NE(t.to_string().find("reserve(1000)"), std::string::npos) << t.to_string();
}

TEST_F(Audit, the_suggested_reserve_avoids_every_growth) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 1;
  gomap::map<u64, u64> first;
  fill(first, 5000);
  const auto s = site_at(gomap::audit::report(), line);
  ASSERT_TRUE(s);
  gomap::map<u64, u64> second;
  second.reserve(s->suggested_reserve);
  fill(second, 5000);
  EXPECT_EQ(second.stats().growths, 0u);
}

TEST_F(Audit, hinted_maps_that_do_not_grow_are_not_reported) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 1;
  gomap::map<u64, u64> m(1000);
  fill(m, 1000);
  const auto t = gomap::audit::report();
  EXPECT_EQ(t.sampled, 1u);
  EXPECT_FALSE(site_at(t, line)) << t.to_string();
}

TEST_F(Audit, a_hint_too_small_is_reported_with_the_hint) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 1;
  gomap::map<u64, u64> m(100);
  fill(m, 1000);
  const auto s = site_at(gomap::audit::report(), line);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->max_hint, 100u);
  EXPECT_EQ(s->growths, m.stats().growths);
  EXPECT_EQ(s->suggested_reserve, 1000u);
}

TEST_F(Audit, sets_are_audited_too) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 1;
  gomap::set<u64> s;
  for (u64 k = 0; k < 300; ++k) s.insert(k);
  const auto r = site_at(gomap::audit::report(), line);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->peak, 300u);
  EXPECT_EQ(r->growths, s.stats().growths);
}

// A map inside another gomap type (op_timed, std containers of maps): the
// site is still the user's line, past gomap's and the standard library's frames.
TEST_F(Audit, the_site_is_past_gomap_and_std_frames) {
  gomap::audit::enable(1);
  const int timed_line = __LINE__ + 1;
  gomap::op_timed<gomap::map<u64, u64>> timed;
  fill(timed, 100);
  const int vector_line = __LINE__ + 1;
  std::vector<gomap::map<u64, u64>> maps(2);
  fill(maps[1], 100);
  const auto t = gomap::audit::report();
  EXPECT_TRUE(site_at(t, timed_line)) << t.to_string();
  EXPECT_TRUE(site_at(t, vector_line)) << t.to_string();
}

TEST_F(Audit, a_map_destroyed_before_the_report_keeps_its_record) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 2;
  for (int i = 0; i < 3; ++i) {
    gomap::map<u64, u64> m;
    fill(m, 200 * (i + 1));
  }
  const auto t = gomap::audit::report();
  const auto s = site_at(t, line);
  ASSERT_TRUE(s) << t.to_string();
  EXPECT_EQ(s->maps, 3u);
  EXPECT_EQ(s->live, 0u);
  EXPECT_EQ(s->maps_grown, 3u);
  EXPECT_EQ(s->peak, 600u);  // the largest of the three
  EXPECT_EQ(s->suggested_reserve, 600u);
}

// The record stays with the map object: assigning another map's contents to
// a sampled map keeps it sampled, and its peak counts what it then held.
TEST_F(Audit, a_sampled_map_assigned_to_keeps_its_record_and_peak) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 2;
  {
    gomap::map<u64, u64> sampled;
    gomap::audit::disable();
    gomap::map<u64, u64> other;
    fill(other, 100);
    sampled = other;  // a copy sized for 100, swapped in
    fill(sampled, 300, 1000);
    EXPECT_EQ(sampled.size(), 400u);
  }
  const auto t = gomap::audit::report();
  const auto s = site_at(t, line);
  ASSERT_TRUE(s) << t.to_string();
  EXPECT_EQ(s->maps, 1u);
  EXPECT_EQ(s->peak, 400u);
  EXPECT_GE(s->growths, 1u);
}

TEST_F(Audit, disable_stops_sampling_but_sampled_maps_keep_recording) {
  gomap::audit::enable(1);
  const int line = __LINE__ + 1;
  gomap::map<u64, u64> sampled;
  gomap::audit::disable();
  EXPECT_FALSE(gomap::audit::enabled());
  const int unsampled_line = __LINE__ + 1;
  gomap::map<u64, u64> unsampled;
  fill(sampled, 500);
  fill(unsampled, 500);
  const auto t = gomap::audit::report();
  EXPECT_EQ(t.sampled, 1u);
  ASSERT_TRUE(site_at(t, line)) << t.to_string();
  EXPECT_EQ(site_at(t, line)->peak, 500u);
  EXPECT_FALSE(site_at(t, unsampled_line));
}

TEST_F(Audit, sites_are_listed_worst_first) {
  gomap::audit::enable(1);
  const int small_line = __LINE__ + 1;
  gomap::map<u64, u64> small;
  const int big_line = __LINE__ + 1;
  gomap::map<u64, u64> big;
  fill(small, 100);
  fill(big, 20000);
  const auto t = gomap::audit::report();
  ASSERT_GE(t.sites.size(), 2u);
  EXPECT_TRUE(site_at(t, big_line));
  EXPECT_TRUE(site_at(t, small_line)) << t.to_string();
  EXPECT_NE(t.sites[0].where.find("test_audit.cpp:" + std::to_string(big_line)), std::string::npos) << t.to_string();
  for (std::size_t i = 1; i < t.sites.size(); ++i) EXPECT_GE(t.sites[i - 1].moved, t.sites[i].moved);
}

TEST_F(Audit, reset_forgets_figures_and_restarts_the_count) {
  gomap::audit::enable(1);
  {
    gomap::map<u64, u64> m;
    fill(m, 100);
  }
  ASSERT_FALSE(gomap::audit::report().sites.empty());
  gomap::audit::reset();
  const auto t = gomap::audit::report();
  EXPECT_TRUE(t.sites.empty()) << t.to_string();
  EXPECT_EQ(t.sampled, 0u);
}

// Sampled maps created, grown and destroyed on several threads while others
// report, enable and disable: the registry's locking under TSan.
TEST_F(Audit, concurrent_construction_and_report) {
  gomap::audit::enable(3);
  constexpr int threads = 4, maps_each = 150;
  std::atomic<bool> done{false};
  std::thread reporter([&] {
    while (!done.load()) {
      const auto t = gomap::audit::report();
      for (const auto& s : t.sites) EXPECT_LE(s.maps_grown, s.maps);
    }
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w)
    workers.emplace_back([w] {
      std::vector<std::unique_ptr<gomap::map<u64, u64>>> keep;
      for (int i = 0; i < maps_each; ++i) {
        auto m = std::make_unique<gomap::map<u64, u64>>();
        fill(*m, 50 + i, u64(w) << 32);
        if (i % 2) keep.push_back(std::move(m));  // half die now, half at the end
      }
    });
  for (auto& t : workers) t.join();
  done = true;
  reporter.join();
  const auto t = gomap::audit::report();
  // A global 1-in-3 count over 600 constructions samples exactly 200.
  EXPECT_EQ(t.sampled, 200u);
  u64 maps = 0;
  for (const auto& s : t.sites) maps += s.maps;
  EXPECT_EQ(maps, 200u);  // every sampled map grew (50+ entries from empty)
  for (const auto& s : t.sites) EXPECT_EQ(s.live, 0u);
}

}  // namespace

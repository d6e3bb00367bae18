// tests/observe/test_op_latency.cpp: op_timed<Map> and the
// gomap_op_duration_seconds histogram (docs/observability.md): every op kind
// lands under its label, 1 in N calls per thread is timed, the wrapped map
// behaves as the map, and readers on several threads record without races
// (label tsan).
#include <cstdint>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/observe/op_latency.hpp>
#include <gomap/observe/prometheus.hpp>

namespace {

using u64 = std::uint64_t;

// The value of the sample `series` (the full name and labels) in `body`, or -1.
double sample_value(const std::string& body, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const auto at = body.find(needle);
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + needle.size()));
}

std::string count_series(const std::string& map, const std::string& op) {
  return "gomap_op_duration_seconds_count{map=\"" + map + "\",op=\"" + op + "\"}";
}

// Runs f on a fresh thread: its 1-in-N countdown starts from the beginning.
template <class F>
void on_fresh_thread(F f) {
  std::thread t(f);
  t.join();
}

TEST(OpLatency, every_kind_of_operation_lands_under_its_label) {
  gomap::metrics_registry reg;
  gomap::op_timed<gomap::map<u64, u64>> m;
  auto r = reg.add("m", m);
  m.time_into(r.op_recorder(), 1);
  on_fresh_thread([&] {
    for (u64 k = 0; k < 100; ++k) m.insert({k, k});        // 100 inserts
    for (u64 k = 100; k < 110; ++k) m.emplace(k, k);       // 10
    for (u64 k = 110; k < 115; ++k) m.try_emplace(k, k);   // 5
    for (u64 k = 0; k < 5; ++k) m.insert_or_assign(k, 7);  // 5
    for (u64 k = 0; k < 3; ++k) m[k] += 1;                 // 3
    u64 hits = 0;
    for (u64 k = 0; k < 200; ++k) hits += m.find(k) != m.end();  // 200 finds
    for (u64 k = 0; k < 20; ++k) hits += m.contains(k) + m.count(k);  // 40
    EXPECT_EQ(m.at(0), 8u);                                 // 1
    EXPECT_EQ(hits, 115u + 40u);
    for (u64 k = 0; k < 50; ++k) m.erase(k);               // 50 erases
  });
  const std::string body = reg.render();
  EXPECT_EQ(sample_value(body, count_series("m", "insert")), 123) << body;
  EXPECT_EQ(sample_value(body, count_series("m", "find")), 241) << body;
  EXPECT_EQ(sample_value(body, count_series("m", "erase")), 50) << body;
  // Cumulative buckets end at +Inf with the count; the sum is positive.
  EXPECT_EQ(sample_value(body, "gomap_op_duration_seconds_bucket{map=\"m\",op=\"find\",le=\"+Inf\"}"), 241);
  EXPECT_GT(sample_value(body, "gomap_op_duration_seconds_sum{map=\"m\",op=\"find\"}"), 0);
  double prev = 0;
  for (const char* le : {"5e-08", "1e-06", "0.0001", "0.1", "+Inf"}) {
    const double v =
        sample_value(body, std::string("gomap_op_duration_seconds_bucket{map=\"m\",op=\"insert\",le=\"") + le + "\"}");
    EXPECT_GE(v, prev) << le;
    prev = v;
  }
  // The wrapped map is the map: semantics unchanged.
  EXPECT_EQ(m.size(), 65u);
  EXPECT_EQ(m.at(60), 60u);
}

TEST(OpLatency, times_one_call_in_every_per_thread) {
  gomap::metrics_registry reg;
  gomap::op_timed<gomap::map<u64, u64>> m;
  auto r = reg.add("m", m);
  m.time_into(r.op_recorder(), 4);
  on_fresh_thread([&] {
    for (u64 k = 0; k < 400; ++k) m[k] = k;
  });
  on_fresh_thread([&] {
    for (u64 k = 0; k < 40; ++k) (void)m.find(k);
  });
  const std::string body = reg.render();
  // A fresh thread's first call is timed, then every 4th.
  EXPECT_EQ(sample_value(body, count_series("m", "insert")), 100) << body;
  EXPECT_EQ(sample_value(body, count_series("m", "find")), 10) << body;
}

TEST(OpLatency, nothing_is_rendered_without_a_recorder) {
  gomap::metrics_registry reg;
  gomap::op_timed<gomap::map<u64, u64>> m;
  auto r = reg.add("m", m);
  for (u64 k = 0; k < 100; ++k) m[k] = k;
  const std::string body = reg.render();
  EXPECT_EQ(body.find("gomap_op_duration_seconds"), std::string::npos) << body;
  EXPECT_EQ(m.size(), 100u);
  EXPECT_THROW(m.time_into(r.op_recorder(), 0), std::invalid_argument);
}

TEST(OpLatency, wraps_a_std_unordered_map_too) {
  gomap::metrics_registry reg;
  gomap::op_timed<std::unordered_map<std::string, int>> m;
  auto r = reg.add("std");  // no stats() to publish: the histogram alone
  m.time_into(r.op_recorder(), 1);
  on_fresh_thread([&] {
    m["a"] = 1;
    m.emplace("b", 2);
    EXPECT_TRUE(m.contains("a"));
    EXPECT_EQ(m.erase("b"), 1u);
  });
  const std::string body = reg.render(gomap::exposition_format::openmetrics);
  EXPECT_EQ(sample_value(body, count_series("std", "insert")), 2) << body;
  EXPECT_EQ(sample_value(body, count_series("std", "find")), 1) << body;
  EXPECT_EQ(sample_value(body, count_series("std", "erase")), 1) << body;
  EXPECT_NE(body.find("# UNIT gomap_op_duration_seconds seconds"), std::string::npos) << body;
}

// Readers on four threads time their finds into one histogram.
TEST(OpLatency, concurrent_readers_record_every_timed_find) {
  gomap::metrics_registry reg;
  gomap::op_timed<gomap::map<u64, u64>> m;
  for (u64 k = 0; k < 1000; ++k) m.emplace(k, k);
  auto r = reg.add("m", m);
  m.time_into(r.op_recorder(), 1);
  const auto& cm = m;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      u64 hits = 0;
      for (u64 k = 0; k < 2000; ++k) hits += cm.find(k) != cm.end();
      EXPECT_EQ(hits, 1000u);
    });
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) (void)reg.render();
  });
  for (auto& t : readers) t.join();
  scraper.join();
  EXPECT_EQ(sample_value(reg.render(), count_series("m", "find")), 8000);
}

}  // namespace

// tests/observe/test_prometheus.cpp: the exposition's exact bytes (golden
// files, both formats), what each figure is, and the registry's lifetime and
// threading rules: a destroyed map's series vanish, nothing dangles, and
// rendering on one thread while owners write and publish on others is clean
// (run under TSan too: ctest -L tsan with the tsan preset).
//
// Set GOMAP_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate
// change, then read the diff.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/observe/prometheus.hpp>
#include <gomap/observe/ring_buffer_observer.hpp>

namespace {

using gomap::exposition_format;
using gomap::growth_event;
using gomap::growth_event_kind;
using gomap::metrics_registry;
using u64 = std::uint64_t;

template <class O>
using observed_map =
    gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>, std::allocator<std::pair<const u64, u64>>, O>;
using metered_map = observed_map<gomap::metrics_observer>;

std::string golden_path(const std::string& name) { return std::string(GOMAP_OBSERVE_GOLDEN_DIR) + "/" + name; }

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  if (const char* u = std::getenv("GOMAP_UPDATE_GOLDEN"); u && *u == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), actual) << "the exposition changed; if on purpose, rerun with GOMAP_UPDATE_GOLDEN=1";
}

growth_event event(growth_event_kind kind, growth_event_kind growth, unsigned old_B, unsigned new_B,
                   u64 duration_ns = 0) {
  growth_event e;
  e.kind = kind;
  e.growth = growth;
  e.old_B = old_B;
  e.new_B = new_B;
  e.duration_ns = duration_ns;
  return e;
}

// Three maps with every kind of figure, fed by hand so the bytes are fixed:
//  - "orders": published only (counters from its snapshot), mid-growth;
//  - "sessions": published and observed (live counters, the histogram);
//  - a name that needs escaping, published only, empty.
struct sample_registry {
  metrics_registry reg;
  gomap::metrics_registration orders = reg.add("orders");
  gomap::metrics_registration sessions = reg.add("sessions");
  gomap::metrics_registration odd = reg.add("a \"quoted\\name\"\nline2");

  sample_registry() {
    gomap::map_stats o;
    o.size = 106497;
    o.B = 15;
    o.bucket_count = 32768;
    o.overflow_buckets = 321;
    o.growing = true;
    o.old_bucket_count = 16384;
    o.evacuated = 4000;
    o.tombstones = 12;
    o.growths = 14;
    o.same_size_growths = 1;
    o.bytes_allocated = 7340032;
    orders.publish(o);

    gomap::map_stats s;
    s.size = 26;
    s.B = 2;
    s.bucket_count = 4;
    s.bytes_allocated = 4096;
    s.growths = 2;
    s.shrinks = 1;
    sessions.publish(s);
    gomap::metrics_observer ob = sessions.observer();
    using k = growth_event_kind;
    ob.on_growth_event(event(k::grow_start, k::grow_start, 0, 1));
    ob.on_growth_event(event(k::grow_end, k::grow_start, 0, 1, 50'000));  // 50 us
    ob.on_growth_event(event(k::grow_start, k::grow_start, 1, 2));
    ob.on_growth_event(event(k::grow_end, k::grow_start, 1, 2, 2'500'000));  // 2.5 ms
    ob.on_growth_event(event(k::shrink_start, k::shrink_start, 6, 2));
    ob.on_growth_event(event(k::grow_end, k::shrink_start, 6, 2, 3'000'000'000));  // 3 s
    ob.on_growth_event(event(k::same_size_grow_start, k::same_size_grow_start, 2, 2));
    ob.on_growth_event(event(k::grow_end, k::same_size_grow_start, 2, 2, 1'000'000'000));  // 1 s: on a bound
    ob.on_growth_event(event(k::grow_start, k::grow_start, 2, 3));                         // in progress

    odd.publish(gomap::map_stats{});
  }
};

TEST(PrometheusExposition, text_format_bytes_match_the_golden_file) {
  sample_registry r;
  expect_golden("registry.prom", r.reg.render(exposition_format::prometheus_text));
}

TEST(PrometheusExposition, openmetrics_bytes_match_the_golden_file) {
  sample_registry r;
  expect_golden("registry.openmetrics", r.reg.render(exposition_format::openmetrics));
}

TEST(PrometheusExposition, empty_registry_renders_an_empty_exposition) {
  metrics_registry reg;
  EXPECT_EQ(reg.render(exposition_format::prometheus_text), "");
  EXPECT_EQ(reg.render(exposition_format::openmetrics), "# EOF\n");
  auto unpublished = reg.add("nothing_yet");
  EXPECT_EQ(reg.render(), "") << "a name with nothing published renders nothing";
}

TEST(PrometheusExposition, content_types_name_the_format_versions) {
  EXPECT_STREQ(gomap::content_type(exposition_format::prometheus_text), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_STREQ(gomap::content_type(exposition_format::openmetrics),
               "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

// The value of the sample line that starts with `prefix` (e.g. 'gomap_entries{map="x"}').
std::string value_of(const std::string& body, const std::string& prefix) {
  const std::size_t at = body.find("\n" + prefix + " ");
  if (at == std::string::npos) return "<absent>";
  const std::size_t from = at + 1 + prefix.size() + 1;
  return body.substr(from, body.find('\n', from) - from);
}

TEST(MetricsRegistry, figures_are_the_maps_as_of_the_last_publish) {
  metrics_registry reg;
  gomap::map<u64, u64> m;
  for (u64 k = 0; k < 1000; ++k) m.emplace(k, k);
  auto h = reg.add("m", m);
  const gomap::map_stats s = m.stats();
  std::string body = reg.render();
  EXPECT_EQ(value_of(body, "gomap_entries{map=\"m\"}"), "1000");
  EXPECT_EQ(value_of(body, "gomap_buckets{map=\"m\"}"), std::to_string(s.bucket_count));
  EXPECT_EQ(value_of(body, "gomap_overflow_buckets{map=\"m\"}"), std::to_string(s.overflow_buckets));
  EXPECT_EQ(value_of(body, "gomap_allocated_bytes{map=\"m\"}"), std::to_string(s.bytes_allocated));
  EXPECT_EQ(value_of(body, "gomap_growth_events_total{map=\"m\",kind=\"grow_start\"}"), std::to_string(s.growths));
  EXPECT_EQ(value_of(body, "gomap_evacuated_buckets_total{map=\"m\"}"), "<absent>") << "needs the observer";

  for (u64 k = 0; k < 500; ++k) m.erase(k);
  EXPECT_EQ(value_of(reg.render(), "gomap_entries{map=\"m\"}"), "1000") << "not published yet";
  EXPECT_EQ(value_of(reg.render(), "gomap_tombstones{map=\"m\"}"), "0");
  h.publish(m);
  body = reg.render();
  EXPECT_EQ(value_of(body, "gomap_entries{map=\"m\"}"), "500");
  EXPECT_EQ(value_of(body, "gomap_tombstones{map=\"m\"}"), std::to_string(m.stats().tombstones));
  EXPECT_NE(m.stats().tombstones, 0u);
}

TEST(MetricsRegistry, observer_counts_growths_live_without_publishing) {
  metrics_registry reg;
  metered_map m;
  auto h = reg.add("live", m);  // wires m's metrics_observer
  for (u64 k = 0; k < 20000; ++k) m.emplace(k, k);
  const gomap::map_stats s = m.stats();
  const std::string body = reg.render();
  EXPECT_EQ(value_of(body, "gomap_entries{map=\"live\"}"), "0") << "gauges wait for publish()";
  EXPECT_EQ(value_of(body, "gomap_growth_events_total{map=\"live\",kind=\"grow_start\"}"), std::to_string(s.growths));
  const u64 ended = s.growths - (s.growing ? 1 : 0);
  EXPECT_EQ(value_of(body, "gomap_growth_events_total{map=\"live\",kind=\"grow_end\"}"), std::to_string(ended));
  EXPECT_EQ(value_of(body, "gomap_growth_duration_seconds_count{map=\"live\"}"), std::to_string(ended));
  EXPECT_EQ(value_of(body, "gomap_growth_duration_seconds_bucket{map=\"live\",le=\"+Inf\"}"), std::to_string(ended));
  // Growths from B = 0 to B = ended: 2^0 + ... + 2^(ended-1) old buckets evacuated.
  EXPECT_EQ(value_of(body, "gomap_evacuated_buckets_total{map=\"live\"}"), std::to_string((u64{1} << ended) - 1));
}

TEST(MetricsRegistry, tee_observer_is_wired_on_its_metrics_side) {
  using tee = gomap::tee_observer<gomap::ring_observer, gomap::metrics_observer>;
  metrics_registry reg;
  auto ring = std::make_shared<gomap::event_ring>(256);
  observed_map<tee> m;
  m.observer().first() = gomap::ring_observer(ring);
  auto h = reg.add("both", m);
  for (u64 k = 0; k < 100; ++k) m.emplace(k, k);
  const std::size_t in_ring = ring->drain([](const growth_event&) {});
  EXPECT_GT(in_ring, 0u);
  const u64 starts = m.stats().growths;
  EXPECT_EQ(value_of(reg.render(), "gomap_growth_events_total{map=\"both\",kind=\"grow_start\"}"),
            std::to_string(starts));
}

TEST(MetricsRegistry, destroyed_map_disappears_from_the_output) {
  metrics_registry reg;
  gomap::map<u64, u64> keeper;
  auto keep = reg.add("keeper", keeper);
  {
    struct owner {  // the pattern the docs recommend: the registration after the map
      metered_map map;
      gomap::metrics_registration metrics;
    };
    auto o = std::make_unique<owner>();
    o->metrics = reg.add("transient", o->map);
    for (u64 k = 0; k < 100; ++k) o->map.emplace(k, k);
    EXPECT_NE(reg.render().find("map=\"transient\""), std::string::npos);
    EXPECT_EQ(reg.names(), (std::vector<std::string>{"keeper", "transient"}));
  }
  const std::string body = reg.render();
  EXPECT_EQ(body.find("transient"), std::string::npos) << body;
  EXPECT_NE(body.find("map=\"keeper\""), std::string::npos);
  EXPECT_EQ(reg.names(), (std::vector<std::string>{"keeper"}));
}

TEST(MetricsRegistry, names_are_unique_while_registered) {
  metrics_registry reg;
  gomap::map<u64, u64> a, b;
  auto ha = reg.add("same", a);
  EXPECT_THROW(reg.add("same", b), std::invalid_argument);
  EXPECT_THROW(reg.add(""), std::invalid_argument);
  ha.reset();
  EXPECT_FALSE(ha);
  auto hb = reg.add("same", b);  // free again
  EXPECT_TRUE(hb);
  EXPECT_EQ(hb.name(), "same");
}

TEST(MetricsRegistry, moving_a_registration_keeps_one_entry) {
  metrics_registry reg;
  gomap::map<u64, u64> a, b;
  auto ha = reg.add("a", a);
  auto hb = reg.add("b", b);
  gomap::metrics_registration moved = std::move(ha);
  EXPECT_EQ(reg.names(), (std::vector<std::string>{"a", "b"}));
  moved = std::move(hb);  // "a" is unregistered, "b" now held by `moved`
  EXPECT_EQ(reg.names(), (std::vector<std::string>{"b"}));
  moved.publish(b);
  moved = gomap::metrics_registration();
  EXPECT_TRUE(reg.names().empty());
}

TEST(MetricsRegistry, registrations_and_observers_outlive_their_registry_safely) {
  metered_map m;
  gomap::metrics_registration h;
  {
    metrics_registry reg;
    h = reg.add("orphan", m);
  }
  h.publish(m);                                    // goes nowhere
  for (u64 k = 0; k < 1000; ++k) m.emplace(k, k);  // the observer's counters still exist
  h.reset();
  for (u64 k = 1000; k < 5000; ++k) m.emplace(k, k);  // ...and still after the registration
  EXPECT_EQ(m.size(), 5000u);
}

TEST(MetricsRegistry, global_registry_is_one_object) {
  EXPECT_EQ(&metrics_registry::global(), &metrics_registry::global());
}

// Owners write their maps and publish on their own threads; one thread
// registers and drops maps; another renders all along. Nothing here reads a
// map from a thread that does not own it.
TEST(MetricsRegistryConcurrency, render_while_owners_write_publish_and_register) {
  metrics_registry reg;
  std::atomic<bool> stop{false};
  std::atomic<u64> renders{0};
  std::thread renderer([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const std::string body =
          reg.render(renders % 2 ? exposition_format::openmetrics : exposition_format::prometheus_text);
      EXPECT_EQ(body.find("gomap_entries{map=\"\""), std::string::npos);
      renders.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::thread churner([&] {
    for (int i = 0; i < 200; ++i) {
      metered_map m;
      auto h = reg.add("churn" + std::to_string(i % 3), m);
      for (u64 k = 0; k < 200; ++k) m.emplace(k, k);
      h.publish(m);
    }
  });
  constexpr int owners = 2;
  std::vector<std::thread> ts;
  for (int t = 0; t < owners; ++t)
    ts.emplace_back([&, t] {
      metered_map m;
      auto h = reg.add("owner" + std::to_string(t), m);
      for (u64 k = 0; k < 40000; ++k) {
        m.emplace(k, k);
        if (k % 4096 == 0) h.publish(m);
      }
      h.publish(m);
      // Keep the registration until the renderer has seen the final figure.
      const std::string want = "gomap_entries{map=\"owner" + std::to_string(t) + "\"} 40000\n";
      while (reg.render().find(want) == std::string::npos) std::this_thread::yield();
    });
  for (auto& t : ts) t.join();
  churner.join();
  stop = true;
  renderer.join();
  EXPECT_GT(renders.load(), 0u);
  EXPECT_TRUE(reg.names().empty());
}

}  // namespace

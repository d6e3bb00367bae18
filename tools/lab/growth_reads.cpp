// tools/lab/growth_reads.cpp: article 002's question. While a growth is in
// progress the entries live in two arrays; do lookups still find every key,
// and what do they cost? gomap is filled to just past a doubling point, then
// every insert that carries the evacuation is followed by timed lookups
// (hits and misses), until the growth ends and for as long again after it.
// absl::flat_hash_map is the contrast: its rehash runs inside one insert, so
// no read can run during it; the scenario times that insert.
#include <array>
#include <gomap/observe/detailed_stats.hpp>

#include "maps.hpp"
#include "util.hpp"

namespace gomap_lab {
namespace {

// Records the map's growth events (fixed storage: an observer runs inside a
// write and must not allocate).
struct event_log {
  static constexpr bool enabled = true;
  std::array<gomap::growth_event, 64>* events = nullptr;
  std::size_t* count = nullptr;
  void on_growth_event(const gomap::growth_event& e) noexcept {
    if (*count < events->size()) (*events)[(*count)++] = e;
  }
};
using observed_map = gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>,
                                std::allocator<std::pair<const u64, u64>>, event_log>;

struct window {
  std::uint64_t max_ticks = 0, sum_ticks = 0, lookups = 0;
};

}  // namespace

result growth_reads(context& c) {
  result r;  // id and article: from the scenario table (main.cpp)
  const unsigned old_b = by_scale(c.size, 10u, 17u, 20u);
  r.title = "lookups while gomap doubles from 2^" + std::to_string(old_b) + " to 2^" + std::to_string(old_b + 1) +
            " buckets, against the same lookups after the growth";
  // Go's doubling point for 2^B buckets: more than 6.5 * 2^B entries.
  const std::size_t fill = std::size_t(6.5 * double(std::size_t{1} << old_b)) + 1;
  const std::size_t max_inserts = 2 * fill;  // bound: a growth ends within old_bucket_count inserts
  ensure_keys(2 * fill + max_inserts + 4096);
  const auto keys = gomap_bench::keys().stream(0, 2 * fill + max_inserts);
  const auto misses = gomap_bench::keys().stream(2 * fill + max_inserts, 4096);
  gomap_bench::ticks_per_ns();

  std::array<gomap::growth_event, 64> events{};
  std::size_t nevents = 0;
  observed_map m;
  m.observer().events = &events;
  m.observer().count = &nevents;
  c.bar->begin("growth-reads", 4);

  // Fill until the doubling of 2^old_b starts.
  std::size_t next = 0;
  auto started = [&] {
    for (std::size_t i = 0; i < nevents; ++i)
      if (events[i].kind == gomap::growth_event_kind::grow_start && events[i].old_B == old_b) return true;
    return false;
  };
  while (!started()) {
    m.try_emplace(keys[next], next);
    ++next;
  }
  const std::size_t growth_first = next;  // entries when the growth started
  const gomap::map_stats at_start = m.stats();
  c.bar->step("filled");

  // During the growth, then as long again after it: each insert of a new key
  // is followed by 8 timed lookups (4 hits of keys already present, 4 misses).
  std::vector<double> x, lookup_max, lookup_mean, evacuated_pct;
  constexpr std::size_t lookups_per_insert = 8;
  const std::size_t win = by_scale<std::size_t>(c.size, 16, 256, 1024);
  window w;
  std::size_t hits_found = 0, hits_asked = 0, misses_found = 0, during_inserts = 0;
  std::uint64_t during_max = 0, during_sum = 0, during_n = 0, after_max = 0, after_sum = 0, after_n = 0;
  gomap_bench::splitmix64 pick{0x6c6f6f6b};  // which present keys to look up
  bool growing = true;
  std::size_t after_left = 0, step = 0;
  const auto slow = std::uint64_t(20e3 * gomap_bench::ticks_per_ns());
  double queued = gomap_bench::thread_run_queue_ns();
  std::vector<double> evac_x;
  while (growing || after_left > 0) {
    m.try_emplace(keys[next], next);
    ++next;
    ++step;
    for (std::size_t l = 0; l < lookups_per_insert; ++l) {
      const bool hit = l % 2 == 0;
      const std::uint64_t k = hit ? keys[(pick.next() % next)] : misses[pick.next() % misses.size()];
      const std::uint64_t t0 = gomap_bench::ticks();
      const bool found = m.find(k) != m.end();
      std::uint64_t d = gomap_bench::ticks() - t0;
      if (d > slow) [[unlikely]] {
        // A lookup the scheduler interrupted: its wait for a core is not its
        // own cost (the run-queue accounting of bench's time_each).
        const double q = gomap_bench::thread_run_queue_ns();
        const auto waited = std::uint64_t(std::max(0.0, q - queued) * gomap_bench::ticks_per_ns());
        d = d > waited ? d - waited : 0;
        queued = q;
      }
      if (hit) {
        ++hits_asked;
        hits_found += found;
      } else {
        misses_found += found;
      }
      w.max_ticks = std::max(w.max_ticks, d);
      w.sum_ticks += d;
      ++w.lookups;
      (growing ? during_max : after_max) = std::max(growing ? during_max : after_max, d);
      (growing ? during_sum : after_sum) += d;
      ++(growing ? during_n : after_n);
    }
    if (step % win == 0) {
      x.push_back(double(step));
      lookup_max.push_back(ticks_to_ns(w.max_ticks));
      lookup_mean.push_back(ticks_to_ns(w.sum_ticks) / double(w.lookups));
      // stats() walks the buckets: sampled, outside the timed lookups.
      const gomap::map_stats s = m.stats();
      evacuated_pct.push_back(s.growing ? 100.0 * double(s.evacuated) / double(s.old_bucket_count) : 100.0);
      w = {};
    }
    if (growing) {
      ++during_inserts;
      const bool ended = nevents > 0 && events[nevents - 1].kind == gomap::growth_event_kind::grow_end;
      if (ended) {
        growing = false;
        after_left = during_inserts;
        c.bar->step("growth finished");
      }
    } else {
      --after_left;
    }
    if (next >= keys.size()) throw std::logic_error("growth-reads: the growth did not end within its bound");
  }
  c.bar->step("after the growth");
  const gomap::detailed_map_stats detail = gomap::detailed_stats(m);

  // The contrast: absl's insert that rehashes at the same size.
  std::uint64_t absl_max = 0;
  {
    absl_family::map a;
    std::vector<std::uint64_t> d(growth_first + during_inserts);
    std::vector<gomap_bench::run_queue_wait> waits;
    gomap_bench::time_inserts<absl_family>(a, keys.first(d.size()), d, &waits, slow);
    for (const auto& w : waits) {
      const auto t = std::uint64_t(w.ns * gomap_bench::ticks_per_ns());
      d[w.step] = d[w.step] > t ? d[w.step] - t : 0;
    }
    absl_max = *std::max_element(d.begin(), d.end());
  }
  c.bar->step("absl");
  c.bar->end();

  gomap::growth_event end_event{};
  for (std::size_t i = 0; i < nevents; ++i)
    if (events[i].kind == gomap::growth_event_kind::grow_end) end_event = events[i];
  const double per_insert = end_event.operations ? double(std::size_t{1} << old_b) / double(end_event.operations) : missing;

  chart lat;
  lat.title = "Lookup latency: slowest and mean lookup per window of " + std::to_string(win) + " inserts";
  lat.x_label = "inserts since the growth started";
  lat.y_label = "ns per lookup (log scale)";
  lat.log_y = true;
  lat.x = x;
  lat.lines = {{"slowest lookup", lookup_max}, {"mean lookup", lookup_mean}};
  lat.note = "The growth ends at insert " + fmt_num(double(during_inserts)) +
             "; to its left a lookup may have to read the old array too. Each lookup counts its time on the CPU "
             "(a wait for a core, while another process ran, is taken off).";
  chart ev;
  ev.title = "Evacuation progress: old buckets moved to the new array";
  ev.x_label = "inserts since the growth started";
  ev.y_label = "% of the old array evacuated";
  ev.x = x;
  ev.lines = {{"evacuated (%)", evacuated_pct}};
  ev.note = "Each insert moves the old bucket it touches and the next one in order, so progress is steady.";
  r.charts = {lat, ev};

  const double dmean = ticks_to_ns(during_sum) / double(during_n), amean = ticks_to_ns(after_sum) / double(after_n);
  table t;
  t.title = "Lookups during and after the growth (" + std::to_string(lookups_per_insert) + " per insert, half hits)";
  t.columns = {"phase", "inserts", "lookups", "mean", "slowest", "hits found"};
  t.rows.push_back({"during the growth", fmt_num(double(during_inserts)), fmt_num(double(during_n)), fmt_ns(dmean),
                    fmt_ns(ticks_to_ns(during_max)), ""});
  t.rows.push_back({"after it", fmt_num(double(during_inserts)), fmt_num(double(after_n)), fmt_ns(amean),
                    fmt_ns(ticks_to_ns(after_max)), ""});
  t.rows.push_back({"all", "", fmt_num(double(during_n + after_n)), "", "",
                    fmt_pct(100.0 * double(hits_found) / double(hits_asked)) + " (" + fmt_num(double(misses_found)) +
                        " false hits)"});
  r.tables.push_back(t);
  table g;
  g.title = "The growth itself";
  g.columns = {"figure", "value"};
  g.rows = {{"entries when it started", fmt_num(double(growth_first))},
            {"buckets before -> after", fmt_num(double(at_start.old_bucket_count)) + " -> " +
                                            fmt_num(double(at_start.bucket_count))},
            {"inserts it spanned", fmt_num(double(end_event.operations))},
            {"old buckets evacuated per insert", fmt_num(per_insert, 3)},
            {"growth duration (wall, with the lookups)", fmt_ns(double(end_event.duration_ns))},
            {"absl::flat_hash_map: the insert that rehashed (on CPU)", fmt_ns(ticks_to_ns(absl_max))},
            {"key entropy after / uniform hash expectation (bits)",
             fmt_num(detail.entropy, 5) + " / " + fmt_num(detail.entropy_uniform, 5)}};
  r.tables.push_back(g);

  const bool all_found = hits_found == hits_asked && misses_found == 0;
  r.verdict = std::string(all_found ? "reads during a growth are correct and cheap: " : "LOOKUPS FAILED during a growth: ") +
              fmt_pct(100.0 * double(hits_found) / double(hits_asked)) + " of " + fmt_num(double(hits_asked)) +
              " hits found, mean lookup " + fmt_ns(dmean) + " during the growth vs " + fmt_ns(amean) +
              " after it, while " + fmt_num(per_insert, 3) + " old buckets moved per insert over " +
              fmt_num(double(end_event.operations)) + " inserts; absl rehashed the same table inside one " +
              fmt_ns(ticks_to_ns(absl_max)) + " insert, during which no read can run.";
  r.findings.push_back("Key distribution over the new array: " + fmt_num(detail.entropy, 5) + " bits against " +
                       fmt_num(detail.entropy_uniform, 5) +
                       " for a uniformly random hash: the seeded hash spreads the keys as well as chance.");
  return r;
}

}  // namespace gomap_lab

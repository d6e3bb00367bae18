// tools/lab/storm.cpp: article 000's incident. An unsized map filled with
// millions of keys rehashes its whole table at each doubling, inside one
// insert: that insert stalls for milliseconds (rehash-storm). Sizing the map
// up front removes the growths (presize).
#include <numeric>

#include "maps.hpp"
#include "util.hpp"

namespace gomap_lab {
namespace {

using gomap_bench::latency_ns;

struct insert_run {
  latency_ns lat;            // every insert, as the clock saw it
  double max_own = missing;  // the slowest insert less its wait for a core (time_each)
  double preempted = 0;      // slow inserts that waited for a core
  double total_ns = 0;
  std::vector<double> x, trace;  // max per window of the inserts' own time, ns
};

// Inserts slower than this are checked for a wait on the run queue.
std::uint64_t slow_ticks() { return std::uint64_t(20e3 * gomap_bench::ticks_per_ns()); }

// Summary, own-time maximum and timeline of one run's per-step ticks: each
// slow step's wait for a core (another process had it) is taken off.
insert_run summarize_run(std::vector<std::uint64_t>& d, const std::vector<gomap_bench::run_queue_wait>& waits,
                         std::size_t windows) {
  insert_run r;
  r.total_ns = ticks_to_ns(std::accumulate(d.begin(), d.end(), std::uint64_t{0}));
  std::vector<std::uint64_t> own = d;
  for (const auto& w : waits) {
    const auto t = std::uint64_t(w.ns * gomap_bench::ticks_per_ns());
    own[w.step] = own[w.step] > t ? own[w.step] - t : 0;
    ++r.preempted;
  }
  r.max_own = ticks_to_ns(*std::max_element(own.begin(), own.end()));
  window_max(own, windows, 1.0 / gomap_bench::ticks_per_ns(), r.x, r.trace);
  r.lat = gomap_bench::summarize(d, 0);
  return r;
}

template <class F, class M = typename F::map>
insert_run timed_fill(std::size_t n, std::size_t windows, bool sized) {
  const auto keys = gomap_bench::keys().keys(n);
  std::vector<std::uint64_t> d(n);  // touched now, not while timing
  std::vector<gomap_bench::run_queue_wait> waits;
  waits.reserve(4096);
  {
    M m;
    if (sized) F::reserve(m, n);
    gomap_bench::time_inserts<F>(m, keys, d, &waits, slow_ticks());
    if (m.size() != n) gomap_bench::wrong(F::name, "fill");
  }
  return summarize_run(d, waits, windows);
}

insert_run control_run(std::size_t n, std::size_t windows) {
  std::vector<std::uint64_t> d(n);
  std::vector<gomap_bench::run_queue_wait> waits;
  waits.reserve(4096);
  gomap_bench::time_control(gomap_bench::keys().keys(n), d, &waits, slow_ticks());
  return summarize_run(d, waits, windows);
}

std::vector<std::string> latency_row(const std::string& name, const latency_ns& l, double max_own, double preempted,
                                     double total_ns, double gomap_max_own) {
  return {name,           fmt_ns(l.p50),  fmt_ns(l.p99), fmt_ns(l.p999),    fmt_ns(l.p9999),
          fmt_ns(l.max),  fmt_ns(max_own), fmt_num(preempted), fmt_ns(total_ns),
          name == gomap_family::name ? "1x" : fmt_ratio(max_own / gomap_max_own)};
}

}  // namespace

result rehash_storm(context& c) {
  result r;  // id and article: from the scenario table (main.cpp)
  const std::size_t n = by_scale<std::size_t>(c.size, 20'000, 1'000'000, 10'000'000);
  const unsigned runs = by_scale(c.size, 1u, 3u, 3u);
  const std::size_t windows = by_scale<std::size_t>(c.size, 200, 500, 1000);
  r.title = "per-insert latency filling " + fmt_num(double(n)) + " keys without reserve";
  ensure_keys(n);
  gomap_bench::ticks_per_ns();  // calibrated before anything is timed

  struct row {
    std::string name;
    std::vector<insert_run> runs;
  };
  std::vector<row> rows;
  auto add = [&](const std::string& name, insert_run run) {
    for (auto& x : rows)
      if (x.name == name) return x.runs.push_back(std::move(run));
    rows.push_back({name, {std::move(run)}});
  };
  c.bar->begin("rehash-storm", runs * 6);
  // Interleaved runs, as the benchmarks take them: every map once per run.
  for (unsigned rep = 0; rep < runs; ++rep) {
    for_each_hash_map([&]<class F>() {
      c.bar->step(F::name);
      add(F::name, timed_fill<F>(n, windows, false));
    });
    c.bar->step("Go");
    if (auto g = go_call(c, r, "latency_trace " + std::to_string(n) + " " + std::to_string(windows))) {
      insert_run run;
      run.lat = {num(*g, "p50"), num(*g, "p99"), num(*g, "p999"), num(*g, "p9999"), num(*g, "max"), missing};
      run.max_own = num(*g, "max_own");
      run.preempted = num(*g, "preempted");
      run.total_ns = num(*g, "total");
      run.trace = gomap_bench::reply_list((*g)["trace"]);
      add(go_name, std::move(run));
    }
    c.bar->step("control loop");
    add("control loop (no map)", control_run(n, windows));
  }
  c.bar->end();

  // Per map: the median of each percentile over the runs; the maxima and
  // the timeline of the run whose slowest insert on CPU is smallest. A
  // whole-table rehash stalls the same insert on CPU in every run, so the
  // smallest run still shows it, while what the machine adds (interrupts,
  // the hypervisor) strikes runs at random.
  struct summary {
    std::string name;
    latency_ns lat;
    double max_own, preempted, total_ns;
    const insert_run* shown;
  };
  std::vector<summary> sums;
  for (const row& x : rows) {
    auto med = [&](double latency_ns::*f) {
      std::vector<double> v;
      for (const auto& run : x.runs) v.push_back(run.lat.*f);
      return median(v);
    };
    const insert_run* best = &x.runs.front();
    for (const auto& run : x.runs)
      if (run.max_own < best->max_own) best = &run;
    std::vector<double> totals, preempted;
    for (const auto& run : x.runs) {
      totals.push_back(run.total_ns);
      preempted.push_back(run.preempted);
    }
    sums.push_back({x.name,
                    {med(&latency_ns::p50), med(&latency_ns::p99), med(&latency_ns::p999), med(&latency_ns::p9999),
                     best->lat.max, missing},
                    best->max_own, median(preempted), median(totals), best});
  }
  auto get = [&](const std::string& name) -> const summary* {
    for (const auto& s : sums)
      if (s.name == name) return &s;
    return nullptr;
  };
  const summary& g = *get(gomap_family::name);

  table t;
  t.title = "Per-insert latency, " + fmt_num(double(n)) + " inserts into an empty map (" + std::to_string(runs) +
            " interleaved runs: percentiles are medians; the maxima are those of the run with the smallest "
            "maximum on CPU; on CPU = less the time the thread waited for a core, read from the kernel's schedstat)";
  t.columns = {"map",          "p50", "p99", "p99.9", "p99.99", "max", "max on CPU", "waited for a core",
               "total", "vs gomap (on CPU)"};
  for (const auto& s : sums)
    t.rows.push_back(latency_row(s.name, s.lat, s.max_own, s.preempted, s.total_ns, g.max_own));
  r.tables.push_back(t);

  // Two timelines: the headline pair (with the control loop), then every map.
  auto timeline = [&](const std::string& title, const std::vector<std::string>& names) {
    chart ch;
    ch.title = title;
    ch.x_label = "inserts";
    ch.y_label = "ns (log scale)";
    ch.log_y = true;
    ch.x = g.shown->x;
    for (const auto& s : sums) {
      if (!names.empty() && std::find(names.begin(), names.end(), s.name) == names.end()) continue;
      series line{s.name, s.shown->trace};
      line.y.resize(ch.x.size(), missing);
      ch.lines.push_back(std::move(line));
    }
    ch.note = "Each point is the slowest insert of its window of " + fmt_num(double(n / windows)) +
              ", so no spike is averaged away; each insert counts its time on the CPU (a wait for a core, while "
              "another process ran, is taken off). Whole-table maps spike at each doubling; gomap spreads each "
              "growth over later inserts.";
    r.charts.push_back(ch);
  };
  timeline("gomap against absl::flat_hash_map, and the machine's own noise (the control loop)",
           {gomap_family::name, absl_family::name, "control loop (no map)"});
  timeline("Every map", {});

  // The verdict: the worst whole-table rehash against gomap's slowest insert.
  const summary* worst = nullptr;
  for (const char* name : {absl_family::name, boost_family::name, std_family::name}) {
    const summary* s = get(name);
    if (!worst || s->max_own > worst->max_own) worst = s;
  }
  const summary* absl = get(absl_family::name);
  const summary* go = get(go_name);
  const summary* control = get("control loop (no map)");
  const double ratio = absl->max_own / g.max_own;
  r.verdict = "filling " + fmt_num(double(n)) + " keys unsized, absl::flat_hash_map's slowest insert took " +
              fmt_ns(absl->max_own) + " (boost " + fmt_ns(get(boost_family::name)->max_own) + ", std " +
              fmt_ns(get(std_family::name)->max_own) + (go ? ", Go " + fmt_ns(go->max_own) : std::string()) +
              ") against gomap's " + fmt_ns(g.max_own) +
              (ratio >= 1 ? ", " + fmt_ratio(ratio) + " longer: absl rehashes its whole table inside one insert, "
                                                     "gomap moves 2 old buckets per insert"
                          : ": here gomap's worst insert was not shorter (compare the control loop's " +
                                fmt_ns(control->max_own) + ": the machine's own stalls)") +
              "; the fix for the others is reserve() (see presize).";
  r.findings.push_back("Worst whole-table stall: " + worst->name + ", " + fmt_ns(worst->max_own) + " in one insert (" +
                       fmt_ratio(worst->max_own / g.max_own) + " gomap's slowest).");
  r.findings.push_back("The cost of spreading: gomap's p99.9 is " + fmt_ns(g.lat.p999) + " against absl's " +
                       fmt_ns(absl->lat.p999) + " (the inserts that carry evacuation work), and its total fill time " +
                       fmt_ns(g.total_ns) + " against " + fmt_ns(absl->total_ns) + ".");
  r.findings.push_back("The control loop (fixed work, no map) peaked at " + fmt_ns(control->max_own) + " on CPU (" +
                       fmt_ns(control->lat.max) +
                       " as the clock saw it, waits for a core included): stalls of that size are the machine's "
                       "(interrupts, the hypervisor, other processes), not a map's.");
  if (go)
    r.findings.push_back("Go's map grows incrementally too, yet its slowest insert took " + fmt_ns(go->max_own) +
                         ": allocating and zeroing the doubled array (and the GC) happen inside one insert.");
  return r;
}

// ---- presize ---------------------------------------------------------------------

namespace {

struct counted_fill {
  double growths = 0, allocations = 0, peak = 0, held = 0;
};

// Untimed: the same fill through the counting allocator, counting the
// table-size changes (growths) as they happen.
template <class F>
counted_fill counted_run(std::size_t n, bool sized) {
  using M = typename F::counted;
  const auto keys = gomap_bench::keys().keys(n);
  gomap_bench::allocation_counter::reset();
  counted_fill r;
  {
    M m;
    if (sized) F::reserve(m, n);
    std::size_t buckets = m.bucket_count();
    for (std::size_t i = 0; i < n; ++i) {
      F::insert(m, keys[i], i);
      if (m.bucket_count() != buckets) {
        ++r.growths;
        buckets = m.bucket_count();
      }
    }
    r.held = double(gomap_bench::allocation_counter::current);
  }
  r.allocations = double(gomap_bench::allocation_counter::calls);
  r.peak = double(gomap_bench::allocation_counter::peak);
  return r;
}

// Cumulative time at the end of each window (ms), from per-insert ticks.
std::vector<double> cumulative_ms(const std::vector<double>& window_sums) {
  std::vector<double> out;
  double acc = 0;
  for (double v : window_sums) out.push_back((acc += v) / 1e6);
  return out;
}

template <class F>
std::vector<double> timed_cumulative(std::size_t n, std::size_t windows, bool sized, double& total_ns) {
  const auto keys = gomap_bench::keys().keys(n);
  std::vector<std::uint64_t> d(n);
  {
    typename F::map m;
    if (sized) F::reserve(m, n);
    gomap_bench::time_inserts<F>(m, keys, d);
  }
  std::vector<double> sums;
  for (std::size_t w = 0; w < windows; ++w) {
    const std::size_t lo = w * n / windows, hi = (w + 1) * n / windows;
    sums.push_back(ticks_to_ns(std::accumulate(d.begin() + std::ptrdiff_t(lo), d.begin() + std::ptrdiff_t(hi),
                                               std::uint64_t{0})));
  }
  total_ns = std::accumulate(sums.begin(), sums.end(), 0.0);
  return cumulative_ms(sums);
}

}  // namespace

result presize(context& c) {
  result r;  // id and article: from the scenario table (main.cpp)
  const std::size_t n = by_scale<std::size_t>(c.size, 20'000, 1'000'000, 10'000'000);
  const std::size_t windows = by_scale<std::size_t>(c.size, 100, 400, 1000);
  const unsigned runs = by_scale(c.size, 1u, 2u, 3u);
  r.title = "unsized vs capacity hint, " + fmt_num(double(n)) + " keys: time, growths, allocations, peak bytes";
  ensure_keys(n);

  chart ch;
  ch.title = "Time spent inserting, unsized (solid) against reserve(" + fmt_num(double(n)) + ") (dashed)";
  ch.x_label = "inserts";
  ch.y_label = "elapsed (ms)";
  for (std::size_t w = 0; w < windows; ++w) ch.x.push_back(double((w + 1) * n / windows));
  ch.note = "Each step of an unsized line is a growth; the reserved lines have none.";

  table t;
  t.title = "Filling " + fmt_num(double(n)) + " keys (time: the best of " + std::to_string(runs) +
            " runs, each insert timed as in rehash-storm; counts and bytes through a counting allocator)";
  t.columns = {"map",        "time unsized", "time sized",      "speed-up",         "growths unsized",
               "growths sized", "allocations unsized", "allocations sized", "peak bytes unsized", "peak bytes sized"};
  struct figures {
    std::string name;
    double unsized, sized, peak_unsized, peak_sized, growths;
  };
  std::vector<figures> fig;
  c.bar->begin("presize", 5 * runs);
  for_each_hash_map([&]<class F>() {
    std::vector<double> tu, ts;
    std::vector<double> cu, cs;
    for (unsigned rep = 0; rep < runs; ++rep) {
      c.bar->step(F::name);
      double a, b;
      cu = timed_cumulative<F>(n, windows, false, a);
      cs = timed_cumulative<F>(n, windows, true, b);
      tu.push_back(a);
      ts.push_back(b);
    }
    const counted_fill u = counted_run<F>(n, false), s = counted_run<F>(n, true);
    const double mu = *std::min_element(tu.begin(), tu.end()), ms = *std::min_element(ts.begin(), ts.end());
    t.rows.push_back({F::name, fmt_ns(mu), fmt_ns(ms), fmt_ratio(mu / ms), fmt_num(u.growths), fmt_num(s.growths),
                      fmt_num(u.allocations), fmt_num(s.allocations), fmt_bytes(u.peak), fmt_bytes(s.peak)});
    ch.lines.push_back({std::string(F::name) + " unsized", cu});
    ch.lines.push_back({std::string(F::name) + " reserve", cs});
    fig.push_back({F::name, mu, ms, u.peak, s.peak, u.growths});
  });
  std::vector<double> gu, gs;
  std::optional<std::map<std::string, std::string>> last_u, last_s;
  for (unsigned rep = 0; rep < runs; ++rep) {
    c.bar->step("Go");
    last_u = go_call(c, r, "presize " + std::to_string(n) + " 0");
    last_s = go_call(c, r, "presize " + std::to_string(n) + " 1");
    if (!last_u || !last_s) break;
    gu.push_back(num(*last_u, "ns"));
    gs.push_back(num(*last_s, "ns"));
  }
  c.bar->end();
  if (last_u && last_s) {
    const double mu = *std::min_element(gu.begin(), gu.end()), ms = *std::min_element(gs.begin(), gs.end());
    t.rows.push_back({go_name, fmt_ns(mu), fmt_ns(ms), fmt_ratio(mu / ms), "-", "-",
                      fmt_num(num(*last_u, "allocations")), fmt_num(num(*last_s, "allocations")),
                      fmt_bytes(num(*last_u, "allocated")), fmt_bytes(num(*last_s, "allocated"))});
    fig.push_back({go_name, mu, ms, missing, missing, missing});
    r.findings.push_back("Go's figures come from runtime.MemStats: allocations are Mallocs and the byte columns its "
                         "TotalAlloc while inserting (every array allocated, not the peak); growths are not visible.");
  }
  r.tables.push_back(t);
  r.charts.push_back(ch);

  // The verdict: the growths the hint removed, each map's time, and the
  // peak memory it saves.
  std::string growths, times;
  double most_peak = 0;
  const figures* peak_map = nullptr;
  for (const auto& f : fig) {
    if (std::isfinite(f.growths)) growths += (growths.empty() ? "" : ", ") + short_name(f.name) + " " + fmt_num(f.growths);
    times += (times.empty() ? "" : ", ") + short_name(f.name) + " " + fmt_ns(f.unsized) + " -> " + fmt_ns(f.sized);
    if (std::isfinite(f.peak_unsized) && f.peak_unsized / f.peak_sized > most_peak) {
      most_peak = f.peak_unsized / f.peak_sized;
      peak_map = &f;
    }
  }
  const figures& gf = fig.front();
  r.verdict = "reserve(n) removes every growth of an unsized fill of " + fmt_num(double(n)) + " keys (" + growths +
              " -> 0): fill time unsized -> sized " + times + "; peak memory falls up to " + fmt_ratio(most_peak) +
              " (" + short_name(peak_map->name) + " " + fmt_bytes(peak_map->peak_unsized) + " -> " +
              fmt_bytes(peak_map->peak_sized) + "): when the final size is known, reserve it.";
  for (const auto& f : fig)
    if (std::isfinite(f.peak_unsized) && f.name != gomap_family::name)
      r.findings.push_back(f.name + ": peak bytes while filling " + fmt_bytes(f.peak_unsized) + " unsized, " +
                           fmt_bytes(f.peak_sized) + " sized (the old and new arrays coexist during a rehash).");
  r.findings.push_back("gomap: peak " + fmt_bytes(gf.peak_unsized) + " unsized, " + fmt_bytes(gf.peak_sized) +
                       " sized; during a growth both arrays are held until the last old bucket is evacuated.");
  return r;
}

}  // namespace gomap_lab

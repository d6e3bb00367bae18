// gomap/observe/prometheus.hpp: named maps' figures in the Prometheus text
// format (0.0.4) and in OpenMetrics 1.0. Header-only, no dependency; the
// HTTP endpoint that serves them is the separate gomap::http target.
//
//   struct sessions {
//     gomap::map<std::string, session, gomap::hash<std::string>, gomap::default_equal<std::string>,
//                std::allocator<std::pair<const std::string, session>>, gomap::metrics_observer> map;
//     gomap::metrics_registration metrics = gomap::metrics_registry::global().add("sessions", map);
//   };
//   ... on the thread that owns `map`, now and then:  s.metrics.publish(s.map);
//   ... on any thread:  std::string body = gomap::metrics_registry::global().render();
//
// WHY THE REGISTRY NEVER READS A MAP
//   A gomap::map is not safe to read while another thread writes it (it
//   detects that and aborts: "concurrent map read and map write"), and the
//   registry is read from a scraping thread. So the registry holds no pointer
//   to any map. It holds what the map's owner gave it:
//   - a snapshot of map_stats, copied in by publish() on the owner's thread
//     (or any thread that may read the map: one holding the map's lock), and
//   - counters fed by the map's growth events, when the map's observer is the
//     registration's metrics_observer: relaxed atomic increments on the map's
//     path, which never block and never allocate.
//   Rendering copies both under the registry's own locks; nothing a scrape
//   does can wait on, race with or outlive a map. The gauges are as fresh as
//   the last publish(); the event counters are live.
//
// LIFETIME
//   add() returns an RAII metrics_registration: when it is destroyed (declare
//   it after the map, as above, so it goes first), the map's series vanish
//   from the next render. The registration keeps nothing of the map alive;
//   an observer that outlives its registration (in a copy of the map, say)
//   writes into counters nobody renders. A registry destroyed first leaves
//   its registrations inert.
//
// Metric names and their meaning: docs/observability.md.
#pragma once

#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../stats.hpp"
#include "events.hpp"
#include "tee_observer.hpp"

namespace gomap {

enum class exposition_format : std::uint8_t {
  prometheus_text,  // text/plain; version=0.0.4
  openmetrics,      // application/openmetrics-text; version=1.0.0 (ends with # EOF)
};

// The Content-Type header that goes with a body rendered in `f`.
inline const char* content_type(exposition_format f) noexcept {
  return f == exposition_format::openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                             : "text/plain; version=0.0.4; charset=utf-8";
}

namespace internal {

// Upper bounds of the growth-duration histogram: decades from 100 us to 100 s
// (a growth spans the inserts that evacuate it, so its wall time follows the
// insert rate more than the table size). Written as Go's strconv would.
inline constexpr std::size_t growth_duration_bounds = 7;
inline constexpr std::array<const char*, growth_duration_bounds> growth_duration_le = {"0.0001", "0.001", "0.01", "0.1",
                                                                                       "1",      "10",    "100"};
inline constexpr std::array<std::uint64_t, growth_duration_bounds> growth_duration_le_ns = {
    100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000, 10'000'000'000, 100'000'000'000};

inline constexpr std::size_t growth_event_kinds = 4;

// Upper bounds of the operation-duration histogram (op_latency.hpp): from
// 50 ns (a cached hit) to 10 ms (a page-faulting insert on a loaded machine),
// 1-2.5-5 steps, written as Go's strconv.FormatFloat(v, 'g', -1, 64) would.
inline constexpr std::size_t op_duration_bounds = 14;
inline constexpr std::array<const char*, op_duration_bounds> op_duration_le = {
    "5e-08", "1e-07", "2.5e-07", "5e-07", "1e-06", "2.5e-06", "5e-06",
    "1e-05", "2.5e-05", "5e-05", "0.0001", "0.001", "0.01", "0.1"};
inline constexpr std::array<std::uint64_t, op_duration_bounds> op_duration_le_ns = {
    50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 1'000'000, 10'000'000, 100'000'000};
// The `op` label values, in rendering order.
enum class op_kind : std::uint8_t { insert, find, erase };
inline constexpr std::size_t op_kinds = 3;
inline constexpr std::array<const char*, op_kinds> op_kind_names = {"insert", "find", "erase"};

// What one registration holds: the owner's snapshot and the event counters.
struct metrics_cell {
  mutable std::mutex mu;
  map_stats stats;         // guarded by mu: the last publish()
  bool published = false;  // guarded by mu

  std::atomic<bool> observed{false};  // a metrics_observer was handed out
  std::array<std::atomic<std::uint64_t>, growth_event_kinds> events{};
  std::atomic<std::uint64_t> evacuated{0};
  // Not cumulative: [i] counts durations in (le[i-1], le[i]]; the last, above every bound.
  std::array<std::atomic<std::uint64_t>, growth_duration_bounds + 1> durations{};
  std::atomic<std::uint64_t> duration_sum_ns{0};

  // Sampled operation durations (op_latency.hpp); [op][i] as `durations`.
  std::atomic<bool> ops_observed{false};  // an op_latency_recorder was handed out
  std::array<std::array<std::atomic<std::uint64_t>, op_duration_bounds + 1>, op_kinds> op_durations{};
  std::array<std::atomic<std::uint64_t>, op_kinds> op_duration_sum_ns{};
};

}  // namespace internal

// The observer that feeds a registration's event counters (growth events by
// kind, evacuated buckets, the growth-duration histogram). Get one from
// metrics_registration::observer(). Each event costs a few relaxed atomic
// increments on the map's path. Copies of the map report into the same
// counters; default-constructed, it discards events.
class metrics_observer {
 public:
  static constexpr bool enabled = true;

  metrics_observer() = default;

  void on_growth_event(const growth_event& e) noexcept {
    if (!cell_) return;
    constexpr auto r = std::memory_order_relaxed;
    const auto k = static_cast<std::size_t>(e.kind);
    if (k < internal::growth_event_kinds) cell_->events[k].fetch_add(1, r);
    if (e.kind != growth_event_kind::grow_end) return;
    if (e.old_B < 64) cell_->evacuated.fetch_add(std::uint64_t{1} << e.old_B, r);
    std::size_t i = 0;
    while (i < internal::growth_duration_bounds && e.duration_ns > internal::growth_duration_le_ns[i]) ++i;
    cell_->durations[i].fetch_add(1, r);
    cell_->duration_sum_ns.fetch_add(e.duration_ns, r);
  }

 private:
  friend class metrics_registration;
  explicit metrics_observer(std::shared_ptr<internal::metrics_cell> c) noexcept : cell_(std::move(c)) {}
  std::shared_ptr<internal::metrics_cell> cell_;
};

// Where a map's sampled operation durations go (op_latency.hpp): a
// registration's op-duration histogram. Get one from
// metrics_registration::op_recorder(). record() is two relaxed atomic
// increments and a short scan of the bounds; copies share the histogram;
// default-constructed, it discards.
class op_latency_recorder {
 public:
  op_latency_recorder() = default;

  void record(internal::op_kind op, std::uint64_t ns) noexcept {
    if (!cell_) return;
    constexpr auto r = std::memory_order_relaxed;
    std::size_t i = 0;
    while (i < internal::op_duration_bounds && ns > internal::op_duration_le_ns[i]) ++i;
    const auto k = static_cast<std::size_t>(op);
    cell_->op_durations[k][i].fetch_add(1, r);
    cell_->op_duration_sum_ns[k].fetch_add(ns, r);
  }
  explicit operator bool() const noexcept { return cell_ != nullptr; }

 private:
  friend class metrics_registration;
  explicit op_latency_recorder(std::shared_ptr<internal::metrics_cell> c) noexcept : cell_(std::move(c)) {}
  std::shared_ptr<internal::metrics_cell> cell_;
};

class metrics_registry;

// One map's place in a registry. Move-only; destroying it (or reset())
// removes the map's series from the registry.
class metrics_registration {
 public:
  metrics_registration() = default;
  metrics_registration(metrics_registration&&) noexcept = default;
  metrics_registration& operator=(metrics_registration&& o) noexcept {
    if (this != &o) {
      reset();
      state_ = std::move(o.state_);
      cell_ = std::move(o.cell_);
      name_ = std::move(o.name_);
    }
    return *this;
  }
  metrics_registration(const metrics_registration&) = delete;
  metrics_registration& operator=(const metrics_registration&) = delete;
  ~metrics_registration() { reset(); }

  // Copies m.stats() into the registry. Call it where reading `m` is safe
  // (its owner's thread, or under its lock); O(1), as stats() is.
  template <class M>
  void publish(const M& m) {
    publish(m.stats());
  }
  void publish(const map_stats& s) {
    if (!cell_) return;
    std::lock_guard<std::mutex> g(cell_->mu);
    cell_->stats = s;
    cell_->published = true;
  }

  // An observer feeding this registration's event counters; from the first
  // call on, the registration renders them (starting at 0).
  metrics_observer observer() const {
    if (!cell_) return metrics_observer();
    cell_->observed.store(true, std::memory_order_relaxed);
    return metrics_observer(cell_);
  }

  // Where sampled operation durations go (op_latency.hpp); from the first
  // call on, the registration renders gomap_op_duration_seconds.
  op_latency_recorder op_recorder() const {
    if (!cell_) return op_latency_recorder();
    cell_->ops_observed.store(true, std::memory_order_relaxed);
    return op_latency_recorder(cell_);
  }

  const std::string& name() const noexcept { return name_; }
  explicit operator bool() const noexcept { return cell_ != nullptr; }

  // Unregisters now. Idempotent.
  void reset() noexcept;

 private:
  friend class metrics_registry;
  struct registry_state;

  std::weak_ptr<registry_state> state_;
  std::shared_ptr<internal::metrics_cell> cell_;
  std::string name_;
};

struct metrics_registration::registry_state {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<internal::metrics_cell>, std::less<>> cells;  // by name
};

inline void metrics_registration::reset() noexcept {
  if (!cell_) return;
  if (auto st = state_.lock()) {
    std::lock_guard<std::mutex> g(st->mu);
    auto it = st->cells.find(name_);
    if (it != st->cells.end() && it->second == cell_) st->cells.erase(it);
  }
  state_.reset();
  cell_.reset();
}

namespace internal {
template <class O>
struct is_tee : std::false_type {};
template <class A, class B>
struct is_tee<tee_observer<A, B>> : std::true_type {};

template <class O>
void wire_observer(O& o, const metrics_observer& mo) {
  if constexpr (std::is_same_v<O, metrics_observer>) {
    o = mo;
  } else if constexpr (is_tee<O>::value) {
    wire_observer(o.first(), mo);
    wire_observer(o.second(), mo);
  }
}
}  // namespace internal

// A set of named maps, rendered together. Thread-safe: add, publish,
// unregister and render from any threads.
class metrics_registry {
 public:
  metrics_registry() : state_(std::make_shared<metrics_registration::registry_state>()) {}
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  // The process-wide registry (what gomap::metrics_server serves by default).
  static metrics_registry& global() {
    static metrics_registry r;
    return r;
  }

  // Registers `m` as label map="<name>" and publishes its figures now. When
  // m's observer is a metrics_observer (alone or inside a tee_observer), it
  // is wired to the registration, so growth events are counted from here on.
  // Throws std::invalid_argument if `name` is empty or already registered.
  template <class M>
  metrics_registration add(std::string name, M& m) {
    metrics_registration r = add(std::move(name));
    if constexpr (!std::is_const_v<M>) {
      using observer_t = std::remove_cvref_t<decltype(m.observer())>;
      if constexpr (std::is_same_v<observer_t, metrics_observer> || internal::is_tee<observer_t>::value)
        internal::wire_observer(m.observer(), r.observer());
    }
    r.publish(m);
    return r;
  }

  // Registers a name with nothing published yet: it renders nothing until
  // publish() or an observer() is taken.
  metrics_registration add(std::string name) {
    if (name.empty()) throw std::invalid_argument("gomap::metrics_registry: a map needs a non-empty name");
    metrics_registration r;
    r.cell_ = std::make_shared<internal::metrics_cell>();
    {
      std::lock_guard<std::mutex> g(state_->mu);
      if (!state_->cells.emplace(name, r.cell_).second)
        throw std::invalid_argument("gomap::metrics_registry: the name '" + name +
                                    "' is already registered (names label series: they must be unique)");
    }
    r.state_ = state_;
    r.name_ = std::move(name);
    return r;
  }

  // Names registered now, sorted.
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> g(state_->mu);
    std::vector<std::string> v;
    for (const auto& [name, cell] : state_->cells) v.push_back(name);
    return v;
  }

  // Every registered map's figures, in `f`. Families appear in a fixed
  // order, series by map name; a family no map has is left out.
  std::string render(exposition_format f = exposition_format::prometheus_text) const;

 private:
  std::shared_ptr<metrics_registration::registry_state> state_;
};

namespace internal {

// One registration, copied out of the registry for rendering.
struct metrics_row {
  std::string name;
  bool published = false;
  map_stats stats;
  bool observed = false;
  std::array<std::uint64_t, growth_event_kinds> events{};
  std::uint64_t evacuated = 0;
  std::array<std::uint64_t, growth_duration_bounds + 1> durations{};
  std::uint64_t duration_sum_ns = 0;
  bool ops_observed = false;
  std::array<std::array<std::uint64_t, op_duration_bounds + 1>, op_kinds> op_durations{};
  std::array<std::uint64_t, op_kinds> op_duration_sum_ns{};
};

class exposition_writer {
 public:
  explicit exposition_writer(exposition_format f) : om_(f == exposition_format::openmetrics) {}

  // # HELP / # TYPE (/ # UNIT) of a family. For a counter, `family` is the
  // name without _total: OpenMetrics names the family so, 0.0.4 the sample.
  void header(std::string_view family, std::string_view type, std::string_view help, std::string_view unit = {}) {
    std::string name(family);
    if (type == "counter" && !om_) name += "_total";
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    escape(help, /*quote=*/false);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
    if (om_ && !unit.empty()) {
      out_ += "# UNIT ";
      out_ += name;
      out_ += ' ';
      out_ += unit;
      out_ += '\n';
    }
  }

  // name{map="<map>"[,<label>="<value>"][,<label2>="<value2>"]} value
  template <class T>
  void sample(std::string_view name, std::string_view map, T value, std::string_view label = {},
              std::string_view label_value = {}, std::string_view label2 = {}, std::string_view label2_value = {}) {
    out_ += name;
    out_ += "{map=\"";
    escape(map, /*quote=*/true);
    out_ += '"';
    for (auto [l, v] : {std::pair{label, label_value}, std::pair{label2, label2_value}}) {
      if (l.empty()) continue;
      out_ += ',';
      out_ += l;
      out_ += "=\"";
      escape(v, /*quote=*/true);
      out_ += '"';
    }
    out_ += "} ";
    number(value);
    out_ += '\n';
  }

  std::string finish() {
    if (om_) out_ += "# EOF\n";
    return std::move(out_);
  }

 private:
  // Label values escape \, " and newline; HELP text escapes \ and newline.
  void escape(std::string_view s, bool quote) {
    for (char c : s) {
      if (c == '\\') {
        out_ += "\\\\";
      } else if (c == '\n') {
        out_ += "\\n";
      } else if (c == '"' && quote) {
        out_ += "\\\"";
      } else {
        out_ += c;
      }
    }
  }
  void number(std::uint64_t v) {
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void number(double v) {
    if (std::isnan(v)) {
      out_ += "NaN";
    } else if (std::isinf(v)) {
      out_ += v > 0 ? "+Inf" : "-Inf";
    } else {
      char buf[32];
      out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);  // shortest round-trip form
    }
  }

  bool om_;
  std::string out_;
};

inline std::string render_rows(const std::vector<metrics_row>& rows, exposition_format f) {
  exposition_writer w(f);
  using u64 = std::uint64_t;
  auto has_any = [&](bool (*pred)(const metrics_row&)) {
    for (const auto& r : rows)
      if (pred(r)) return true;
    return false;
  };
  auto published = [](const metrics_row& r) { return r.published; };
  auto observed = [](const metrics_row& r) { return r.observed; };
  auto any_series = [](const metrics_row& r) { return r.published || r.observed; };

  // Gauges: the last published snapshot.
  struct gauge {
    const char* name;
    const char* help;
    const char* unit;
    double (*value)(const map_stats&);
  };
  static constexpr gauge gauges[] = {
      {"gomap_entries", "Live entries in the map.", "", [](const map_stats& s) { return double(s.size); }},
      {"gomap_buckets", "Buckets in the current array (2^B; the new array during a growth), 0 before the first insert.",
       "", [](const map_stats& s) { return double(s.bucket_count); }},
      {"gomap_overflow_buckets", "Overflow buckets chained behind the buckets, in the old and new arrays.", "",
       [](const map_stats& s) { return double(s.overflow_buckets); }},
      {"gomap_tombstones", "Slots marked empty_one: erased, not reused yet, still walked by probes.", "",
       [](const map_stats& s) { return double(s.tombstones); }},
      {"gomap_load_factor", "Entries per bucket of the current array; a doubling growth starts above 6.5.", "",
       [](const map_stats& s) { return s.bucket_count ? double(s.size) / double(s.bucket_count) : 0.0; }},
      {"gomap_allocated_bytes", "Heap bytes the table owns: bucket arrays, overflow buckets, memory not returned yet.",
       "bytes", [](const map_stats& s) { return double(s.bytes_allocated); }},
      {"gomap_growth_in_progress", "1 while an incremental growth is evacuating old buckets, else 0.", "",
       [](const map_stats& s) { return s.growing ? 1.0 : 0.0; }},
      {"gomap_growth_old_buckets", "Buckets of the old array the growth in progress evacuates, 0 when none.", "",
       [](const map_stats& s) { return double(s.old_bucket_count); }},
      {"gomap_growth_evacuated_buckets", "Old buckets the growth in progress has evacuated so far, 0 when none.", "",
       [](const map_stats& s) { return double(s.evacuated); }},
  };
  if (has_any(published)) {
    for (const gauge& g : gauges) {
      w.header(g.name, "gauge", g.help, g.unit);
      for (const auto& r : rows)
        if (r.published) {
          const double v = g.value(r.stats);
          if (v == std::floor(v) && v < 1e18) {
            w.sample(g.name, r.name, static_cast<u64>(v));
          } else {
            w.sample(g.name, r.name, v);
          }
        }
    }
  }

  // Counters: live from events when observed, else the snapshot's lifetime counts.
  if (has_any(any_series)) {
    w.header("gomap_growth_events", "counter",
             "Growth events by kind: grow_start (doubling), same_size_grow_start, shrink_start, grow_end (any kind).");
    for (const auto& r : rows) {
      if (!r.observed && !r.published) continue;
      std::array<u64, growth_event_kinds> n = r.events;
      if (!r.observed) {
        const map_stats& s = r.stats;
        n[0] = s.growths;
        n[1] = s.same_size_growths;
        n[2] = s.shrinks;
        const u64 started = s.growths + s.same_size_growths + s.shrinks;
        n[3] = s.growing && started > 0 ? started - 1 : started;
      }
      for (std::size_t k = 0; k < growth_event_kinds; ++k)
        w.sample("gomap_growth_events_total", r.name, n[k], "kind", to_string(static_cast<growth_event_kind>(k)));
    }
  }
  if (has_any(observed)) {
    w.header("gomap_evacuated_buckets", "counter", "Old buckets evacuated by growths that have ended.");
    for (const auto& r : rows)
      if (r.observed) w.sample("gomap_evacuated_buckets_total", r.name, r.evacuated);

    w.header("gomap_growth_duration_seconds", "histogram", "Wall time from a growth's start to its end.", "seconds");
    for (const auto& r : rows) {
      if (!r.observed) continue;
      u64 cumulative = 0;
      for (std::size_t i = 0; i < growth_duration_bounds; ++i) {
        cumulative += r.durations[i];
        w.sample("gomap_growth_duration_seconds_bucket", r.name, cumulative, "le", growth_duration_le[i]);
      }
      cumulative += r.durations[growth_duration_bounds];
      w.sample("gomap_growth_duration_seconds_bucket", r.name, cumulative, "le", "+Inf");
      w.sample("gomap_growth_duration_seconds_sum", r.name, static_cast<double>(r.duration_sum_ns) / 1e9);
      w.sample("gomap_growth_duration_seconds_count", r.name, cumulative);
    }
  }
  auto ops_observed = [](const metrics_row& r) { return r.ops_observed; };
  if (has_any(ops_observed)) {
    w.header("gomap_op_duration_seconds", "histogram",
             "Wall time of sampled map operations (1 in N per thread), by operation.", "seconds");
    for (const auto& r : rows) {
      if (!r.ops_observed) continue;
      for (std::size_t k = 0; k < op_kinds; ++k) {
        const char* op = op_kind_names[k];
        u64 cumulative = 0;
        for (std::size_t i = 0; i < op_duration_bounds; ++i) {
          cumulative += r.op_durations[k][i];
          w.sample("gomap_op_duration_seconds_bucket", r.name, cumulative, "op", op, "le", op_duration_le[i]);
        }
        cumulative += r.op_durations[k][op_duration_bounds];
        w.sample("gomap_op_duration_seconds_bucket", r.name, cumulative, "op", op, "le", "+Inf");
        w.sample("gomap_op_duration_seconds_sum", r.name, static_cast<double>(r.op_duration_sum_ns[k]) / 1e9, "op", op);
        w.sample("gomap_op_duration_seconds_count", r.name, cumulative, "op", op);
      }
    }
  }
  return w.finish();
}

}  // namespace internal

inline std::string metrics_registry::render(exposition_format f) const {
  std::vector<std::pair<std::string, std::shared_ptr<internal::metrics_cell>>> cells;
  {
    std::lock_guard<std::mutex> g(state_->mu);
    cells.assign(state_->cells.begin(), state_->cells.end());
  }
  std::vector<internal::metrics_row> rows;
  rows.reserve(cells.size());
  for (auto& [name, cell] : cells) {
    internal::metrics_row r;
    r.name = std::move(name);
    {
      std::lock_guard<std::mutex> g(cell->mu);
      r.published = cell->published;
      r.stats = cell->stats;
    }
    constexpr auto rx = std::memory_order_relaxed;
    r.observed = cell->observed.load(rx);
    for (std::size_t k = 0; k < r.events.size(); ++k) r.events[k] = cell->events[k].load(rx);
    r.evacuated = cell->evacuated.load(rx);
    for (std::size_t i = 0; i < r.durations.size(); ++i) r.durations[i] = cell->durations[i].load(rx);
    r.duration_sum_ns = cell->duration_sum_ns.load(rx);
    r.ops_observed = cell->ops_observed.load(rx);
    for (std::size_t k = 0; k < internal::op_kinds; ++k) {
      for (std::size_t i = 0; i < r.op_durations[k].size(); ++i) r.op_durations[k][i] = cell->op_durations[k][i].load(rx);
      r.op_duration_sum_ns[k] = cell->op_duration_sum_ns[k].load(rx);
    }
    if (r.published || r.observed || r.ops_observed) rows.push_back(std::move(r));
  }
  return internal::render_rows(rows, f);
}

}  // namespace gomap

// gomap/audit.hpp: which maps grew from empty, where they were created, and
// the reserve() that would have spared them. The run-time twin of the
// clang-tidy check gomap-unsized-map-fill (docs/lint-and-audit.md).
//
//   gomap::audit::enable(100);      // sample 1 in 100 maps constructed from now on
//   ... run the workload ...
//   std::fputs(gomap::audit::report().to_string().c_str(), stderr);
//
// Off by default. A sampled map records the stack that created it (Boost.
// Stacktrace, symbolized to file:line when the report is made), how many
// doubling growths its inserts started, the entries those growths had to
// evacuate, the wall time from each growth's start to its end, and the
// largest size it reached. report() groups the maps by creation stack and
// lists the stacks whose maps grew, worst first (most entries evacuated),
// each with reserve(peak): the call that would have allocated the final
// bucket array once.
//
// This header, unlike the core, depends on Boost.Stacktrace (Debian
// libboost-stacktrace1.81-dev). Link the CMake target gomap::audit, or by
// hand: -DBOOST_STACKTRACE_LINK ... -lboost_stacktrace_backtrace -ldl, and
// build with debug line tables (-g or -g1) for file:line. The core's side of
// the audit is internal/audit_hook.hpp: a null pointer per map, so a map that
// is not sampled pays one branch at construction and none on its fast paths.
//
// Thread safety: maps may be created, grown and destroyed on any threads
// while enable(), disable(), report() and reset() run on others.
#pragma once

#if !defined(BOOST_STACKTRACE_LINK) && !defined(BOOST_STACKTRACE_USE_BACKTRACE) && \
    !defined(BOOST_STACKTRACE_USE_ADDR2LINE)
#error "gomap/audit.hpp needs a Boost.Stacktrace backend that symbolizes file:line: link the CMake target gomap::audit, or compile with -DBOOST_STACKTRACE_LINK and link -lboost_stacktrace_backtrace -ldl"
#endif

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/stacktrace.hpp>

#include "internal/audit_hook.hpp"

namespace gomap::audit {

// One creation stack whose sampled maps grew.
struct site {
  std::string where;               // "file:line in function": the first frame outside gomap and the standard library
  std::vector<std::string> stack;  // `where` and its callers, innermost first
  std::uint64_t maps = 0;          // sampled maps created here (live ones included)
  std::uint64_t live = 0;          // of those, still alive when the report was made
  std::uint64_t maps_grown = 0;    // of those, maps whose inserts started a doubling growth
  std::uint64_t growths = 0;       // doubling growths started by inserts, all maps together
  std::uint64_t max_growths = 0;   // the most one map went through
  std::uint64_t moved = 0;         // entries those growths evacuated: the work reserve() avoids
  std::uint64_t peak = 0;          // the largest size one map reached
  std::uint64_t max_hint = 0;      // the largest capacity hint given at construction (0: none)
  std::uint64_t grow_ns = 0;       // wall time spent with an insert-started growth in progress
  std::size_t suggested_reserve = 0;  // reserve(this) after construction: the peak
};

struct report_table {
  std::uint64_t every = 0;    // the sampling rate in force (0: off)
  std::uint64_t sampled = 0;  // maps sampled since the last enable() or reset()
  std::vector<site> sites;    // only stacks whose maps grew; worst first
  // A table for people: one row per site, then its stack.
  std::string to_string() const;
};

// Samples 1 in `every` maps constructed from now on (every = 1: all of them),
// counting from the next one. Throws std::invalid_argument when every is 0.
void enable(std::size_t every);
// Samples no more maps; maps already sampled keep being followed.
void disable() noexcept;
bool enabled() noexcept;
// The creation sites of the sampled maps that grew, worst first. Maps
// destroyed before the call count with the live ones. Symbolizes each stack
// the first time it is reported (libbacktrace reads the debug information:
// milliseconds to a second for a large binary, once).
report_table report();
// report().to_string(), written to `out`.
void print(std::FILE* out = stderr);
// Forgets every figure gathered so far (live sampled maps start again from
// what they do next) and restarts the 1-in-N count.
void reset() noexcept;

namespace detail {

// A creation stack and what its maps did, once they are destroyed (live maps
// are added in at report time).
struct site_state {
  boost::stacktrace::stacktrace frames;
  std::uint64_t maps = 0, maps_grown = 0, growths = 0, max_growths = 0, moved = 0, peak = 0, max_hint = 0,
                grow_ns = 0;
  // Filled the first time the site is reported; guarded by registry::symbolize_mu.
  bool symbolized = false;
  std::string where;
  std::vector<std::string> stack;
};

struct record : internal::audit_record {
  site_state* site = nullptr;
  std::size_t hint = 0;
  record* prev = nullptr;  // the registry's list of live records
  record* next = nullptr;
};

struct registry {
  std::mutex mu;  // sites, live list, the sites' figures
  std::map<std::vector<std::uintptr_t>, std::unique_ptr<site_state>> sites;  // never erased: pointers stay valid
  record* live = nullptr;
  std::atomic<std::uint64_t> every{0};
  std::atomic<std::uint64_t> counter{0};
  std::atomic<std::uint64_t> sampled{0};
  std::mutex symbolize_mu;
};

// Never destroyed: maps with static storage duration may release their
// records after every other static is gone.
inline registry& reg() {
  static registry* r = new registry;
  return *r;
}

inline void fold(site_state& s, const record& r, std::uint64_t extra_ns) noexcept {
  constexpr auto rx = std::memory_order_relaxed;
  const std::uint64_t g = r.growths.load(rx);
  ++s.maps;
  s.maps_grown += g > 0;
  s.growths += g;
  s.max_growths = std::max(s.max_growths, g);
  s.moved += r.moved.load(rx);
  s.peak = std::max(s.peak, r.peak.load(rx));
  s.max_hint = std::max<std::uint64_t>(s.max_hint, r.hint);
  s.grow_ns += r.grow_ns.load(rx) + extra_ns;
}

inline void release(internal::audit_record* base) noexcept {
  auto* r = static_cast<record*>(base);
  // Destroyed in the middle of a growth: the time so far counts.
  const std::uint64_t extra = r->grow_start_ns ? internal::now_ns() - r->grow_start_ns : 0;
  registry& g = reg();
  {
    std::lock_guard<std::mutex> lock(g.mu);
    fold(*r->site, *r, extra);
    (r->prev ? r->prev->next : g.live) = r->next;
    if (r->next) r->next->prev = r->prev;
  }
  delete r;
}

inline internal::audit_record* sample(std::size_t hint) noexcept {
  registry& g = reg();
  const std::uint64_t every = g.every.load(std::memory_order_relaxed);
  if (every == 0 || g.counter.fetch_add(1, std::memory_order_relaxed) % every != 0) return nullptr;
  try {
    auto r = std::make_unique<record>();
    r->release = &release;
    r->hint = hint;
    boost::stacktrace::stacktrace st(0, 48);
    std::vector<std::uintptr_t> key;
    key.reserve(st.size());
    for (const auto& f : st) key.push_back(reinterpret_cast<std::uintptr_t>(f.address()));
    std::lock_guard<std::mutex> lock(g.mu);
    auto& s = g.sites[std::move(key)];
    if (!s) {
      s = std::make_unique<site_state>();
      s->frames = std::move(st);
    }
    r->site = s.get();
    r->next = g.live;
    if (g.live) g.live->prev = r.get();
    g.live = r.get();
    g.sampled.fetch_add(1, std::memory_order_relaxed);
    return r.release();
  } catch (...) {
    return nullptr;  // no memory for the record: the map is simply not sampled
  }
}

inline constexpr internal::audit_hooks hooks{&sample};

// Frames that are gomap's own, Boost.Stacktrace's or the standard library's:
// the creation site is the first frame after them.
inline bool internal_frame(const std::string& file, const std::string& name) {
  auto has = [&](std::string_view s) { return file.find(s) != std::string::npos; };
  if (file.empty())
    return name.find("gomap::internal::") != std::string::npos || name.find("gomap::audit::") != std::string::npos ||
           name.find("boost::stacktrace") != std::string::npos;
  // gomap's headers wherever they are included from (an install, a source
  // tree, paths shortened by -ffile-prefix-map), then Boost's and libstdc++'s.
  return has("include/gomap/") || has("/gomap/internal/") || has("/gomap/observe/") || has("/gomap/audit.hpp") ||
         has("/gomap/map.hpp") || has("/gomap/set.hpp") || has("/boost/stacktrace") || has("/include/c++/");
}

inline std::string describe(const boost::stacktrace::frame& f) {
  std::string file = f.source_file(), name = f.name();
  std::string out = file.empty() ? std::string("?") : file + ":" + std::to_string(f.source_line());
  if (!name.empty()) out += " in " + name;
  return out;
}

inline void symbolize(site_state& s) {
  if (s.symbolized) return;
  bool in_user_code = false;
  bool innermost = true;
  for (const auto& captured : s.frames) {
    // Every frame but the innermost holds a return address, which may lie in
    // the statement after the call: look up the byte before it (the call).
    const auto pc = reinterpret_cast<std::uintptr_t>(captured.address());
    const boost::stacktrace::frame f(reinterpret_cast<const void*>(innermost || pc == 0 ? pc : pc - 1));
    innermost = false;
    std::string file = f.source_file(), name = f.name();
    if (!in_user_code) {
      if (internal_frame(file, name)) continue;
      in_user_code = true;
      s.where = describe(f);
    }
    if (s.stack.size() == 6 || name == "__libc_start_call_main" || name == "__libc_start_main") break;
    s.stack.push_back(describe(f));
  }
  if (!in_user_code) s.where = "? (no frame outside gomap: was the program built with -g?)";
  s.symbolized = true;
}

inline std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace detail

inline void enable(std::size_t every) {
  if (every == 0) throw std::invalid_argument("gomap::audit::enable: every must be at least 1 (1 samples every map)");
  detail::registry& g = detail::reg();
  g.counter.store(0, std::memory_order_relaxed);
  g.every.store(every, std::memory_order_relaxed);
  internal::audit_installed.store(&detail::hooks, std::memory_order_release);
}

inline void disable() noexcept {
  internal::audit_installed.store(nullptr, std::memory_order_release);
  detail::reg().every.store(0, std::memory_order_relaxed);
}

inline bool enabled() noexcept { return internal::audit_installed.load(std::memory_order_acquire) != nullptr; }

inline void reset() noexcept {
  detail::registry& g = detail::reg();
  std::lock_guard<std::mutex> lock(g.mu);
  for (auto& [key, s] : g.sites) s->maps = s->maps_grown = s->growths = s->max_growths = s->moved = s->peak =
      s->max_hint = s->grow_ns = 0;
  constexpr auto rx = std::memory_order_relaxed;
  for (detail::record* r = g.live; r; r = r->next) {
    // Written by the map's thread too; a growth in progress is lost from the
    // figures, which the reset asked for.
    r->growths.store(0, rx);
    r->moved.store(0, rx);
    r->grow_ns.store(0, rx);
    r->peak.store(0, rx);
  }
  g.sampled.store(0, rx);
  g.counter.store(0, rx);
}

inline report_table report() {
  detail::registry& g = detail::reg();
  report_table t;
  t.every = g.every.load(std::memory_order_relaxed);
  std::vector<std::pair<detail::site_state*, site>> rows;
  {
    std::lock_guard<std::mutex> lock(g.mu);
    t.sampled = g.sampled.load(std::memory_order_relaxed);
    std::map<detail::site_state*, detail::site_state> totals;
    for (auto& [key, s] : g.sites) {
      detail::site_state& sum = totals[s.get()];
      sum.maps = s->maps, sum.maps_grown = s->maps_grown, sum.growths = s->growths;
      sum.max_growths = s->max_growths, sum.moved = s->moved, sum.peak = s->peak;
      sum.max_hint = s->max_hint, sum.grow_ns = s->grow_ns;
    }
    std::map<detail::site_state*, std::uint64_t> live;
    for (detail::record* r = g.live; r; r = r->next) {
      detail::fold(totals[r->site], *r, 0);
      ++live[r->site];
    }
    for (auto& [sp, sum] : totals) {
      if (sum.growths == 0) continue;
      site row;
      row.maps = sum.maps, row.live = live[sp], row.maps_grown = sum.maps_grown, row.growths = sum.growths;
      row.max_growths = sum.max_growths, row.moved = sum.moved, row.peak = sum.peak, row.max_hint = sum.max_hint;
      row.grow_ns = sum.grow_ns, row.suggested_reserve = static_cast<std::size_t>(sum.peak);
      rows.emplace_back(sp, std::move(row));
    }
  }
  {
    // Outside the registry's lock: sampling on other threads goes on while
    // the debug information is read.
    std::lock_guard<std::mutex> lock(g.symbolize_mu);
    for (auto& [sp, row] : rows) {
      detail::symbolize(*sp);
      row.where = sp->where;
      row.stack = sp->stack;
    }
  }
  for (auto& [sp, row] : rows) t.sites.push_back(std::move(row));
  std::stable_sort(t.sites.begin(), t.sites.end(), [](const site& a, const site& b) {
    if (a.moved != b.moved) return a.moved > b.moved;
    if (a.growths != b.growths) return a.growths > b.growths;
    return a.where < b.where;
  });
  return t;
}

inline std::string report_table::to_string() const {
  std::string out = "gomap audit: ";
  out += every ? "sampling 1 in " + std::to_string(every) + " maps" : std::string("sampling off");
  out += ", " + std::to_string(sampled) + " sampled, " + std::to_string(sites.size()) +
         (sites.size() == 1 ? " creation site" : " creation sites") + " whose maps grew from inserts\n";
  if (sites.empty()) return out;
  char line[256];
  std::snprintf(line, sizeof line, "%3s  %-10s %-8s %-8s %-10s %-9s %-17s %s\n", "#", "moved", "growths", "max/map",
                "peak", "grow ms", "maps (grew/live)", "fix");
  out += line;
  std::size_t i = 0;
  for (const site& s : sites) {
    const std::string maps = std::to_string(s.maps) + " (" + std::to_string(s.maps_grown) + "/" +
                             std::to_string(s.live) + ")";
    std::snprintf(line, sizeof line, "%3zu  %-10llu %-8llu %-8llu %-10llu %-9s %-17s reserve(%zu)", ++i,
                  static_cast<unsigned long long>(s.moved), static_cast<unsigned long long>(s.growths),
                  static_cast<unsigned long long>(s.max_growths), static_cast<unsigned long long>(s.peak),
                  detail::fixed(static_cast<double>(s.grow_ns) / 1e6, 3).c_str(), maps.c_str(),
                  s.suggested_reserve);
    out += line;
    if (s.max_hint) out += " (the hint was " + std::to_string(s.max_hint) + ")";
    out += "\n     created at " + s.where + "\n";
    for (std::size_t k = 1; k < s.stack.size(); ++k) out += "       called from " + s.stack[k] + "\n";
  }
  return out;
}

inline void print(std::FILE* out) {
  const std::string s = report().to_string();
  std::fwrite(s.data(), 1, s.size(), out);
}

}  // namespace gomap::audit

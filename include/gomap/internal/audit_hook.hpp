// gomap/internal/audit_hook.hpp: the engine's side of <gomap/audit.hpp>.
//
// The audit (audit.hpp, which needs Boost.Stacktrace) samples 1 in N maps at
// construction and follows each sampled map's growths. The engine knows
// nothing of stacks or registries: it holds one pointer per table, null when
// the map is not sampled, and calls through a table of function pointers that
// audit.hpp installs. Without audit.hpp nothing installs it, and the core
// stays free of every dependency.
//
// What an unsampled map pays: at construction, one relaxed load of
// `audit_installed` and a branch (taken only while sampling is on); on the
// slow paths (a growth's start and end, an insert that does growth work or
// that fills the last slot before a growth), a test of its null pointer. The
// fast insert path and every lookup are untouched: a sampled map instead
// keeps its fast insert path closed (table::refresh_fast_insert_limit), so it
// reports every insert from the slow path and its peak size is exact.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "../observe/events.hpp"

namespace gomap::internal {

// One sampled map. The map's own thread writes the counters (relaxed stores:
// plain moves on x86-64); the report reads them from any thread while the map
// lives. The record is owned by the audit side: `release` hands it back when
// the map is destroyed, and the audit keeps its figures.
struct audit_record {
  std::atomic<std::uint64_t> growths{0};   // doubling growths started by inserts
  std::atomic<std::uint64_t> moved{0};     // entries those growths had to evacuate
  std::atomic<std::uint64_t> grow_ns{0};   // wall time from each such growth's start to its end
  std::atomic<std::uint64_t> peak{0};      // largest size reached
  std::uint64_t grow_start_ns = 0;         // owner thread only: 0 when no audited growth runs
  void (*release)(audit_record*) noexcept = nullptr;

  // Owner thread only, hence load-then-store rather than read-modify-write.
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t v) noexcept {
    c.store(c.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
  }
};

// What audit.hpp installs. `sample` decides whether the map being built is
// sampled (1 in N) and returns its record, or null.
struct audit_hooks {
  audit_record* (*sample)(std::size_t hint) noexcept;
};

// Null while no audit is enabled (the default): construction then costs one
// load and one branch. One object per program (an inline variable).
inline std::atomic<const audit_hooks*> audit_installed{nullptr};

// A table's audit state. Copies and moves of a map are not sampled (a copy
// is sized for its source, so it never grows from empty) and a record stays
// with the table object it was created for.
//
// Not RAII on purpose: the table's destructor calls detach() first thing.
// A call through `release` after the table's last stores (from a member's
// destructor) would keep the compiler from dropping those stores as dead,
// which measured +37 instructions per destroyed map, sampled or not.
class audit_slot {
 public:
  audit_slot() = default;
  audit_slot(const audit_slot&) noexcept {}
  audit_slot& operator=(const audit_slot&) noexcept { return *this; }

  // Hands the record back to the audit (which keeps its figures); `size` is
  // the table's size then (a swap or an assignment may have handed the table
  // a fast insert path that bypassed on_size).
  void detach(std::size_t size) noexcept {
    if (rec_) [[unlikely]] {
      on_size(size);
      rec_->release(rec_);
      rec_ = nullptr;
    }
  }

  // Called once, by the constructors that build a map from nothing.
  void attach(std::size_t hint) noexcept {
    if (const audit_hooks* h = audit_installed.load(std::memory_order_acquire)) [[unlikely]]
      rec_ = h->sample(hint);
  }
  bool sampled() const noexcept { return rec_ != nullptr; }

  void on_size(std::size_t n) noexcept {
    if (rec_) [[unlikely]]
      if (n > rec_->peak.load(std::memory_order_relaxed)) rec_->peak.store(n, std::memory_order_relaxed);
  }
  // An insert started a doubling growth of a table holding `entries`.
  void on_doubling_start(std::size_t entries) noexcept {
    if (rec_) [[unlikely]] {
      on_size(entries);
      audit_record::add(rec_->growths, 1);
      audit_record::add(rec_->moved, entries);
      rec_->grow_start_ns = now_ns();
    }
  }
  void on_growth_end() noexcept {
    if (rec_ && rec_->grow_start_ns) [[unlikely]] {
      audit_record::add(rec_->grow_ns, now_ns() - rec_->grow_start_ns);
      rec_->grow_start_ns = 0;
    }
  }

 private:
  audit_record* rec_ = nullptr;
};

}  // namespace gomap::internal

// gomap/observe/events.hpp: growth events, and the observer a map reports them to.
//
// A map's Observer (its last template parameter) is told when a growth starts
// and when it ends. The default, no_observer, is an empty type whose
// `enabled` is false: every hook is discarded at compile time, with no branch
// and no state left in the map.
//
// With GOMAP_USDT defined (and <sys/sdt.h>, Debian's systemtap-sdt-dev),
// the same points carry USDT probes in provider `gomap`, whatever the
// observer: grow_start, same_size_grow_start, shrink_start (args: map
// address, old B, new B, entries, overflow buckets) and grow_end (map
// address, old B, new B, entries, duration ns, operations spanned).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#if defined(GOMAP_USDT)
#include <sys/sdt.h>
#define GOMAP_INTERNAL_PROBE5(name, a, b, c, d, e) DTRACE_PROBE5(gomap, name, a, b, c, d, e)
#define GOMAP_INTERNAL_PROBE6(name, a, b, c, d, e, f) DTRACE_PROBE6(gomap, name, a, b, c, d, e, f)
#else
#define GOMAP_INTERNAL_PROBE5(name, a, b, c, d, e) ((void)0)
#define GOMAP_INTERNAL_PROBE6(name, a, b, c, d, e, f) ((void)0)
#endif

namespace gomap {

enum class growth_event_kind : std::uint8_t {
  grow_start,            // a doubling growth started (B -> B + 1)
  same_size_grow_start,  // a same-size growth started (chains compacted, B unchanged)
  shrink_start,          // a shrinking growth started (B -> smaller)
  grow_end,              // the growth in progress finished (any kind)
};

inline const char* to_string(growth_event_kind k) noexcept {
  switch (k) {
    case growth_event_kind::grow_start: return "grow_start";
    case growth_event_kind::same_size_grow_start: return "same_size_grow_start";
    case growth_event_kind::shrink_start: return "shrink_start";
    case growth_event_kind::grow_end: return "grow_end";
  }
  return "unknown";
}

struct growth_event {
  growth_event_kind kind{};
  growth_event_kind growth{};        // for grow_end: which start it ends
  const void* map = nullptr;         // the table's address: identifies the map
  unsigned old_B = 0;                // B of the array being evacuated
  unsigned new_B = 0;                // B of the array evacuated into
  std::size_t entries = 0;           // live entries when the event fired
  std::size_t overflow_buckets = 0;  // overflow buckets chained when the event fired
  std::uint64_t time_ns = 0;         // steady_clock time of the event
  std::uint64_t duration_ns = 0;     // grow_end: time from start to end
  std::uint64_t operations = 0;      // grow_end: inserts of new keys the growth spanned
};

// The default observer: observing is compiled out.
struct no_observer {
  static constexpr bool enabled = false;
  void on_growth_event(const growth_event&) noexcept {}
};

// An observer is any type with `static constexpr bool enabled = true` and
// `void on_growth_event(const growth_event&) noexcept`. It is called on the
// map's writing path: it must not block, allocate or touch the map.
template <class O>
concept growth_observer = requires(O& o, const growth_event& e) {
  { O::enabled } -> std::convertible_to<bool>;
  { o.on_growth_event(e) }
  noexcept;
};

namespace internal {

inline std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// What a map keeps to report a growth's end: nothing unless observed.
template <bool Enabled>
struct growth_clock {
  void start() noexcept {}
  void count_op() noexcept {}
};
template <>
struct growth_clock<true> {
  std::uint64_t start_ns = 0;
  std::uint64_t ops = 0;
  void start() noexcept {
    start_ns = now_ns();
    ops = 0;
  }
  void count_op() noexcept { ++ops; }
};

}  // namespace internal
}  // namespace gomap

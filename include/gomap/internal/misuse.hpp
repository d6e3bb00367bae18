// gomap/internal/misuse.hpp: Go's concurrent-misuse detection.
//
// A map is not safe for concurrent use when any thread writes. Like Go's
// runtime, every write sets a flag for its duration; a write that finds it
// set, or a read or iteration step that finds it set, ends the process with a
// message, because the alternative is silent corruption. The flag is a relaxed
// atomic: on x86-64 its loads and stores are plain moves, and the check itself
// is no data race. It catches many races, not all: it is a tripwire, not a lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace gomap::internal {

[[noreturn]] inline void fatal(const char* what) noexcept {
  std::fprintf(stderr, "fatal error: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

inline constexpr const char* msg_concurrent_writes =
    "concurrent map writes (guard the map with a mutex, or use gomap::sharded_map or gomap::sync_map)";
inline constexpr const char* msg_concurrent_read_write =
    "concurrent map read and map write (guard the map with a reader-writer lock, or use gomap::sharded_map)";
inline constexpr const char* msg_concurrent_iteration_write =
    "concurrent map iteration and map write (hold a lock across the iteration, or use "
    "gomap::sharded_map::visit_all)";

class writing_flag {
 public:
  writing_flag() = default;
  // The flag belongs to one map object: copies and moves start clear.
  writing_flag(const writing_flag&) noexcept {}
  writing_flag& operator=(const writing_flag&) noexcept { return *this; }

  void check_read() const noexcept {
    if (flag_.load(std::memory_order_relaxed)) [[unlikely]]
      fatal(msg_concurrent_read_write);
  }
  void check_iteration() const noexcept {
    if (flag_.load(std::memory_order_relaxed)) [[unlikely]]
      fatal(msg_concurrent_iteration_write);
  }

  // Marks a write for the lifetime of the guard (exceptions included).
  class guard {
   public:
    explicit guard(const writing_flag& f) noexcept : f_(f) {
      if (f_.flag_.load(std::memory_order_relaxed)) [[unlikely]]
        fatal(msg_concurrent_writes);
      f_.flag_.store(1, std::memory_order_relaxed);
    }
    ~guard() {
      if (!f_.flag_.load(std::memory_order_relaxed)) [[unlikely]]
        fatal(msg_concurrent_writes);
      f_.flag_.store(0, std::memory_order_relaxed);
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;

   private:
    const writing_flag& f_;
  };

 private:
  mutable std::atomic<std::uint8_t> flag_{0};
};

}  // namespace gomap::internal

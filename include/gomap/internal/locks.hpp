// gomap/internal/locks.hpp: the shard locks sharded_map can use, and how it
// takes them.
//
// sharded_map's default is chosen by measurement (docs/concurrency.md, the
// `concurrent` benchmark runs all three): std::mutex, std::shared_mutex and
// rw_spinlock below, at 1, 2, 4 and 8 threads on 2 cores.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace gomap::internal {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins with exponential back-off (1, 2, 4, ... 64 pauses), then yields the
// core on every further round: when threads outnumber cores, the holder may
// be preempted, and spinning on would only burn the time slice it needs.
class backoff {
 public:
  void pause() noexcept {
    if (rounds_ < spin_rounds) {
      for (unsigned i = 0; i < (1u << rounds_); ++i) cpu_relax();
      ++rounds_;
    } else {
      std::this_thread::yield();
    }
  }

 private:
  static constexpr unsigned spin_rounds = 7;
  unsigned rounds_ = 0;
};

// A reader-writer spinlock in one 32-bit word: bit 0 a writer holds it,
// bit 1 a writer waits (new readers then hold off, so writers do not
// starve), the rest counts readers. Uncontended: one locked instruction to
// take it shared or exclusive; release is a locked decrement (shared) or a
// plain store (exclusive).
class rw_spinlock {
 public:
  void lock() noexcept {
    for (backoff b;; b.pause()) {
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & ~waiting) == 0) {
        if (state_.compare_exchange_weak(s, writer, std::memory_order_acquire, std::memory_order_relaxed)) return;
      } else if ((s & waiting) == 0) {
        state_.fetch_or(waiting, std::memory_order_relaxed);
      }
    }
  }
  bool try_lock() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & ~waiting) == 0 &&
           state_.compare_exchange_strong(s, writer, std::memory_order_acquire, std::memory_order_relaxed);
  }
  // Clears the waiting bit too: waiting writers set it again.
  void unlock() noexcept { state_.store(0, std::memory_order_release); }

  void lock_shared() noexcept {
    for (backoff b;; b.pause()) {
      // A CAS, not an optimistic add: while a writer holds the word nobody
      // but other writers (setting `waiting`) may change it, which is what
      // lets unlock() be a plain store.
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      while ((s & (writer | waiting)) == 0)
        if (state_.compare_exchange_weak(s, s + reader, std::memory_order_acquire, std::memory_order_relaxed)) return;
    }
  }
  void unlock_shared() noexcept { state_.fetch_sub(reader, std::memory_order_release); }

 private:
  static constexpr std::uint32_t writer = 1, waiting = 2, reader = 4;
  std::atomic<std::uint32_t> state_{0};
};

// Shared access where the lock has it, exclusive otherwise (std::mutex).
template <class Lock>
class shared_guard {
 public:
  explicit shared_guard(Lock& l) : l_(l) {
    if constexpr (requires { l.lock_shared(); })
      l_.lock_shared();
    else
      l_.lock();
  }
  ~shared_guard() {
    if constexpr (requires { l_.unlock_shared(); })
      l_.unlock_shared();
    else
      l_.unlock();
  }
  shared_guard(const shared_guard&) = delete;
  shared_guard& operator=(const shared_guard&) = delete;

 private:
  Lock& l_;
};

}  // namespace gomap::internal

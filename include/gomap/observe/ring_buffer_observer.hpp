// gomap/observe/ring_buffer_observer.hpp: growth events recorded into a
// bounded lock-free ring, drained by a reader thread.
//
//   auto ring = std::make_shared<gomap::event_ring>(1024);
//   gomap::map<K, V, gomap::hash<K>, gomap::default_equal<K>,
//              std::allocator<std::pair<const K, V>>, gomap::ring_observer> m;
//   m.observer() = gomap::ring_observer(ring);
//   gomap::ring_reader reader(ring, [](const gomap::growth_event& e) { log(e); });
//
// The map's side (event_ring::try_push) never blocks, never allocates and
// never makes a system call: it claims a cell with one compare-and-swap, copies
// the event (64 bytes) and publishes it with one release store. When the ring is
// full the event is dropped and counted (event_ring::dropped()), because
// waiting for the reader would stall the map, which is what observing must
// never do. Several maps, on several threads, may share one ring.
//
// The algorithm is Dmitry Vyukov's bounded queue: every cell carries a
// sequence number that says whose turn it is (a producer's for lap k when it
// equals the position, the consumer's when it equals position + 1), so
// producers and consumers only contend on their own index. Any number of
// producers and consumers may use it; the ring_reader is one consumer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>

#include "events.hpp"

namespace gomap {

class event_ring {
 public:
  // Room for `capacity` events, rounded up to a power of two (at least 2).
  // Allocates here, once; never afterwards.
  explicit event_ring(std::size_t capacity = 1024) {
    if (capacity > (std::size_t{1} << 40)) throw std::length_error("gomap::event_ring: capacity too large");
    std::size_t n = 2;
    while (n < capacity) n <<= 1;
    mask_ = n - 1;
    cells_ = std::make_unique<cell[]>(n);
    for (std::size_t i = 0; i < n; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  event_ring(const event_ring&) = delete;
  event_ring& operator=(const event_ring&) = delete;

  std::size_t capacity() const noexcept { return mask_ + 1; }

  // Records `e`, or drops it (and counts the drop) when the ring is full.
  // Lock-free; safe from any number of threads at once.
  bool try_push(const growth_event& e) noexcept {
    std::uint64_t pos = tail_.load(std::memory_order_relaxed);
    cell* c;
    for (;;) {
      c = &cells_[pos & mask_];
      const std::uint64_t seq = c->seq.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(seq - pos);
      if (lag == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (lag < 0) {
        // The cell still holds the event of the previous lap: full.
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
    c->event = e;
    c->seq.store(pos + 1, std::memory_order_release);
    return true;
  }

  // Takes the oldest recorded event into `out`; false when there is none.
  // Lock-free; safe from any number of threads at once.
  bool try_pop(growth_event& out) noexcept {
    std::uint64_t pos = head_.load(std::memory_order_relaxed);
    cell* c;
    for (;;) {
      c = &cells_[pos & mask_];
      const std::uint64_t seq = c->seq.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(seq - (pos + 1));
      if (lag == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (lag < 0) {
        return false;  // not written yet (or being written): empty from here
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
    out = c->event;
    c->seq.store(pos + mask_ + 1, std::memory_order_release);  // the producers' turn, next lap
    return true;
  }

  // Pops up to `max` events, calling f(const growth_event&) on each; returns
  // how many. Call it from the reader's side, never from the map's path.
  template <class F>
  std::size_t drain(F&& f, std::size_t max = std::numeric_limits<std::size_t>::max()) {
    std::size_t n = 0;
    growth_event e;
    while (n < max && try_pop(e)) {
      ++n;
      f(std::as_const(e));
    }
    return n;
  }

  // Events dropped because the ring was full, since construction.
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  // Events recorded (not dropped) since construction, read or not.
  std::uint64_t recorded() const noexcept { return tail_.load(std::memory_order_relaxed); }

 private:
  struct cell {
    std::atomic<std::uint64_t> seq{0};
    growth_event event;
  };
  static_assert(std::is_trivially_copyable_v<growth_event>, "an event is copied into a cell byte for byte");
  static_assert(sizeof(growth_event) <= 64, "an event fits one cache line");

  std::unique_ptr<cell[]> cells_;
  std::size_t mask_ = 0;
  // Producers and consumers each spin on their own line.
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> dropped_{0};
};

// The observer that records a map's growth events into an event_ring. It
// shares ownership of the ring, so a map (or a copy of it: copies share the
// ring) never writes into a destroyed one. Default-constructed, it has no
// ring and discards events.
class ring_observer {
 public:
  static constexpr bool enabled = true;

  ring_observer() = default;
  explicit ring_observer(std::shared_ptr<event_ring> ring) noexcept : ring_(std::move(ring)) {}

  void on_growth_event(const growth_event& e) noexcept {
    if (ring_) ring_->try_push(e);
  }
  const std::shared_ptr<event_ring>& ring() const noexcept { return ring_; }

 private:
  std::shared_ptr<event_ring> ring_;
};

// A thread that drains an event_ring every `interval` and hands each event
// to a callback (on that thread). Stopping (stop() or the destructor) wakes
// it at once, drains what is left, and joins. The map's side never waits for
// it: when it falls behind, events are dropped and counted in the ring.
class ring_reader {
 public:
  using callback = std::function<void(const growth_event&)>;

  ring_reader(std::shared_ptr<event_ring> ring, callback on_event,
              std::chrono::nanoseconds interval = std::chrono::milliseconds(10))
      : ring_(std::move(ring)), on_event_(std::move(on_event)), interval_(interval) {
    if (!ring_) throw std::invalid_argument("gomap::ring_reader: no ring");
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
  }
  ring_reader(const ring_reader&) = delete;
  ring_reader& operator=(const ring_reader&) = delete;
  ~ring_reader() { stop(); }

  // Stops the thread after a last drain. Idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
  }

  // Events handed to the callback so far.
  std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }

 private:
  void run(std::stop_token st) {
    std::mutex mu;
    std::condition_variable_any wake;
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      drain_once();
      if (st.stop_requested()) break;
      wake.wait_for(lock, st, interval_, [] { return false; });
    }
    drain_once();
  }
  void drain_once() {
    const std::size_t n = ring_->drain(on_event_);
    delivered_.fetch_add(n, std::memory_order_relaxed);
  }

  std::shared_ptr<event_ring> ring_;
  callback on_event_;
  std::chrono::nanoseconds interval_;
  std::atomic<std::uint64_t> delivered_{0};
  std::jthread thread_;  // last: it starts once everything it uses exists
};

}  // namespace gomap

// gomap/observe/op_latency.hpp: the P99 of a map's operations, as a
// Prometheus histogram, from a sampled fraction of them.
//
//   gomap::op_timed<gomap::map<std::string, session>> sessions;   // any map with the std API
//   auto reg = gomap::metrics_registry::global().add("sessions", sessions);
//   sessions.time_into(reg.op_recorder(), 64);   // time 1 operation in 64 (per thread)
//   ... gomap_op_duration_seconds{map="sessions",op="insert"|"find"|"erase",le=...}
//
// With the histogram, an alert on the P99 of a map's inserts is one PromQL
// expression (docs/observability.md):
//   histogram_quantile(0.99, rate(gomap_op_duration_seconds_bucket{op="insert"}[5m]))
//
// op_timed<Map> is Map (it derives from it and inherits every member) with
// its insert-family, lookup and erase-by-key members wrapped: 1 call in
// `every` on each thread reads the steady clock before and after and records
// the difference into the recorder's histogram. The other calls pay a
// thread-local countdown and one branch; a map that is not an op_timed pays
// nothing at all, since nothing in the engine changes. A sampled call pays
// two clock reads (tens of ns: see "What observing costs") and two relaxed
// atomic increments.
//
//   op="insert": insert, emplace, emplace_hint, try_emplace, insert_or_assign, operator[]
//   op="find":   find, contains, count, at
//   op="erase":  erase(key)
//
// Reads may run on several threads at once, as the map allows: the countdown
// is per thread (shared by the thread's op_timed maps), and the histogram's
// counters are atomics shared by the recorder's copies.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "events.hpp"
#include "prometheus.hpp"

namespace gomap {

namespace internal {
// Operations left on this thread until the next timed one.
inline thread_local std::uint32_t op_countdown = 1;
}  // namespace internal

template <class Map>
class op_timed : public Map {
 public:
  using Map::Map;
  using typename Map::key_type;
  using typename Map::value_type;
  op_timed() = default;
  op_timed(std::initializer_list<value_type> il) : Map(il) {}

  // Times 1 operation in `every` from now on, into `rec` (every = 1: all).
  // A default-constructed recorder stops the timing. Throws
  // std::invalid_argument when every is 0.
  void time_into(op_latency_recorder rec, std::uint32_t every = 64) {
    if (every == 0) throw std::invalid_argument("gomap::op_timed::time_into: every must be at least 1");
    rec_ = std::move(rec);
    every_ = every;
  }
  std::uint32_t sample_every() const noexcept { return every_; }

  // ---- op="insert" --------------------------------------------------------
  auto insert(const value_type& v) {
    return timed(internal::op_kind::insert, [&]() -> decltype(auto) { return Map::insert(v); });
  }
  auto insert(value_type&& v) {
    return timed(internal::op_kind::insert, [&]() -> decltype(auto) { return Map::insert(std::move(v)); });
  }
  template <class... A>
  decltype(auto) insert(A&&... a) {
    return timed(internal::op_kind::insert, [&]() -> decltype(auto) { return Map::insert(std::forward<A>(a)...); });
  }
  void insert(std::initializer_list<value_type> il) {
    timed(internal::op_kind::insert, [&] { Map::insert(il); });
  }
  template <class... A>
  decltype(auto) emplace(A&&... a) {
    return timed(internal::op_kind::insert, [&]() -> decltype(auto) { return Map::emplace(std::forward<A>(a)...); });
  }
  template <class... A>
  decltype(auto) emplace_hint(A&&... a) {
    return timed(internal::op_kind::insert,
                 [&]() -> decltype(auto) { return Map::emplace_hint(std::forward<A>(a)...); });
  }
  template <class... A>
  decltype(auto) try_emplace(A&&... a) {
    return timed(internal::op_kind::insert,
                 [&]() -> decltype(auto) { return Map::try_emplace(std::forward<A>(a)...); });
  }
  template <class... A>
  decltype(auto) insert_or_assign(A&&... a) {
    return timed(internal::op_kind::insert,
                 [&]() -> decltype(auto) { return Map::insert_or_assign(std::forward<A>(a)...); });
  }
  template <class K>
  decltype(auto) operator[](K&& k) {
    return timed(internal::op_kind::insert, [&]() -> decltype(auto) { return Map::operator[](std::forward<K>(k)); });
  }

  // ---- op="find" ----------------------------------------------------------
  template <class K>
  decltype(auto) find(const K& k) {
    return timed(internal::op_kind::find, [&]() -> decltype(auto) { return Map::find(k); });
  }
  template <class K>
  decltype(auto) find(const K& k) const {
    return timed(internal::op_kind::find, [&]() -> decltype(auto) { return Map::find(k); });
  }
  template <class K>
  bool contains(const K& k) const {
    return timed(internal::op_kind::find, [&] { return Map::contains(k); });
  }
  template <class K>
  auto count(const K& k) const {
    return timed(internal::op_kind::find, [&] { return Map::count(k); });
  }
  template <class K>
  decltype(auto) at(const K& k) {
    return timed(internal::op_kind::find, [&]() -> decltype(auto) { return Map::at(k); });
  }
  template <class K>
  decltype(auto) at(const K& k) const {
    return timed(internal::op_kind::find, [&]() -> decltype(auto) { return Map::at(k); });
  }

  // ---- op="erase" ---------------------------------------------------------
  // erase(key) is timed; erase(iterator) and erase(first, last) are not (the
  // key was found by a timed find, or the call walks a range).
  using Map::erase;
  auto erase(const key_type& k) {
    return timed(internal::op_kind::erase, [&] { return Map::erase(k); });
  }

 private:
  template <class F>
  decltype(auto) timed(internal::op_kind op, F&& f) const {
    if (!rec_ || --internal::op_countdown != 0) [[likely]]
      return f();
    internal::op_countdown = every_;
    const std::uint64_t t0 = internal::now_ns();
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      rec_.record(op, internal::now_ns() - t0);
    } else {
      decltype(auto) r = f();
      rec_.record(op, internal::now_ns() - t0);
      return r;
    }
  }

  mutable op_latency_recorder rec_;
  std::uint32_t every_ = 64;
};

}  // namespace gomap

// bench/src/workloads.hpp: the workloads of docs/benchmarks.md, written once
// over a "family" (how to build, reserve and insert into one map type), and
// the subject that exposes them to the driver.
//
// What is timed, exactly (everything else, notably building the map a
// read-only phase needs and destroying maps, is outside the clock):
//   lifecycle       one fresh map, no reserve:
//                     insert    N keys, in generation order, value = index
//                     find_hit  the N keys in shuffled order   (x inner)
//                     find_miss N absent keys                  (x inner)
//                     iterate   sum every value                (x inner)
//                     erase     the N keys in shuffled order
//                   repeated `outer` times on fresh maps. Sharing one map
//                   between the phases is what lets 10^7 fit the time budget.
//   insert_reserved reserve(N) untimed, then insert the N keys; then
//                   find_hit_reserved: find_hit on that map (x inner)
//   churn           1,000 keys inserted untimed; then per op insert the next
//                   key of the stream and erase the oldest live one
//   strings         lifecycle's insert and find_hit with std::string keys
//   latency         insert N keys into a fresh map, one TSC read per insert
//   memory          counting allocator: after inserting N, after erasing 90%
//                   (the first 9N/10 of the shuffle), after one more insert,
//                   after 10^4 more insert/erase pairs (min(10^4, N - 1))
//
// Every phase checks what it saw (hits found, misses missed, entries summed)
// and the run stops if a map answers wrongly: a figure for a broken map is
// worse than none.
#pragma once

#include <malloc.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <gomap/hash.hpp>

#include "common.hpp"

namespace gomap_bench {

// ---- families: the few places where maps differ ---------------------------------

struct std_like_family {
  static constexpr bool has_reserve = true;
  static constexpr bool hashed = true;  // takes a hasher (btree_map does not)
  template <class M>
  static void prepare(M&) {}
  template <class M>
  static void reserve(M& m, std::size_t n) {
    m.reserve(n);
  }
  template <class M, class K>
  static void insert(M& m, const K& k, std::uint64_t v) {
    m.try_emplace(k, v);
  }
  template <class M>
  static double gomap_bytes(const M&) {
    return nan;
  }
};

// The common hasher of the second pass. Unary on purpose: it is what any
// std-style map can take. gomap sees no seeded overload and so post-mixes the
// result with its per-map seed (one more multiply-fold per hash than the other
// maps pay in this pass); see bench/README.md.
struct common_hash_u64 {
  std::size_t operator()(std::uint64_t k) const noexcept { return gomap::hash<std::uint64_t>{}(k); }
};
struct common_hash_string {
  std::size_t operator()(const std::string& s) const noexcept { return gomap::hash<std::string>{}(s); }
};

struct default_hashing {
  static constexpr const char* name = "default";
  static constexpr bool is_default = true;
  template <class F, class K>
  using hash = typename F::template default_hash<K>;
};
struct common_hashing {
  static constexpr const char* name = "common";
  static constexpr bool is_default = false;
  template <class F, class K>
  using hash = std::conditional_t<std::is_same_v<K, std::string>, common_hash_string, common_hash_u64>;
};

// ---- the workloads ---------------------------------------------------------------

[[noreturn]] inline void wrong(const char* map, const char* what) {
  throw std::runtime_error(std::string(map) + " answered wrongly in " + what);
}

// Looks every key of `shuffled` up `inner` times (once per key per pass: at
// N >= 10^5 the driver passes inner = 1, so no pass finds the previous one's
// lines in cache) and consumes each result: the value is loaded and summed,
// and the sum checked, so no lookup can be dropped or left half done.
// Returns the ns of all passes.
template <class F, class M, class K>
double time_find_hits(const M& m, std::span<const K> shuffled, unsigned inner, const char* what) {
  std::uint64_t sum = 0, found = 0;
  const std::int64_t t0 = now_ns();
  for (unsigned r = 0; r < inner; ++r) {
    for (const K& k : shuffled) {
      auto it = m.find(k);
      if (it != m.end()) {
        sum += it->second;
        ++found;
      }
    }
  }
  const std::int64_t t1 = now_ns();
  keep(sum);
  if (found != std::uint64_t{shuffled.size()} * inner) wrong(F::name, what);
  return double(t1 - t0);
}

template <class F, class M, class K>
lifecycle_ns run_lifecycle(std::span<const K> in_order, std::span<const K> shuffled, std::span<const K> misses,
                           unsigned outer, unsigned inner, bool all_phases) {
  const std::size_t n = in_order.size();
  lifecycle_ns t;
  for (unsigned o = 0; o < outer; ++o) {
    M m;
    F::prepare(m);
    std::int64_t t0 = now_ns();
    for (std::size_t i = 0; i < n; ++i) F::insert(m, in_order[i], i);
    std::int64_t t1 = now_ns();
    t.insert += double(t1 - t0);
    if (m.size() != n) wrong(F::name, "insert");

    t.find_hit += time_find_hits<F>(m, shuffled, inner, "find_hit");
    if (!all_phases) continue;

    std::uint64_t sum = 0, found = 0;
    t0 = now_ns();
    for (unsigned r = 0; r < inner; ++r) {
      for (const K& k : misses) found += m.find(k) != m.end();
    }
    t1 = now_ns();
    t.find_miss += double(t1 - t0);
    if (found != 0) wrong(F::name, "find_miss");

    sum = 0;
    std::uint64_t seen = 0;
    t0 = now_ns();
    for (unsigned r = 0; r < inner; ++r) {
      for (const auto& kv : m) {
        sum += kv.second;
        ++seen;
      }
    }
    t1 = now_ns();
    t.iterate += double(t1 - t0);
    keep(sum);
    if (seen != std::uint64_t{n} * inner || sum != std::uint64_t{inner} * (n * (n - 1) / 2)) wrong(F::name, "iterate");

    std::size_t erased = 0;
    t0 = now_ns();
    for (const K& k : shuffled) erased += m.erase(k);
    t1 = now_ns();
    t.erase += double(t1 - t0);
    if (erased != n || !m.empty()) wrong(F::name, "erase");
  }
  return t;
}

// insert_reserved, then find_hit_reserved: the same lookups as the
// lifecycle's find_hit, on a map that never grew (so a map that is still
// evacuating, or whose layout depends on its growth history, after the
// lifecycle's inserts is measured both ways). Returns .insert and .find_hit.
template <class F, class M>
lifecycle_ns run_insert_reserved(std::span<const std::uint64_t> in_order, std::span<const std::uint64_t> shuffled,
                                 unsigned outer, unsigned inner) {
  lifecycle_ns t;
  for (unsigned o = 0; o < outer; ++o) {
    M m;
    F::prepare(m);
    F::reserve(m, in_order.size());
    const std::int64_t t0 = now_ns();
    for (std::size_t i = 0; i < in_order.size(); ++i) F::insert(m, in_order[i], i);
    t.insert += double(now_ns() - t0);
    if (m.size() != in_order.size()) wrong(F::name, "insert_reserved");
    t.find_hit += time_find_hits<F>(m, shuffled, inner, "find_hit_reserved");
  }
  return t;
}

// Returns total ns; with `peak` set, runs through a counting-allocator map
// type and returns the peak bytes instead (untimed).
template <class F, class M>
double run_churn(std::size_t live, std::size_t ops, bool peak) {
  const auto k = keys().stream(0, live + ops);
  if (peak) allocation_counter::reset();
  double result;
  {
    M m;
    F::prepare(m);
    for (std::size_t i = 0; i < live; ++i) F::insert(m, k[i], i);
    const std::int64_t t0 = now_ns();
    for (std::size_t j = 0; j < ops; ++j) {
      F::insert(m, k[live + j], j);
      m.erase(k[j]);
    }
    result = double(now_ns() - t0);
    if (m.size() != live) wrong(F::name, "churn");
  }
  return peak ? double(allocation_counter::peak) : result;
}

// Inserts `in_order` into `m`, one TSC read per insert: d[i] = ticks of
// insert i. `d` is touched by the caller beforehand, not while timing. With
// `waits`, also what the slow inserts waited for a core (see time_each in
// common.hpp).
template <class F, class M>
void time_inserts(M& m, std::span<const std::uint64_t> in_order, std::span<std::uint64_t> d,
                  std::vector<run_queue_wait>* waits = nullptr, std::uint64_t slow = 0) {
  time_each(in_order.size(), [&](std::size_t i) { F::insert(m, in_order[i], i); }, d, waits, slow);
}

template <class F, class M>
latency_ns run_latency(std::span<const std::uint64_t> in_order) {
  std::vector<std::uint64_t> d(in_order.size());  // touched now, not while timing
  const long switches = involuntary_switches();
  {
    M m;
    F::prepare(m);
    time_inserts<F>(m, in_order, d);
    if (m.size() != in_order.size()) wrong(F::name, "latency");
  }
  return summarize(d, involuntary_switches() - switches);
}

// The three measuring points of the memory workload; `measure` reads the
// bytes held (allocation counter or RSS) at each.
template <class F, class M, class Measure>
memory_bytes run_memory(std::size_t n, Measure measure) {
  const auto in_order = keys().keys(n);
  const auto shuffled = keys().shuffled(n);
  const std::size_t erase_count = n - n / 10;
  memory_bytes r;
  M m;
  F::prepare(m);
  for (std::size_t i = 0; i < n; ++i) F::insert(m, in_order[i], i);
  r.full = measure(false);
  r.peak = measure(true);
  r.gomap_full = F::gomap_bytes(m);
  for (std::size_t i = 0; i < erase_count; ++i) m.erase(shuffled[i]);
  r.erased90 = measure(false);
  r.gomap_erased90 = F::gomap_bytes(m);
  const auto fresh = keys().misses(n);  // keys new to the map
  F::insert(m, fresh[0], n);
  r.reinsert = measure(false);
  r.gomap_reinsert = F::gomap_bytes(m);
  // Each pair inserts a new key and erases the one inserted before it.
  const std::size_t pairs = std::min<std::size_t>(10'000, n - 1);
  for (std::size_t j = 1; j <= pairs; ++j) {
    F::insert(m, fresh[j], n + j);
    m.erase(fresh[j - 1]);
  }
  r.settled = measure(false);
  r.gomap_settled = F::gomap_bytes(m);
  if (m.size() != n - erase_count + 1) wrong(F::name, "memory");
  return r;
}

// Runs `fn` in a forked child (fresh page accounting, nothing freed into this
// process's heap; glibc's free memory trimmed first) and returns what it computed. The child only reads memory
// the parent prepared, so copy-on-write copies nothing of the key arrays.
template <class Fn>
memory_bytes in_child(Fn fn) {
  int fd[2];
  if (::pipe(fd) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fd[0]);
    memory_bytes r;
    try {
      r = fn();
    } catch (...) {
      ::_exit(1);
    }
    const ssize_t w = ::write(fd[1], &r, sizeof r);
    ::_exit(w == static_cast<ssize_t>(sizeof r) ? 0 : 1);
  }
  ::close(fd[1]);
  memory_bytes r;
  std::size_t got = 0;
  while (got < sizeof r) {
    const ssize_t n = ::read(fd[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got != sizeof r || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("memory_rss: child failed");
  return r;
}

// ---- the subject -------------------------------------------------------------------

template <class F, class Hashing>
class cxx_subject final : public subject {
  using H64 = typename Hashing::template hash<F, std::uint64_t>;
  using HS = typename Hashing::template hash<F, std::string>;
  using M = typename F::template map<std::uint64_t, H64>;
  using MS = typename F::template map<std::string, HS>;
  using MC = typename F::template counted<std::uint64_t, H64>;

 public:
  cxx_subject() : subject(F::name, Hashing::name) {}

  bool has(group g) const override {
    return Hashing::is_default || g == group::core || g == group::churn || g == group::strings;
  }
  bool has_reserve() const override { return F::has_reserve; }

  lifecycle_ns lifecycle(std::size_t n, unsigned outer, unsigned inner) override {
    return run_lifecycle<F, M, std::uint64_t>(keys().keys(n), keys().shuffled(n), keys().misses(n), outer, inner, true);
  }
  lifecycle_ns insert_reserved(std::size_t n, unsigned outer, unsigned inner) override {
    if constexpr (F::has_reserve) {
      return run_insert_reserved<F, M>(keys().keys(n), keys().shuffled(n), outer, inner);
    } else {
      return subject::insert_reserved(n, outer, inner);
    }
  }
  double churn(std::size_t live, std::size_t ops) override { return run_churn<F, M>(live, ops, false); }
  lifecycle_ns strings(std::size_t n, unsigned outer, unsigned inner) override {
    return run_lifecycle<F, MS, std::string>(keys().strings(n), keys().shuffled_strings(n), {}, outer, inner, false);
  }
  latency_ns latency(std::size_t n) override { return run_latency<F, M>(keys().keys(n)); }
  memory_bytes memory(std::size_t n) override {
    allocation_counter::reset();
    return run_memory<F, MC>(
        n, [](bool peak) { return double(peak ? allocation_counter::peak : allocation_counter::current); });
  }
  memory_bytes memory_rss(std::size_t n) override {
    keys().shuffled(n);  // cached before the fork, so the child allocates none of it
    return in_child([n] {
      ::malloc_trim(0);  // return what the parent's heap holds free, so new blocks show as new pages
      reset_peak_rss();
      const double base = double(rss_bytes());
      return run_memory<F, M>(n, [base](bool peak) { return double(peak ? peak_rss_bytes() : rss_bytes()) - base; });
    });
  }
  double churn_peak(std::size_t live, std::size_t ops) override { return run_churn<F, MC>(live, ops, true); }
};

template <class F>
void add_family(subject_list& out) {
  out.push_back(std::make_unique<cxx_subject<F, default_hashing>>());
  if constexpr (F::hashed) out.push_back(std::make_unique<cxx_subject<F, common_hashing>>());
}

}  // namespace gomap_bench

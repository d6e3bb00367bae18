// gomap/sharded_map.hpp: gomap::sharded_map, a concurrent map of 2^k
// gomap::map shards, each under its own lock, with Boost
// concurrent_flat_map's visitation API.
//
//   gomap::sharded_map<std::uint64_t, std::uint64_t> m;      // 64 shards
//   m.insert_or_assign(1, 10);
//   m.visit(1, [](auto& kv) { ++kv.second; });              // under the shard's lock
//   std::uint64_t v = 0;
//   m.cvisit(1, [&](const auto& kv) { v = kv.second; });     // copy out, then use
//
// There are no iterators: a reference to an element would outlive the lock
// that protects it. A visitor runs with its element's shard locked (shared
// for cvisit*, exclusive otherwise); it may read and change the element's
// mapped value, but must not call any member of the same map: the shard lock
// is not re-entrant, so that deadlocks (a build with GOMAP_DEBUG=1 stops the
// process with a message instead). Visitors of the *_all family run shard by
// shard: no snapshot of the whole map; an element present throughout is
// visited exactly once.
//
// SHARD SELECTION AND THE ONE HASH
//   The key is hashed once, with the sharded_map's own seed: h. The shard is
//   bits [56 - k, 56) of h. The shard's gomap::map takes its bucket from the
//   low B bits of the same h and its tophash from the top 8 bits (its hasher
//   is a wrapper that returns h for a pre-hashed key, and recomputes h for a
//   key when evacuating). The three bit ranges are disjoint while
//   B < 56 - k, i.e. for any table that fits in memory (k <= 16): keys of
//   one shard, which all share the shard bits, still spread over all of the
//   shard's buckets and tophash values. The shard map's own per-map seed is
//   not used; the sharded_map's seed plays its role.
//
// THE LOCK: rw_spinlock (internal/locks.hpp), chosen by the `concurrent`
// benchmark against std::mutex and std::shared_mutex at 1, 2, 4 and 8
// threads on 2 cores (docs/concurrency.md has the figures). It spins with
// back-off, then yields the core, so it holds up when threads outnumber cores.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "hash.hpp"
#include "internal/locks.hpp"
#include "internal/misuse.hpp"
#include "map.hpp"
#include "stats.hpp"

namespace gomap {

// The number of shards, a power of two in [1, 65536]; see sharded_map's constructors.
struct shard_count {
  explicit constexpr shard_count(std::size_t n) noexcept : value(n) {}
  std::size_t value;
};

namespace internal {

inline constexpr const char* msg_visitor_reentry =
    "gomap::sharded_map: a visitor called a member of the map it is visiting (this deadlocks on the shard "
    "lock); copy what the visitor needs out of the element, and call the map after the visit returns";

// A key with its sharded_map hash, as the shard maps look it up.
template <class Q>
struct prehashed {
  const Q& key;
  std::uint64_t hash;
};

// The shard maps' hasher: the pre-computed hash, or the same hash recomputed
// from a stored key (evacuation). Ignores the shard map's seed (see above).
template <class K, class Hash>
struct shard_hasher {
  using is_transparent = void;
  using is_seeded = void;
  Hash hash;
  std::uint64_t seed = 0;

  template <class Q>
  std::uint64_t operator()(const prehashed<Q>& p, std::uint64_t) const noexcept {
    return p.hash;
  }
  std::uint64_t operator()(const K& k, std::uint64_t) const noexcept(nothrow_hash<Hash, K>()) {
    return seeded_hash(hash, k, seed);
  }
};

template <class K, class Eq>
struct shard_equal {
  using is_transparent = void;
  Eq eq;

  template <class Q>
  bool operator()(const prehashed<Q>& a, const K& b) const {
    return eq(a.key, b);
  }
  bool operator()(const K& a, const K& b) const { return eq(a, b); }
};

// One shard's map: a gomap::map that can insert under a pre-hashed key and
// construct the element from the real key.
template <class K, class V, class Hash, class Eq, class Alloc>
class shard_table : public gomap::map<K, V, shard_hasher<K, Hash>, shard_equal<K, Eq>, Alloc> {
  using base = gomap::map<K, V, shard_hasher<K, Hash>, shard_equal<K, Eq>, Alloc>;

 public:
  using base::base;
  using typename base::iterator;
  using typename base::value_type;

  template <class Q, class... Args>
  std::pair<iterator, bool> emplace_prehashed(const prehashed<Q>& pk, Args&&... args) {
    return this->t_.find_or_insert(pk, [&](value_type* p) { this->construct(p, std::forward<Args>(args)...); });
  }
};

#if defined(GOMAP_DEBUG) && GOMAP_DEBUG
// The maps whose visitors run on this thread, innermost first.
struct visit_frame {
  const void* map;
  const visit_frame* outer;
};
inline thread_local const visit_frame* visiting = nullptr;

class visit_scope {
 public:
  explicit visit_scope(const void* m) noexcept : frame_{m, visiting} { visiting = &frame_; }
  ~visit_scope() { visiting = frame_.outer; }
  visit_scope(const visit_scope&) = delete;
  visit_scope& operator=(const visit_scope&) = delete;

 private:
  visit_frame frame_;
};

inline void check_not_visiting(const void* m) noexcept {
  for (const visit_frame* f = visiting; f != nullptr; f = f->outer)
    if (f->map == m) fatal(msg_visitor_reentry);
}
#endif

template <class K, class V, class Hash, class Eq, class Alloc, class Lock>
class basic_sharded_map {
  using inner_map = shard_table<K, V, Hash, Eq, Alloc>;

  struct alignas(64) shard {
    mutable Lock lock;
    inner_map map;
  };

 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<const K, V>;
  using init_type = std::pair<K, V>;
  using size_type = std::size_t;
  using hasher = Hash;
  using key_equal = Eq;
  using allocator_type = Alloc;
  using lock_type = Lock;

  static constexpr std::size_t default_shards = 64;
  static constexpr std::size_t max_shards = std::size_t{1} << 16;

  basic_sharded_map() : basic_sharded_map(0) {}
  // `hint`: entries to make room for, spread over the shards (see reserve).
  explicit basic_sharded_map(size_type hint, const Hash& h = Hash(), const Eq& e = Eq(), const Alloc& a = Alloc())
      : basic_sharded_map(hint, gomap::shard_count(default_shards), h, e, a) {}
  // Throws std::invalid_argument unless shards.value is a power of two in
  // [1, 65536].
  basic_sharded_map(size_type hint, gomap::shard_count shards, const Hash& h = Hash(), const Eq& e = Eq(),
                    const Alloc& a = Alloc())
      : hash_(h), seed_(random_u64()), bits_(checked_bits(shards.value)) {
    shards_ = std::make_unique<shard[]>(shard_total());
    const size_type per = per_shard(hint);
    for (size_type i = 0; i < shard_total(); ++i)
      shards_[i].map = inner_map(per, shard_hasher<K, Hash>{h, seed_}, shard_equal<K, Eq>{e}, a);
  }
  basic_sharded_map(const basic_sharded_map&) = delete;
  basic_sharded_map& operator=(const basic_sharded_map&) = delete;

  // ---- insertion: true if the key was absent and is now inserted ----------

  bool insert(const value_type& v) { return emplace_key(v.first, v); }
  // Anything a std::pair<K, V> is built from (a pair of other types, say).
  template <class P>
    requires(std::is_constructible_v<init_type, P &&> && !std::is_same_v<std::remove_cvref_t<P>, value_type>)
  bool insert(P&& p) {
    return emplace(std::forward<P>(p));
  }

  // Builds the element (a std::pair<K, V> from args), then inserts it if its
  // key is absent.
  template <class... A>
  bool emplace(A&&... args) {
    init_type tmp(std::forward<A>(args)...);
    return emplace_key(tmp.first, std::move(tmp));
  }

  // Inserts {key, V(args...)} if the key is absent; otherwise constructs nothing.
  template <class... A>
  bool try_emplace(const K& key, A&&... args) {
    return emplace_key(key, std::piecewise_construct, std::forward_as_tuple(key),
                       std::forward_as_tuple(std::forward<A>(args)...));
  }

  // True if inserted, false if the present value was assigned.
  bool insert_or_assign(const K& key, V value) {
    debug_check();
    const std::uint64_t h = hash_of(key);
    shard& s = shard_of(h);
    std::lock_guard<Lock> lk(s.lock);
    auto [it, inserted] = s.map.emplace_prehashed(prehashed<K>{key, h}, key, std::move(value));
    if (!inserted) it->second = std::move(value);
    return inserted;
  }

  // Inserts v if its key is absent (true); otherwise calls f(element&) on
  // the present element (false). The shard is locked exclusively either way.
  template <class F>
  bool insert_or_visit(const value_type& v, F f) {
    return insert_or_visit_impl(v, f);
  }
  // The same, with f(const element&).
  template <class F>
  bool insert_or_cvisit(const value_type& v, F f) {
    return insert_or_visit_impl(v, [&](value_type& x) { f(std::as_const(x)); });
  }

  // ---- visitation: f runs under the element's shard lock ------------------

  // f(value_type&) on the element of `key`, exclusively locked; returns 1, or 0 if absent.
  template <class F>
  size_type visit(const K& key, F f) {
    return visit_key<true>(key, f);
  }
  template <class F>
  size_type visit(const K& key, F f) const {
    return cvisit(key, f);
  }
  // f(const value_type&), under a shared lock (readers of one shard run together).
  template <class F>
  size_type cvisit(const K& key, F f) const {
    return self().template visit_key<false>(key, [&](value_type& x) { f(std::as_const(x)); });
  }
  template <class Q, class F>
    requires(transparent<Hash> && transparent<Eq> && !std::is_same_v<std::remove_cvref_t<Q>, K>)
  size_type visit(const Q& key, F f) {
    return visit_key<true>(key, f);
  }
  template <class Q, class F>
    requires(transparent<Hash> && transparent<Eq> && !std::is_same_v<std::remove_cvref_t<Q>, K>)
  size_type cvisit(const Q& key, F f) const {
    return self().template visit_key<false>(key, [&](value_type& x) { f(std::as_const(x)); });
  }

  // f(value_type&) on every element, one shard at a time (each locked
  // exclusively while it is visited). Returns how many elements were visited.
  template <class F>
  size_type visit_all(F f) {
    size_type n = 0;
    walk<true>([&](value_type& x) {
      f(x);
      ++n;
      return true;
    });
    return n;
  }
  template <class F>
  size_type visit_all(F f) const {
    return cvisit_all(f);
  }
  template <class F>
  size_type cvisit_all(F f) const {
    size_type n = 0;
    self().template walk<false>([&](const value_type& x) {
      f(x);
      ++n;
      return true;
    });
    return n;
  }
  // visit_all until f returns false; returns false if it stopped early.
  template <class F>
  bool visit_while(F f) {
    return walk<true>([&](value_type& x) { return static_cast<bool>(f(x)); });
  }
  template <class F>
  bool visit_while(F f) const {
    return cvisit_while(f);
  }
  template <class F>
  bool cvisit_while(F f) const {
    return self().template walk<false>([&](const value_type& x) { return static_cast<bool>(f(x)); });
  }

  // ---- erasure -------------------------------------------------------------

  size_type erase(const K& key) {
    return erase_key(key, [](value_type&) { return true; });
  }
  template <class Q>
    requires(transparent<Hash> && transparent<Eq> && !std::is_same_v<std::remove_cvref_t<Q>, K>)
  size_type erase(const Q& key) {
    return erase_key(key, [](value_type&) { return true; });
  }
  // Erases the element of `key` if f(element&) returns true; returns how many (0 or 1).
  template <class F>
  size_type erase_if(const K& key, F f) {
    return erase_key(key, f);
  }
  // Erases every element x with f(x) true, shard by shard; returns how many.
  template <class F>
  size_type erase_if(F f) {
    size_type n = 0;
    for_each_shard<true>([&](shard& s) {
      n += gomap::erase_if(s.map, [&](const value_type& x) { return f(const_cast<value_type&>(x)); });
      return true;
    });
    return n;
  }

  // ---- lookup and size ------------------------------------------------------

  bool contains(const K& key) const { return count(key) != 0; }
  size_type count(const K& key) const {
    return cvisit(key, [](const value_type&) {});
  }
  template <class Q>
    requires(transparent<Hash> && transparent<Eq> && !std::is_same_v<std::remove_cvref_t<Q>, K>)
  bool contains(const Q& key) const {
    return cvisit(key, [](const value_type&) {}) != 0;
  }

  // Sums the shards, each read under its lock: exact when no write runs.
  size_type size() const {
    size_type n = 0;
    self().template for_each_shard<false>([&](shard& s) {
      n += s.map.size();
      return true;
    });
    return n;
  }
  [[nodiscard]] bool empty() const { return size() == 0; }

  void clear() {
    for_each_shard<true>([](shard& s) {
      s.map.clear();
      return true;
    });
  }

  // Makes room for n entries in total: each shard reserves its expected
  // share plus four standard deviations (a shard's count is binomial), so
  // that inserting n keys starts no growth in any shard.
  void reserve(size_type n) {
    const size_type per = per_shard(n);
    for_each_shard<true>([&](shard& s) {
      s.map.reserve(per);
      return true;
    });
  }

  // map_stats summed over the shards (sizes, bucket counts, overflow
  // buckets, tombstones, evacuated, lifetime growth counters, bytes); B is
  // the largest shard's, `growing` and `same_size_grow` whether any shard's is.
  map_stats stats() const {
    map_stats t;
    self().template for_each_shard<false>([&](shard& s) {
      const map_stats x = s.map.stats();
      t.size += x.size;
      t.B = std::max(t.B, x.B);
      t.bucket_count += x.bucket_count;
      t.overflow_buckets += x.overflow_buckets;
      t.growing = t.growing || x.growing;
      t.same_size_grow = t.same_size_grow || x.same_size_grow;
      t.old_bucket_count += x.old_bucket_count;
      t.evacuated += x.evacuated;
      t.tombstones += x.tombstones;
      t.growths += x.growths;
      t.same_size_growths += x.same_size_growths;
      t.shrinks += x.shrinks;
      t.bytes_allocated += x.bytes_allocated;
      return true;
    });
    return t;
  }

  size_type shard_count() const noexcept { return shard_total(); }
  hasher hash_function() const { return hash_; }
  key_equal key_eq() const { return shards_[0].map.key_eq().eq; }
  allocator_type get_allocator() const { return shards_[0].map.get_allocator(); }

 private:
  static unsigned checked_bits(std::size_t n) {
    if (n == 0 || n > max_shards || !std::has_single_bit(n))
      throw std::invalid_argument("gomap::sharded_map: shard count " + std::to_string(n) +
                                  " is not a power of two in [1, 65536] (use e.g. gomap::shard_count(64))");
    return static_cast<unsigned>(std::countr_zero(n));
  }
  size_type shard_total() const noexcept { return size_type{1} << bits_; }
  size_type per_shard(size_type n) const noexcept {
    if (n == 0) return 0;
    const double mean = static_cast<double>(n) / static_cast<double>(shard_total());
    return static_cast<size_type>(mean + 4.0 * std::sqrt(mean)) + 1;
  }

  template <class Q>
  std::uint64_t hash_of(const Q& key) const {
    return seeded_hash(hash_, key, seed_);
  }
  // Bits [56 - k, 56): above any shard's bucket bits, below the tophash byte.
  shard& shard_of(std::uint64_t h) const noexcept { return shards_[(h >> (56 - bits_)) & (shard_total() - 1)]; }

  void debug_check() const noexcept {
#if defined(GOMAP_DEBUG) && GOMAP_DEBUG
    check_not_visiting(this);
#endif
  }
  template <class F>
  decltype(auto) in_visitor(F&& f) const {
#if defined(GOMAP_DEBUG) && GOMAP_DEBUG
    visit_scope scope(this);
#endif
    return f();
  }

  template <class Q, class... Args>
  bool emplace_key(const Q& key, Args&&... args) {
    debug_check();
    const std::uint64_t h = hash_of(key);
    shard& s = shard_of(h);
    std::lock_guard<Lock> lk(s.lock);
    return s.map.emplace_prehashed(prehashed<Q>{key, h}, std::forward<Args>(args)...).second;
  }

  template <class F>
  bool insert_or_visit_impl(const value_type& v, F&& f) {
    debug_check();
    const std::uint64_t h = hash_of(v.first);
    shard& s = shard_of(h);
    std::lock_guard<Lock> lk(s.lock);
    auto [it, inserted] = s.map.emplace_prehashed(prehashed<K>{v.first, h}, v);
    if (!inserted) in_visitor([&] { f(*it); });
    return inserted;
  }

  template <bool Exclusive, class Q, class F>
  size_type visit_key(const Q& key, F&& f) {
    debug_check();
    const std::uint64_t h = hash_of(key);
    shard& s = shard_of(h);
    auto run = [&] {
      auto it = s.map.find(prehashed<Q>{key, h});
      if (it == s.map.end()) return size_type{0};
      in_visitor([&] { f(*it); });
      return size_type{1};
    };
    if constexpr (Exclusive) {
      std::lock_guard<Lock> lk(s.lock);
      return run();
    } else {
      shared_guard<Lock> lk(s.lock);
      return run();
    }
  }

  template <class Q, class F>
  size_type erase_key(const Q& key, F&& f) {
    debug_check();
    const std::uint64_t h = hash_of(key);
    shard& s = shard_of(h);
    std::lock_guard<Lock> lk(s.lock);
    auto it = s.map.find(prehashed<Q>{key, h});
    if (it == s.map.end()) return 0;
    if (!in_visitor([&] { return static_cast<bool>(f(*it)); })) return 0;
    s.map.erase(it);
    return 1;
  }

  // The const members lock too: they call the mutating helpers on a const map.
  basic_sharded_map& self() const noexcept { return const_cast<basic_sharded_map&>(*this); }

  // f(element) for every element, shard by shard, until f returns false;
  // a const element unless Exclusive.
  template <bool Exclusive, class F>
  bool walk(F&& f) {
    return for_each_shard<Exclusive>([&](shard& s) {
      for (auto& x : s.map) {
        if constexpr (Exclusive) {
          if (!f(x)) return false;
        } else {
          if (!f(std::as_const(x))) return false;
        }
      }
      return true;
    });
  }

  // g(shard&) for each shard in order, under its lock, until g returns false.
  template <bool Exclusive, class G>
  bool for_each_shard(G&& g) {
    debug_check();
    for (size_type i = 0; i < shard_total(); ++i) {
      shard& s = shards_[i];
      bool go_on;
      if constexpr (Exclusive) {
        std::lock_guard<Lock> lk(s.lock);
        go_on = in_visitor([&] { return static_cast<bool>(g(s)); });
      } else {
        shared_guard<Lock> lk(s.lock);
        go_on = in_visitor([&] { return static_cast<bool>(g(s)); });
      }
      if (!go_on) return false;
    }
    return true;
  }

  Hash hash_;
  std::uint64_t seed_;
  unsigned bits_;
  std::unique_ptr<shard[]> shards_;
};

}  // namespace internal

// The concurrent map (see the top of this file). The shard count is set at
// construction: gomap::sharded_map<K, V> m(hint, gomap::shard_count(256)).
template <class K, class V, class Hash = gomap::hash<K>, class Eq = std::equal_to<K>,
          class Alloc = std::allocator<std::pair<const K, V>>>
class sharded_map : public internal::basic_sharded_map<K, V, Hash, Eq, Alloc, internal::rw_spinlock> {
  using base = internal::basic_sharded_map<K, V, Hash, Eq, Alloc, internal::rw_spinlock>;

 public:
  using base::base;
  sharded_map() = default;
};

}  // namespace gomap

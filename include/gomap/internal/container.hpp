// gomap/internal/container.hpp: the public API gomap::map and gomap::set share.
//
// A thin layer: every member forwards to the engine (table.hpp) and adds only
// what the std interface asks for (hints, ranges, node handles, merge). The
// guarantees each member gives are written here, at the member.
//
// Invalidation, once for all members:
//   - An insert-family call that inserts a new key may invalidate every
//     iterator, pointer and reference (it may start or advance a growth,
//     which relocates entries). One that finds its key already present
//     changes nothing and invalidates nothing.
//   - Erase invalidates only iterators, pointers and references to the erased
//     entries: nothing is relocated (Go's delete does growth work; gomap's
//     does not, so the erase-while-iterating idiom of std works).
//   - Lookups and iteration invalidate nothing.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../hash.hpp"
#include "../stats.hpp"
#include "node_handle.hpp"
#include "range.hpp"
#include "table.hpp"

namespace gomap::internal {

// Chooses the parameter type of lookups. Written as a member alias of a
// class specialisation (not std::conditional_t) so that K stays deducible.
template <bool Heterogeneous>
struct key_arg_select {
  template <class K, class Key>
  using type = Key;
};
template <>
struct key_arg_select<true> {
  template <class K, class Key>
  using type = K;
};

template <class Policy, class Hash, class Eq, class Alloc, class Observer>
class container {
 protected:
  using table_type = table<Policy, Hash, Eq, Alloc, Observer>;
  static constexpr bool heterogeneous = transparent<Hash> && transparent<Eq>;

 public:
  using key_type = typename Policy::key_type;
  using value_type = typename Policy::value_type;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using hasher = Hash;
  using key_equal = Eq;
  using allocator_type = Alloc;
  using reference = value_type&;
  using const_reference = const value_type&;
  using pointer = typename std::allocator_traits<Alloc>::pointer;
  using const_pointer = typename std::allocator_traits<Alloc>::const_pointer;
  using iterator = typename table_type::iterator;
  using const_iterator = typename table_type::const_iterator;
  using node_type = node_handle<Policy, Alloc>;
  using insert_return_type = internal::insert_return_type<iterator, node_type>;

 protected:
  // With a transparent hasher and equality, lookups take any K the two
  // accept; otherwise K is not deduced and defaults to key_type.
  template <class K>
  using key_arg = typename key_arg_select<heterogeneous>::template type<K, key_type>;

 public:
  // ---- construction -------------------------------------------------------
  // `hint` is a capacity hint in entries (Go's make(map[K]V, hint)), not a
  // bucket count: the table starts at the smallest B that holds `hint`
  // entries at load factor 6.5. A hint of 8 or less allocates nothing until
  // the first insert. Throws std::length_error if hint > max_size().

  // Needs a default-constructible hasher, equality and allocator (without
  // them std::is_default_constructible is false, not an error).
  container() requires std::conjunction_v<std::is_default_constructible<Hash>, std::is_default_constructible<Eq>,
                                          std::is_default_constructible<Alloc>, std::is_default_constructible<Observer>>
  = default;
  explicit container(size_type hint, const hasher& h = hasher(), const key_equal& e = key_equal(),
                     const allocator_type& a = allocator_type())
      : t_(hint, h, e, a) {}
  container(size_type hint, const allocator_type& a) : container(hint, hasher(), key_equal(), a) {}
  container(size_type hint, const hasher& h, const allocator_type& a) : container(hint, h, key_equal(), a) {}
  explicit container(const allocator_type& a) : container(0, hasher(), key_equal(), a) {}

  template <input_iterator_like InputIt>
  container(InputIt first, InputIt last, size_type hint = 0, const hasher& h = hasher(),
            const key_equal& e = key_equal(), const allocator_type& a = allocator_type())
      : container(hint, h, e, a) {
    insert(first, last);
  }
  template <input_iterator_like InputIt>
  container(InputIt first, InputIt last, size_type hint, const allocator_type& a)
      : container(first, last, hint, hasher(), key_equal(), a) {}
  template <input_iterator_like InputIt>
  container(InputIt first, InputIt last, size_type hint, const hasher& h, const allocator_type& a)
      : container(first, last, hint, h, key_equal(), a) {}

  container(std::initializer_list<value_type> il, size_type hint = 0, const hasher& h = hasher(),
            const key_equal& e = key_equal(), const allocator_type& a = allocator_type())
      : container(il.begin(), il.end(), hint, h, e, a) {}
  container(std::initializer_list<value_type> il, size_type hint, const allocator_type& a)
      : container(il.begin(), il.end(), hint, hasher(), key_equal(), a) {}
  container(std::initializer_list<value_type> il, size_type hint, const hasher& h, const allocator_type& a)
      : container(il.begin(), il.end(), hint, h, key_equal(), a) {}

  // Copies are sized for the source's entries (Go's B for that hint) and get
  // a fresh seed, so their iteration order differs from the source's. O(n).
  container(const container& o) = default;
  container(const container& o, const allocator_type& a) : t_(o.t_, a) {}
  // Moves steal the arrays (O(1)); the source is left empty and valid, and
  // iterators into the source stay valid, now into the new container (C++23,
  // LWG 2321). noexcept when the hasher's and the equality's moves are.
  // With an allocator: O(1) as well when it compares equal to the source's
  // (noexcept when allocators always compare equal); otherwise every element
  // is move-constructed into the new arrays (O(n), iterators invalidated)
  // and the source is left empty.
  container(container&& o) = default;
  container(container&& o, const allocator_type& a) noexcept(noexcept(table_type(std::move(o.t_), a)))
      : t_(std::move(o.t_), a) {}

  container& operator=(const container& o) = default;  // strong guarantee
  // With an allocator that propagates or always compares equal: O(1), the
  // source's arrays are taken (its iterators then point into *this).
  // Otherwise, when the allocators differ, every element is move-constructed
  // (never copied, whatever its move may throw), as std requires.
  container& operator=(container&& o) = default;
  container& operator=(std::initializer_list<value_type> il) {
    container tmp(il, il.size(), hash_function(), key_eq(), get_allocator());
    swap(tmp);
    return *this;
  }

  // ---- iterators ----------------------------------------------------------
  // Order: bucket order, deterministic for a given table state, whole chains
  // at a time; during a growth, the old array's unevacuated buckets first.
  // Each entry is visited exactly once, also in the middle of a growth. For
  // Go's randomised, mutation-safe iteration use range() (gomap::map only).
  // begin() is O(buckets) in the worst case (an almost empty large table).

  iterator begin() noexcept { return t_.begin(); }
  const_iterator begin() const noexcept { return t_.begin(); }
  const_iterator cbegin() const noexcept { return t_.begin(); }
  iterator end() noexcept { return t_.end(); }
  const_iterator end() const noexcept { return t_.end(); }
  const_iterator cend() const noexcept { return t_.end(); }

  // ---- size and capacity --------------------------------------------------

  [[nodiscard]] bool empty() const noexcept { return t_.empty(); }
  size_type size() const noexcept { return t_.size(); }
  size_type max_size() const noexcept { return t_.max_size(); }
  // Entries the current bucket array holds before the next insert of a new
  // key starts a doubling growth (6.5 * bucket_count(), or 8 for one bucket).
  size_type capacity() const noexcept { return t_.capacity(); }

  // ---- modifiers ----------------------------------------------------------

  // Destroys every entry and keeps the bucket array for reuse, as Go's
  // clear(m) does; overflow buckets and a growth's old array are freed and
  // the seed is re-drawn. Automatic shrinks will not take the kept array
  // away (clear_and_release() or shrink_to_fit() do). O(buckets).
  // Invalidates everything.
  void clear() noexcept { t_.clear(); }

  // Destroys every entry and frees the bucket arrays: afterwards the
  // container holds no memory until its next insert (bucket_count() == 0).
  // O(buckets). Invalidates everything. Throws std::logic_error (and does
  // nothing) when called from inside range() on the same container.
  void clear_and_release() { t_.clear_and_release(); }

  // Inserts if the key is absent. Amortised O(1): at most two old buckets
  // are evacuated when a growth is in progress. Strong guarantee.
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> insert(const value_type& v) {
    return t_.find_or_insert(Policy::key(v), [&](value_type* p) { construct(p, v); });
  }
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> insert(value_type&& v) {
    return t_.find_or_insert(Policy::key(v), [&](value_type* p) { construct(p, std::move(v)); });
  }
  // The hint is ignored: the bucket is determined by the hash.
  iterator insert(const_iterator, const value_type& v) { return insert(v).first; }
  iterator insert(const_iterator, value_type&& v) { return insert(std::move(v)).first; }
  // Basic guarantee: the entries inserted before an exception stay.
  template <input_iterator_like InputIt>
  void insert(InputIt first, InputIt last) {
    for (; first != last; ++first) emplace(*first);
  }
  void insert(std::initializer_list<value_type> il) { insert(il.begin(), il.end()); }

  // Inserts the node's element if its key is absent (the node is then left
  // empty); otherwise the node comes back in the result, unchanged.
  insert_return_type insert(node_type&& node) {
    if (node.empty()) return {end(), false, node_type()};
    iterator it = insert(cend(), std::move(node));
    if (!node.empty()) return {it, false, std::move(node)};
    return {it, true, node_type()};
  }
  // As insert(node): when the key is present the node stays the caller's,
  // unchanged (std's rule), and the iterator names the entry with that key.
  iterator insert(const_iterator, node_type&& node) {
    if (node.empty()) return end();
    value_type* v = node_access::slot(node);
    auto [it, inserted] = t_.find_or_insert(Policy::key(*v), [&](value_type* p) { transfer(p, v); });
    if (inserted) node_access::reset(node);
    return it;
  }

  // Constructs the element only when its key is absent whenever the key can
  // be read off the arguments (a key and a mapped value, a pair, a
  // piecewise tuple); otherwise builds it first, then looks its key up.
  template <class... Args>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> emplace(Args&&... args) {
    return emplace_impl(std::forward<Args>(args)...);
  }
  template <class... Args>
  iterator emplace_hint(const_iterator, Args&&... args) {
    return emplace(std::forward<Args>(args)...).first;
  }

  // Erases the entry at `pos`, returns the iterator to the next one. O(1)
  // (plus the walk to the next live slot). Relocates nothing: only
  // iterators to the erased entry are invalidated.
  GOMAP_INTERNAL_INLINE iterator erase(const_iterator pos) noexcept {
    const_iterator next = pos;
    ++next;
    t_.erase_at(pos);
    return unconst(next);
  }
  GOMAP_INTERNAL_INLINE iterator erase(iterator pos) noexcept requires(!std::is_same_v<iterator, const_iterator>) {
    return erase(const_iterator(pos));
  }
  iterator erase(const_iterator first, const_iterator last) noexcept {
    while (first != last) first = erase(first);
    return unconst(last);
  }
  // Erases the entry with this key, if any; returns how many were erased (0 or 1).
  template <class K = key_type>
  requires(!std::is_convertible_v<const K&, const_iterator>) GOMAP_INTERNAL_INLINE size_type erase(const key_arg<K>& key) {
    return t_.erase_key(key);
  }

  // Swaps contents, hashers, equalities (and allocators when they propagate
  // on swap). O(1). Iterators, pointers and references stay valid and refer
  // to the same elements, now in the other container (an iterator reaches
  // its table through the arrays it walks, so it follows them).
  void swap(container& o) noexcept(noexcept(std::declval<table_type&>().swap(std::declval<table_type&>()))) {
    t_.swap(o.t_);
  }
  friend void swap(container& a, container& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }

  // Moves the element out into a node handle and erases its slot.
  node_type extract(const_iterator pos) {
    node_type node;
    t_.extract_at(pos, [&](value_type* v) {
      node_access::emplace(node, get_allocator(), [&](value_type* p) { transfer(p, v); });
    });
    return node;
  }
  template <class K = key_type>
  requires(!std::is_convertible_v<const K&, const_iterator>) node_type extract(const key_arg<K>& key) {
    auto it = find(key);
    return it == end() ? node_type() : extract(it);
  }

  // Moves into *this every element of `source` whose key is absent here;
  // the others stay in `source`. Source iterators to moved elements are
  // invalidated; this container's, if anything is inserted.
  template <class H2, class E2, class O2>
  void merge(container<Policy, H2, E2, Alloc, O2>& source) {
    for (auto it = source.begin(); it != source.end();) {
      if (contains(Policy::key(*it))) {
        ++it;
        continue;
      }
      auto next = std::next(it);
      insert(source.extract(it));
      it = next;
    }
  }
  template <class H2, class E2, class O2>
  void merge(container<Policy, H2, E2, Alloc, O2>&& source) {
    merge(source);
  }

  // ---- Go's range ---------------------------------------------------------

  // Go's `for k, v := range m`: calls f(key, value) for a map, f(key) for a
  // set, for every entry, in an order randomised per call (start bucket and
  // in-bucket offset, as Go). f may return bool: false stops the range.
  // f may insert and erase (and clear): an entry present for the whole range
  // is produced exactly once, one erased before it is reached is not
  // produced, one inserted during the range may or may not be, never twice.
  // While a range runs, evacuation waits (a growth may start; nothing
  // relocates until the range ends; see range.hpp). reserve, rehash,
  // shrink_to_fit and clear_and_release throw std::logic_error inside f;
  // swapping or assigning the map inside f ends the process. O(buckets + n).
  template <class F>
  void range(F&& f) {
    range_walker::walk(t_, [&](value_type& v) -> decltype(auto) {
      if constexpr (Policy::is_map) {
        return f(std::as_const(v.first), v.second);
      } else {
        return f(std::as_const(v));
      }
    });
  }
  template <class F>
  void range(F&& f) const {
    range_walker::walk(t_, [&](const value_type& v) -> decltype(auto) {
      if constexpr (Policy::is_map) {
        return f(v.first, v.second);
      } else {
        return f(v);
      }
    });
  }

  // ---- lookup -------------------------------------------------------------
  // O(1) average. During a growth a lookup consults the key's old bucket
  // when it has not been evacuated yet.

  template <class K = key_type>
  GOMAP_INTERNAL_INLINE iterator find(const key_arg<K>& key) {
    return t_.find(key);
  }
  template <class K = key_type>
  GOMAP_INTERNAL_INLINE const_iterator find(const key_arg<K>& key) const {
    return t_.find(key);
  }
  template <class K = key_type>
  GOMAP_INTERNAL_INLINE bool contains(const key_arg<K>& key) const {
    return t_.contains(key);
  }
  // 0 or 1 for a key_type argument. For another key type (a transparent
  // hasher and equality), the number of stored keys equivalent to it, which
  // may be more than one where the equality is coarser than the keys' own.
  template <class K = key_type>
  GOMAP_INTERNAL_INLINE size_type count(const key_arg<K>& key) const {
    if constexpr (heterogeneous && !std::is_same_v<std::remove_cvref_t<K>, key_type>) {
      return t_.count_equivalent(key);
    } else {
      return t_.contains(key) ? 1 : 0;
    }
  }
  // [find(key), std::next(find(key))), or {end(), end()}. Differs from std: with a transparent equality under which
  // several stored keys are equivalent to `key`, the range holds the first one found only (they are not adjacent in a
  // bucket chain, so no range could hold all of them); count() gives their number, iteration with key_eq() finds them.
  template <class K = key_type>
  std::pair<iterator, iterator> equal_range(const key_arg<K>& key) {
    auto it = find(key);
    return {it, it == end() ? it : std::next(it)};
  }
  template <class K = key_type>
  std::pair<const_iterator, const_iterator> equal_range(const key_arg<K>& key) const {
    auto it = find(key);
    return {it, it == end() ? it : std::next(it)};
  }

  // ---- buckets and growth -------------------------------------------------

  // 2^B, or 0 before the first allocation.
  size_type bucket_count() const noexcept { return t_.bucket_count(); }
  // Entries per bucket: Go's load measure (grows at 6.5). Differs from std:
  // a one-bucket table (B = 0) holds up to 8 entries before it doubles (Go's
  // `count > bucketCnt` rule), so load_factor() reaches 8 there while
  // max_load_factor() says 6.5; from two buckets on it never exceeds 6.5.
  float load_factor() const noexcept {
    return bucket_count() ? static_cast<float>(size()) / static_cast<float>(bucket_count()) : 0.0f;
  }
  // Always 6.5, Go's load factor: growth points are part of gomap's contract.
  float max_load_factor() const noexcept {
    return static_cast<float>(load_factor_num) / static_cast<float>(load_factor_den);
  }
  // Accepted for std compatibility and ignored (as absl does): the load
  // factor is fixed at 6.5.
  void max_load_factor(float) noexcept {}
  // Makes room for `n` entries (a capacity hint, as the constructor's):
  // completes any growth in progress, then doubles to Go's B for n. A whole-
  // table operation, O(n + buckets). Throws std::length_error, leaving the
  // container unchanged, if n > max_size(); otherwise basic guarantee.
  void reserve(size_type n) { t_.reserve(n); }
  // Sets the bucket count to the smallest power of two >= n that also holds
  // size() entries, growing or shrinking to it now (a whole-table call,
  // incremental evacuation run to completion), also when the map is empty
  // (it then keeps an array of that many buckets). rehash(0) ==
  // shrink_to_fit().
  void rehash(size_type n) { t_.rehash(n); }
  // Shrinks the bucket array to the smallest B that holds size() entries
  // (Go's B for hint size()), and lets automatic shrinks go down to 16
  // buckets again. O(n + buckets); invalidates everything. Basic guarantee.
  void shrink_to_fit() { t_.shrink_to_fit(); }

  // Memory that comes back (gomap, not Go). With shrink_policy::shrink (the
  // default), once erases bring the load below 1.625 entries per bucket (a
  // quarter of 6.5), the next insert of a new key starts a shrinking growth:
  // it evacuates old buckets into an array sized for twice the entries (load
  // <= 3.25), incrementally, at most 32 entries or 1024 buckets per insert.
  // Automatic shrinks never go below 16 buckets, nor below what a capacity
  // hint, reserve() or clear() asked for. shrink_policy::never is Go's
  // behaviour: the array never shrinks (overflow chains are still compacted
  // by same-size growths). O(1); takes effect at the next insert.
  void set_shrink_policy(gomap::shrink_policy p) noexcept { t_.set_shrink_policy(p); }
  gomap::shrink_policy shrink_policy() const noexcept { return t_.get_shrink_policy(); }

  // ---- observers ----------------------------------------------------------

  hasher hash_function() const { return t_.hash_function(); }
  key_equal key_eq() const { return t_.key_eq(); }
  allocator_type get_allocator() const { return t_.get_allocator(); }

  // A snapshot of the table (map_stats, stats.hpp). O(1): every field is a
  // counter kept exact by the engine (the table checker verifies them), so it
  // may be sampled as often as wanted. gomap::detailed_stats() walks the
  // chains for histograms and entropy.
  map_stats stats() const noexcept { return t_.stats(); }

  // The observer growth events go to (see observe/events.hpp).
  Observer& observer() noexcept { return t_.observer(); }
  const Observer& observer() const noexcept { return t_.observer(); }

  friend bool operator==(const container& a, const container& b) {
    if (a.size() != b.size()) return false;
    for (const auto& v : a) {
      auto it = b.find(Policy::key(v));
      if (it == b.end()) return false;
      if constexpr (Policy::is_map) {
        if (!(it->second == v.second)) return false;
      }
    }
    return true;
  }

 protected:
  friend struct table_access;

  template <class... Args>
  void construct(value_type* p, Args&&... args) {
    auto a = t_.get_allocator();
    Policy::construct(a, p, std::forward<Args>(args)...);
  }
  void transfer(value_type* dst, value_type* src) {
    auto a = t_.get_allocator();
    Policy::transfer(a, dst, src);
  }

  static iterator unconst(const_iterator it) noexcept { return table_access::unconst<iterator>(it); }

  // Builds the element first, then inserts it by moving (or drops it).
  template <class... Args>
  std::pair<iterator, bool> emplace_built(Args&&... args) {
    node_type tmp;
    node_access::emplace(tmp, get_allocator(), [&](value_type* p) { construct(p, std::forward<Args>(args)...); });
    auto r = insert(std::move(tmp));
    return {r.position, r.inserted};
  }

  template <class... Args>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> emplace_impl(Args&&... args) {
    if constexpr (sizeof...(Args) == 1) {
      return emplace_one(std::forward<Args>(args)...);
    } else if constexpr (Policy::is_map && sizeof...(Args) == 2) {
      return emplace_map_two(std::forward<Args>(args)...);
    } else if constexpr (Policy::is_map && sizeof...(Args) == 3) {
      return emplace_piecewise(std::forward<Args>(args)...);
    } else {
      return emplace_built(std::forward<Args>(args)...);
    }
  }

  template <class A>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> emplace_one(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, value_type>) {
      return insert(std::forward<A>(a));
    } else if constexpr (Policy::is_map) {
      return emplace_map_one(std::forward<A>(a));
    } else if constexpr (std::is_same_v<std::remove_cvref_t<A>, key_type>) {
      return insert(std::forward<A>(a));
    } else {
      return emplace_built(std::forward<A>(a));
    }
  }

  // emplace(pair-like p): the key is p.first when it already is a key_type.
  // Anything else (a type that only converts to value_type) is converted
  // once, into the node emplace_built builds.
  template <class P>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> emplace_map_one(P&& p) {
    if constexpr (has_key_first<P>) {
      const key_type& k = p.first;
      return t_.find_or_insert(k, [&](value_type* slot) { construct(slot, std::forward<P>(p)); });
    } else {
      return emplace_built(std::forward<P>(p));
    }
  }
  template <class P>
  static constexpr bool has_key_first = [] {
    if constexpr (requires(P & p) { p.first; }) {
      return std::is_same_v<std::remove_cvref_t<decltype(std::declval<P&>().first)>, key_type>;
    } else {
      return false;
    }
  }();

  // emplace(k, v): no element is built when k (a key_type) is present.
  template <class K, class V>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> emplace_map_two(K&& k, V&& v) {
    if constexpr (std::is_same_v<std::remove_cvref_t<K>, key_type>) {
      const key_type& key = k;
      return t_.find_or_insert(key, [&](value_type* slot) {
        construct(slot, std::piecewise_construct, std::forward_as_tuple(std::forward<K>(k)),
                  std::forward_as_tuple(std::forward<V>(v)));
      });
    } else {
      return emplace_built(std::forward<K>(k), std::forward<V>(v));
    }
  }

  // emplace(piecewise_construct, tuple(key), tuple(args...)).
  template <class A, class KT, class VT>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> emplace_piecewise(A&& a, KT&& kt, VT&& vt) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, std::piecewise_construct_t> &&
                  std::tuple_size_v<std::remove_cvref_t<KT>> == 1) {
      using K0 = std::remove_cvref_t<std::tuple_element_t<0, std::remove_cvref_t<KT>>>;
      if constexpr (std::is_same_v<K0, key_type>) {
        const key_type& key = std::get<0>(kt);
        return t_.find_or_insert(key, [&](value_type* slot) {
          construct(slot, std::piecewise_construct, std::forward<KT>(kt), std::forward<VT>(vt));
        });
      } else {
        return emplace_built(std::forward<A>(a), std::forward<KT>(kt), std::forward<VT>(vt));
      }
    } else {
      return emplace_built(std::forward<A>(a), std::forward<KT>(kt), std::forward<VT>(vt));
    }
  }

  table_type t_;
};

}  // namespace gomap::internal

// gomap/map.hpp: gomap::map, Go's hash map behind the std::unordered_map API.
//
//   gomap::map<std::string, int> m(1000);   // capacity hint, as Go's make(map[string]int, 1000)
//   m["a"] = 1;
//   m.find(std::string_view("a"));          // transparent: no std::string built
//   gomap::map_stats s = m.stats();         // B, growth in progress, overflow buckets...
//
// Differences from std::unordered_map, all deliberate:
//   - Open addressing in 8-slot buckets with overflow chains; inserting a new
//     key may invalidate every iterator and reference (see container.hpp).
//     Erase invalidates only the erased entry's.
//   - No bucket interface (bucket(), begin(n), ...): buckets are Go's, not std's.
//   - Growth is incremental: no single insert rehashes the table.
//   - Concurrent misuse (a write racing anything) ends the process with Go's
//     message instead of corrupting memory.
#pragma once

#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <memory_resource>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "hash.hpp"
#include "internal/container.hpp"
#include "internal/policy.hpp"
#include "observe/events.hpp"
#include "stats.hpp"

namespace gomap {

template <class K, class V, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>,
          class Alloc = std::allocator<std::pair<const K, V>>, class Observer = gomap::no_observer>
class map : public internal::container<internal::map_policy<K, V>, Hash, Eq, Alloc, Observer> {
  using base = internal::container<internal::map_policy<K, V>, Hash, Eq, Alloc, Observer>;
  template <class T>
  using key_arg = typename base::template key_arg<T>;

 public:
  using mapped_type = V;
  using typename base::const_iterator;
  using typename base::iterator;
  using typename base::key_type;
  using typename base::size_type;
  using typename base::value_type;

  using base::base;
  map() requires std::is_default_constructible_v<base>
  = default;
  // The swap `using std::swap; swap(a, b);` and std::ranges::swap find: the
  // base's hidden friend takes the base class, so without this one
  // std::swap's three moves would win (element by element between unequal
  // allocators, the allocators left where they were).
  friend void swap(map& a, map& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }
  // Copy and move with another allocator. Declared here (the inherited
  // constructors give no deduction guides) with the allocator in a
  // non-deduced context, so that gomap::map m2(m, alloc) deduces m's type
  // and `alloc` may be anything that converts to Alloc (P1518R2).
  map(const map& o, const std::type_identity_t<Alloc>& a) : base(o, a) {}
  map(map&& o,
      const std::type_identity_t<Alloc>& a) noexcept(std::is_nothrow_constructible_v<base, base&&, const Alloc&>)
      : base(std::move(o), a) {}
  map(std::initializer_list<value_type> il, size_type hint = 0, const Hash& h = Hash(), const Eq& e = Eq(),
      const Alloc& a = Alloc())
      : base(il, hint, h, e, a) {}
  map& operator=(std::initializer_list<value_type> il) {
    base::operator=(il);
    return *this;
  }

  using base::insert;
  // Inserts anything value_type is constructible from (e.g. std::pair<K, V>).
  template <class P, class = std::enable_if_t<std::is_constructible_v<value_type, P&&> &&
                                              !std::is_same_v<std::remove_cvref_t<P>, value_type>>>
  std::pair<iterator, bool> insert(P&& p) {
    return this->emplace(std::forward<P>(p));
  }
  template <class P, class = std::enable_if_t<std::is_constructible_v<value_type, P&&> &&
                                              !std::is_same_v<std::remove_cvref_t<P>, value_type>>>
  iterator insert(const_iterator, P&& p) {
    return insert(std::forward<P>(p)).first;
  }

  // Inserts {key, V(args...)} when the key is absent; when it is present,
  // nothing is constructed, `args` are not moved from, nothing is
  // invalidated. Strong guarantee. With a transparent hasher and equality
  // the key may be any type key_type is constructible from (built only when
  // inserted).
  template <class KeyLike = key_type, class... Args>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> try_emplace(const key_arg<KeyLike>& key, Args&&... args) {
    return try_emplace_impl(key, std::forward<Args>(args)...);
  }
  template <class... Args>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> try_emplace(key_type&& key, Args&&... args) {
    return try_emplace_impl(std::move(key), std::forward<Args>(args)...);
  }
  template <class KeyLike = key_type, class... Args>
  iterator try_emplace(const_iterator, const key_arg<KeyLike>& key, Args&&... args) {
    return try_emplace(key, std::forward<Args>(args)...).first;
  }
  template <class... Args>
  iterator try_emplace(const_iterator, key_type&& key, Args&&... args) {
    return try_emplace(std::move(key), std::forward<Args>(args)...).first;
  }

  // Inserts {key, obj}, or assigns obj to the mapped value of a present key.
  // Strong guarantee for the insert; for the assignment, V's.
  template <class M, class KeyLike = key_type>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> insert_or_assign(const key_arg<KeyLike>& key, M&& obj) {
    return insert_or_assign_impl(key, std::forward<M>(obj));
  }
  template <class M>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> insert_or_assign(key_type&& key, M&& obj) {
    return insert_or_assign_impl(std::move(key), std::forward<M>(obj));
  }
  template <class M, class KeyLike = key_type>
  iterator insert_or_assign(const_iterator, const key_arg<KeyLike>& key, M&& obj) {
    return insert_or_assign(key, std::forward<M>(obj)).first;
  }
  template <class M>
  iterator insert_or_assign(const_iterator, key_type&& key, M&& obj) {
    return insert_or_assign(std::move(key), std::forward<M>(obj)).first;
  }

  // The mapped value of `key`, value-initialised and inserted when absent.
  template <class KeyLike = key_type>
  GOMAP_INTERNAL_INLINE V& operator[](const key_arg<KeyLike>& key) {
    return try_emplace(key).first->second;
  }
  GOMAP_INTERNAL_INLINE V& operator[](key_type&& key) { return try_emplace(std::move(key)).first->second; }

  // The mapped value of `key`; throws std::out_of_range when it is absent.
  template <class KeyLike = key_type>
  V& at(const key_arg<KeyLike>& key) {
    auto it = this->find(key);
    if (it == this->end()) throw std::out_of_range("gomap::map::at: key not found");
    return it->second;
  }
  template <class KeyLike = key_type>
  const V& at(const key_arg<KeyLike>& key) const {
    auto it = this->find(key);
    if (it == this->end()) throw std::out_of_range("gomap::map::at: key not found");
    return it->second;
  }

 private:
  template <class KK, class... Args>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> try_emplace_impl(KK&& key, Args&&... args) {
    return this->t_.find_or_insert(key, [&](value_type* p) {
      this->construct(p, std::piecewise_construct, std::forward_as_tuple(std::forward<KK>(key)),
                      std::forward_as_tuple(std::forward<Args>(args)...));
    });
  }
  template <class KK, class M>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> insert_or_assign_impl(KK&& key, M&& obj) {
    auto r = this->t_.find_or_insert(
        key, [&](value_type* p) { this->construct(p, std::forward<KK>(key), std::forward<M>(obj)); });
    if (!r.second) r.first->second = std::forward<M>(obj);
    return r;
  }
};

// Erases every entry for which pred(entry) is true; returns how many.
// Relocates nothing, so it is one pass.
template <class K, class V, class H, class E, class A, class O, class Pred>
typename map<K, V, H, E, A, O>::size_type erase_if(map<K, V, H, E, A, O>& m, Pred pred) {
  typename map<K, V, H, E, A, O>::size_type n = 0;
  for (auto it = m.begin(); it != m.end();) {
    if (pred(std::as_const(*it))) {
      it = m.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

// ---- deduction guides ------------------------------------------------------

namespace internal {
template <class It>
using iter_key_t = std::remove_const_t<typename std::iterator_traits<It>::value_type::first_type>;
template <class It>
using iter_val_t = typename std::iterator_traits<It>::value_type::second_type;
template <class It>
using iter_to_alloc_t = std::pair<std::add_const_t<iter_key_t<It>>, iter_val_t<It>>;
}  // namespace internal

template <class InputIt, class Hash = gomap::hash<internal::iter_key_t<InputIt>>,
          class Eq = gomap::default_equal<internal::iter_key_t<InputIt>>,
          class Alloc = std::allocator<internal::iter_to_alloc_t<InputIt>>>
requires(internal::input_iterator_like<InputIt> && !internal::allocator_like<Hash> && !internal::allocator_like<Eq> &&
         internal::allocator_like<Alloc>)
    map(InputIt, InputIt, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
->map<internal::iter_key_t<InputIt>, internal::iter_val_t<InputIt>, Hash, Eq, Alloc>;

template <class K, class V, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>,
          class Alloc = std::allocator<std::pair<const K, V>>>
requires(!internal::allocator_like<Hash> && !internal::allocator_like<Eq> && internal::allocator_like<Alloc>)
    map(std::initializer_list<std::pair<K, V>>, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
->map<K, V, Hash, Eq, Alloc>;

template <class InputIt, class Alloc>
requires(internal::input_iterator_like<InputIt>&& internal::allocator_like<Alloc>)
    map(InputIt, InputIt, std::size_t, Alloc)
->map<internal::iter_key_t<InputIt>, internal::iter_val_t<InputIt>, gomap::hash<internal::iter_key_t<InputIt>>,
      gomap::default_equal<internal::iter_key_t<InputIt>>, Alloc>;

template <class InputIt, class Hash, class Alloc>
requires(internal::input_iterator_like<InputIt> && !internal::allocator_like<Hash> && internal::allocator_like<Alloc>)
    map(InputIt, InputIt, std::size_t, Hash, Alloc)
->map<internal::iter_key_t<InputIt>, internal::iter_val_t<InputIt>, Hash,
      gomap::default_equal<internal::iter_key_t<InputIt>>, Alloc>;

template <class K, class V, class Alloc>
requires internal::allocator_like<Alloc> map(std::initializer_list<std::pair<K, V>>, std::size_t, Alloc)
->map<K, V, gomap::hash<K>, gomap::default_equal<K>, Alloc>;

template <class K, class V, class Hash, class Alloc>
requires(!internal::allocator_like<Hash> && internal::allocator_like<Alloc>)
    map(std::initializer_list<std::pair<K, V>>, std::size_t, Hash, Alloc)
->map<K, V, Hash, gomap::default_equal<K>, Alloc>;

namespace pmr {
template <class K, class V, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>>
using map = gomap::map<K, V, Hash, Eq, std::pmr::polymorphic_allocator<std::pair<const K, V>>>;
}  // namespace pmr

}  // namespace gomap

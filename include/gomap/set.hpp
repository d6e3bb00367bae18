// gomap/set.hpp: gomap::set, the same engine as gomap::map with keys only.
// Every guarantee of container.hpp holds; a set's iterators are const.
#pragma once

#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <memory_resource>
#include <type_traits>
#include <utility>

#include "hash.hpp"
#include "internal/container.hpp"
#include "internal/policy.hpp"
#include "observe/events.hpp"
#include "stats.hpp"

namespace gomap {

template <class K, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>, class Alloc = std::allocator<K>,
          class Observer = gomap::no_observer>
class set : public internal::container<internal::set_policy<K>, Hash, Eq, Alloc, Observer> {
  using base = internal::container<internal::set_policy<K>, Hash, Eq, Alloc, Observer>;

 public:
  using typename base::size_type;
  using typename base::value_type;

  using base::base;
  set() requires std::is_default_constructible_v<base>
  = default;
  // Copy and move with another allocator (see map.hpp: deducible, and the
  // allocator argument may be anything that converts to Alloc).
  set(const set& o, const std::type_identity_t<Alloc>& a) : base(o, a) {}
  set(set&& o,
      const std::type_identity_t<Alloc>& a) noexcept(std::is_nothrow_constructible_v<base, base&&, const Alloc&>)
      : base(std::move(o), a) {}
  set(std::initializer_list<value_type> il, size_type hint = 0, const Hash& h = Hash(), const Eq& e = Eq(),
      const Alloc& a = Alloc())
      : base(il, hint, h, e, a) {}
  set& operator=(std::initializer_list<value_type> il) {
    base::operator=(il);
    return *this;
  }
};

// Erases every key for which pred(key) is true; returns how many.
template <class K, class H, class E, class A, class O, class Pred>
typename set<K, H, E, A, O>::size_type erase_if(set<K, H, E, A, O>& s, Pred pred) {
  typename set<K, H, E, A, O>::size_type n = 0;
  for (auto it = s.begin(); it != s.end();) {
    if (pred(*it)) {
      it = s.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

template <class It>
using set_iter_value_t = typename std::iterator_traits<It>::value_type;

template <class InputIt, class Hash = gomap::hash<set_iter_value_t<InputIt>>,
          class Eq = gomap::default_equal<set_iter_value_t<InputIt>>,
          class Alloc = std::allocator<set_iter_value_t<InputIt>>>
requires(!internal::allocator_like<Hash> && !internal::allocator_like<Eq> && internal::allocator_like<Alloc>)
    set(InputIt, InputIt, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
->set<set_iter_value_t<InputIt>, Hash, Eq, Alloc>;

template <class K, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>, class Alloc = std::allocator<K>>
requires(!internal::allocator_like<Hash> && !internal::allocator_like<Eq> && internal::allocator_like<Alloc>)
    set(std::initializer_list<K>, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
->set<K, Hash, Eq, Alloc>;

template <class InputIt, class Alloc>
requires internal::allocator_like<Alloc> set(InputIt, InputIt, std::size_t, Alloc)
->set<set_iter_value_t<InputIt>, gomap::hash<set_iter_value_t<InputIt>>,
      gomap::default_equal<set_iter_value_t<InputIt>>, Alloc>;

template <class InputIt, class Hash, class Alloc>
requires(!internal::allocator_like<Hash> && internal::allocator_like<Alloc>)
    set(InputIt, InputIt, std::size_t, Hash, Alloc)
->set<set_iter_value_t<InputIt>, Hash, gomap::default_equal<set_iter_value_t<InputIt>>, Alloc>;

template <class K, class Alloc>
requires internal::allocator_like<Alloc> set(std::initializer_list<K>, std::size_t, Alloc)
->set<K, gomap::hash<K>, gomap::default_equal<K>, Alloc>;

template <class K, class Hash, class Alloc>
requires(!internal::allocator_like<Hash> && internal::allocator_like<Alloc>)
    set(std::initializer_list<K>, std::size_t, Hash, Alloc)
->set<K, Hash, gomap::default_equal<K>, Alloc>;

namespace pmr {
template <class K, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>>
using set = gomap::set<K, Hash, Eq, std::pmr::polymorphic_allocator<K>>;
}  // namespace pmr

}  // namespace gomap

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
  set() = default;
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

template <class InputIt, class Hash = gomap::hash<typename std::iterator_traits<InputIt>::value_type>,
          class Eq = gomap::default_equal<typename std::iterator_traits<InputIt>::value_type>,
          class Alloc = std::allocator<typename std::iterator_traits<InputIt>::value_type>>
set(InputIt, InputIt, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc())
    -> set<typename std::iterator_traits<InputIt>::value_type, Hash, Eq, Alloc>;

template <class K, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>, class Alloc = std::allocator<K>>
set(std::initializer_list<K>, std::size_t = 0, Hash = Hash(), Eq = Eq(), Alloc = Alloc()) -> set<K, Hash, Eq, Alloc>;

template <class InputIt, class Alloc>
set(InputIt, InputIt, std::size_t, Alloc)
    -> set<typename std::iterator_traits<InputIt>::value_type,
           gomap::hash<typename std::iterator_traits<InputIt>::value_type>,
           gomap::default_equal<typename std::iterator_traits<InputIt>::value_type>, Alloc>;

template <class K, class Alloc>
set(std::initializer_list<K>, std::size_t, Alloc) -> set<K, gomap::hash<K>, gomap::default_equal<K>, Alloc>;

namespace pmr {
template <class K, class Hash = gomap::hash<K>, class Eq = gomap::default_equal<K>>
using set = gomap::set<K, Hash, Eq, std::pmr::polymorphic_allocator<K>>;
}  // namespace pmr

}  // namespace gomap

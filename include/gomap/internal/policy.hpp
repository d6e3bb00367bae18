// gomap/internal/policy.hpp: what differs between a map and a set, for the engine.
//
// A policy names the stored type, how to get the key out of it, and how to
// construct, destroy and transfer (move during evacuation) an element, and
// how to move-construct one (a move across unequal allocators).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace gomap::internal {

// Transfer rule shared by both policies: move when the whole element moves
// without throwing, else copy (the original then stays intact until the
// evacuating bucket commits, so a throwing copy loses nothing). A type that
// can neither move without throwing nor be copied is moved anyway; an
// exception from that move during evacuation terminates the program.
template <bool NothrowMove, bool Copyable>
inline constexpr bool transfer_moves_v = NothrowMove || !Copyable;

template <class K, class V>
struct map_policy {
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<const K, V>;
  static constexpr bool is_map = true;
  static constexpr bool const_iterators = false;

  static const K& key(const value_type& v) noexcept { return v.first; }

  template <class A, class... Args>
  static void construct(A& a, value_type* p, Args&&... args) {
    std::allocator_traits<A>::construct(a, p, std::forward<Args>(args)...);
  }
  template <class A>
  static void destroy(A& a, value_type* p) noexcept {
    std::allocator_traits<A>::destroy(a, p);
  }

  static constexpr bool nothrow_move =
      std::is_nothrow_move_constructible_v<K> && std::is_nothrow_move_constructible_v<V>;
  static constexpr bool transfer_moves = transfer_moves_v < nothrow_move,
                        std::is_copy_constructible_v<K>&&std::is_copy_constructible_v < V >>
      ;

  // The key of a stored pair is const to users; the engine moves it when it
  // relocates the element and destroys the source right after, the same
  // liberty every open-addressing map with pair<const K, V> slots takes.
  template <class A>
  static void move_construct(A& a, value_type* dst, value_type* src) noexcept(nothrow_move) {
    construct(a, dst, std::move(const_cast<K&>(src->first)), std::move(src->second));
  }
  template <class A>
  static void transfer(A& a, value_type* dst, value_type* src) noexcept(nothrow_move) {
    if constexpr (transfer_moves) {
      move_construct(a, dst, src);
    } else {
      construct(a, dst, std::as_const(*src));
    }
  }
};

template <class K>
struct set_policy {
  using key_type = K;
  using value_type = K;
  static constexpr bool is_map = false;
  static constexpr bool const_iterators = true;  // a set's elements are its keys

  static const K& key(const value_type& v) noexcept { return v; }

  template <class A, class... Args>
  static void construct(A& a, value_type* p, Args&&... args) {
    std::allocator_traits<A>::construct(a, p, std::forward<Args>(args)...);
  }
  template <class A>
  static void destroy(A& a, value_type* p) noexcept {
    std::allocator_traits<A>::destroy(a, p);
  }

  static constexpr bool nothrow_move = std::is_nothrow_move_constructible_v<K>;
  static constexpr bool transfer_moves = transfer_moves_v<nothrow_move, std::is_copy_constructible_v<K>>;

  template <class A>
  static void move_construct(A& a, value_type* dst, value_type* src) noexcept(nothrow_move) {
    construct(a, dst, std::move(*src));
  }
  template <class A>
  static void transfer(A& a, value_type* dst, value_type* src) noexcept(nothrow_move) {
    if constexpr (transfer_moves) {
      move_construct(a, dst, src);
    } else {
      construct(a, dst, std::as_const(*src));
    }
  }
};

}  // namespace gomap::internal

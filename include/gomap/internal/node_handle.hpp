// gomap/internal/node_handle.hpp: the node handle of extract() and insert(node_type&&).
//
// A flat table has no nodes, so, as in absl, a node handle owns the element
// itself (moved out of its slot) together with a copy of the allocator.
#pragma once

#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace gomap::internal {

struct node_access;

template <class Policy, class Alloc>
class node_handle {
  using value_type = typename Policy::value_type;
  using traits = std::allocator_traits<Alloc>;

 public:
  using allocator_type = Alloc;
  using key_type = typename Policy::key_type;

  constexpr node_handle() noexcept = default;
  node_handle(node_handle&& o) noexcept(std::is_nothrow_move_constructible_v<value_type>) { take(o); }
  // Self-move-assignment (n = std::move(n)) leaves the node as it was, its
  // element included. The standard leaves that case unspecified; libstdc++
  // empties the node instead. gomap keeps the element, as a self-assignment
  // that destroys the value would surprise more than it helps.
  node_handle& operator=(node_handle&& o) noexcept(std::is_nothrow_move_constructible_v<value_type>) {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  ~node_handle() { reset(); }

  [[nodiscard]] bool empty() const noexcept { return !alloc_.has_value(); }
  explicit operator bool() const noexcept { return !empty(); }
  // Precondition: !empty().
  allocator_type get_allocator() const { return *alloc_; }

  // Map nodes: the key may be changed before the node is inserted again.
  key_type& key() const noexcept requires Policy::is_map { return const_cast<key_type&>(slot()->first); }
  auto& mapped() const noexcept requires Policy::is_map { return slot()->second; }
  // Set nodes.
  value_type& value() const noexcept requires(!Policy::is_map) { return *slot(); }

  void swap(node_handle& o) noexcept(std::is_nothrow_move_constructible_v<value_type>) {
    node_handle tmp(std::move(o));
    o = std::move(*this);
    *this = std::move(tmp);
  }
  friend void swap(node_handle& a, node_handle& b) noexcept(noexcept(a.swap(b))) { a.swap(b); }

 private:
  friend struct node_access;

  value_type* slot() const noexcept {
    return std::launder(reinterpret_cast<value_type*>(const_cast<unsigned char*>(storage_)));
  }

  // Builds the node from an element: `fill(where)` constructs it.
  template <class F>
  void emplace(const Alloc& a, F&& fill) {
    reset();
    fill(reinterpret_cast<value_type*>(storage_));
    alloc_.emplace(a);
  }

  void reset() noexcept {
    if (alloc_) {
      Policy::destroy(*alloc_, slot());
      alloc_.reset();
    }
  }

  void take(node_handle& o) {
    if (o.alloc_) {
      Policy::transfer(*o.alloc_, reinterpret_cast<value_type*>(storage_), o.slot());
      alloc_.emplace(std::move(*o.alloc_));
      o.reset();
    }
  }

  alignas(value_type) unsigned char storage_[sizeof(value_type)];
  std::optional<Alloc> alloc_;
};

struct node_access {
  template <class Node, class A, class F>
  static void emplace(Node& n, const A& a, F&& fill) {
    n.emplace(a, std::forward<F>(fill));
  }
  template <class Node>
  static auto* slot(Node& n) noexcept {
    return n.slot();
  }
  template <class Node>
  static void reset(Node& n) noexcept {
    n.reset();
  }
};

// The result of insert(node_type&&), as std::unordered_map's.
template <class Iterator, class Node>
struct insert_return_type {
  Iterator position;
  bool inserted;
  Node node;
};

}  // namespace gomap::internal

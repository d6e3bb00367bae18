// gomap/internal/table_view.hpp: the one read-only door into a table's
// state, for the code that walks the whole table beside the engine: the
// invariant checker (table_check.hpp), the bucket scan (detailed_stats.hpp)
// and Go's range (range.hpp). Nothing here changes the table, except that
// range() pins it (evacuation waits while a range runs).
#pragma once

#include <cstddef>
#include <cstdint>

#include "table.hpp"

namespace gomap::internal {

template <class Table>
class table_view {
 public:
  using value_type = typename Table::value_type;
  using bucket_array = typename Table::bucket_array;
  using cursor = typename Table::cursor;
  using layout = typename Table::layout;

  explicit table_view(const Table& t) noexcept : t_(t) {}

  const bucket_array& current() const noexcept { return t_.cur_; }
  const bucket_array& old() const noexcept { return t_.old_; }
  bool growing() const noexcept { return t_.old_.tophash != nullptr; }
  grow_kind kind() const noexcept { return t_.kind_; }
  std::size_t nevacuate() const noexcept { return t_.nevacuate_; }
  std::size_t size() const noexcept { return t_.count_; }
  std::size_t tombstones() const noexcept { return t_.tombstones_; }
  std::size_t separately_allocated_overflow() const noexcept { return t_.ovf_allocated_; }

  // The map's hash of a stored element's key (its seed mixed in).
  std::uint64_t hash_of(const value_type& v) const { return t_.hash_of(Table::policy_key(v)); }
  // Whether current bucket b holds live entries (initialised by evacuation).
  bool current_bucket_live(std::size_t b) const noexcept { return t_.current_bucket_live(b); }
  // f(cursor at the head, iteration position) for every chain that may hold
  // live entries: the unevacuated old chains, then the live current ones.
  template <class F>
  void for_each_live_chain(F&& f) const {
    t_.for_each_live_chain(static_cast<F&&>(f));
  }

  void check_read() const noexcept { t_.writing_.check_read(); }
  void check_iteration() const noexcept { t_.writing_.check_iteration(); }
  // Held for the whole of a range() (range.hpp).
  typename Table::range_pin pin() const noexcept { return typename Table::range_pin(t_); }

 private:
  const Table& t_;
};

}  // namespace gomap::internal

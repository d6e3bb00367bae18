// gomap/internal/range.hpp: Go's `for k, v := range m`, for C++.
//
// Guarantees, which hold when the callback inserts into or erases from the
// same map, including when that starts a growth or a shrink:
//   - an entry that exists for the whole range is produced exactly once;
//   - an entry erased before it is reached is not produced;
//   - an entry inserted during the range may or may not be produced, and
//     never twice (erasing a key and inserting it again makes a new entry);
//   - the start bucket and the in-bucket offset are random per range, as in
//     Go, so that no code can come to depend on an order.
//
// The walk is Go's mapiternext: over the buckets of the array current at the
// start, from a random bucket, wrapping around; for a bucket whose old
// bucket was not evacuated yet, the old chain is walked instead, keeping only
// the entries that belong to the bucket being visited.
//
// Where C++ differs: Go's evacuation copies entries and leaves the old copy
// readable for iterators (the garbage collector keeps the old array alive),
// and an iterator that meets an evacuated slot looks its key up again. gomap
// moves entries and destroys the originals, so instead, while any range is
// running on a map, evacuation waits: a growth may still start (Go's growth
// points are unchanged), but no entry is relocated and no array is retired
// until the last range ends; a new key whose old bucket is not evacuated yet
// goes into that old bucket and moves with it later. Nothing the walk holds
// can therefore move or be freed under it. The cost: a callback that
// inserts many keys lengthens chains until the range ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "table_view.hpp"

namespace gomap::internal {

struct range_walker {
  // Calls f(entry) for every entry, Go's way. f may return bool: false stops.
  // Returns false if f stopped the walk.
  template <class Table, class F>
  static bool walk(const Table& table, F&& f) {
    const table_view<Table> t(table);
    t.check_iteration();
    if (t.size() == 0) return true;
    const auto pin = t.pin();
    // The arrays as of the start. Evacuation is frozen while the pin lives,
    // so which old buckets are evacuated cannot change under the walk; a
    // growth that starts inside f turns cur into the old array, unevacuated.
    const auto cur = t.current();
    const auto old = t.old();
    const grow_kind kind = t.kind();
    const std::size_t nevacuate = t.nevacuate();
    const std::size_t n = cur.nbuckets();
    const std::uint64_t r = random_u64();
    const std::size_t start = r & (n - 1);
    const unsigned offset = static_cast<unsigned>(r >> 58) & (bucket_slots - 1);
    const auto all = [](const auto&) { return true; };

    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t b = (start + k) & (n - 1);
      if (!old.tophash) {
        if (!walk_chain(t, cur.chain(b), offset, f, all)) return false;
        continue;
      }
      // A growth was in progress at the start.
      const bool live = kind == grow_kind::shrinking ? b < nevacuate : is_evacuated(old.th(b & old.mask()));
      if (live && !walk_chain(t, cur.chain(b), offset, f, all)) return false;
      if (kind == grow_kind::shrinking) {
        // Old buckets b, b + n, b + 2n... all land in b: no filter needed.
        for (std::size_t ob = b; ob < old.nbuckets(); ob += n)
          if (!is_evacuated(old.th(ob)) && !walk_chain(t, old.chain(ob), offset, f, all)) return false;
      } else if (!live) {
        // The old bucket also holds entries of the other half of a doubling:
        // keep those whose hash puts them in bucket b.
        const bool filter = kind == grow_kind::doubling;
        if (!walk_chain(t, old.chain(b & old.mask()), offset, f,
                        [&](const auto& v) { return !filter || (t.hash_of(v) & (n - 1)) == b; }))
          return false;
      }
    }
    return true;
  }

 private:
  // Produces the live slots of one chain, in chain order, each bucket's
  // slots rotated by `offset`. Reads the overflow link only after the whole
  // bucket, so that buckets f chains on meanwhile are walked too.
  template <class View, class Cursor, class F, class Keep>
  static bool walk_chain(const View& t, Cursor k, unsigned offset, F& f, Keep&& keep) {
    for (; k; ++k) {
      for (unsigned j = 0; j < bucket_slots; ++j) {
        const unsigned i = (j + offset) & (bucket_slots - 1);
        if (k.tophash()[i] < min_tophash) continue;
        auto& v = k.slots()[i];
        if (!keep(v)) continue;
        if (!call(f, v)) return false;
        t.check_iteration();
      }
    }
    return true;
  }

  template <class F, class V>
  static bool call(F& f, V& v) {
    if constexpr (std::is_same_v<decltype(f(v)), bool>) {
      return f(v);
    } else {
      f(v);
      return true;
    }
  }
};

}  // namespace gomap::internal

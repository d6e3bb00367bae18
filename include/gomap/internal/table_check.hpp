// gomap/internal/table_check.hpp: a test-only walk over the whole table that
// checks every invariant the engine relies on. O(buckets + entries); the
// randomized tests call it after every step.
#pragma once

#include <cstddef>
#include <string>

#include "table_view.hpp"

namespace gomap::internal {

struct table_checker {
  // Returns an empty string when the table is consistent, else what is wrong.
  template <class Table>
  static std::string check(const Table& table) {
    using P = std::string;
    const table_view<Table> t(table);
    const auto& cur = t.current();
    const auto& old = t.old();
    const bool growing = t.growing();
    const grow_kind kind = t.kind();
    if (!cur.tophash && (t.size() != 0 || growing)) return "entries or a growth without a bucket array";
    if (!growing && (kind != grow_kind::none || t.nevacuate() != 0)) return "growth state without an old array";
    if (growing && kind == grow_kind::none) return "old array without a growth kind";
    if (growing && kind == grow_kind::doubling && cur.B != old.B + 1) return "doubling growth with B != oldB + 1";
    if (growing && kind == grow_kind::same_size && cur.B != old.B) return "same-size growth with B != oldB";
    if (growing && kind == grow_kind::shrinking && cur.B >= old.B) return "shrinking growth with B >= oldB";
    if (growing && kind == grow_kind::shrinking) {
      for (std::size_t b = t.nevacuate(); b < old.nbuckets(); ++b)
        if (is_evacuated(old.th(b))) return "shrink evacuated out of order at old bucket " + std::to_string(b);
    }
    if (cur.pool_used > cur.pool_size || old.pool_used > old.pool_size) return "overflow pool overused";

    std::size_t live = 0, cur_ovf = 0, old_ovf = 0, separate = 0, tombs = 0;
    std::string err;
    auto check_chain = [&](const auto& arr, std::size_t b, bool is_old) -> bool {
      const bucket_ref head = arr.bucket(b);
      if (head.overflow() && !arr.may_chain(b)) {
        err = P("overflow chain with its chained bit clear at bucket ") + std::to_string(b);
        return false;
      }
      bool rest_seen = false, pending_one = false;
      for (auto k = arr.chain(b); k; ++k) {
        if (k.bucket() != head) {
          (is_old ? old_ovf : cur_ovf)++;
          if (!arr.owns_pool_bucket(reinterpret_cast<const overflow_header*>(k.tophash()))) ++separate;
        }
        for (unsigned i = 0; i < bucket_slots; ++i) {
          const std::uint8_t top = k.tophash()[i];
          if (top > empty_one && top < min_tophash) {
            err = P("evacuation mark in a live chain at bucket ") + std::to_string(b);
            return false;
          }
          if (top == empty_rest) {
            if (pending_one) {
              err = P("empty_one followed by empty_rest (missed collapse) at bucket ") + std::to_string(b);
              return false;
            }
            rest_seen = true;
            continue;
          }
          if (top == empty_one) {
            ++tombs;
            if (rest_seen) {
              err = P("empty_one after empty_rest at bucket ") + std::to_string(b);
              return false;
            }
            pending_one = true;
            continue;
          }
          if (rest_seen) {
            err = P("live slot after empty_rest at bucket ") + std::to_string(b);
            return false;
          }
          pending_one = false;
          ++live;
          const std::uint64_t h = t.hash_of(k.slots()[i]);
          if (tophash_of(h) != top) {
            err = P("tophash does not match the key's hash at bucket ") + std::to_string(b);
            return false;
          }
          if ((h & arr.mask()) != b) {
            err = P("key in the wrong bucket at bucket ") + std::to_string(b) + (is_old ? " (old)" : "");
            return false;
          }
        }
      }
      if (pending_one) {
        err = P("chain ends in empty_one (missed collapse) at bucket ") + std::to_string(b);
        return false;
      }
      return true;
    };

    if (growing) {
      for (std::size_t b = 0; b < old.nbuckets(); ++b) {
        const bucket_ref c = old.bucket(b);
        if (is_evacuated(c.tophash)) {
          if (c.overflow()) return "evacuated old bucket still has an overflow chain";
          for (unsigned i = 0; i < bucket_slots; ++i)
            if (c.tophash[i] < evacuated_x || c.tophash[i] >= min_tophash)
              return "evacuated old bucket with an unmarked slot at " + std::to_string(b);
          continue;
        }
        if (b < t.nevacuate()) return "old bucket below nevacuate not evacuated: " + std::to_string(b);
        if (!check_chain(old, b, true)) return err;
      }
    }
    if (cur.tophash) {
      for (std::size_t b = 0; b < cur.nbuckets(); ++b) {
        if (!t.current_bucket_live(b)) continue;
        if (!check_chain(cur, b, false)) return err;
      }
    }
    if (tombs != t.tombstones())
      return "tombstone counter " + std::to_string(t.tombstones()) + " but " + std::to_string(tombs) +
             " empty_one slots";
    if (live != t.size()) return "count " + std::to_string(t.size()) + " but " + std::to_string(live) + " live slots";
    if (cur_ovf != cur.overflow)
      return "current overflow count " + std::to_string(cur.overflow) + " but " + std::to_string(cur_ovf) + " chained";
    if (old_ovf != old.overflow)
      return "old overflow count " + std::to_string(old.overflow) + " but " + std::to_string(old_ovf) + " chained";
    if (separate != t.separately_allocated_overflow())
      return "separately allocated overflow buckets: counted " + std::to_string(t.separately_allocated_overflow()) +
             ", reachable " + std::to_string(separate);
    return {};
  }
};

}  // namespace gomap::internal

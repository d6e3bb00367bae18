// gomap/stats.hpp: what a map reports about its own table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gomap {

// A snapshot of one map's table, as returned by map::stats() / set::stats().
// Field names follow Go's hmap where one exists (B, nevacuate -> evacuated).
struct map_stats {
  std::size_t size = 0;                 // live entries
  unsigned B = 0;                       // log2 of the bucket array size (the new one while growing)
  std::size_t bucket_count = 0;         // 2^B, or 0 before the first allocation
  std::size_t overflow_buckets = 0;     // overflow buckets currently chained, both arrays (exact)
  bool growing = false;                 // an evacuation is in progress
  bool same_size_grow = false;          // ... and it is a same-size one
  std::size_t old_bucket_count = 0;     // size of the old array while growing, else 0
  std::size_t evacuated = 0;            // old buckets evacuated so far (Go's nevacuate)
  std::size_t tombstones = 0;           // slots marked empty_one
  std::uint64_t growths = 0;            // lifetime count of doubling growths started
  std::uint64_t same_size_growths = 0;  // lifetime count of same-size growths started
  std::uint64_t shrinks = 0;            // lifetime count of shrinking growths started
  std::size_t bytes_allocated = 0;      // heap bytes the table owns now (retired, not yet returned, included)
};

}  // namespace gomap

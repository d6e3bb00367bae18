// gomap/internal/bucket_array.hpp: one bucket array (Go's buckets or
// oldbuckets), its layout and where its memory comes from and goes.
//
// LAYOUT (one block per array)
//   [owner word][tophash: 8 bytes per bucket][links: one per bucket]
//   [slots: 8 per bucket][2^(B-4) preallocated overflow buckets when B >= 4]
//   [chained bits: one per bucket]
// The owner word names the table that owns the array: iterators reach their
// table through it, so that they follow their elements when the arrays
// change tables (swap, move; see table.hpp). It is 8 bytes, which keeps the
// tophash bytes 8-aligned: an iterator reads its slot index in its tophash
// pointer's low bits. An overflow bucket is allocated on its own (or taken
// from the pool): a 16-byte header (tophash bytes, next link), then 8 slots.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>

#include "bucket.hpp"
#include "memory.hpp"

namespace gomap::internal {

template <class Value, class Alloc>
struct bucket_layout {
  static constexpr std::size_t align = std::max<std::size_t>(alignof(overflow_header), alignof(Value));
  using blocks = block_source<Alloc, align>;
  // Every bucket's tophash bytes start at a multiple of 8 (blocks, the
  // per-bucket words in them, overflow headers): an iterator finds its slot
  // index in its tophash pointer's low bits.
  static_assert(align % bucket_slots == 0 && sizeof(overflow_header) % bucket_slots == 0);

  static constexpr std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }
  static constexpr std::size_t owner_bytes = sizeof(const void*);
  static_assert(owner_bytes % bucket_slots == 0);
  // An overflow bucket: header, then 8 slots.
  static constexpr std::size_t ovf_bucket_bytes =
      round_up(overflow_slot_offset<Value> + bucket_slots * sizeof(Value), align);
  // A main bucket's share of an array: tophash word, link, 8 slots.
  static constexpr std::size_t bucket_bytes = bucket_slots + sizeof(overflow_header*) + bucket_slots * sizeof(Value);

  // Go's B is a uint8; here the largest B is the one whose array, old and new
  // together, still fits in half the address space.
  static constexpr unsigned compute_max_b() {
    unsigned b = 0;
    const std::size_t limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / 4;
    while (b < 62 && (std::size_t{1} << (b + 1)) <= limit / bucket_bytes) ++b;
    return b;
  }
  static constexpr unsigned max_b = compute_max_b();

  static constexpr std::size_t chained_words(std::size_t nbuckets) noexcept { return (nbuckets + 63) / 64; }
};

// One bucket array with its overflow pool. A plain value: copying it copies
// the description, not the memory (a table hands arrays over by copy and
// then forgets its own).
template <class Value, class Alloc>
struct bucket_array {
  using layout = bucket_layout<Value, Alloc>;
  using cursor = chain_cursor<Value>;

  std::uint8_t* tophash = nullptr;    // 8 bytes per bucket; null before the first allocation
  overflow_header** links = nullptr;  // one overflow link per bucket
  std::uint64_t* chained = nullptr;   // one bit per bucket: see may_chain()
  Value* slots = nullptr;
  unsigned char* pool = nullptr;  // preallocated overflow buckets
  std::size_t pool_used = 0;
  std::size_t pool_size = 0;
  std::size_t overflow = 0;  // overflow buckets chained in this array (exact)
  unsigned B = 0;            // kept even before the first allocation (from a hint)
  block mem;

  std::size_t bucket_mask = 0;  // nbuckets() - 1, kept for the probes
  std::size_t nbuckets() const noexcept { return std::size_t{1} << B; }
  std::size_t mask() const noexcept { return bucket_mask; }
  void set_b(unsigned b) noexcept {
    B = b;
    bucket_mask = nbuckets() - 1;
  }
  Value* slots_of(std::size_t b) const noexcept { return slots + b * bucket_slots; }
  std::uint8_t* th(std::size_t b) const noexcept { return tophash + b * bucket_slots; }
  bucket_ref bucket(std::size_t b) const noexcept { return bucket_ref{th(b), links + b}; }
  // The walk along main bucket b's chain, from b itself.
  cursor chain(std::size_t b) const noexcept { return cursor(bucket(b), slots_of(b)); }
  // Whether main bucket b may have an overflow bucket. Clear means its link
  // is null, so a lookup that finds the bucket full learns that the chain
  // ends from a bit array 1/64 the size of the links (B = 21: 256 KiB, which
  // stays in cache) instead of a random read of the 16 MiB link array
  // (10^7 entries: find_miss -16%, erase -9%). Inserts do not consult it:
  // there the link read, issued early by speculation, measured 5% faster
  // than a bit test in front of it. A bit is set where a main bucket gets
  // an overflow bucket (the one place: chain_overflow) and cleared only with
  // the whole array (make, reset_all); a set bit over a null link (a chain
  // freed since, by an undone evacuation) costs one link read.
  bool may_chain(std::size_t b) const noexcept { return (chained[b / 64] >> (b % 64)) & 1; }
  void mark_chained(std::size_t b) const noexcept { chained[b / 64] |= std::uint64_t{1} << (b % 64); }
  // The main bucket whose link is `link`, or npos for an overflow bucket's.
  std::size_t main_bucket_of(overflow_header* const* link) const noexcept {
    return link >= links && link < links + nbuckets() ? static_cast<std::size_t>(link - links) : npos;
  }
  static constexpr std::size_t npos = ~std::size_t{0};
  bool owns_pool_bucket(const overflow_header* c) const noexcept {
    auto p = reinterpret_cast<const unsigned char*>(c);
    return p >= pool && p < pool + pool_size * layout::ovf_bucket_bytes;
  }

  // The owner word before the tophash bytes of the array that starts at `tophash`.
  static const void** owner_word(const std::uint8_t* tophash) noexcept {
    return std::launder(reinterpret_cast<const void**>(const_cast<std::uint8_t*>(tophash) - layout::owner_bytes));
  }
  void set_owner(const void* owner) const noexcept {
    if (tophash) *owner_word(tophash) = owner;
  }

  // ---- memory ---------------------------------------------------------------

  // A new array of 2^B buckets owned by `owner`. `init`: every bucket empty
  // now (else evacuation initialises each bucket as it first writes it).
  // `commit`: a whole-table call sizing the table for entries about to
  // come; its pages are faulted in now (memory.hpp).
  static bucket_array make(const Alloc& alloc, unsigned B, bool init, bool commit, const void* owner) {
    bucket_array a;
    a.set_b(B);
    const std::size_t n = a.nbuckets();
    a.pool_size = B >= 4 ? std::size_t{1} << (B - 4) : 0;
    const std::size_t links_off = layout::round_up(layout::owner_bytes + n * bucket_slots, alignof(overflow_header*));
    const std::size_t slots_off = layout::round_up(links_off + n * sizeof(overflow_header*), alignof(Value));
    const std::size_t pool_off = layout::round_up(slots_off + n * bucket_slots * sizeof(Value), layout::align);
    const std::size_t chained_off =
        layout::round_up(pool_off + a.pool_size * layout::ovf_bucket_bytes, alignof(std::uint64_t));
    a.mem = layout::blocks::allocate(alloc, chained_off + layout::chained_words(n) * sizeof(std::uint64_t), commit);
    auto* base = static_cast<unsigned char*>(a.mem.ptr);
    ::new (static_cast<void*>(base)) const void*(owner);
    a.tophash = base + layout::owner_bytes;
    a.links = reinterpret_cast<overflow_header**>(base + links_off);
    a.chained = reinterpret_cast<std::uint64_t*>(base + chained_off);
    a.slots = reinterpret_cast<Value*>(base + slots_off);
    a.pool = base + pool_off;
    if (!a.mem.zeroed) {
      // The chained bits must start clear even where buckets are left for
      // evacuation to initialise: 1/1088 of the array (at 16-byte entries).
      if (init)
        a.reset_all();
      else
        std::fill_n(a.chained, layout::chained_words(n), 0);
    }
    return a;
  }

  void reset_all() const noexcept {
    std::memset(tophash, empty_rest, nbuckets() * bucket_slots);
    std::fill_n(links, nbuckets(), nullptr);
    std::fill_n(chained, layout::chained_words(nbuckets()), 0);
  }

  // Returns the array's block. Mapped blocks go to the retire queue unless
  // `now` (whole-table calls), which unmaps them at once.
  void release(const Alloc& alloc, retire_queue& retired, bool now) noexcept {
    if (!mem.ptr) return;
    if (mem.mapped) {
      retired.retire(mem);
      if (now) retired.release_all();
    } else {
      layout::blocks::deallocate(alloc, mem);
    }
    mem = block{};
  }

  // An empty overflow bucket, from the pool while it lasts; counts the
  // separately allocated ones in `allocated`. May throw: nothing changed.
  overflow_header* allocate_overflow(const Alloc& alloc, std::size_t& allocated) {
    overflow_header* o;
    if (pool_used < pool_size) {
      o = reinterpret_cast<overflow_header*>(pool + pool_used++ * layout::ovf_bucket_bytes);
    } else {
      block m = layout::blocks::allocate(alloc, layout::ovf_bucket_bytes);
      o = static_cast<overflow_header*>(m.ptr);
      ++allocated;
    }
    bucket_ref::of(o).reset();
    return o;
  }

  void free_overflow(const Alloc& alloc, overflow_header* c, std::size_t& allocated) noexcept {
    --overflow;
    if (owns_pool_bucket(c)) return;  // part of the array's block
    layout::blocks::deallocate(alloc, block{c, layout::ovf_bucket_bytes, false, false});
    --allocated;
  }

  // Unchains and frees every overflow bucket after `c`.
  void free_chain_after(const Alloc& alloc, bucket_ref c, std::size_t& allocated) noexcept {
    for (overflow_header* o = c.overflow(); o;) {
      overflow_header* next = o->next;
      free_overflow(alloc, o, allocated);
      o = next;
    }
    *c.link = nullptr;
  }
};

}  // namespace gomap::internal

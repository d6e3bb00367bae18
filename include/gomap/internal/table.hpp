// gomap/internal/table.hpp: the engine. Go's hash map (runtime/map.go, Go
// 1.19-1.23), in C++.
//
// LAYOUT
//   A table is 2^B buckets of 8 slots, in one block: the buckets' tophash
//   bytes (8 per bucket, dense), their overflow links (one pointer each), the
//   slots (slots[8b .. 8b+7] for bucket b, each a value_type:
//   std::pair<const K, V> for a map), then 2^(B-4) preallocated overflow
//   buckets when B >= 4 (Go's nextOverflow), then one "may chain" bit per
//   bucket (see bucket_array::may_chain). An overflow bucket is a 16-byte
//   header (tophash bytes, next link) and its 8 slots. A probe reads 8 bytes
//   of tophash per bucket and follows a link only when the bucket holds no
//   empty_rest slot (a lookup first asks the bucket's bit): at B = 21 (10^7
//   entries) the probed bytes are 16 MiB, as absl's control bytes, where
//   16-byte control blocks would be 32 MiB against this VM's 32 MiB L3
//   (find_miss at 1e7: 1.96x absl before, see docs/benchmarks.md for after).
//
// HASH AND TOPHASH
//   hash = the hasher mixed with the map's seed. Bucket = low B bits; tophash =
//   top 8 bits, raised by 5 when below 5, because 0-4 mark slot states (see
//   bucket.hpp). A probe compares the 8 tophash bytes of a bucket at once and
//   only compares keys whose tophash matched: ~1/251 false matches per slot.
//
// LOAD FACTOR 6.5 AND 8 SLOTS
//   Go's measurements (64-bit, 8-byte keys and values) put 6.5 where overflow
//   chains stay short (20.9% of buckets) while bytes per entry stay low (10.79);
//   gomap keeps Go's figure exactly, since its growth points are part of the
//   contract (they are what Go users reason about). Eight slots fill one 64-bit
//   tophash word.
//
// GROWTH (the state machine)
//   not growing --insert of a NEW key, count+1 over load--> doubling (B+1)
//   not growing --insert of a NEW key, too many overflow buckets--> same-size (B)
//   not growing --insert of a NEW key, load below 1.625--> shrinking (smaller B)
//   growing --every insert of a new key: evacuate the key's old bucket, then
//             old bucket `nevacuate` (shrinking: old buckets in order, bounded;
//             see growth_work)--> ... --last old bucket evacuated--> not growing
//   Starting a growth only allocates the new array (not zeroed: a new bucket is
//   initialised when evacuation first writes it) and keeps the old one; B
//   reports the new size at once. Old bucket i of a doubling splits into new
//   buckets i (x) and i + 2^(B-1) (y) by hash bit 2^(B-1). While an old bucket is
//   not evacuated, its keys live only there, so lookups consult it first. The
//   old array is retired when nevacuate reaches its end; see memory.hpp for
//   why it is returned in pieces.
//
// WHAT ONE OPERATION COSTS
//   An insert of a new key evacuates at most two old buckets (their chains) and
//   skips at most 1024 already-evacuated ones (a shrink: at most 32 entries or
//   1024 buckets): O(1) amortised, with no step proportional to the table.
//   While a range() runs, evacuation waits (range.hpp). Erase relocates nothing (a C++ guarantee Go does
//   not give), so all evacuation work rides on inserts. Inserting a key that is
//   already present changes nothing, so it invalidates nothing.
//
// TOMBSTONES
//   Erase marks its slot empty_one; if everything after it in the chain is
//   empty, it and the run of empty_one before it become empty_rest, walking
//   back across the chain. Probes stop at empty_rest; inserts reuse the first
//   empty slot of the chain.
//
// EXCEPTIONS
//   Evacuation of one old bucket is all-or-nothing: entries are transferred
//   one by one, recorded in the old slot's tophash (evacuated_x/y), and if the
//   hasher, the allocator or a constructor throws, every transfer is undone in
//   order before rethrowing. Entries move when both key and value move without
//   throwing, else they are copied and the originals stay put until the bucket
//   commits (std::move_if_noexcept's rule, applied to the pair as a whole).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "../hash.hpp"
#include "../observe/events.hpp"
#include "../stats.hpp"
#include "audit_hook.hpp"
#include "bucket.hpp"
#include "memory.hpp"
#include "misuse.hpp"

namespace gomap::internal {

// A fresh random 64-bit value: a per-thread splitmix64 stream seeded once from
// std::random_device, so a map's seed costs a few instructions, not a syscall.
inline std::uint64_t random_u64() noexcept {
  thread_local std::uint64_t state = [] {
    std::uint64_t s = reinterpret_cast<std::uintptr_t>(&state);
    try {
      std::random_device rd;
      s ^= (std::uint64_t{rd()} << 32) ^ rd();
    } catch (...) {
    }
    return s;
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

enum class grow_kind : std::uint8_t { none, doubling, same_size, shrinking };

// Whether erases give memory back. `never` is Go's behaviour, kept for
// comparison: a Go map keeps every bucket it ever grew to.
enum class shrink_policy : std::uint8_t { shrink, never };
}  // namespace gomap::internal

namespace gomap {
using internal::shrink_policy;
}  // namespace gomap

namespace gomap::internal {

// A shrink is due when the load falls below max / shrink_load_divisor
// (6.5 / 4 = 1.625 entries per bucket).
inline constexpr std::size_t shrink_load_divisor = 4;
// Automatic shrinks stop at 16 buckets: below that an array is a few KiB.
inline constexpr unsigned min_auto_shrink_b = 4;
// Bounded work per insert during a shrink (see growth_work).
inline constexpr std::size_t shrink_step_entries = 32;
inline constexpr std::size_t shrink_step_buckets = 1024;

template <class Table, bool Const>
class table_iterator;
struct table_access;
struct table_checker;
struct table_inspector;
struct range_walker;

template <class Policy, class Hash, class Eq, class Alloc, class Observer = no_observer>
class table {
  static_assert(growth_observer<Observer>,
                "gomap: an Observer needs `static constexpr bool enabled` and "
                "`void on_growth_event(const gomap::growth_event&) noexcept`");
 public:
  using key_type = typename Policy::key_type;
  using value_type = typename Policy::value_type;
  using size_type = std::size_t;
  using hasher = Hash;
  using key_equal = Eq;
  using allocator_type = Alloc;
  using iterator = table_iterator<table, Policy::const_iterators>;
  using const_iterator = table_iterator<table, true>;

 private:
  using alloc_traits = std::allocator_traits<Alloc>;
  static_assert(std::is_same_v<typename alloc_traits::value_type, value_type>,
                "gomap: the allocator's value_type must be the container's value_type "
                "(std::pair<const K, V> for a map, K for a set)");

  static constexpr std::size_t align = std::max<std::size_t>(alignof(overflow_header), alignof(value_type));
  using blocks = block_source<Alloc, align>;
  // Every bucket's tophash bytes start at a multiple of 8 (blocks, the
  // per-bucket words in them, overflow headers): an iterator finds its slot
  // index in its tophash pointer's low bits.
  static_assert(align % bucket_slots == 0 && sizeof(overflow_header) % bucket_slots == 0);

  static constexpr std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }
  // An overflow bucket: header, then 8 slots.
  static constexpr std::size_t ovf_slot_offset = round_up(sizeof(overflow_header), alignof(value_type));
  static constexpr std::size_t ovf_bucket_bytes = round_up(ovf_slot_offset + bucket_slots * sizeof(value_type), align);
  // A main bucket's share of an array: tophash word, link, 8 slots.
  static constexpr std::size_t bucket_bytes = bucket_slots + sizeof(overflow_header*) + bucket_slots * sizeof(value_type);

  // Go's B is a uint8; here the largest B is the one whose array, old and new
  // together, still fits in half the address space.
  static constexpr unsigned compute_max_b() {
    unsigned b = 0;
    const std::size_t limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / 4;
    while (b < 62 && (std::size_t{1} << (b + 1)) <= limit / bucket_bytes) ++b;
    return b;
  }
  static constexpr unsigned max_b = compute_max_b();

  // One bucket array: Go's buckets or oldbuckets, with its overflow pool.
  struct bucket_array {
    std::uint8_t* tophash = nullptr;  // 8 bytes per bucket; null before the first allocation
    overflow_header** links = nullptr;  // one overflow link per bucket
    std::uint64_t* chained = nullptr;   // one bit per bucket: see may_chain()
    value_type* slots = nullptr;
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
    value_type* slots_of(std::size_t b) const noexcept { return slots + b * bucket_slots; }
    std::uint8_t* th(std::size_t b) const noexcept { return tophash + b * bucket_slots; }
    bucket_ref bucket(std::size_t b) const noexcept { return bucket_ref{th(b), links + b}; }
    // Whether main bucket b may have an overflow bucket. Clear means its link
    // is null, so a lookup that finds the bucket full learns that the chain
    // ends from a bit array 1/64 the size of the links (B = 21: 256 KiB, which
    // stays in cache) instead of a random read of the 16 MiB link array
    // (10^7 entries: find_miss -16%, erase -9%). Inserts do not consult it:
    // there the link read, issued early by speculation, measured 5% faster
    // than a bit test in front of it. A bit is set where a main bucket gets
    // an overflow bucket (the one place: new_overflow) and cleared only with
    // the whole array (make_array, reset_all_buckets); a set bit over a null
    // link (a chain freed since, by an undone evacuation) costs one link read.
    bool may_chain(std::size_t b) const noexcept { return (chained[b / 64] >> (b % 64)) & 1; }
    void mark_chained(std::size_t b) const noexcept { chained[b / 64] |= std::uint64_t{1} << (b % 64); }
    // The main bucket whose link is `link`, or npos for an overflow bucket's.
    std::size_t main_bucket_of(overflow_header* const* link) const noexcept {
      return link >= links && link < links + nbuckets() ? static_cast<std::size_t>(link - links) : npos;
    }
    static constexpr std::size_t npos = ~std::size_t{0};
    bool owns_pool_bucket(const overflow_header* c) const noexcept {
      auto p = reinterpret_cast<const unsigned char*>(c);
      return p >= pool && p < pool + pool_size * ovf_bucket_bytes;
    }
  };

  // Where a found entry lives: enough to erase it (the chain head for the
  // empty_rest walk back) and to build an iterator.
  struct location {
    bucket_ref c;
    value_type* s = nullptr;  // slots of bucket c
    std::size_t i = 0;
    std::size_t pos = 0;  // iteration position of the chain head (old array first)
    explicit operator bool() const noexcept { return static_cast<bool>(c); }
  };

 public:
  // ---- construction -------------------------------------------------------

  // Audit hook (audit_hook.hpp): the two constructors that build a map from
  // nothing may sample it; copies and moves never do.
  table() { audit_.attach(0); }

  table(size_type hint, const Hash& h, const Eq& e, const Alloc& a) : hash_(h), eq_(e), alloc_(a) {
    if (hint > max_size()) throw std::length_error("gomap: capacity hint exceeds max_size()");
    const unsigned B = b_for_hint(hint);
    // Go allocates eagerly for B > 0 and lazily for B == 0.
    if (B > 0) cur_ = make_array(B, /*init=*/true, /*commit=*/true);
    shrink_floor_b_ = std::max(min_auto_shrink_b, B);
    audit_.attach(hint);
    refresh_fast_insert_limit();
  }

  table(const table& o) : table(o, alloc_traits::select_on_container_copy_construction(o.alloc_)) {}

  table(const table& o, const Alloc& a) : hash_(o.hash_), eq_(o.eq_), alloc_(a), observer_(o.observer_) {
    copy_from(o);
    refresh_fast_insert_limit();
  }

  table(table&& o) noexcept
      : hash_(std::move(o.hash_)), eq_(std::move(o.eq_)), alloc_(std::move(o.alloc_)), observer_(std::move(o.observer_)) {
    steal(o);
  }

  table(table&& o, const Alloc& a)
      : hash_(std::move(o.hash_)), eq_(std::move(o.eq_)), alloc_(a), observer_(std::move(o.observer_)) {
    if (alloc_ == o.alloc_) {
      steal(o);
    } else {
      move_elements_from(o);
      refresh_fast_insert_limit();
    }
  }

  table& operator=(const table& o) {
    if (this == &o) return *this;
    if constexpr (alloc_traits::propagate_on_container_copy_assignment::value) {
      table tmp(o, o.alloc_);
      swap_all(tmp);
    } else {
      table tmp(o, alloc_);
      swap_all(tmp);
    }
    return *this;
  }

  table& operator=(table&& o) noexcept(alloc_traits::propagate_on_container_move_assignment::value ||
                                       alloc_traits::is_always_equal::value) {
    if (this == &o) return *this;
    if constexpr (alloc_traits::propagate_on_container_move_assignment::value ||
                  alloc_traits::is_always_equal::value) {
      destroy_all();
      hash_ = std::move(o.hash_);
      eq_ = std::move(o.eq_);
      observer_ = std::move(o.observer_);
      if constexpr (alloc_traits::propagate_on_container_move_assignment::value) alloc_ = std::move(o.alloc_);
      steal(o);
    } else if (alloc_ == o.alloc_) {
      destroy_all();
      hash_ = std::move(o.hash_);
      eq_ = std::move(o.eq_);
      observer_ = std::move(o.observer_);
      steal(o);
    } else {
      table tmp(std::move(o), alloc_);
      swap_all(tmp);
    }
    return *this;
  }

  ~table() {
    audit_.detach(count_);  // audit hook: first, see audit_slot
    destroy_all();
  }

  void swap(table& o) noexcept(std::is_nothrow_swappable_v<Hash> && std::is_nothrow_swappable_v<Eq>) {
    swap_all(o);
  }

  // ---- observers ----------------------------------------------------------

  size_type size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  size_type max_size() const noexcept {
    return std::min<size_type>(capacity_for_b(max_b), alloc_traits::max_size(alloc_));
  }
  size_type bucket_count() const noexcept { return cur_.tophash ? cur_.nbuckets() : 0; }
  size_type capacity() const noexcept { return cur_.tophash ? capacity_for_b(cur_.B) : 0; }
  bool growing() const noexcept { return old_.tophash != nullptr; }
  const Hash& hash_function() const noexcept { return hash_; }
  const Eq& key_eq() const noexcept { return eq_; }
  const Alloc& get_allocator() const noexcept { return alloc_; }

  // ---- iteration ----------------------------------------------------------

  iterator begin() noexcept { return first_from<iterator>(0); }
  const_iterator begin() const noexcept { return first_from<const_iterator>(0); }
  iterator end() noexcept { return iterator(); }
  const_iterator end() const noexcept { return const_iterator(); }

  // ---- lookup -------------------------------------------------------------

  template <class K>
  GOMAP_INTERNAL_INLINE iterator find(const K& key) {
    writing_.check_read();
    return make_iter<iterator>(locate(key, hash_of(key)));
  }
  template <class K>
  GOMAP_INTERNAL_INLINE const_iterator find(const K& key) const {
    writing_.check_read();
    return make_iter<const_iterator>(locate(key, hash_of(key)));
  }
  template <class K>
  GOMAP_INTERNAL_INLINE bool contains(const K& key) const {
    writing_.check_read();
    return static_cast<bool>(locate(key, hash_of(key)));
  }

  // ---- insertion ----------------------------------------------------------

  // Finds `key`; if absent, constructs a new entry at a free slot by calling
  // construct(value_type* where). Returns where the entry is and whether it
  // was inserted. `construct` must build an element whose key equals `key`.
  template <class K, class F>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> find_or_insert(const K& key, F&& construct) {
    writing_flag::guard g(writing_);
    const std::uint64_t h = hash_of(key);
    if (count_ < fast_insert_limit_) [[likely]]
      return insert_fast(key, h, construct);
    return find_or_insert_slow(key, h, construct);
  }

  // ---- erasure ------------------------------------------------------------

  template <class K>
  GOMAP_INTERNAL_INLINE size_type erase_key(const K& key) {
    writing_flag::guard g(writing_);
    const std::uint64_t h = hash_of(key);
    prefetch_erase(h);
    location loc = locate(key, h);
    if (!loc) return 0;
    erase_at(loc);
    return 1;
  }

  // Erases the entry at `it` (which must be valid and dereferenceable). Moves
  // nothing, so every other iterator and reference stays valid.
  void erase_at(const_iterator it) noexcept {
    writing_flag::guard g(writing_);
    erase_at(location_of(it));
  }

  // Takes the entry at `it` out of the table, moving it into `out` first.
  template <class Out>
  void extract_at(const_iterator it, Out&& out) {
    writing_flag::guard g(writing_);
    out(it.s_);  // may throw: nothing erased then
    erase_at(location_of(it));
  }

  // ---- whole-table operations ---------------------------------------------

  // Destroys every entry; keeps the bucket array (Go's clear), drops overflow
  // buckets and the old array of a growth in progress, re-draws the seed.
  void clear() noexcept {
    writing_flag::guard g(writing_);
    if (ranges_ != 0) {
      // A range() is walking these chains: empty them in place, free nothing.
      empty_in_place();
      count_ = 0;
      tombstones_ = 0;
      seed_ = random_u64();
      refresh_fast_insert_limit();
      return;
    }
    destroy_entries_and_overflow();
    if (old_.tophash) release_array(old_, /*now=*/false);
    old_ = bucket_array{};
    if (cur_.tophash) {
      reset_all_buckets(cur_);
      cur_.pool_used = 0;
      cur_.overflow = 0;
    }
    count_ = 0;
    tombstones_ = 0;
    nevacuate_ = 0;
    noverflow_ = 0;
    kind_ = grow_kind::none;
    seed_ = random_u64();
    shrink_floor_b_ = std::max(shrink_floor_b_, cur_.B);  // Go's clear keeps the array: do not shrink it away
    refresh_fast_insert_limit();
  }

  // Makes room for `n` entries without a doubling growth: Go's B for hint n.
  // Runs any growth in progress to completion first.
  void reserve(size_type n) {
    if (n > max_size()) throw std::length_error("gomap: reserve() beyond max_size()");
    grow_to(b_for_hint(n));
  }

  // At least `n` buckets (rounded up to a power of two) and at least what
  // the current size needs.
  void rehash(size_type n) {
    if (n > (std::size_t{1} << max_b)) throw std::length_error("gomap: rehash() beyond the largest bucket array");
    unsigned B = 0;
    while ((std::size_t{1} << B) < n) ++B;
    B = std::max(B, b_for_hint(count_));
    if (cur_.tophash && B < cur_.B) {
      shrink_to(B);
    } else {
      grow_to(B);
    }
  }

  map_stats stats() const noexcept {
    map_stats s;
    s.size = count_;
    s.B = cur_.B;
    s.bucket_count = bucket_count();
    s.overflow_buckets = cur_.overflow + old_.overflow;
    s.growing = growing();
    s.same_size_grow = kind_ == grow_kind::same_size;
    s.old_bucket_count = growing() ? old_.nbuckets() : 0;
    s.evacuated = growing() ? nevacuate_ : 0;
    s.growths = growths_;
    s.same_size_growths = same_size_growths_;
    s.shrinks = shrinks_;
    s.bytes_allocated = cur_.mem.bytes + old_.mem.bytes + ovf_allocated_ * ovf_bucket_bytes + retired_.bytes_held();
    s.tombstones = tombstones_;
    return s;
  }

  void check_read() const noexcept { writing_.check_read(); }
  Observer& observer() noexcept { return observer_; }
  const Observer& observer() const noexcept { return observer_; }

 private:
  template <class, bool>
  friend class table_iterator;
  friend struct table_access;
  friend struct table_checker;
  friend struct table_inspector;
  friend struct range_walker;

  // A running range() (range.hpp) freezes evacuation: see there.
  class range_pin {
   public:
    explicit range_pin(const table& t) noexcept : t_(t) { ++t_.ranges_; }
    ~range_pin() { --t_.ranges_; }
    range_pin(const range_pin&) = delete;
    range_pin& operator=(const range_pin&) = delete;

   private:
    const table& t_;
  };

  void no_range_running(const char* what) const {
    if (ranges_ != 0) throw std::logic_error(std::string("gomap: ") + what + " called inside range() on the same map");
  }

  // ---- hashing ------------------------------------------------------------

  template <class K>
  std::uint64_t hash_of(const K& key) const noexcept(nothrow_hash<Hash, K>()) {
    return seeded_hash(hash_, key, seed_);
  }

  static const key_type& policy_key(const value_type& v) noexcept { return Policy::key(v); }

  static value_type* ovf_slots(overflow_header* c) noexcept {
    return reinterpret_cast<value_type*>(reinterpret_cast<unsigned char*>(c) + ovf_slot_offset);
  }
  // The slots of an overflow bucket, from its reference (its tophash bytes
  // open its header).
  static value_type* ovf_slots(bucket_ref c) noexcept { return ovf_slots(header_of(c)); }
  static overflow_header* header_of(bucket_ref c) noexcept { return reinterpret_cast<overflow_header*>(c.tophash); }

  // ---- probing ------------------------------------------------------------

  // Finds `key` (hash h), in the old array if its old bucket is not evacuated yet.
  template <class K>
  GOMAP_INTERNAL_INLINE location locate(const K& key, std::uint64_t h) const {
    if (count_ == 0) return {};
    const bucket_array* a = &cur_;
    std::size_t b = h & cur_.mask();
    std::size_t pos = old_.tophash ? old_.nbuckets() + b : b;
    if (old_.tophash) [[unlikely]] {
      const std::size_t ob = h & old_.mask();
      if (!is_evacuated(old_.th(ob))) {
        a = &old_;
        b = ob;
        pos = ob;
      }
    }
    const std::uint8_t top = tophash_of(h);
    // The main bucket first, on its own: its link address is only computed
    // if the chain goes on. (A lookup's instruction count bounds how many
    // lookups the core overlaps, hence their speed on a large map.)
    value_type* s = a->slots_of(b);
    const group g(a->th(b));
    for (slot_mask m = g.match(top); m; m &= m - 1) {
      const std::size_t i = lowest_slot(m);
      if (eq_(key, Policy::key(s[i]))) [[likely]]
        return location{a->bucket(b), s, i, pos};
    }
    if (g.match_empty_rest() || !a->may_chain(b)) return {};
    for (bucket_ref c = a->bucket(b).next(); c; c = c.next()) {
      s = ovf_slots(c);
      const group gc(c.tophash);
      for (slot_mask m = gc.match(top); m; m &= m - 1) {
        const std::size_t i = lowest_slot(m);
        if (eq_(key, Policy::key(s[i]))) [[likely]]
          return location{c, s, i, pos};
      }
      if (gc.match_empty_rest()) return {};
    }
    return {};
  }

  // ---- insertion ----------------------------------------------------------

  // One probe of the key's chain that both looks for the key and remembers
  // the first empty slot (Go's mapassign loop). Only valid while
  // count_ < fast_insert_limit_: no growth in progress or due, nothing to
  // release, the array allocated. The main bucket with an empty_rest slot,
  // where the chain ends (most inserts below the maximum load), is handled
  // on its own in the fewest instructions; a longer chain takes the loop.
  template <class K, class F>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> insert_fast(const K& key, std::uint64_t h, F& construct) {
    const std::size_t b = h & cur_.mask();
    const std::uint8_t top = tophash_of(h);
    std::uint8_t* th = cur_.th(b);
    value_type* s = cur_.slots_of(b);
    const group g(th);
    for (slot_mask m = g.match(top); m; m &= m - 1) {
      const std::size_t i = lowest_slot(m);
      if (eq_(key, Policy::key(s[i]))) [[likely]]
        return {iterator(this, th, s, i, b), false};
    }
    if (!g.match_empty_rest()) [[unlikely]]
      return insert_fast_chain(key, h, construct);
    // The first empty slot: a tombstone before the empty_rest run, or its start.
    return {make_iter<iterator>(put_new(location{cur_.bucket(b), s, lowest_slot(g.match_empty()), b}, top, construct)),
            true};
  }

  // insert_fast where the main bucket has no empty_rest slot: the chain may
  // go on, and the key may be further along it.
  template <class K, class F>
  GOMAP_INTERNAL_NOINLINE std::pair<iterator, bool> insert_fast_chain(const K& key, std::uint64_t h, F& construct) {
    const std::size_t b = h & cur_.mask();
    const std::uint8_t top = tophash_of(h);
    bucket_ref c = cur_.bucket(b);
    value_type* s = cur_.slots_of(b);
    location free;
    for (;;) {
      const group g(c.tophash);
      for (slot_mask m = g.match(top); m; m &= m - 1) {
        const std::size_t i = lowest_slot(m);
        if (eq_(key, Policy::key(s[i]))) [[likely]]
          return {iterator(this, c.tophash, s, i, b), false};
      }
      if (!free) {
        if (slot_mask e = g.match_empty()) free = location{c, s, lowest_slot(e), b};
      }
      if (g.match_empty_rest() || !c.overflow()) break;
      c = c.next();
      s = ovf_slots(c);
    }
    if (!free) {
      bucket_ref o = new_overflow(c);
      free = location{o, ovf_slots(o), 0, b};
    }
    return {make_iter<iterator>(put_new(free, top, construct)), true};
  }

  // Constructs a new entry in the empty slot `loc` and counts it.
  template <class F>
  GOMAP_INTERNAL_INLINE const location& put_new(const location& loc, std::uint8_t top, F& construct) {
    construct(loc.s + loc.i);  // may throw: the slot stays empty
    tombstones_ -= loc.c.tophash[loc.i] == empty_one;
    loc.c.tophash[loc.i] = top;
    ++count_;
    return loc;
  }

  // Every insert the fast path cannot take: a growth in progress or due,
  // memory to release, no array yet.
  template <class K, class F>
  GOMAP_INTERNAL_NOINLINE std::pair<iterator, bool> find_or_insert_slow(const K& key, std::uint64_t h, F& construct) {
    if (location loc = locate(key, h)) return {make_iter<iterator>(loc), false};
    location loc = insert_new(h, construct);
    audit_.on_size(count_);  // audit hook: a sampled map inserts only here
    refresh_fast_insert_limit();
    return {make_iter<iterator>(loc), true};
  }

  // ---- growth decisions ---------------------------------------------------

  struct growth_plan {
    grow_kind kind = grow_kind::none;
    unsigned B = 0;
  };

  // Decided only when inserting a new key with no growth in progress. Go's
  // two rules, in Go's order, with gomap's shrink between them: a shrink also
  // compacts chains, so it supersedes a same-size growth.
  growth_plan plan_growth() const noexcept {
    if (over_load_factor(count_ + 1, cur_.B)) return {grow_kind::doubling, cur_.B + 1};
    if (count_ < shrink_below_) return {grow_kind::shrinking, shrink_target()};
    if (too_many_overflow_buckets(noverflow_, cur_.B)) return {grow_kind::same_size, cur_.B};
    return {};
  }

  // A shrinking growth lands where the load is at most half the maximum
  // (3.25), as a doubling does: the size must then double or halve again
  // before the next growth or shrink. Never below the floor a hint, reserve()
  // or clear() set.
  unsigned shrink_target() const noexcept { return std::max(shrink_floor_b_, b_for_hint(2 * (count_ + 1))); }

  // The fast insert path is open below this count: the capacity of the
  // current array when nothing else needs doing, else 0 (every insert then
  // takes the general path, which does growth work and releases memory).
  // Also refreshes shrink_below_, the count under which a shrink is due.
  void refresh_fast_insert_limit() noexcept {
    shrink_below_ = shrink_ == shrink_policy::shrink && cur_.tophash && cur_.B > shrink_floor_b_
                        ? capacity_for_b(cur_.B) / shrink_load_divisor
                        : 0;
    const bool plain = cur_.tophash && !old_.tophash && retired_.empty() &&
                       !too_many_overflow_buckets(noverflow_, cur_.B) && count_ >= shrink_below_;
    // Audit hook: a sampled map keeps the fast path closed, so that every
    // insert reaches find_or_insert_slow and its peak size is exact.
    fast_insert_limit_ = plain && !audit_.sampled() ? capacity_for_b(cur_.B) : 0;
  }

  // Inserts a key known to be absent. Does the growth work Go's mapassign does.
  template <class F>
  location insert_new(std::uint64_t h, F&& construct) {
    if (!retired_.empty()) [[unlikely]]
      retired_.step();
    if (!cur_.tophash) [[unlikely]] {
      cur_ = make_array(cur_.B, /*init=*/true);
    } else if (!growing()) {
      if (const growth_plan plan = plan_growth(); plan.kind != grow_kind::none) {
        start_growth(plan);
        if (plan.kind == grow_kind::doubling) audit_.on_doubling_start(count_);  // audit hook
      }
    }
    location loc;
    if (growing()) {
      if constexpr (Observer::enabled) clock_.count_op();
      if (ranges_ == 0) growth_work(h);
      // A shrink evacuates in index order only, and a running range() defers
      // evacuation, so the key's old bucket may still be waiting: the entry
      // then goes there, and moves with it.
      if ((kind_ == grow_kind::shrinking || ranges_ != 0) && !is_evacuated(old_.th(h & old_.mask()))) {
        const std::size_t ob = h & old_.mask();
        loc = free_slot(old_, ob, ob);
      }
    }
    if (!loc) loc = free_slot(h & cur_.mask());
    return put_new(loc, tophash_of(h), construct);
  }

  // The first empty slot of bucket b's chain in array `a`, chaining a new
  // overflow bucket when every slot is taken.
  location free_slot(bucket_array& a, std::size_t b, std::size_t pos) {
    bucket_ref c = a.bucket(b);
    value_type* s = a.slots_of(b);
    for (;;) {
      if (slot_mask e = group(c.tophash).match_empty()) return location{c, s, lowest_slot(e), pos};
      if (!c.overflow()) {
        c = new_overflow(a, c);
        return location{c, ovf_slots(c), 0, pos};
      }
      c = c.next();
      s = ovf_slots(c);
    }
  }
  location free_slot(std::size_t b) { return free_slot(cur_, b, end_of_old() + b); }

  // Go's newoverflow: chains an empty overflow bucket after `last` in array
  // `a` (the old array only during a shrink). Preallocated buckets first.
  GOMAP_INTERNAL_NOINLINE bucket_ref new_overflow(bucket_array& a, bucket_ref last) {
    overflow_header* o;
    if (a.pool_used < a.pool_size) {
      o = reinterpret_cast<overflow_header*>(a.pool + a.pool_used++ * ovf_bucket_bytes);
    } else {
      block m = blocks::allocate(alloc_, ovf_bucket_bytes);  // may throw: nothing changed
      o = static_cast<overflow_header*>(m.ptr);
      ++ovf_allocated_;
    }
    const bucket_ref c = bucket_ref::of(o);
    c.reset();
    if (const std::size_t b = a.main_bucket_of(last.link); b != bucket_array::npos) a.mark_chained(b);
    *last.link = o;
    ++a.overflow;
    if (&a == &cur_) {
      incr_noverflow();
      if (too_many_overflow_buckets(noverflow_, cur_.B)) fast_insert_limit_ = 0;  // a same-size growth is due
    }
    return c;
  }
  bucket_ref new_overflow(bucket_ref last) { return new_overflow(cur_, last); }

  // Go's incrnoverflow: exact below B = 16, then sampled with probability
  // 2^-(B-15), so that the 2^15 threshold means "about as many overflow
  // buckets as buckets" at every B.
  void incr_noverflow() noexcept {
    if (cur_.B < 16) {
      ++noverflow_;
      return;
    }
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    const std::uint64_t mask = (std::uint64_t{1} << (cur_.B - 15)) - 1;
    if ((rng_ & mask) == 0) ++noverflow_;
  }

  // ---- growth -------------------------------------------------------------

  // Go's hashGrow: allocate the new array, keep the old one, evacuate nothing.
  void start_growth(growth_plan plan) {
    if (plan.B > max_b) throw std::length_error("gomap: the table cannot grow past its largest bucket array");
    bucket_array next = make_array(plan.B, /*init=*/false);  // may throw: nothing changed
    old_ = cur_;
    cur_ = next;
    nevacuate_ = 0;
    noverflow_ = 0;
    kind_ = plan.kind;
    switch (plan.kind) {
      case grow_kind::doubling: ++growths_; break;
      case grow_kind::same_size: ++same_size_growths_; break;
      case grow_kind::shrinking: ++shrinks_; break;
      case grow_kind::none: break;
    }
    report_growth_start();
  }

  // ---- observation --------------------------------------------------------

  growth_event_kind start_event_kind() const noexcept {
    return kind_ == grow_kind::doubling    ? growth_event_kind::grow_start
           : kind_ == grow_kind::same_size ? growth_event_kind::same_size_grow_start
                                           : growth_event_kind::shrink_start;
  }

  void report_growth_start() noexcept {
    const std::size_t ovf = cur_.overflow + old_.overflow;
    switch (kind_) {
      case grow_kind::doubling: GOMAP_INTERNAL_PROBE5(grow_start, this, old_.B, cur_.B, count_, ovf); break;
      case grow_kind::same_size: GOMAP_INTERNAL_PROBE5(same_size_grow_start, this, old_.B, cur_.B, count_, ovf); break;
      default: GOMAP_INTERNAL_PROBE5(shrink_start, this, old_.B, cur_.B, count_, ovf); break;
    }
    if constexpr (Observer::enabled) {
      clock_.start();
      growth_event e;
      e.kind = e.growth = start_event_kind();
      e.map = this;
      e.old_B = old_.B;
      e.new_B = cur_.B;
      e.entries = count_;
      e.overflow_buckets = ovf;
      e.time_ns = clock_.start_ns;
      observer_.on_growth_event(e);
    }
  }

  void report_growth_end() noexcept {
    if constexpr (Observer::enabled) {
      growth_event e;
      e.kind = growth_event_kind::grow_end;
      e.growth = start_event_kind();
      e.map = this;
      e.old_B = old_.B;
      e.new_B = cur_.B;
      e.entries = count_;
      e.overflow_buckets = cur_.overflow + old_.overflow;
      e.time_ns = now_ns();
      e.duration_ns = e.time_ns - clock_.start_ns;
      e.operations = clock_.ops;
      GOMAP_INTERNAL_PROBE6(grow_end, this, old_.B, cur_.B, count_, e.duration_ns, e.operations);
      observer_.on_growth_event(e);
    } else {
      GOMAP_INTERNAL_PROBE6(grow_end, this, old_.B, cur_.B, count_, std::uint64_t{0}, std::uint64_t{0});
    }
  }

  // The evacuation one insert of a new key pays for while a growth runs.
  // Doubling and same-size: Go's growWork, the key's old bucket then one more
  // in order. Shrinking (no Go counterpart): old buckets strictly in index
  // order, until `shrink_step_entries` entries moved or `shrink_step_buckets`
  // buckets visited; it moves the live entries of 2^d old buckets into one, so
  // it must cover ground faster than one bucket per insert to finish while
  // the map is small, yet each step stays bounded.
  void growth_work(std::uint64_t h) {
    if (kind_ != grow_kind::shrinking) {
      evacuate(h & old_.mask());
      if (growing()) evacuate(nevacuate_);
      return;
    }
    std::size_t moved = 0;
    for (std::size_t visited = 0;
         growing() && visited < shrink_step_buckets && moved < shrink_step_entries; ++visited)
      moved += evacuate(nevacuate_);
  }

  static std::size_t tombstones_in(const std::uint8_t* tophash) noexcept {
    return count_slots(group(tophash).match(empty_one));
  }

  // Requests for writing the cache lines of the first `bytes` of a bucket's slots.
  static void prefetch_for_write(const value_type* s, std::size_t bytes = bucket_slots * sizeof(value_type)) noexcept {
    for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(reinterpret_cast<const char*>(s) + off, 1);
  }

  // Where evacuation appends into a destination chain of cur_.
  struct cursor {
    bucket_ref c;
    value_type* s = nullptr;
    std::size_t i = 0;
  };

  cursor fresh_destination(std::size_t b) noexcept {
    cur_.bucket(b).reset();
    return cursor{cur_.bucket(b), cur_.slots_of(b), 0};
  }

  // The first slot after which bucket b's chain is empty (a shrink's second
  // and later sources append there, keeping appends in order for undo).
  cursor tail_destination(std::size_t b) noexcept {
    bucket_ref c = cur_.bucket(b);
    value_type* s = cur_.slots_of(b);
    for (;;) {
      if (slot_mask r = group(c.tophash).match_empty_rest()) return cursor{c, s, lowest_slot(r)};
      if (!c.overflow()) return cursor{c, s, bucket_slots};
      c = c.next();
      s = ovf_slots(c);
    }
  }

  // The next destination slot: the chain's next bucket, or a new one.
  void advance_cursor(cursor& d) {
    d.c = d.c.overflow() ? d.c.next() : new_overflow(d.c);
    d.s = ovf_slots(d.c);
    d.i = 0;
  }

  // Go's evacuate: moves every entry of old bucket `ob` (and its chain) into
  // the new array, all or nothing (see EXCEPTIONS above). Returns how many
  // entries it moved.
  std::size_t evacuate(std::size_t ob) {
    std::size_t moved = 0;
    const bucket_ref head = old_.bucket(ob);
    if (!is_evacuated(head.tophash) && !head.overflow() && !group(head.tophash).match_full()) {
      // Nothing to move (most old buckets of a map emptied by erases): only
      // the destinations this bucket is the first source of are initialised.
      if (kind_ != grow_kind::shrinking || ob < cur_.nbuckets()) cur_.bucket(ob).reset();
      if (kind_ == grow_kind::doubling) cur_.bucket(ob + old_.nbuckets()).reset();
      tombstones_ -= tombstones_in(head.tophash);
      std::memset(head.tophash, evacuated_empty, bucket_slots);
    } else if (!is_evacuated(head.tophash)) {
      const std::size_t newbit = old_.nbuckets();
      const bool split = kind_ == grow_kind::doubling;
      cursor x, y;
      if (kind_ == grow_kind::shrinking) {
        const std::size_t b = ob & cur_.mask();
        x = ob == b ? fresh_destination(b) : tail_destination(b);  // old b is its first source
      } else {
        x = fresh_destination(ob);
        if (split) y = fresh_destination(ob + newbit);
      }
      const cursor x0 = x, y0 = y;
      // The destinations are known before the old chain is read: start
      // their slot lines on the way while the old slots load.
      prefetch_for_write(x.s);
      if (split) prefetch_for_write(y.s);
      try {
        value_type* s = old_.slots_of(ob);
        for (bucket_ref c = head; c; c = c.next(), s = c ? ovf_slots(c) : nullptr) {
          for (unsigned i = 0; i < bucket_slots; ++i) {
            const std::uint8_t top = c.tophash[i];
            if (is_empty(top)) continue;
            const bool use_y = split && (hash_of(Policy::key(s[i])) & newbit) != 0;
            cursor& d = use_y ? y : x;
            if (d.i == bucket_slots) advance_cursor(d);
            Policy::transfer(alloc_, d.s + d.i, s + i);
            d.c.tophash[d.i++] = top;
            c.tophash[i] = use_y ? evacuated_y : evacuated_x;
            ++moved;
          }
        }
      } catch (...) {
        undo_evacuation(ob, x0, y0);
        throw;
      }
      commit_evacuation(ob);
    }
    if (ob == nevacuate_) advance_evacuation_mark();
    return moved;
  }

  // Destroys the transferred originals, marks the empty slots, and frees the
  // old chain's overflow buckets: nothing reaches them any more.
  void commit_evacuation(std::size_t ob) noexcept {
    const bucket_ref head = old_.bucket(ob);
    value_type* s = old_.slots_of(ob);
    for (bucket_ref c = head; c; c = c.next(), s = c ? ovf_slots(c) : nullptr) {
      if constexpr (std::is_trivially_destructible_v<value_type>) {
        // Nothing to destroy: the word becomes evacuated_empty wherever no
        // mark was written (every byte is now 0-3), in a few operations.
        std::uint64_t w;
        std::memcpy(&w, c.tophash, 8);
        constexpr std::uint64_t ones = 0x0101010101010101ull;
        const std::uint64_t marked = (w >> 1) & ones;  // evacuated_x/y: 2 or 3
        const std::uint64_t tomb = w & ~(w >> 1) & ones;  // empty_one
        tombstones_ -= static_cast<std::size_t>((tomb * ones) >> 56);
        w = (w & (marked * 0xff)) | ((marked ^ ones) * evacuated_empty);
        std::memcpy(c.tophash, &w, 8);
        continue;
      }
      for (unsigned i = 0; i < bucket_slots; ++i) {
        if (c.tophash[i] == evacuated_x || c.tophash[i] == evacuated_y) {
          Policy::destroy(alloc_, s + i);
        } else {
          tombstones_ -= c.tophash[i] == empty_one;
          c.tophash[i] = evacuated_empty;
        }
      }
    }
    free_chain_after(old_, head);
  }

  // Unchains and frees every overflow bucket after `c`.
  void free_chain_after(bucket_array& a, bucket_ref c) noexcept {
    for (overflow_header* o = c.overflow(); o;) {
      overflow_header* next = o->next;
      free_overflow(a, o);
      o = next;
    }
    *c.link = nullptr;
  }

  // Puts back every entry already transferred out of old bucket `ob`: the k-th
  // slot marked evacuated_x is the k-th entry appended after x0 (likewise y).
  void undo_evacuation(std::size_t ob, cursor x0, cursor y0) noexcept {
    cursor x = x0, y = y0;
    const bucket_ref head = old_.bucket(ob);
    value_type* s = old_.slots_of(ob);
    for (bucket_ref c = head; c; c = c.next(), s = c ? ovf_slots(c) : nullptr) {
      for (unsigned i = 0; i < bucket_slots; ++i) {
        const std::uint8_t mark = c.tophash[i];
        if (mark != evacuated_x && mark != evacuated_y) continue;
        cursor& d = mark == evacuated_y ? y : x;
        if (d.i == bucket_slots) {
          d.c = d.c.next();
          d.s = ovf_slots(d.c);
          d.i = 0;
        }
        if constexpr (Policy::transfer_moves) {
          Policy::destroy(alloc_, s + i);
          Policy::transfer(alloc_, s + i, d.s + d.i);
        }
        Policy::destroy(alloc_, d.s + d.i);
        c.tophash[i] = d.c.tophash[d.i];
        d.c.tophash[d.i++] = empty_rest;
      }
    }
    for (const cursor* d : {&x0, &y0})
      if (d->c) free_chain_after(cur_, d->c);
  }

  // Go's advanceEvacuationMark.
  void advance_evacuation_mark() noexcept {
    const std::size_t newbit = old_.nbuckets();
    ++nevacuate_;
    const std::size_t stop = std::min(nevacuate_ + 1024, newbit);
    while (nevacuate_ != stop && is_evacuated(old_.th(nevacuate_))) ++nevacuate_;
    if (nevacuate_ == newbit) finish_growth();
  }

  void finish_growth() noexcept {
    report_growth_end();
    audit_.on_growth_end();  // audit hook
    release_array(old_, /*now=*/false);
    old_ = bucket_array{};
    nevacuate_ = 0;
    kind_ = grow_kind::none;
  }

  // Runs any growth in progress to completion, then doubles until B >= target
  // (explicit whole-table calls only: reserve, rehash). Never shrinks.
  void grow_to(unsigned target) {
    no_range_running("reserve()/rehash()");
    writing_flag::guard g(writing_);
    if (target > max_b) throw std::length_error("gomap: requested size exceeds the largest bucket array");
    shrink_floor_b_ = std::max(shrink_floor_b_, target);
    if (!cur_.tophash) {
      cur_.set_b(std::max(cur_.B, target));
      if (cur_.B > 0) cur_ = make_array(cur_.B, /*init=*/true, /*commit=*/true);
    } else if (count_ == 0 && target > cur_.B) {
      replace_empty_array(target);
    } else {
      finish_all_evacuation();
      while (cur_.B < target) {
        start_growth({grow_kind::doubling, cur_.B + 1});
        finish_all_evacuation();
      }
    }
    refresh_fast_insert_limit();
  }

  // Shrinks to `target` buckets now, incrementally evacuating to completion
  // (shrink_to_fit, rehash): a whole-table call. Resets the shrink floor.
  void shrink_to(unsigned target) {
    no_range_running("shrink_to_fit()/rehash()");
    writing_flag::guard g(writing_);
    shrink_floor_b_ = min_auto_shrink_b;
    finish_all_evacuation();
    if (cur_.tophash && count_ == 0) {
      destroy_all_keep_settings();
    } else if (cur_.tophash && target < cur_.B) {
      start_growth({grow_kind::shrinking, target});
      finish_all_evacuation();
    }
    refresh_fast_insert_limit();
  }

  // An empty table swaps its array for a fresh one of 2^target buckets.
  void replace_empty_array(unsigned target) {
    finish_all_evacuation();
    destroy_entries_and_overflow();
    bucket_array next = make_array(target, /*init=*/true, /*commit=*/true);
    release_array(cur_, /*now=*/true);
    cur_ = next;
    noverflow_ = 0;
  }

  void finish_all_evacuation() {
    while (growing()) evacuate(nevacuate_);
  }

 public:
  shrink_policy get_shrink_policy() const noexcept { return shrink_; }
  void set_shrink_policy(shrink_policy p) noexcept {
    shrink_ = p;
    refresh_fast_insert_limit();
  }
  // Go's clear with the memory handed back: no bucket array until the next insert.
  void clear_and_release() {
    no_range_running("clear_and_release()");
    writing_flag::guard g(writing_);
    destroy_all_keep_settings();
    shrink_floor_b_ = min_auto_shrink_b;
    refresh_fast_insert_limit();
  }
  void shrink_to_fit() { shrink_to(b_for_hint(count_)); }

 private:

  // ---- erasure ------------------------------------------------------------

  // An erase usually finds its key, whose slot is then read (the key
  // compare) and destroyed: the bucket's first two slot lines are requested
  // alongside its tophash word instead of after it (10^7 entries: erase
  // -24%; one line: -16%). A find does not do this: a miss would pay for it
  // (find_miss +25-37% measured, for -10-23% on find_hit).
  void prefetch_erase(std::uint64_t h) const noexcept {
    if (!cur_.tophash) return;
    prefetch_for_write(cur_.slots_of(h & cur_.mask()), std::min<std::size_t>(128, bucket_slots * sizeof(value_type)));
  }

  // Go's mapdelete after the key is found: tombstone, then the empty_rest walk back.
  GOMAP_INTERNAL_INLINE void erase_at(location loc) noexcept {
    if (!retired_.empty()) [[unlikely]] {
      retired_.step();
      refresh_fast_insert_limit();
    }
    bucket_ref c = loc.c;
    std::size_t i = loc.i;
    Policy::destroy(alloc_, loc.s + i);
    c.tophash[i] = empty_one;
    ++tombstones_;
    const bool last_in_chain = i == bucket_slots - 1
                                   ? (!c.overflow() || c.overflow()->tophash[0] == empty_rest)
                                   : c.tophash[i + 1] == empty_rest;
    if (last_in_chain) {
      const bucket_ref head = chain_head(loc.pos);
      for (;;) {
        c.tophash[i] = empty_rest;
        --tombstones_;
        if (i == 0) {
          if (c == head) break;
          bucket_ref prev = head;
          while (prev.overflow() != header_of(c)) prev = prev.next();
          c = prev;
          i = bucket_slots - 1;
        } else {
          --i;
        }
        if (c.tophash[i] != empty_one) break;
      }
    }
    if (--count_ == 0) seed_ = random_u64();  // Go: re-seed against crafted collisions
    if (count_ < shrink_below_) fast_insert_limit_ = 0;  // the next insert starts a shrink
  }

  // ---- iteration positions ------------------------------------------------
  // Positions [0, old n) are the old array's buckets, then the current array's.
  // An old bucket is visited until it is evacuated; a current bucket once
  // evacuation has initialised it. Each entry is in exactly one of the two.

  std::size_t end_of_old() const noexcept { return old_.tophash ? old_.nbuckets() : 0; }

  std::size_t end_pos() const noexcept {
    return bucket_count() + end_of_old();
  }

  bucket_ref chain_head(std::size_t pos) const noexcept {
    const std::size_t oldn = end_of_old();
    return pos < oldn ? old_.bucket(pos) : cur_.bucket(pos - oldn);
  }


  // Is current bucket b initialised (its source old bucket evacuated)?
  bool current_bucket_live(std::size_t b) const noexcept {
    if (!old_.tophash) return true;
    // A shrink evacuates in order and old bucket b is new bucket b's first source.
    if (kind_ == grow_kind::shrinking) return b < nevacuate_;
    return is_evacuated(old_.th(b & old_.mask()));
  }

  // Calls f(chain head, pos) for every chain that may hold live entries.
  template <class F>
  void for_each_live_chain(F&& f) const {
    const std::size_t oldn = end_of_old();
    for (std::size_t b = 0; b < oldn; ++b)
      if (!is_evacuated(old_.th(b))) f(old_.bucket(b), b);
    if (cur_.tophash)
      for (std::size_t b = 0; b < cur_.nbuckets(); ++b)
        if (current_bucket_live(b)) f(cur_.bucket(b), oldn + b);
  }

  template <class It>
  It first_from(std::size_t pos) const noexcept {
    writing_.check_iteration();
    if (count_ == 0) return It();
    const std::size_t oldn = end_of_old();
    const std::size_t end = end_pos();
    for (; pos < end; ++pos) {
      bucket_ref c;
      value_type* s;
      if (pos < oldn) {
        if (is_evacuated(old_.th(pos))) continue;
        c = old_.bucket(pos);
        s = old_.slots_of(pos);
      } else {
        const std::size_t b = pos - oldn;
        if (oldn && !current_bucket_live(b)) continue;
        c = cur_.bucket(b);
        s = cur_.slots_of(b);
      }
      for (;;) {
        const group g(c.tophash);
        if (slot_mask m = g.match_full()) return It(this, c.tophash, s, lowest_slot(m), pos);
        if (g.match_empty_rest() || !c.overflow()) break;
        c = c.next();
        s = ovf_slots(c);
      }
    }
    return It();
  }

  template <class It>
  location location_of(const It& it) const noexcept {
    return location{bucket_at(it.pos_, it.bucket_tophash()), it.bucket_slot_array(), it.slot_index(), it.pos_};
  }

  // Moves an iterator to the next live entry in iteration order, when it is
  // not the next slot of the same bucket (the iterator's own ++ takes that
  // step). The misuse check runs here and at begin(): per bucket, not per entry.
  template <class It>
  void advance(It& it) const noexcept {
    writing_.check_iteration();
    const std::size_t i = it.slot_index();
    std::uint8_t* th = it.bucket_tophash();
    const group g(th);
    if (const slot_mask m = g.match_full() & (~1u << i)) {
      it.move_within_bucket(lowest_slot(m));
      return;
    }
    // The rest of the chain, if it goes on (the link is read only then).
    if (!g.match_empty_rest()) {
      for (bucket_ref c = bucket_at(it.pos_, th).next(); c; c = c.next()) {
        const group gc(c.tophash);
        if (const slot_mask m = gc.match_full()) {
          it = It(this, c.tophash, ovf_slots(c), lowest_slot(m), it.pos_);
          return;
        }
        if (gc.match_empty_rest()) break;
      }
    }
    if (!old_.tophash) [[likely]] {
      next_chain_of_current(it);
    } else {
      it = first_from<It>(it.pos_ + 1);
    }
  }

  // With no growth in progress: the first live entry of the chains after
  // it.pos_, scanning the dense tophash words.
  template <class It>
  void next_chain_of_current(It& it) const noexcept {
    const std::size_t n = cur_.nbuckets();
    for (std::size_t b = it.pos_ + 1; b < n; ++b) {
      const group g(cur_.th(b));
      if (const slot_mask m = g.match_full()) {
        it = It(this, cur_.th(b), cur_.slots_of(b), lowest_slot(m), b);
        return;
      }
      if (g.match_empty_rest() || !cur_.may_chain(b)) continue;
      for (bucket_ref c = cur_.bucket(b).next(); c; c = c.next()) {
        const group gc(c.tophash);
        if (const slot_mask m = gc.match_full()) {
          it = It(this, c.tophash, ovf_slots(c), lowest_slot(m), b);
          return;
        }
        if (gc.match_empty_rest()) break;
      }
    }
    it = It();
  }

  // The bucket whose tophash bytes are at `th`, in the chain at `pos`.
  bucket_ref bucket_at(std::size_t pos, std::uint8_t* th) const noexcept {
    const bucket_ref head = chain_head(pos);
    return head.tophash == th ? head : bucket_ref::of(reinterpret_cast<overflow_header*>(th));
  }

  template <class It>
  It make_iter(const location& loc) const noexcept {
    return loc ? It(this, loc.c.tophash, loc.s, loc.i, loc.pos) : It();
  }

  // ---- memory -------------------------------------------------------------

  // `init`: every bucket empty now (else evacuation initialises each bucket
  // as it first writes it). `commit`: a whole-table call sizing the table for
  // entries about to come; its pages are faulted in now (memory.hpp).
  bucket_array make_array(unsigned B, bool init, bool commit = false) {
    bucket_array a;
    a.set_b(B);
    const std::size_t n = a.nbuckets();
    a.pool_size = B >= 4 ? std::size_t{1} << (B - 4) : 0;
    // One block: tophash words, links, slots, preallocated overflow buckets,
    // chained bits.
    const std::size_t links_off = round_up(n * bucket_slots, alignof(overflow_header*));
    const std::size_t slots_off = round_up(links_off + n * sizeof(overflow_header*), alignof(value_type));
    const std::size_t pool_off = round_up(slots_off + n * bucket_slots * sizeof(value_type), align);
    const std::size_t chained_off = round_up(pool_off + a.pool_size * ovf_bucket_bytes, alignof(std::uint64_t));
    a.mem = blocks::allocate(alloc_, chained_off + chained_words(n) * sizeof(std::uint64_t), commit);
    auto* base = static_cast<unsigned char*>(a.mem.ptr);
    a.tophash = base;
    a.links = reinterpret_cast<overflow_header**>(base + links_off);
    a.chained = reinterpret_cast<std::uint64_t*>(base + chained_off);
    a.slots = reinterpret_cast<value_type*>(base + slots_off);
    a.pool = base + pool_off;
    if (!a.mem.zeroed) {
      // The chained bits must start clear even where buckets are left for
      // evacuation to initialise: 1/1088 of the array (at 16-byte entries).
      if (init) reset_all_buckets(a);
      else std::fill_n(a.chained, chained_words(n), 0);
    }
    return a;
  }

  static constexpr std::size_t chained_words(std::size_t nbuckets) noexcept { return (nbuckets + 63) / 64; }

  static void reset_all_buckets(bucket_array& a) noexcept {
    std::memset(a.tophash, empty_rest, a.nbuckets() * bucket_slots);
    std::fill_n(a.links, a.nbuckets(), nullptr);
    std::fill_n(a.chained, chained_words(a.nbuckets()), 0);
  }

  // Returns an array's block. Mapped blocks go to the retire queue unless
  // `now` (whole-table calls), which unmaps them at once.
  void release_array(bucket_array& a, bool now) noexcept {
    if (!a.mem.ptr) return;
    if (a.mem.mapped) {
      retired_.retire(a.mem);
      if (now) retired_.release_all();
    } else {
      blocks::deallocate(alloc_, a.mem);
    }
    a.mem = block{};
  }

  void free_overflow(bucket_array& a, overflow_header* c) noexcept {
    --a.overflow;
    if (a.owns_pool_bucket(c)) return;  // part of the array's block
    blocks::deallocate(alloc_, block{c, ovf_bucket_bytes, false, false});
    --ovf_allocated_;
  }

  // Destroys every live entry and frees every separately allocated overflow
  // bucket of both arrays; leaves control blocks as they were.
  void destroy_entries_and_overflow() noexcept {
    for_each_live_chain([&](bucket_ref head, std::size_t pos) {
      value_type* s = chain_head_slots(pos);
      for (bucket_ref c = head; c; c = c.next(), s = c ? ovf_slots(c) : nullptr) {
        if constexpr (!std::is_trivially_destructible_v<value_type>) {
          for (slot_mask m = group(c.tophash).match_full(); m; m &= m - 1) Policy::destroy(alloc_, s + lowest_slot(m));
        }
      }
      free_chain_after(pos < end_of_old() ? old_ : cur_, head);
    });
  }

  // Destroys every entry and marks every slot of every live chain empty,
  // keeping chains, arrays and growth state as they are.
  void empty_in_place() noexcept {
    for_each_live_chain([&](bucket_ref head, std::size_t pos) {
      value_type* s = chain_head_slots(pos);
      for (bucket_ref c = head; c; c = c.next(), s = c ? ovf_slots(c) : nullptr) {
        for (slot_mask m = group(c.tophash).match_full(); m; m &= m - 1) Policy::destroy(alloc_, s + lowest_slot(m));
        std::memset(c.tophash, empty_rest, bucket_slots);
      }
    });
  }

  value_type* chain_head_slots(std::size_t pos) const noexcept {
    const std::size_t oldn = end_of_old();
    return pos < oldn ? old_.slots_of(pos) : cur_.slots_of(pos - oldn);
  }

  void destroy_all_keep_settings() noexcept {
    destroy_all();
    seed_ = random_u64();
  }

  void destroy_all() noexcept {
    destroy_entries_and_overflow();
    release_array(old_, /*now=*/true);
    release_array(cur_, /*now=*/true);
    retired_.release_all();
    old_ = bucket_array{};
    cur_ = bucket_array{};
    count_ = 0;
    tombstones_ = 0;
    fast_insert_limit_ = 0;
    shrink_below_ = 0;
    kind_ = grow_kind::none;
  }

  // ---- copy and move ------------------------------------------------------

  void copy_from(const table& o) {
    shrink_ = o.shrink_;
    seed_ = random_u64();
    rng_ = seed_ | 1;
    if (o.count_ == 0) return;
    cur_ = make_array(b_for_hint(o.count_), /*init=*/true, /*commit=*/true);
    try {
      for (const auto& v : o)
        insert_unique(hash_of(Policy::key(v)), [&](value_type* p) { Policy::construct(alloc_, p, v); });
    } catch (...) {
      destroy_all();
      throw;
    }
  }

  // Move with unequal allocators: element by element, as std requires. The
  // source is left empty (its elements are moved-from, no longer where their
  // keys hash), as std::unordered_map leaves it. Should the hasher or the
  // allocator throw midway, both tables are left valid and empty.
  void move_elements_from(table& o) {
    seed_ = random_u64();
    rng_ = seed_ | 1;
    if (o.count_ != 0) {
      cur_ = make_array(b_for_hint(o.count_), /*init=*/true, /*commit=*/true);
      try {
        o.for_each_live_chain([&](bucket_ref head, std::size_t pos) {
          value_type* s = o.chain_head_slots(pos);
          for (bucket_ref c = head; c; c = c.next(), s = c ? ovf_slots(c) : nullptr) {
            for (slot_mask m = group(c.tophash).match_full(); m; m &= m - 1) {
              value_type* src = s + lowest_slot(m);
              insert_unique(hash_of(Policy::key(*src)), [&](value_type* p) { Policy::transfer(alloc_, p, src); });
            }
          }
        });
      } catch (...) {
        destroy_all();
        o.destroy_all_keep_settings();
        o.refresh_fast_insert_limit();
        throw;
      }
    }
    o.destroy_all_keep_settings();
    o.refresh_fast_insert_limit();
  }

  // Inserts a value whose key is known to be absent, into an array sized for
  // it (copy construction): no probe for the key, no growth.
  template <class F>
  void insert_unique(std::uint64_t h, F&& construct) {
    put_new(free_slot(h & cur_.mask()), tophash_of(h), construct);
  }

  void steal(table& o) noexcept {
    if (ranges_ != 0 || o.ranges_ != 0) fatal("gomap: a map was moved or assigned inside range() on it");
    cur_ = o.cur_;
    old_ = o.old_;
    count_ = o.count_;
    tombstones_ = o.tombstones_;
    fast_insert_limit_ = o.fast_insert_limit_;
    nevacuate_ = o.nevacuate_;
    noverflow_ = o.noverflow_;
    ovf_allocated_ = o.ovf_allocated_;
    seed_ = o.seed_;
    rng_ = o.rng_;
    kind_ = o.kind_;
    clock_ = o.clock_;
    shrink_ = o.shrink_;
    shrink_floor_b_ = o.shrink_floor_b_;
    shrink_below_ = o.shrink_below_;
    growths_ = o.growths_;
    same_size_growths_ = o.same_size_growths_;
    shrinks_ = o.shrinks_;
    retired_ = std::move(o.retired_);
    o.cur_ = bucket_array{};
    o.old_ = bucket_array{};
    o.count_ = 0;
    o.tombstones_ = 0;
    o.fast_insert_limit_ = 0;
    o.nevacuate_ = 0;
    o.noverflow_ = 0;
    o.ovf_allocated_ = 0;
    o.kind_ = grow_kind::none;
    o.shrink_below_ = 0;
    o.growths_ = o.same_size_growths_ = o.shrinks_ = 0;
  }

  void swap_all(table& o) noexcept {
    if (ranges_ != 0 || o.ranges_ != 0) fatal("gomap: a map was swapped or assigned inside range() on it");
    using std::swap;
    swap(hash_, o.hash_);
    swap(eq_, o.eq_);
    if constexpr (alloc_traits::propagate_on_container_swap::value) swap(alloc_, o.alloc_);
    swap(cur_, o.cur_);
    swap(old_, o.old_);
    swap(count_, o.count_);
    swap(tombstones_, o.tombstones_);
    swap(fast_insert_limit_, o.fast_insert_limit_);
    swap(nevacuate_, o.nevacuate_);
    swap(noverflow_, o.noverflow_);
    swap(ovf_allocated_, o.ovf_allocated_);
    swap(seed_, o.seed_);
    swap(rng_, o.rng_);
    swap(kind_, o.kind_);
    swap(observer_, o.observer_);
    swap(clock_, o.clock_);
    swap(shrink_, o.shrink_);
    swap(shrink_floor_b_, o.shrink_floor_b_);
    swap(shrink_below_, o.shrink_below_);
    swap(growths_, o.growths_);
    swap(same_size_growths_, o.same_size_growths_);
    swap(shrinks_, o.shrinks_);
    swap(retired_, o.retired_);
  }

  // ---- state --------------------------------------------------------------

  [[no_unique_address]] Hash hash_{};
  [[no_unique_address]] Eq eq_{};
  [[no_unique_address]] Alloc alloc_{};
  bucket_array cur_;  // Go's buckets
  bucket_array old_;  // Go's oldbuckets: non-null ctrl while growing
  std::size_t count_ = 0;
  std::size_t tombstones_ = 0;         // slots marked empty_one, both arrays (exact)
  std::size_t fast_insert_limit_ = 0;  // see refresh_fast_insert_limit()
  std::size_t nevacuate_ = 0;      // old buckets below this are evacuated
  std::size_t noverflow_ = 0;      // Go's approximate overflow count of cur_
  std::size_t ovf_allocated_ = 0;  // overflow buckets allocated one by one (bytes_allocated)
  std::uint64_t seed_ = random_u64();  // Go's hash0
  std::uint64_t rng_ = seed_ | 1;      // xorshift state for incr_noverflow's sampling
  grow_kind kind_ = grow_kind::none;
  shrink_policy shrink_ = shrink_policy::shrink;
  unsigned shrink_floor_b_ = min_auto_shrink_b;  // automatic shrinks stop here
  std::size_t shrink_below_ = 0;                 // a shrink is due below this count (0: none)
  std::uint64_t growths_ = 0;
  std::uint64_t same_size_growths_ = 0;
  std::uint64_t shrinks_ = 0;
  retire_queue retired_;
  mutable unsigned ranges_ = 0;  // range() calls running on this table
  [[no_unique_address]] Observer observer_{};
  [[no_unique_address]] growth_clock<Observer::enabled> clock_{};
  writing_flag writing_;
  // Audit hook: null unless <gomap/audit.hpp> sampled this map. Not part of
  // the table's state proper: move, swap and assignment leave it with the
  // object it was created for (audit_hook.hpp).
  audit_slot audit_;
};

// Standard iterators: bucket order (old array's unevacuated buckets, then the
// current array's), deterministic for a given table state. Invalidated by any
// insert of a new key; erase invalidates only iterators to the erased entry.
template <class Table, bool Const>
class table_iterator {
  using value = typename Table::value_type;

 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = value;
  using difference_type = std::ptrdiff_t;
  using reference = std::conditional_t<Const, const value&, value&>;
  using pointer = std::conditional_t<Const, const value*, value*>;

  table_iterator() noexcept = default;
  // iterator -> const_iterator
  template <bool C = Const, class = std::enable_if_t<C>>
  table_iterator(const table_iterator<Table, false>& o) noexcept
      : t_(o.t_), th_(o.th_), s_(o.s_), pos_(o.pos_) {}

  reference operator*() const noexcept { return *s_; }
  pointer operator->() const noexcept { return s_; }
  // Entries fill a bucket from slot 0 (erases leave tombstones), so the next
  // live entry is most often the next slot: one byte test, no bucket match.
  // A bucket's tophash bytes are 8-aligned, so the bucket ends where the
  // next byte's address is a multiple of 8.
  table_iterator& operator++() noexcept {
    const std::uint8_t* next = th_ + 1;
    if ((reinterpret_cast<std::uintptr_t>(next) % bucket_slots) != 0 && *next >= min_tophash) [[likely]] {
      ++th_;
      ++s_;
      return *this;
    }
    t_->advance(*this);
    return *this;
  }
  table_iterator operator++(int) noexcept {
    table_iterator r = *this;
    ++*this;
    return r;
  }
  friend bool operator==(const table_iterator& a, const table_iterator& b) noexcept { return a.th_ == b.th_; }

 private:
  template <class, class, class, class, class>
  friend class table;
  template <class, bool>
  friend class table_iterator;
  friend struct table_access;

  // From a bucket (its tophash bytes and slots) and a slot index.
  table_iterator(const Table* t, std::uint8_t* th, value* s, std::size_t i, std::size_t pos) noexcept
      : t_(t), th_(th + i), s_(s + i), pos_(pos) {}

  std::size_t slot_index() const noexcept { return reinterpret_cast<std::uintptr_t>(th_) % bucket_slots; }
  std::uint8_t* bucket_tophash() const noexcept { return th_ - slot_index(); }
  value* bucket_slot_array() const noexcept { return s_ - slot_index(); }
  void move_within_bucket(std::size_t i) noexcept {
    s_ = bucket_slot_array() + i;
    th_ = bucket_tophash() + i;
  }

  const Table* t_ = nullptr;
  std::uint8_t* th_ = nullptr;  // the entry's tophash byte; null for end()
  value* s_ = nullptr;          // the entry
  std::size_t pos_ = 0;         // iteration position of its chain
};

// Test and tool access to engine internals; not part of the public API.
struct table_access {
  template <class It, class CIt>
  static It unconst(const CIt& c) noexcept {
    It it;
    it.t_ = c.t_;
    it.th_ = c.th_;
    it.s_ = c.s_;
    it.pos_ = c.pos_;
    return it;
  }
  template <class C>
  static auto& table_of(C& c) noexcept {
    return c.t_;
  }
};

}  // namespace gomap::internal

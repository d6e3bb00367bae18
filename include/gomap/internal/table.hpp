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
//   growing --every insert of a new key: evacuate old buckets `nevacuate` and
//             the next, in index order (shrinking: in order, bounded; see
//             growth_work)--> ... --last old bucket evacuated--> not growing
//   Starting a growth only allocates the new array (not zeroed: a new bucket is
//   initialised when evacuation first writes it) and keeps the old one; B
//   reports the new size at once. Old bucket i of a doubling splits into new
//   buckets i (x) and i + 2^(B-1) (y) by hash bit 2^(B-1). While an old bucket is
//   not evacuated, its keys live only there (a new key whose old bucket waits
//   goes there too), so lookups consult it first. The
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
#include <atomic>
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
#include "../shrink_policy.hpp"
#include "../stats.hpp"
#include "audit_hook.hpp"
#include "bucket.hpp"
#include "bucket_array.hpp"
#include "debug.hpp"
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

using gomap::shrink_policy;

// A shrink is due when the load falls below max / shrink_load_divisor
// (6.5 / 4 = 1.625 entries per bucket).
inline constexpr std::size_t shrink_load_divisor = 4;
// Automatic shrinks stop at 16 buckets: below that an array is a few KiB.
inline constexpr unsigned min_auto_shrink_b = 4;
// Bounded work per insert during a shrink (see growth_work).
inline constexpr std::size_t shrink_step_entries = 32;
inline constexpr std::size_t shrink_step_buckets = 1024;

// A table's state, grouped by what happens to it when the table is moved,
// swapped, cleared or destroyed, so that each of those is written once over
// the groups (steal, swap_all, clear, destroy_all) and a new field needs no
// edit there:
//   contents   what moves with the elements; reset to {} in a moved-from or
//              emptied table (destroy_all);
//   counts     lifetime counters: move with the contents, survive
//              clear() and clear_and_release();
//   settings   the seed and the shrink rules: a move copies them (the
//              source keeps its own), a swap swaps them.
// The hasher, equality, allocator and observer are the policies, beside them.
template <class Array, bool Timed>
struct table_contents {
  Array cur_;  // Go's buckets
  Array old_;  // Go's oldbuckets: non-null tophash while growing
  std::size_t count_ = 0;
  std::size_t tombstones_ = 0;         // slots marked empty_one, both arrays (exact)
  std::size_t fast_insert_limit_ = 0;  // see refresh_fast_insert_limit()
  std::size_t nevacuate_ = 0;          // old buckets below this are evacuated
  std::size_t noverflow_ = 0;          // Go's approximate overflow count of cur_
  std::size_t ovf_allocated_ = 0;      // overflow buckets allocated one by one (bytes_allocated)
  std::size_t shrink_below_ = 0;       // a shrink is due below this count (0: none)
  grow_kind kind_ = grow_kind::none;
  retire_queue retired_;
  [[no_unique_address]] growth_clock<Timed> clock_{};
};

struct table_counts {
  std::uint64_t growths_ = 0;
  std::uint64_t same_size_growths_ = 0;
  std::uint64_t shrinks_ = 0;
#if GOMAP_DEBUG
  std::uint64_t generation_ = 0;  // operations that invalidated iterators (debug.hpp)
#endif
};

struct table_settings {
  std::uint64_t seed_ = random_u64();  // Go's hash0
  std::uint64_t rng_ = seed_ | 1;      // xorshift state for incr_noverflow's sampling
  shrink_policy shrink_ = shrink_policy::shrink;
  unsigned shrink_floor_b_ = min_auto_shrink_b;  // automatic shrinks stop here
};

// Where an iterator stands: enough for the engine to step it and to erase
// at it (the iterator holds one and hands it to the engine).
template <class Value>
struct slot_position {
  const std::uint8_t* arr = nullptr;  // tophash bytes of an array of its table (table::owner_of)
  std::uint8_t* th = nullptr;         // the entry's tophash byte; null for end()
  Value* s = nullptr;                 // the entry
  std::size_t pos = 0;                // iteration position of its chain
#if GOMAP_DEBUG
  std::uint64_t gen = 0;  // the table's generation when the iterator was made (debug.hpp)
#endif

  // Slot i of a bucket (its tophash bytes and slots) in the chain at pos.
  static slot_position at(const std::uint8_t* arr, std::uint8_t* th, Value* s, std::size_t i,
                          std::size_t pos) noexcept {
    return {arr, th + i, s + i, pos};
  }
  // A bucket's tophash bytes are 8-aligned (bucket_array.hpp): the slot
  // index is in the pointer's low bits.
  std::size_t slot_index() const noexcept { return reinterpret_cast<std::uintptr_t>(th) % bucket_slots; }
  std::uint8_t* bucket_tophash() const noexcept { return th - slot_index(); }
  Value* bucket_slots_start() const noexcept { return s - slot_index(); }
  void move_within_bucket(std::size_t i) noexcept {
    s = bucket_slots_start() + i;
    th = bucket_tophash() + i;
  }
};

template <class Table, bool Const>
class table_iterator;
template <class Table>
class table_view;
struct table_access;

template <class Policy, class Hash, class Eq, class Alloc, class Observer = no_observer>
class table : private table_contents<bucket_array<typename Policy::value_type, Alloc>, Observer::enabled>,
              private table_counts,
              private table_settings {
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
  using position = slot_position<value_type>;

 private:
  using alloc_traits = std::allocator_traits<Alloc>;
  static_assert(std::is_same_v<typename alloc_traits::value_type, value_type>,
                "gomap: the allocator's value_type must be the container's value_type "
                "(std::pair<const K, V> for a map, K for a set)");

  using layout = bucket_layout<value_type, Alloc>;
  using bucket_array = internal::bucket_array<value_type, Alloc>;
  using cursor = chain_cursor<value_type>;
  static constexpr unsigned max_b = layout::max_b;

  using contents = table_contents<bucket_array, Observer::enabled>;
  contents& state() noexcept { return *this; }
  table_counts& counts() noexcept { return *this; }
  table_settings& settings() noexcept { return *this; }
  // The fields, by their names (the groups are dependent bases).
  using contents::clock_;
  using contents::count_;
  using contents::cur_;
  using contents::fast_insert_limit_;
  using contents::kind_;
  using contents::nevacuate_;
  using contents::noverflow_;
  using contents::old_;
  using contents::ovf_allocated_;
  using contents::retired_;
  using contents::shrink_below_;
  using contents::tombstones_;

  // Where a found entry lives: enough to erase it (the chain head for the
  // empty_rest walk back) and to build an iterator.
  struct location {
    bucket_ref c;
    value_type* s = nullptr;  // slots of bucket c
    std::size_t i = 0;
    std::size_t pos = 0;  // iteration position of the chain head (old array first)
    // The tophash bytes of the array holding the chain head: iterators find
    // the table from it (see owner_of; any array's will do, and this one is
    // in a register when the probe ends).
    const std::uint8_t* arr = nullptr;
    explicit operator bool() const noexcept { return static_cast<bool>(c); }
  };

 public:
  // ---- construction -------------------------------------------------------

  // Only where every policy object can be default-constructed (so that
  // std::is_default_constructible answers false instead of failing). Audit
  // hook (audit_hook.hpp): the two constructors that build a map from
  // nothing may sample it; copies and moves never do.
  table() requires std::conjunction_v<std::is_default_constructible<Hash>, std::is_default_constructible<Eq>,
                                      std::is_default_constructible<Alloc>, std::is_default_constructible<Observer>>
  {
    audit_.attach(0);
  }

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

  static constexpr bool nothrow_policy_moves = std::is_nothrow_move_constructible_v<Hash> &&
                                               std::is_nothrow_move_constructible_v<Eq> &&
                                               std::is_nothrow_move_constructible_v<Observer>;
  static constexpr bool nothrow_policy_move_assignments = std::is_nothrow_move_assignable_v<Hash> &&
                                                          std::is_nothrow_move_assignable_v<Eq> &&
                                                          std::is_nothrow_move_assignable_v<Observer>;

  table(table&& o) noexcept(nothrow_policy_moves)
      : hash_(std::move(o.hash_)),
        eq_(std::move(o.eq_)),
        alloc_(std::move(o.alloc_)),
        observer_(std::move(o.observer_)) {
    steal(o);
  }

  // With an allocator that compares equal the arrays are taken (O(1), no
  // throw); otherwise the elements are moved one by one.
  table(table&& o, const Alloc& a) noexcept(
      std::conjunction_v<std::bool_constant<nothrow_policy_moves>, typename alloc_traits::is_always_equal>)
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

  table& operator=(table&& o) noexcept((alloc_traits::propagate_on_container_move_assignment::value ||
                                        alloc_traits::is_always_equal::value) &&
                                       nothrow_policy_move_assignments) {
    if (this == &o) return *this;
    if (alloc_traits::propagate_on_container_move_assignment::value || alloc_traits::is_always_equal::value ||
        alloc_ == o.alloc_) {
      destroy_all();
      take_policies(o);
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

  void swap(table& o) noexcept(std::conjunction_v<std::is_nothrow_swappable<Hash>, std::is_nothrow_swappable<Eq>>) {
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

  iterator begin() noexcept { return iterator(stamped(first_from(0))); }
  const_iterator begin() const noexcept { return const_iterator(stamped(first_from(0))); }
  iterator end() noexcept { return iterator(end_position()); }
  const_iterator end() const noexcept { return const_iterator(end_position()); }

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

  // How many entries are equivalent to `key`: more than one only under a
  // transparent equality coarser than the keys' own. Equivalent keys hash
  // alike (the hasher's contract), so they all sit in the one chain a lookup
  // of `key` probes, which is walked to its end.
  template <class K>
  size_type count_equivalent(const K& key) const {
    writing_.check_read();
    if (count_ == 0) return 0;
    const std::uint64_t h = hash_of(key);
    const chain_home home = home_of(h);
    const std::uint8_t top = tophash_of(h);
    size_type n = 0;
    for (cursor k = home.a->chain(home.b); k; ++k) {
      const group g(k.tophash());
      for (slot_mask m = g.match(top); m; m &= m - 1) n += eq_(key, Policy::key(k.slots()[lowest_slot(m)])) ? 1 : 0;
      if (g.match_empty_rest()) break;
    }
    return n;
  }

  // ---- insertion ----------------------------------------------------------

  // Finds `key`; if absent, constructs a new entry at a free slot by calling
  // construct(value_type* where). Returns where the entry is and whether it
  // was inserted. `construct` must build an element whose key equals `key`,
  // and be cheap to copy: the out-of-line paths take it by value, so that
  // the inlined fast path need not keep it in memory (every caller passes a
  // lambda capturing by reference).
  template <class K, class F>
  GOMAP_INTERNAL_INLINE std::pair<iterator, bool> find_or_insert(const K& key, F&& construct) {
    writing_flag::guard g(writing_);
    const std::uint64_t h = hash_of(key);
    if (count_ < fast_insert_limit_) [[likely]]
      return insert_fast(key, h, construct);
    return find_or_insert_slow<K, std::remove_cvref_t<F>>(key, h, construct);
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
    erase_at(location_of(it.position()));
  }

  // Takes the entry at `it` out of the table, moving it into `out` first.
  template <class Out>
  void extract_at(const_iterator it, Out&& out) {
    writing_flag::guard g(writing_);
    out(it.position().s);  // may throw: nothing erased then
    erase_at(location_of(it.position()));
  }

  // ---- whole-table operations ---------------------------------------------

  // Destroys every entry; keeps the bucket array (Go's clear), drops overflow
  // buckets and the old array of a growth in progress, re-draws the seed.
  void clear() noexcept {
    writing_flag::guard g(writing_);
    invalidate_iterators();
    if (ranging()) {
      // A range() is walking these chains: empty them in place, free nothing.
      empty_in_place();
      count_ = 0;
      tombstones_ = 0;
    } else {
      // The contents start afresh around the kept array (and the retire
      // queue, which is still returning memory).
      destroy_entries_and_overflow();
      release_array(old_, /*now=*/false);
      bucket_array kept = cur_;
      retire_queue retired = std::move(retired_);
      state() = contents{};
      if (kept.tophash) {
        kept.reset_all();
        kept.pool_used = 0;
        kept.overflow = 0;
      }
      cur_ = kept;
      retired_ = std::move(retired);
      // Go's clear keeps the array: do not shrink it away.
      shrink_floor_b_ = std::max(shrink_floor_b_, cur_.B);
    }
    seed_ = random_u64();
    refresh_fast_insert_limit();
  }

  // Makes room for `n` entries without a doubling growth: Go's B for hint n.
  // Runs any growth in progress to completion first.
  void reserve(size_type n) {
    if (n > max_size()) throw std::length_error("gomap: reserve() beyond max_size()");
    grow_to(b_for_hint(n));
  }

  // At least `n` buckets (rounded up to a power of two) and at least what
  // the current size needs. rehash(0) is shrink_to_fit(), shrink floor
  // included.
  void rehash(size_type n) {
    if (n > (std::size_t{1} << max_b)) throw std::length_error("gomap: rehash() beyond the largest bucket array");
    if (n == 0) return shrink_to_fit();
    unsigned B = 0;
    while ((std::size_t{1} << B) < n) ++B;
    B = std::max(B, b_for_hint(count_));
    if (cur_.tophash && B < cur_.B) {
      shrink_to(B, /*release_if_empty=*/false);
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
    s.bytes_allocated =
        cur_.mem.bytes + old_.mem.bytes + ovf_allocated_ * layout::ovf_bucket_bytes + retired_.bytes_held();
    s.tombstones = tombstones_;
    return s;
  }

  void check_read() const noexcept { writing_.check_read(); }

  // Iterators find their table through the owner word of an array
  // (bucket_array.hpp): any array of the table will do, the old one too, so
  // a table re-points both wherever it takes arrays over (steal, swap_all).
  static const table* owner_of(const std::uint8_t* arr) noexcept {
    return static_cast<const table*>(*bucket_array::owner_word(arr));
  }

  Observer& observer() noexcept { return observer_; }
  const Observer& observer() const noexcept { return observer_; }

 private:
  // The one door into the state (table_view.hpp: the checker, the bucket
  // scan and range() read through it); table_access is for tests only.
  template <class>
  friend class table_view;
  friend struct table_access;

  // A running range() (range.hpp) freezes evacuation: see there.
  class range_pin {
   public:
    explicit range_pin(const table& t) noexcept : t_(t) { t_.ranges_.fetch_add(1, std::memory_order_relaxed); }
    ~range_pin() { t_.ranges_.fetch_sub(1, std::memory_order_relaxed); }
    range_pin(const range_pin&) = delete;
    range_pin& operator=(const range_pin&) = delete;

   private:
    const table& t_;
  };

  // Whether a range() runs on this table. Reads (range() const among them)
  // may run on several threads at once, so the count is an atomic: relaxed,
  // since it orders nothing, it only has to be exact.
  bool ranging() const noexcept { return ranges_.load(std::memory_order_relaxed) != 0; }

  void no_range_running(const char* what) const {
    if (ranging()) throw std::logic_error(std::string("gomap: ") + what + " called inside range() on the same map");
  }

  // ---- hashing ------------------------------------------------------------

  template <class K>
  std::uint64_t hash_of(const K& key) const noexcept(nothrow_hash<Hash, K>()) {
    return seeded_hash(hash_, key, seed_);
  }

  static const key_type& policy_key(const value_type& v) noexcept { return Policy::key(v); }

  // ---- probing ------------------------------------------------------------

  // Where the chain of hash h is: the old array's bucket while it is not
  // evacuated, else the current array's. `pos` is its iteration position.
  struct chain_home {
    const bucket_array* a;
    std::size_t b;
    std::size_t pos;
  };
  GOMAP_INTERNAL_INLINE chain_home home_of(std::uint64_t h) const noexcept {
    const std::size_t b = h & cur_.mask();
    if (old_.tophash) [[unlikely]] {
      const std::size_t ob = h & old_.mask();
      if (!is_evacuated(old_.th(ob))) return {&old_, ob, ob};
      return {&cur_, b, old_.nbuckets() + b};
    }
    return {&cur_, b, b};
  }

  // The slot of a bucket (its tophash group g and slots s) that holds `key`,
  // whose tophash is `top`, or null: the one key match. (A pointer, not an
  // index with a "none" value: the key compare has just read through it, so
  // the compiler knows a hit is non-null and the caller's test vanishes.)
  template <class K>
  GOMAP_INTERNAL_INLINE value_type* match_key(const group& g, std::uint8_t top, value_type* s, const K& key) const {
    for (slot_mask m = g.match(top); m; m &= m - 1) {
      value_type* v = s + lowest_slot(m);
      if (eq_(key, Policy::key(*v))) [[likely]]
        return v;
    }
    return nullptr;
  }

  // Finds `key` (hash h), in the old array if its old bucket is not evacuated yet.
  template <class K>
  GOMAP_INTERNAL_INLINE location locate(const K& key, std::uint64_t h) const {
    if (count_ == 0) return {};
    const auto [a, b, pos] = home_of(h);
    const std::uint8_t top = tophash_of(h);
    // The main bucket first, on its own: its link address is only computed
    // if the chain goes on. (A lookup's instruction count bounds how many
    // lookups the core overlaps, hence their speed on a large map.)
    value_type* s = a->slots_of(b);
    const group g(a->th(b));
    if (const value_type* v = match_key(g, top, s, key)) [[likely]]
      return location{a->bucket(b), s, static_cast<std::size_t>(v - s), pos, a->tophash};
    if (g.match_empty_rest() || !a->may_chain(b)) return {};
    cursor k = a->chain(b);
    for (++k; k; ++k) {
      const group gk(k.tophash());
      if (const value_type* v = match_key(gk, top, k.slots(), key)) [[likely]]
        return location{k.bucket(), k.slots(), static_cast<std::size_t>(v - k.slots()), pos, a->tophash};
      if (gk.match_empty_rest()) return {};
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
    // The new entry's slot line, requested now: the write to it would
    // otherwise wait for the tophash word's miss first (insert_reserved at
    // 10^6, gomap/absl in one run: 1.06 -> 0.92). Only the first line: the
    // second holds slots 4-7, used once a bucket is half full, and a lookup's
    // speculative slot request costs misses their bandwidth (find_miss at
    // 10^6: +40%), which is why locate() makes none.
    __builtin_prefetch(s, 1);
    const group g(th);
    if (value_type* v = match_key(g, top, s, key)) [[likely]]
      return {iterator(stamped(position::at(owner(), th, s, static_cast<std::size_t>(v - s), b))), false};
    if (!g.match_empty_rest()) [[unlikely]]
      return insert_fast_chain<K, std::remove_cvref_t<F>>(key, h, construct);
    // The first empty slot: a tombstone before the empty_rest run, or its start.
    return {make_iter<iterator>(
                put_new(location{cur_.bucket(b), s, lowest_slot(g.match_empty()), b, owner()}, top, construct)),
            true};
  }

  // insert_fast where the main bucket has no empty_rest slot: the chain may
  // go on, and the key may be further along it.
  template <class K, class F>
  GOMAP_INTERNAL_NOINLINE std::pair<iterator, bool> insert_fast_chain(const K& key, std::uint64_t h, F construct) {
    const std::size_t b = h & cur_.mask();
    const std::uint8_t top = tophash_of(h);
    cursor k = cur_.chain(b);
    location free;
    for (;;) {
      const group g(k.tophash());
      if (value_type* v = match_key(g, top, k.slots(), key)) [[likely]]
        return {iterator(
                    stamped(position::at(owner(), k.tophash(), k.slots(), static_cast<std::size_t>(v - k.slots()), b))),
                false};
      if (!free) {
        if (slot_mask e = g.match_empty()) free = location{k.bucket(), k.slots(), lowest_slot(e), b, owner()};
      }
      if (g.match_empty_rest() || !k.goes_on()) break;
      k.step();
    }
    if (!free) {
      k.move_to(new_overflow(k.bucket()));
      free = location{k.bucket(), k.slots(), 0, b, owner()};
    }
    return {make_iter<iterator>(put_new(free, top, construct)), true};
  }

  // Constructs a new entry in the empty slot `loc` and counts it.
  template <class F>
  GOMAP_INTERNAL_INLINE const location& put_new(const location& loc, std::uint8_t top, F& construct) {
    GOMAP_ASSERT(is_empty(loc.c.tophash[loc.i]), "an insert's slot is empty");
    construct(loc.s + loc.i);  // may throw: the slot stays empty
    invalidate_iterators();
    tombstones_ -= loc.c.tophash[loc.i] == empty_one;
    loc.c.tophash[loc.i] = top;
    ++count_;
    return loc;
  }

  // Every insert the fast path cannot take: a growth in progress or due,
  // memory to release, no array yet.
  template <class K, class F>
  GOMAP_INTERNAL_NOINLINE std::pair<iterator, bool> find_or_insert_slow(const K& key, std::uint64_t h, F construct) {
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
  GOMAP_INTERNAL_INLINE location insert_new(std::uint64_t h, F&& construct) {
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
      if (!ranging()) growth_work();
      // Evacuation runs in index order only, and a running range() defers
      // it, so the key's old bucket may still be waiting: the entry then
      // goes there, and moves with it.
      if (growing()) {
        const std::size_t ob = h & old_.mask();
        if (!is_evacuated(old_.th(ob))) loc = free_slot(old_, ob, ob);
      }
    }
    if (!loc) loc = free_slot(h & cur_.mask());
    return put_new(loc, tophash_of(h), construct);
  }

  // The first empty slot of bucket b's chain in array `a`, chaining a new
  // overflow bucket when every slot is taken.
  location free_slot(bucket_array& a, std::size_t b, std::size_t pos) {
    for (cursor k = a.chain(b);; k.step()) {
      if (slot_mask e = group(k.tophash()).match_empty())
        return location{k.bucket(), k.slots(), lowest_slot(e), pos, a.tophash};
      if (!k.goes_on()) {
        k.move_to(new_overflow(a, k.bucket()));
        return location{k.bucket(), k.slots(), 0, pos, a.tophash};
      }
    }
  }
  location free_slot(std::size_t b) { return free_slot(cur_, b, end_of_old() + b); }

  // Go's newoverflow: chains an empty overflow bucket after `last` in array
  // `a` (the old array only while a growth runs). Preallocated buckets first.
  GOMAP_INTERNAL_NOINLINE bucket_ref new_overflow(bucket_array& a, bucket_ref last) {
    overflow_header* o = a.allocate_overflow(alloc_, ovf_allocated_);  // may throw: nothing changed
    if (const std::size_t b = a.main_bucket_of(last.link); b != bucket_array::npos) a.mark_chained(b);
    *last.link = o;
    ++a.overflow;
    if (&a == &cur_) {
      incr_noverflow();
      if (too_many_overflow_buckets(noverflow_, cur_.B)) fast_insert_limit_ = 0;  // a same-size growth is due
    }
    return bucket_ref::of(o);
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

  // The evacuation one insert of a new key pays for while a growth runs,
  // always in old-bucket index order (the design notes leave the schedule
  // free within bounds). Doubling and same-size: two old buckets, Go's
  // growWork count, so a growth of 2^B old buckets ends within 2^(B-1)
  // inserts, before the next can be due. Not Go's order (the key's own old
  // bucket first): that bucket is a random one, so each insert would pay
  // cache misses on four random places (old and new, buckets and slots),
  // while the index order streams through both arrays, which the hardware
  // prefetcher follows. The price: a new key whose old bucket waits goes
  // into it (insert_new), and may chain an overflow bucket there.
  // Shrinking (no Go counterpart): until `shrink_step_entries` entries moved
  // or `shrink_step_buckets` buckets visited; it moves the live entries of
  // 2^d old buckets into one, so it must cover ground faster than one bucket
  // per insert to finish while the map is small, yet each step stays bounded.
  void growth_work() {
    if (kind_ != grow_kind::shrinking) {
      evacuate(nevacuate_);
      if (growing()) evacuate(nevacuate_);
      return;
    }
    std::size_t moved = 0;
    for (std::size_t visited = 0; growing() && visited < shrink_step_buckets && moved < shrink_step_entries; ++visited)
      moved += evacuate(nevacuate_);
  }

  static std::size_t tombstones_in(const std::uint8_t* tophash) noexcept {
    return count_slots(group(tophash).match(empty_one));
  }

  // Requests for writing the cache lines of the first `bytes` of a bucket's slots.
  static void prefetch_for_write(const value_type* s, std::size_t bytes = bucket_slots * sizeof(value_type)) noexcept {
    for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(reinterpret_cast<const char*>(s) + off, 1);
  }

  // Where evacuation appends into a destination chain of cur_: the bucket
  // and the next slot index in it.
  struct destination {
    cursor k;
    std::size_t i = 0;
    value_type* slot() const noexcept { return k.slots() + i; }
  };

  destination fresh_destination(std::size_t b) noexcept {
    cur_.bucket(b).reset();
    return destination{cur_.chain(b), 0};
  }

  // The first slot after which bucket b's chain is empty (a shrink's second
  // and later sources append there, keeping appends in order for undo).
  destination tail_destination(std::size_t b) noexcept {
    for (cursor k = cur_.chain(b);; k.step()) {
      if (slot_mask r = group(k.tophash()).match_empty_rest()) return destination{k, lowest_slot(r)};
      if (!k.goes_on()) return destination{k, bucket_slots};
    }
  }

  // The next destination slot: the chain's next bucket, or a new one.
  void advance_destination(destination& d) {
    if (d.k.goes_on()) {
      d.k.step();
    } else {
      d.k.move_to(new_overflow(d.k.bucket()));
    }
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
      destination x, y;
      if (kind_ == grow_kind::shrinking) {
        const std::size_t b = ob & cur_.mask();
        x = ob == b ? fresh_destination(b) : tail_destination(b);  // old b is its first source
      } else {
        x = fresh_destination(ob);
        if (split) y = fresh_destination(ob + newbit);
      }
      const destination x0 = x, y0 = y;
      // The destinations are known before the old chain is read: start
      // their slot lines on the way while the old slots load.
      prefetch_for_write(x.k.slots());
      if (split) prefetch_for_write(y.k.slots());
      try {
        for (cursor k = old_.chain(ob); k; ++k) {
          value_type* s = k.slots();
          std::uint8_t* th = k.tophash();
          for (unsigned i = 0; i < bucket_slots; ++i) {
            const std::uint8_t top = th[i];
            if (is_empty(top)) continue;
            const bool use_y = split && (hash_of(Policy::key(s[i])) & newbit) != 0;
            destination& d = use_y ? y : x;
            if (d.i == bucket_slots) advance_destination(d);
            Policy::transfer(alloc_, d.slot(), s + i);
            d.k.tophash()[d.i++] = top;
            th[i] = use_y ? evacuated_y : evacuated_x;
            ++moved;
          }
        }
      } catch (...) {
        undo_evacuation(ob, x0, y0);
        throw;
      }
      commit_evacuation(ob);
    }
    GOMAP_ASSERT(is_evacuated(old_.th(ob)) && !old_.bucket(ob).overflow(),
                 "an evacuated old bucket is marked evacuated and has no overflow chain");
    if (ob == nevacuate_) advance_evacuation_mark();
    return moved;
  }

  // Destroys the transferred originals, marks the empty slots, and frees the
  // old chain's overflow buckets: nothing reaches them any more.
  void commit_evacuation(std::size_t ob) noexcept {
    for (cursor k = old_.chain(ob); k; ++k) {
      std::uint8_t* th = k.tophash();
      if constexpr (std::is_trivially_destructible_v<value_type>) {
        // Nothing to destroy: the word becomes evacuated_empty wherever no
        // mark was written (every byte is now 0-3), in a few operations.
        std::uint64_t w;
        std::memcpy(&w, th, 8);
        constexpr std::uint64_t ones = 0x0101010101010101ull;
        const std::uint64_t marked = (w >> 1) & ones;     // evacuated_x/y: 2 or 3
        const std::uint64_t tomb = w & ~(w >> 1) & ones;  // empty_one
        tombstones_ -= static_cast<std::size_t>((tomb * ones) >> 56);
        w = (w & (marked * 0xff)) | ((marked ^ ones) * evacuated_empty);
        std::memcpy(th, &w, 8);
        continue;
      }
      for (unsigned i = 0; i < bucket_slots; ++i) {
        if (th[i] == evacuated_x || th[i] == evacuated_y) {
          Policy::destroy(alloc_, k.slots() + i);
        } else {
          tombstones_ -= th[i] == empty_one;
          th[i] = evacuated_empty;
        }
      }
    }
    free_chain_after(old_, old_.bucket(ob));
  }

  // Puts back every entry already transferred out of old bucket `ob`: the k-th
  // slot marked evacuated_x is the k-th entry appended after x0 (likewise y).
  void undo_evacuation(std::size_t ob, destination x0, destination y0) noexcept {
    destination x = x0, y = y0;
    for (cursor k = old_.chain(ob); k; ++k) {
      value_type* s = k.slots();
      std::uint8_t* th = k.tophash();
      for (unsigned i = 0; i < bucket_slots; ++i) {
        const std::uint8_t mark = th[i];
        if (mark != evacuated_x && mark != evacuated_y) continue;
        destination& d = mark == evacuated_y ? y : x;
        if (d.i == bucket_slots) {
          d.k.step();
          d.i = 0;
        }
        if constexpr (Policy::transfer_moves) {
          Policy::destroy(alloc_, s + i);
          Policy::transfer(alloc_, s + i, d.slot());
        }
        Policy::destroy(alloc_, d.slot());
        th[i] = d.k.tophash()[d.i];
        d.k.tophash()[d.i++] = empty_rest;
      }
    }
    for (const destination* d : {&x0, &y0})
      if (d->k) free_chain_after(cur_, d->k.bucket());
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
    GOMAP_ASSERT(nevacuate_ == old_.nbuckets() && kind_ != grow_kind::none && old_.overflow == 0,
                 "a growth ends when every old bucket is evacuated and its chains freed");
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
    invalidate_iterators();
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

  // Brings the array to 2^target buckets now, incrementally evacuating to
  // completion (shrink_to_fit, rehash): a whole-table call. Resets the shrink
  // floor. target is at least Go's B for the current size, so it may be
  // above the array's: inserts inside a range() start a growth but evacuate
  // nothing, and leave more entries than the array's load. An empty table
  // keeps an array of 2^target, so that rehash(n) leaves n buckets or more
  // whatever the size; only shrink_to_fit (release_if_empty) frees it.
  void shrink_to(unsigned target, bool release_if_empty) {
    invalidate_iterators();
    no_range_running("shrink_to_fit()/rehash()");
    writing_flag::guard g(writing_);
    shrink_floor_b_ = min_auto_shrink_b;
    finish_all_evacuation();
    if (!cur_.tophash) {
      // No array yet: nothing to shrink, and an empty table needs none.
    } else if (count_ == 0) {
      if (release_if_empty) {
        destroy_all_keep_settings();
      } else if (target != cur_.B) {
        replace_empty_array(target);
      }
    } else if (target < cur_.B) {
      start_growth({grow_kind::shrinking, target});
      finish_all_evacuation();
    } else {
      while (cur_.B < target) {
        start_growth({grow_kind::doubling, cur_.B + 1});
        finish_all_evacuation();
      }
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
    tombstones_ = 0;  // a fresh array has none
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
  void shrink_to_fit() { shrink_to(b_for_hint(count_), /*release_if_empty=*/true); }

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
    GOMAP_ASSERT(c.tophash[i] >= min_tophash && count_ > 0, "an erased slot holds an entry");
    Policy::destroy(alloc_, loc.s + i);
    c.tophash[i] = empty_one;
    ++tombstones_;
    const bool last_in_chain = i == bucket_slots - 1 ? (!c.overflow() || c.overflow()->tophash[0] == empty_rest)
                                                     : c.tophash[i + 1] == empty_rest;
    if (last_in_chain) {
      const bucket_ref head = chain_head(loc.pos);
      for (;;) {
        c.tophash[i] = empty_rest;
        --tombstones_;
        if (i == 0) {
          if (c == head) break;
          cursor prev(head, loc.s);
          while (!prev.bucket().links_to(c)) prev.step();
          c = prev.bucket();
          i = bucket_slots - 1;
        } else {
          --i;
        }
        if (c.tophash[i] != empty_one) break;
      }
    }
    if (--count_ == 0) seed_ = random_u64();             // Go: re-seed against crafted collisions
    if (count_ < shrink_below_) fast_insert_limit_ = 0;  // the next insert starts a shrink
  }

  // ---- iteration positions ------------------------------------------------
  // Positions [0, old n) are the old array's buckets, then the current array's.
  // An old bucket is visited until it is evacuated; a current bucket once
  // evacuation has initialised it. Each entry is in exactly one of the two.

  std::size_t end_of_old() const noexcept { return old_.tophash ? old_.nbuckets() : 0; }

  std::size_t end_pos() const noexcept { return bucket_count() + end_of_old(); }

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

  // Calls f(cursor at the chain head, pos) for every chain that may hold
  // live entries.
  template <class F>
  void for_each_live_chain(F&& f) const {
    const std::size_t oldn = end_of_old();
    for (std::size_t b = 0; b < oldn; ++b)
      if (!is_evacuated(old_.th(b))) f(old_.chain(b), b);
    if (cur_.tophash)
      for (std::size_t b = 0; b < cur_.nbuckets(); ++b)
        if (current_bucket_live(b)) f(cur_.chain(b), oldn + b);
  }

  // The first live entry at iteration position `pos` or after it.
  position first_from(std::size_t pos) const noexcept {
    writing_.check_iteration();
    if (count_ == 0) return {};
    const std::size_t oldn = end_of_old();
    const std::size_t end = end_pos();
    for (; pos < end; ++pos) {
      cursor k;
      if (pos < oldn) {
        if (is_evacuated(old_.th(pos))) continue;
        k = old_.chain(pos);
      } else {
        const std::size_t b = pos - oldn;
        if (oldn && !current_bucket_live(b)) continue;
        k = cur_.chain(b);
      }
      for (;; k.step()) {
        const group g(k.tophash());
        if (slot_mask m = g.match_full()) return position::at(owner(), k.tophash(), k.slots(), lowest_slot(m), pos);
        if (g.match_empty_rest() || !k.goes_on()) break;
      }
    }
    return {};
  }

  location location_of(const position& p) const noexcept {
    return location{bucket_at(p.pos, p.bucket_tophash()), p.bucket_slots_start(), p.slot_index(), p.pos, p.arr};
  }

 public:
  // The iterator's step (its ++ when the next slot of its bucket is not
  // live): to the next live entry in iteration order. The misuse check runs
  // here and at begin(): per bucket, not per entry.
  void step(position& p) const noexcept {
    writing_.check_iteration();
    const std::size_t i = p.slot_index();
    std::uint8_t* th = p.bucket_tophash();
    const group g(th);
    if (const slot_mask m = g.match_full() & (~1u << i)) {
      p.move_within_bucket(lowest_slot(m));
      return;
    }
    // The rest of the chain, if it goes on (the link is read only then).
    if (!g.match_empty_rest()) {
      cursor k(bucket_at(p.pos, th), p.bucket_slots_start());
      for (++k; k; ++k) {
        const group gk(k.tophash());
        if (const slot_mask m = gk.match_full()) {
          p = position::at(p.arr, k.tophash(), k.slots(), lowest_slot(m), p.pos);
          return;
        }
        if (gk.match_empty_rest()) break;
      }
    }
    if (!old_.tophash) [[likely]] {
      next_chain_of_current(p);
    } else {
      p = first_from(p.pos + 1);
    }
  }

 private:
  // With no growth in progress: the first live entry of the chains after
  // p.pos, scanning the dense tophash words.
  void next_chain_of_current(position& p) const noexcept {
    const std::size_t last = cur_.mask();  // a stored field: nbuckets() would be a shift per step
    for (std::size_t b = p.pos + 1; b <= last; ++b) {
      const group g(cur_.th(b));
      if (const slot_mask m = g.match_full()) {
        p = position::at(p.arr, cur_.th(b), cur_.slots_of(b), lowest_slot(m), b);
        return;
      }
      if (g.match_empty_rest() || !cur_.may_chain(b)) continue;
      cursor k = cur_.chain(b);
      for (++k; k; ++k) {
        const group gk(k.tophash());
        if (const slot_mask m = gk.match_full()) {
          p = position::at(p.arr, k.tophash(), k.slots(), lowest_slot(m), b);
          return;
        }
        if (gk.match_empty_rest()) break;
      }
    }
    p = {};
  }

  // The bucket whose tophash bytes are at `th`, in the chain at `pos`.
  bucket_ref bucket_at(std::size_t pos, std::uint8_t* th) const noexcept {
    const bucket_ref head = chain_head(pos);
    return head.tophash == th ? head : bucket_ref::of(reinterpret_cast<overflow_header*>(th));
  }

  template <class It>
  It make_iter(const location& loc) const noexcept {
    return loc ? It(stamped(position::at(loc.arr, loc.c.tophash, loc.s, loc.i, loc.pos))) : It(end_position());
  }

  // ---- memory (bucket_array.hpp) --------------------------------------------

  bucket_array make_array(unsigned B, bool init, bool commit = false) {
    return bucket_array::make(alloc_, B, init, commit, this);
  }
  void release_array(bucket_array& a, bool now) noexcept { a.release(alloc_, retired_, now); }
  void free_chain_after(bucket_array& a, bucket_ref c) noexcept { a.free_chain_after(alloc_, c, ovf_allocated_); }

  // Debug mode's generation (debug.hpp): bumped by every operation that may
  // invalidate iterators; an iterator is stamped with it when made.
  void invalidate_iterators() noexcept {
#if GOMAP_DEBUG
    ++generation_;
#endif
  }
  position stamped(position p) const noexcept {
#if GOMAP_DEBUG
    p.gen = generation_;
#endif
    return p;
  }
  // end(): nowhere; in debug mode it names its table (when it has an array),
  // so that comparing iterators of two maps is caught.
  position end_position() const noexcept {
#if GOMAP_DEBUG
    return position{cur_.tophash, nullptr, nullptr, 0};
#else
    return {};
#endif
  }
#if GOMAP_DEBUG
 public:
  std::uint64_t generation() const noexcept { return generation_; }

 private:
#endif

  // What this table's iterators hold to find it: valid whenever an entry exists.
  const std::uint8_t* owner() const noexcept { return cur_.tophash; }
  void adopt_arrays() noexcept {
    cur_.set_owner(this);
    old_.set_owner(this);
  }

  // Destroys every live entry and frees every separately allocated overflow
  // bucket of both arrays; leaves control blocks as they were.
  void destroy_entries_and_overflow() noexcept {
    for_each_live_chain([&](cursor head, std::size_t pos) {
      if constexpr (!std::is_trivially_destructible_v<value_type>) {
        for (cursor k = head; k; ++k)
          for (slot_mask m = group(k.tophash()).match_full(); m; m &= m - 1)
            Policy::destroy(alloc_, k.slots() + lowest_slot(m));
      }
      free_chain_after(pos < end_of_old() ? old_ : cur_, head.bucket());
    });
  }

  // Destroys every entry and marks every slot of every live chain empty,
  // keeping chains, arrays and growth state as they are.
  void empty_in_place() noexcept {
    for_each_live_chain([&](cursor head, std::size_t) {
      for (cursor k = head; k; ++k) {
        for (slot_mask m = group(k.tophash()).match_full(); m; m &= m - 1)
          Policy::destroy(alloc_, k.slots() + lowest_slot(m));
        std::memset(k.tophash(), empty_rest, bucket_slots);
      }
    });
  }

  void destroy_all_keep_settings() noexcept {
    destroy_all();
    seed_ = random_u64();
  }

  // Destroys every entry and returns all memory: the contents are reset,
  // the lifetime counts and the settings stay.
  void destroy_all() noexcept {
    invalidate_iterators();
    destroy_entries_and_overflow();
    release_array(old_, /*now=*/true);
    release_array(cur_, /*now=*/true);
    retired_.release_all();
    state() = contents{};
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

  // Move with unequal allocators: element by element, each move-constructed
  // (not std::move_if_noexcept: the allocator-aware container requirements
  // ask for moves, whatever the move may throw). The
  // source is left empty (its elements are moved-from, no longer where their
  // keys hash), as std::unordered_map leaves it. Should the hasher or the
  // allocator throw midway, both tables are left valid and empty.
  void move_elements_from(table& o) {
    seed_ = random_u64();
    rng_ = seed_ | 1;
    if (o.count_ != 0) {
      cur_ = make_array(b_for_hint(o.count_), /*init=*/true, /*commit=*/true);
      try {
        o.for_each_live_chain([&](cursor head, std::size_t) {
          for (cursor k = head; k; ++k) {
            for (slot_mask m = group(k.tophash()).match_full(); m; m &= m - 1) {
              value_type* src = k.slots() + lowest_slot(m);
              insert_unique(hash_of(Policy::key(*src)), [&](value_type* p) { Policy::move_construct(alloc_, p, src); });
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

  // Takes o's arrays and everything that goes with them (the groups at the
  // top of this file); o is left empty, with its settings. *this must hold
  // nothing (a constructor, or after destroy_all).
  void steal(table& o) noexcept {
    if (ranging() || o.ranging()) fatal("gomap: a map was moved or assigned inside range() on it");
    state() = std::move(o.state());
    o.state() = contents{};
    counts() = std::exchange(o.counts(), table_counts{});
    settings() = o.settings();
    adopt_arrays();
  }

  void swap_all(table& o) noexcept {
    if (ranging() || o.ranging()) fatal("gomap: a map was swapped or assigned inside range() on it");
    using std::swap;
    swap(hash_, o.hash_);
    swap(eq_, o.eq_);
    if constexpr (alloc_traits::propagate_on_container_swap::value) swap(alloc_, o.alloc_);
    swap(observer_, o.observer_);
    swap(state(), o.state());
    swap(counts(), o.counts());
    swap(settings(), o.settings());
    adopt_arrays();
    o.adopt_arrays();
  }

  // The policies of a move assignment (the allocator only where it propagates).
  void take_policies(table& o) {
    hash_ = std::move(o.hash_);
    eq_ = std::move(o.eq_);
    observer_ = std::move(o.observer_);
    if constexpr (alloc_traits::propagate_on_container_move_assignment::value) alloc_ = std::move(o.alloc_);
  }

  // ---- state --------------------------------------------------------------
  // The groups are the bases (table_contents, table_counts, table_settings);
  // beside them, the policies and what belongs to this object alone.

  [[no_unique_address]] Hash hash_{};
  [[no_unique_address]] Eq eq_{};
  [[no_unique_address]] Alloc alloc_{};
  [[no_unique_address]] Observer observer_{};
  mutable std::atomic<unsigned> ranges_{0};  // range() calls running on this table (see ranging())
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

  using position_type = slot_position<value>;

  table_iterator() noexcept = default;
  // iterator -> const_iterator
  template <bool C = Const, class = std::enable_if_t<C>>
  table_iterator(const table_iterator<Table, false>& o) noexcept : p_(o.position()) {}
  // The engine's constructor and the engine's view of an iterator: internal.
  explicit table_iterator(const position_type& p) noexcept : p_(p) {}
  const position_type& position() const noexcept { return p_; }

  reference operator*() const noexcept {
    debug_check(msg_deref_end);
    return *p_.s;
  }
  pointer operator->() const noexcept {
    debug_check(msg_deref_end);
    return p_.s;
  }
  // Entries fill a bucket from slot 0 (erases leave tombstones), so the next
  // live entry is most often the next slot: one byte test, no bucket match.
  // A bucket's tophash bytes are 8-aligned, so the bucket ends where the
  // next byte's address is a multiple of 8. Otherwise the engine steps.
  table_iterator& operator++() noexcept {
    debug_check(msg_increment_end);
    const std::uint8_t* next = p_.th + 1;
    if ((reinterpret_cast<std::uintptr_t>(next) % bucket_slots) != 0 && *next >= min_tophash) [[likely]] {
      ++p_.th;
      ++p_.s;
      return *this;
    }
#if GOMAP_DEBUG
    const std::uint64_t gen = p_.gen;
    Table::owner_of(p_.arr)->step(p_);
    p_.gen = gen;
#else
    Table::owner_of(p_.arr)->step(p_);
#endif
    return *this;
  }
  table_iterator operator++(int) noexcept {
    table_iterator r = *this;
    ++*this;
    return r;
  }
  friend bool operator==(const table_iterator& a, const table_iterator& b) noexcept {
#if GOMAP_DEBUG
    if (a.p_.arr && b.p_.arr && Table::owner_of(a.p_.arr) != Table::owner_of(b.p_.arr)) debug_failure(msg_two_maps);
#endif
    return a.p_.th == b.p_.th;
  }
  // iterator == const_iterator as an exact match: through the conversion
  // alone it ties with any unconstrained operator== that ADL brings in from
  // the element types (libstdc++ PR 115939). The reversed order is C++20's
  // rewritten candidate of this one.
  friend bool operator==(const table_iterator& a, const table_iterator<Table, true>& b) noexcept requires(!Const) {
    return table_iterator<Table, true>(a) == b;
  }

 private:
  // Debug mode: the iterator must point at a live entry of the generation
  // it was made in.
  void debug_check([[maybe_unused]] const char* at_end) const noexcept {
#if GOMAP_DEBUG
    if (!p_.th) debug_failure(at_end);
    if (Table::owner_of(p_.arr)->generation() != p_.gen) debug_failure(msg_stale_iterator);
    if (*p_.th < min_tophash) debug_failure(msg_erased_iterator);
#endif
  }

  position_type p_;
};

// Test and tool access to engine internals; not part of the public API.
struct table_access {
  template <class It, class CIt>
  static It unconst(const CIt& c) noexcept {
    return It(c.position());
  }
  template <class C>
  static auto& table_of(C& c) noexcept {
    return c.t_;
  }
};

}  // namespace gomap::internal

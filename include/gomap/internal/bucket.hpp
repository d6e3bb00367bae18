// gomap/internal/bucket.hpp: the bucket control word, tophash markers, and
// the 8-wide byte matching every probe is built on.
//
// A bucket (Go's bmap) is split in three: its 8 tophash bytes live in one
// dense array (as a Swiss table keeps its control bytes apart), its overflow
// link in a parallel array, its slots in the slot array. An absent-key lookup
// reads 8 bytes per bucket of the chain, plus the link when the bucket is
// full; a present-key lookup reads the tophash word and one slot.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define GOMAP_INTERNAL_SSE2 1
#endif

// The probe loops are small and sit on every operation's path; the rare
// work (growth, overflow chaining) is large. Inlining decisions in a big
// translation unit are the compiler's budget to spend: measured in the
// benchmark driver, GCC 12 kept find_or_insert out of line and a reserved
// insert at 10^6 took 72 ns instead of 45. So the fast paths are forced
// inline and the slow paths forced out, whatever the unit around them.
#if defined(__GNUC__) || defined(__clang__)
#define GOMAP_INTERNAL_INLINE inline __attribute__((always_inline))
#define GOMAP_INTERNAL_NOINLINE __attribute__((noinline))
#else
#define GOMAP_INTERNAL_INLINE inline
#define GOMAP_INTERNAL_NOINLINE
#endif

namespace gomap::internal {

// Slots per bucket (Go's bucketCnt). Eight tophash bytes fill one 64-bit word,
// which is what lets a whole bucket be matched in one compare.
inline constexpr unsigned bucket_slots = 8;

// Tophash markers. Values 0-4 are reserved; a live slot's tophash is >= 5.
inline constexpr std::uint8_t empty_rest = 0;       // this slot and every later slot of the chain are empty
inline constexpr std::uint8_t empty_one = 1;        // this slot is empty (a tombstone)
inline constexpr std::uint8_t evacuated_x = 2;      // old-bucket slot moved to the x (low) half of the new array
inline constexpr std::uint8_t evacuated_y = 3;      // old-bucket slot moved to the y (high) half
inline constexpr std::uint8_t evacuated_empty = 4;  // old-bucket slot was empty when its bucket was evacuated
inline constexpr std::uint8_t min_tophash = 5;      // smallest tophash of a live slot

// Load factor 6.5 = 13/2 entries per bucket on average before a doubling growth.
inline constexpr std::size_t load_factor_num = 13;
inline constexpr std::size_t load_factor_den = 2;

// Go's overLoadFactor: would `count` entries overload 2^B buckets?
constexpr bool over_load_factor(std::size_t count, unsigned B) noexcept {
  return count > bucket_slots && count > load_factor_num * ((std::size_t{1} << B) / load_factor_den);
}

// Go's tooManyOverflowBuckets. `noverflow` is Go's approximate counter (exact
// for B < 16, sampled above), so the threshold saturates at 2^15 as in Go.
constexpr bool too_many_overflow_buckets(std::size_t noverflow, unsigned B) noexcept {
  if (B > 15) B = 15;
  return noverflow >= (std::size_t{1} << B);
}

// The smallest B whose array holds `hint` entries without overloading (Go's makemap).
constexpr unsigned b_for_hint(std::size_t hint) noexcept {
  unsigned B = 0;
  while (over_load_factor(hint, B)) ++B;
  return B;
}

// Entries 2^B buckets hold before the next insert of a new key doubles them.
constexpr std::size_t capacity_for_b(unsigned B) noexcept {
  return B == 0 ? bucket_slots : load_factor_num * ((std::size_t{1} << B) / load_factor_den);
}

constexpr std::uint8_t tophash_of(std::uint64_t hash) noexcept {
  auto top = static_cast<std::uint8_t>(hash >> 56);
  return top < min_tophash ? static_cast<std::uint8_t>(top + min_tophash) : top;
}

constexpr bool is_empty(std::uint8_t top) noexcept { return top <= empty_one; }

// An overflow bucket is one allocation: this header (its tophash bytes and
// the link to the next bucket of the chain), then its 8 slots.
struct alignas(16) overflow_header {
  std::uint8_t tophash[bucket_slots];
  overflow_header* next;
};
static_assert(sizeof(overflow_header) == 16);

// Any bucket of a chain, main or overflow: where its 8 tophash bytes are and
// where its overflow link is. A main bucket's tophash bytes sit in the
// array's dense tophash block and its link in the parallel link block, so
// that a probe reads 8 bytes per bucket and touches the link only when the
// bucket holds no empty_rest slot (the chain may go on).
struct bucket_ref {
  std::uint8_t* tophash = nullptr;
  overflow_header** link = nullptr;

  static bucket_ref of(overflow_header* o) noexcept { return o ? bucket_ref{o->tophash, &o->next} : bucket_ref{}; }

  explicit operator bool() const noexcept { return tophash != nullptr; }
  overflow_header* overflow() const noexcept { return *link; }
  bucket_ref next() const noexcept { return of(*link); }
  // Whether overflow bucket c comes right after this one.
  bool links_to(bucket_ref c) const noexcept { return reinterpret_cast<unsigned char*>(*link) == c.tophash; }
  void reset() const noexcept {
    std::memset(tophash, 0, bucket_slots);  // every slot empty_rest
    *link = nullptr;
  }
  friend bool operator==(bucket_ref a, bucket_ref b) noexcept { return a.tophash == b.tophash; }
};

// Where an overflow bucket's slots start: after its header, at the value
// type's alignment.
template <class Value>
inline constexpr std::size_t overflow_slot_offset = (sizeof(overflow_header) + alignof(Value) - 1) / alignof(Value) *
                                                    alignof(Value);

template <class Value>
inline Value* overflow_slots(bucket_ref c) noexcept {
  return reinterpret_cast<Value*>(c.tophash + overflow_slot_offset<Value>);
}

// The one walk along a chain, Go's `for ; b != nil; b = b.overflow(t)`: the
// bucket it stands on and that bucket's slots. Every chain walk (probes,
// inserts, evacuation, erase, iteration, range, the checker, the inspector)
// goes through it, so a change of the chain's representation is made here.
template <class Value>
class chain_cursor {
 public:
  chain_cursor() noexcept = default;
  chain_cursor(bucket_ref head, Value* slots) noexcept : b_(head), s_(slots) {}

  explicit operator bool() const noexcept { return static_cast<bool>(b_); }
  bucket_ref bucket() const noexcept { return b_; }
  std::uint8_t* tophash() const noexcept { return b_.tophash; }
  Value* slots() const noexcept { return s_; }
  // Another bucket follows (reads the link).
  bool goes_on() const noexcept { return b_.overflow() != nullptr; }
  // To the next bucket; at the end of the chain the cursor becomes false.
  GOMAP_INTERNAL_INLINE chain_cursor& operator++() noexcept {
    b_ = b_.next();
    if (b_) s_ = overflow_slots<Value>(b_);
    return *this;
  }
  // To the next bucket, which goes_on() said exists.
  GOMAP_INTERNAL_INLINE void step() noexcept {
    b_ = b_.next();
    s_ = overflow_slots<Value>(b_);
  }
  // Onto overflow bucket c (one just chained after this one).
  GOMAP_INTERNAL_INLINE void move_to(bucket_ref c) noexcept {
    b_ = c;
    s_ = overflow_slots<Value>(c);
  }
  friend bool operator==(const chain_cursor& a, const chain_cursor& b) noexcept { return a.b_ == b.b_; }

 private:
  bucket_ref b_;
  Value* s_ = nullptr;
};

// Go's evacuated(b): an old bucket whose first slot carries an evacuation mark
// has been moved entirely (evacuation marks every slot, empty ones included).
inline bool is_evacuated(const std::uint8_t* tophash) noexcept {
  return tophash[0] > empty_one && tophash[0] < min_tophash;
}

// Bit i of a mask stands for slot i.
using slot_mask = unsigned;

// (Counted in 64 bits: the index then needs no widening to address a slot.)
inline std::size_t lowest_slot(slot_mask m) noexcept {
  return static_cast<unsigned>(std::countr_zero(static_cast<std::uint64_t>(m)));
}

// The number of slots in an 8-bit mask. std::popcount compiles to a libgcc
// call on the x86-64 baseline (no POPCNT); this is a few inline operations.
inline unsigned count_slots(slot_mask m) noexcept {
  m = m - ((m >> 1) & 0x55u);
  m = (m & 0x33u) + ((m >> 2) & 0x33u);
  return (m + (m >> 4)) & 0x0fu;
}

// The 8 tophash bytes of one bucket, matched all at once.
class group {
 public:
  explicit group(const std::uint8_t* tophash) noexcept {
#ifdef GOMAP_INTERNAL_SSE2
    v_ = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(tophash));
#else
    std::memcpy(&v_, tophash, 8);
#endif
  }

  // Slots whose tophash equals `top` (exact: no false positives).
  slot_mask match(std::uint8_t top) const noexcept {
#ifdef GOMAP_INTERNAL_SSE2
    // The broadcast by multiplication (one multiply and one move, where a
    // byte splat takes four shuffles) leaves bytes 8-15 zero, like the
    // load: they match each other, so only the low 8 bits count.
    return mask8(_mm_cmpeq_epi8(v_, _mm_cvtsi64_si128(static_cast<long long>(0x0101010101010101ull * top))));
#else
    return zero_bytes(v_ ^ (0x0101010101010101ull * top));
#endif
  }
  // Slots that hold a live entry.
  slot_mask match_full() const noexcept {
#ifdef GOMAP_INTERNAL_SSE2
    const __m128i floor = _mm_set1_epi8(static_cast<char>(min_tophash));
    return bits(_mm_cmpeq_epi8(_mm_max_epu8(v_, floor), v_));  // bytes 8-15 (zero) fail too
#else
    slot_mask m = 0;
    for (unsigned i = 0; i < 8; ++i) m |= unsigned(byte(i) >= min_tophash) << i;
    return m;
#endif
  }
  // Slots that are empty_one or empty_rest.
  slot_mask match_empty() const noexcept {
#ifdef GOMAP_INTERNAL_SSE2
    const __m128i one = _mm_set1_epi8(empty_one);
    return mask8(_mm_cmpeq_epi8(_mm_min_epu8(v_, one), v_));
#else
    slot_mask m = 0;
    for (unsigned i = 0; i < 8; ++i) m |= unsigned(byte(i) <= empty_one) << i;
    return m;
#endif
  }
  // Slots that are empty_rest: the chain holds nothing from the first of them on.
  slot_mask match_empty_rest() const noexcept {
#ifdef GOMAP_INTERNAL_SSE2
    return mask8(_mm_cmpeq_epi8(v_, _mm_setzero_si128()));
#else
    return zero_bytes(v_);
#endif
  }

 private:
#ifdef GOMAP_INTERNAL_SSE2
  static slot_mask bits(__m128i m) noexcept { return static_cast<unsigned>(_mm_movemask_epi8(m)); }
  static slot_mask mask8(__m128i m) noexcept { return bits(m) & 0xffu; }
  __m128i v_;
#else
  std::uint8_t byte(unsigned i) const noexcept { return static_cast<std::uint8_t>(v_ >> (8 * i)); }
  // Exact zero-byte detection (no borrow propagation), gathered to 8 bits.
  static slot_mask zero_bytes(std::uint64_t x) noexcept {
    constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    std::uint64_t y = ~(((x & low7) + low7) | x | low7);  // 0x80 in each zero byte
    return static_cast<slot_mask>(((y >> 7) * 0x0102040810204080ull) >> 56);
  }
  std::uint64_t v_;
#endif
};

}  // namespace gomap::internal

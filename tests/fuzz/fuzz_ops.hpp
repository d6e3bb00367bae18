// tests/fuzz/fuzz_ops.hpp: the byte format the fuzz target decodes, shared by
// the target (fuzz_target.cpp) and the seed writer (make_seeds.cpp), so that
// hand-written seeds and the decoder cannot drift apart.
//
// An input is a 4-byte header, then operations until the bytes run out
// (a read past the end yields 0, so every prefix of an input is an input):
//
//   header[0] kind:  % 4 -> map<uint64,uint64>, set<uint64>, map<string,string>, set<string>
//   header[1] hash:  bits 0-2 the mode (hash_mode), bits 3-7 its parameter
//   header[2] keys:  % 4 the key mode (key_mode): how key index i becomes a key
//   header[3] flags: bit 0 the two maps' allocators are unequal (moves between
//                    them go element by element); bits 1, 2 map 0 / map 1 use
//                    shrink_policy::never; bits 3-7 map 0's capacity hint / 64
//
//   op byte: bits 0-4 the op (% op_count), bits 5-6 a variant, bit 7 the map
//            (0 or 1) it applies to; then the op's operands, listed below.
//
// Two maps (and their two models) exist per input, so that copy, move, swap
// and merge have a partner, plus one pending node handle that outlives
// whatever happens to the map it came from.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gofuzz {

inline constexpr std::size_t header_bytes = 4;
inline constexpr unsigned universe = 4096;  // key indices: an operand's u16 % universe

enum class kind : std::uint8_t { map_u64, set_u64, map_string, set_string };

// How the uint64 hasher (and, for strings, the string hasher's result) is
// weakened, so that inputs reach overflow chains, same-size growth and
// tophash collisions on purpose.
enum class hash_mode : std::uint8_t {
  good,          // gomap's hash under a fixed seed
  shifted,       // hash of k >> (param % 13): runs of 2^s keys share a hash (strings: as good)
  placed,        // gotest::placed_hash: the key's low byte is its tophash, the next bits its
                 // bucket (strings: as few_bits with 2 bits)
  few_bits,      // only the low (param % 8) bits and the top byte survive: few buckets in use
  one_tophash,   // every key has the same tophash: every probe needs the equality
};
inline constexpr unsigned hash_mode_count = 5;

// How key index i becomes a key (u64 / string).
enum class key_mode : std::uint8_t {
  spread,     // i * 2^64/phi            / decimal i
  dense,      // i                       / (i % 12) 'k's then decimal i: 1-15 chars, in the SSO buffer
  high_half,  // i << 32: the keys that  / every 4th key long (past the SSO buffer)
              // once filled ~49% of the buckets
  placed4,    // (bucket i % 4, tag) for / two raw bytes of i (embedded NULs)
              // hash_mode::placed: long chains
};

enum class op : std::uint8_t {
  insert_one,    // u16 key  v0 insert(value) v1 emplace v2 try_emplace/emplace_hint v3 operator[]/insert(hint)
  assign_one,    // u16 key  insert_or_assign (set: insert of a present-or-not key through emplace_hint)
  insert_bulk,   // u8 n     the next n+1 keys from the map's cursor; v0-v2 as insert_one, v3 insert(first, last)
  erase_one,     // u16 key  v0 erase(key) v1 erase(find(key)) v2 heterogeneous erase v3 extract(key), dropped
  erase_bulk,    // u16 key, u8 n: erase keys key .. key+n (v0 by key, v1 by iterator)
  erase_first,   // u8 n     v0 erase(begin(), begin()+n) v1 n times it = erase(begin())
  lookup,        // u16 key, u8 n: find/contains/count/equal_range (and heterogeneous find) of n+1 keys
  range,         // Go's range; then one action byte (range_action) per entry produced. v1 on the const map
  iterate_erase, // u8 fraction   v0 erase-while-iterating loop v1 gomap::erase_if
  clear,         // v0 clear() v1 clear_and_release()
  reserve,       // u16 n
  rehash,        // u16 n    v0 rehash(n % universe) v1 shrink_to_fit()
  copy,          // v0 other = this  v1 this = Map(this) v2 other = Map(this, other's allocator)
                 // v3 this = a map deduced (CTAD) from this's iterator range
  move,          // v0 other = move(this)  v1 this = Map(move(this))  v2 other = Map(move(this), other's allocator)
                 // v3 this = Map(move(this), other's allocator): back and forth, element-wise when unequal
  swap,          // v0 member swap, v1 ADL swap
  merge,         // this.merge(other) (v1: merge(std::move(other))); only between equal allocators
  node,          // u16 key  v0 extract(key) v1 extract(find(key)) into the pending node;
                 // v2 insert the pending node (v2 with a hint when the key bit 0 is set); v3 re-key it
  seek,          // u16 key  sets the map's insert cursor
  stable_iter,   // u16 key, u8 n: an iterator to a live key survives n erases of other keys
                 // and inserts of present ones
  policy,        // toggles the shrink policy
  recreate,      // u16 hint   this = Map(hint % (2 * universe), ...)
  equal,         // this == other against the models
};
inline constexpr unsigned op_count = 22;

// What the range callback does at each entry (one byte, % 16), with operands.
enum class range_action : std::uint8_t {
  none0, none1, none2, none3, none4,  // most entries: nothing
  erase_this,      // erase the entry being produced
  erase_other,     // u16 key
  insert_bulk,     // u8 n: n+1 keys from the cursor (may start a growth, which waits for the range)
  assign,          // map: assign the produced value through the reference; set: insert u16 key
  stop,            // return false
  clear,           // clear() inside the range
  forbidden,       // u8 which: reserve/rehash/shrink_to_fit/clear_and_release must throw std::logic_error
  nested,          // a range inside the range (at depth < 2), with its own actions
  erase_bulk,      // u16 key, u8 n
  reinsert,        // u16 key: extract it and insert the node again (a new entry)
  find,            // u16 key: find it, and the produced entry
};

inline constexpr std::uint8_t op_byte(op o, unsigned variant = 0, unsigned map = 0) {
  return static_cast<std::uint8_t>(static_cast<unsigned>(o) | (variant & 3u) << 5 | (map & 1u) << 7);
}

}  // namespace gofuzz

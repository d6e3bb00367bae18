// tests/support/fixed_hashers.hpp: hashers that ignore the per-map seed, so
// that a randomized run (test_differential, the fuzz target) replays bit for
// bit: the same operations give the same buckets, chains and growths.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <gomap/hash.hpp>

namespace gotest {

inline constexpr std::uint64_t fixed_seed = 0x243f6a8885a308d3ull;

// gomap's own integer hash under a fixed seed, of k >> shift: with shift s,
// each run of 2^s consecutive keys shares one hash (long chains, overflow
// buckets, tophash matches the equality must reject). shift 0 is the plain
// hash.
struct shifted_hash {
  using is_seeded = void;  // takes (key, seed); the engine's protocol (ignored where it is not yet)
  unsigned shift = 0;
  std::uint64_t operator()(std::uint64_t k, std::uint64_t /*seed*/) const noexcept {
    return gomap::hash<std::uint64_t>{}(k >> shift, fixed_seed);
  }
};

// libstdc++'s string hash (compiled in the shared library, so not slowed down
// by the sanitizers: the checker hashes every key after every step, and
// XXH3 instrumented inline made string runs 10x slower under ASan), mixed
// with the fixed seed. gomap's own string hash is tested in test_hash.cpp and
// test_hetero_lookup.cpp; where this is used the subject is the table
// holding keys that allocate, move and destroy. Transparent, as gomap's.
struct string_hash_fixed {
  using is_transparent = void;
  using is_seeded = void;
  std::uint64_t operator()(std::string_view s, std::uint64_t /*seed*/) const noexcept {
    return gomap::internal::mix_seeded(std::hash<std::string_view>{}(s), fixed_seed);
  }
};

}  // namespace gotest

// gomap/hash.hpp: the default hasher, and how a map combines any hasher with
// its per-map seed (Go's hash0).
//
// The engine takes the bucket index from the low B bits of the hash and the
// tophash from the top 8 bits, so both ends must depend on every key bit.
// gomap::hash<T> is seeded: the map passes its seed, drawn at random per map
// and re-drawn whenever the map becomes empty, so that collision-crafted keys
// do not carry from one map or one process to another.
//
// A hasher is seeded only when it says so: a member `using is_seeded = void;`
// (or a specialisation of gomap::is_seeded_hasher), and then the map calls
// h(key, seed). Every other hasher is called as h(key), whatever else it can
// be called with (a type that is both the hasher and the equality has an
// operator()(K, K) a seed converts to), and its result is post-mixed with
// the seed by the same multiply-fold, so that keys such as i << 32 (the
// identity std::hash<uint64_t>) still spread over all buckets and all
// tophash values.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace gomap {

namespace internal {

// 64x64 -> 128 multiply folded to 64 bits: every input bit reaches both the
// low and the high output bits. One multiply on x86-64.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) noexcept {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline constexpr std::uint64_t mix_constant = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio, odd

// The fold's high half reaches the low (bucket) bits too: on its own, the
// multiply-fold left keys that differ only in their high half (i << 32) in
// ~49% of the buckets, 2.5x a uniform hash's overflow (found by
// tests/test_hash.cpp); the top byte (tophash) is the fold's, unchanged.
inline std::uint64_t mix_seeded(std::uint64_t h, std::uint64_t seed) noexcept {
  const std::uint64_t r = mix(h ^ seed, mix_constant);
  return r ^ (r >> 32);
}

template <class T>
inline constexpr bool is_string_like_v = std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view> ||
                                         std::is_same_v<T, const char*> || std::is_same_v<T, char*>;

}  // namespace internal

// The default hasher, seeded. `operator()(key, seed)` is what gomap's maps
// call; `operator()(key)` (seed 0) keeps it usable wherever a std hasher is.
// For strings it is transparent: a gomap::map<std::string, V> can be searched
// with a std::string_view or a const char* without building a std::string.
template <class T, class = void>
struct hash {
  using is_seeded = void;
  std::uint64_t operator()(const T& v, std::uint64_t seed = 0) const noexcept(noexcept(std::hash<T>{}(v))) {
    return internal::mix_seeded(static_cast<std::uint64_t>(std::hash<T>{}(v)), seed);
  }
};

template <class T>
struct hash<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T> || std::is_pointer_v<T>>> {
  using is_seeded = void;
  std::uint64_t operator()(T v, std::uint64_t seed = 0) const noexcept {
    std::uint64_t bits;
    if constexpr (std::is_pointer_v<T>) {
      bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
    } else {
      bits = static_cast<std::uint64_t>(v);
    }
    return internal::mix_seeded(bits, seed);
  }
};

template <class T>
struct hash<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  using is_seeded = void;
  std::uint64_t operator()(T v, std::uint64_t seed = 0) const noexcept {
    if (v == T(0)) v = T(0);  // +0.0 and -0.0 compare equal, so they must hash equal
    if constexpr (sizeof(T) <= 8) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &v, sizeof v);
      return internal::mix_seeded(bits, seed);
    } else {
      return XXH3_64bits_withSeed(&v, sizeof v, seed);  // long double: hash its bytes
    }
  }
};

// One transparent string hasher serves std::string, std::string_view and C strings.
struct string_hash {
  using is_transparent = void;
  using is_seeded = void;
  std::uint64_t operator()(std::string_view s, std::uint64_t seed = 0) const noexcept {
    return XXH3_64bits_withSeed(s.data(), s.size(), seed);
  }
};

template <>
struct hash<std::string> : string_hash {};
template <>
struct hash<std::string_view> : string_hash {};
template <>
struct hash<const char*> : string_hash {};

// Transparent equality for string keys, paired with string_hash.
struct string_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// The equality a gomap container uses by default.
template <class K>
using default_equal = std::conditional_t<internal::is_string_like_v<K>, string_equal, std::equal_to<K>>;

namespace internal {}  // namespace internal

// Whether the map passes its seed to hasher H (see the top of this file).
// Specialise it for a hasher you cannot add the member to.
template <class H>
    struct is_seeded_hasher : std::bool_constant < requires {
  typename H::is_seeded;
} > {};

namespace internal {

template <class H, class K>
concept seeded_hasher = is_seeded_hasher<H>::value;

template <class H>
concept transparent = requires {
  typename H::is_transparent;
};

// What std's deduction guides call an allocator: it names a value_type and
// can allocate. Keeps a hasher from being deduced as an allocator and back.
template <class A>
concept allocator_like = requires(A& a) {
  typename A::value_type;
  a.allocate(std::size_t{});
};

// The 64-bit hash a map uses: the hasher's own seeding when it has one,
// otherwise its result post-mixed with the seed.
template <class H, class K>
constexpr bool nothrow_hash() noexcept {
  if constexpr (seeded_hasher<H, K>) {
    if constexpr (requires(const H& h, const K& k) { h(k, std::uint64_t{}); }) {
      return noexcept(std::declval<const H&>()(std::declval<const K&>(), std::uint64_t{}));
    } else {
      return true;  // seeded_hash's static_assert says what is wrong
    }
  } else if constexpr (requires(const H& h, const K& k) { h(k); }) {
    return noexcept(std::declval<const H&>()(std::declval<const K&>()));
  } else {
    return true;  // seeded_hash's static_assert says what is wrong
  }
}

template <class H, class K>
std::uint64_t seeded_hash(const H& h, const K& k, std::uint64_t seed) noexcept(nothrow_hash<H, K>()) {
  if constexpr (seeded_hasher<H, K>) {
    static_assert(
        requires {
          { h(k, seed) } -> std::convertible_to<std::uint64_t>;
        },
        "gomap: this hasher declares is_seeded, so the map calls h(key, std::uint64_t seed): "
        "give it that operator() (or drop is_seeded to have its h(key) post-mixed)");
    return static_cast<std::uint64_t>(h(k, seed));
  } else {
    static_assert(
        requires { h(k); } || !requires { h(k, seed); },
        "gomap: this hasher takes (key, seed) but does not say it is seeded: add "
        "`using is_seeded = void;` to it (or specialise gomap::is_seeded_hasher)");
    return mix_seeded(static_cast<std::uint64_t>(h(k)), seed);
  }
}

}  // namespace internal
}  // namespace gomap

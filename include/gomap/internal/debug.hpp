// gomap/internal/debug.hpp: debug mode (GOMAP_DEBUG=1).
//
// Checks a release build compiles away, each ending the process with a
// message that names the misuse and the fix (as the misuse detector does):
// an iterator used after an operation invalidated it (generation counters:
// the table counts its invalidating operations, an iterator remembers the
// count it was made at), dereferencing or incrementing end(), an iterator
// to an erased entry, iterators of two different maps compared, and
// GOMAP_ASSERT on the engine's invariants where they can break (insert,
// erase, evacuation, growth end). The CMake Debug configuration and the
// sanitizer presets define GOMAP_DEBUG=1. Every translation unit of a
// program must agree on it: it changes the iterator's layout.
//
// Known limit: an iterator finds its table through the owner word of the
// array it points into. After an operation that freed that array (reserve,
// rehash, shrink_to_fit, clear_and_release) the check reads freed memory:
// under ASan that is reported as a use-after-free; otherwise the message is
// this file's while the memory is not reused, or the process faults.
#pragma once

#include <cstdio>
#include <cstdlib>

#ifndef GOMAP_DEBUG
#define GOMAP_DEBUG 0
#endif

namespace gomap::internal {

[[noreturn]] inline void debug_failure(const char* what) noexcept {
  std::fprintf(stderr, "gomap debug: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

[[noreturn]] inline void assert_failure(const char* cond, const char* what, const char* file, int line) noexcept {
  std::fprintf(stderr, "gomap debug: engine invariant broken: %s (%s) at %s:%d; please report it\n", what, cond, file,
               line);
  std::fflush(stderr);
  std::abort();
}

inline constexpr const char* msg_stale_iterator =
    "iterator used after an operation invalidated it (an insert of a new key, clear(), reserve(), rehash(), "
    "shrink_to_fit(), or an assignment to the map): take a fresh iterator after such calls (find the key again)";
inline constexpr const char* msg_erased_iterator =
    "iterator to an erased entry used: continue from the iterator erase(it) returns";
inline constexpr const char* msg_deref_end = "dereferencing end(): compare with end() before using an iterator";
inline constexpr const char* msg_increment_end = "incrementing end(): stop when the iterator equals end()";
inline constexpr const char* msg_two_maps =
    "comparing iterators of two different maps: compare an iterator only with iterators of its own map";

}  // namespace gomap::internal

#if GOMAP_DEBUG
#define GOMAP_ASSERT(cond, what) \
  ((cond) ? static_cast<void>(0) : ::gomap::internal::assert_failure(#cond, what, __FILE__, __LINE__))
#else
#define GOMAP_ASSERT(cond, what) static_cast<void>(0)
#endif

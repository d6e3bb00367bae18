// tests/support/test_support.hpp: what every gomap test shares.
//
//   - Go's sizing formulas, written out again here from runtime/map.go so that
//     a wrong constant in the engine (bucket.hpp) makes a test fail instead of
//     being checked against itself.
//   - check(container): the engine's test-only invariant walk.
//   - counted: a value type that records every construction and destruction
//     in a live-object set keyed by address, so a leak, a double destruction
//     or a use of a destroyed object is caught at the moment it happens.
//   - placed_hash: a seeded hasher that ignores the seed and lets a test choose
//     each key's bucket and tophash, to build chains, tombstones and overflow
//     buckets on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>

#include <gtest/gtest.h>

#include <gomap/internal/table_check.hpp>

namespace gotest {

// ---- Go's formulas (runtime/map.go, Go 1.19-1.23), independent of the engine ----

inline constexpr std::size_t go_bucket_cnt = 8;  // bucketCnt
inline constexpr std::size_t go_load_factor_num = 13;
inline constexpr std::size_t go_load_factor_den = 2;

// overLoadFactor(count, B): count > bucketCnt && uintptr(count) > loadFactorNum*(bucketShift(B)/loadFactorDen)
inline bool go_over_load_factor(std::uint64_t count, unsigned B) {
  return count > go_bucket_cnt && count > go_load_factor_num * ((std::uint64_t{1} << B) / go_load_factor_den);
}

// makemap: B := uint8(0); for overLoadFactor(hint, B) { B++ }
inline unsigned go_b_for_hint(std::uint64_t hint) {
  unsigned B = 0;
  while (go_over_load_factor(hint, B)) ++B;
  return B;
}

// tooManyOverflowBuckets(noverflow, B): if B > 15 { B = 15 }; return noverflow >= uint16(1)<<(B&15)
inline bool go_too_many_overflow_buckets(std::uint64_t noverflow, unsigned B) {
  if (B > 15) B = 15;
  return noverflow >= (std::uint64_t{1} << B);
}

// ---- engine invariants ----

// "" when every invariant of the table behind `c` holds, else what is wrong.
template <class C>
std::string check(const C& c) {
  return gomap::internal::table_checker::check(gomap::internal::table_access::table_of(c));
}

#define GOTEST_EXPECT_VALID(m) EXPECT_EQ(std::string(), ::gotest::check(m))
#define GOTEST_ASSERT_VALID(m) ASSERT_EQ(std::string(), ::gotest::check(m))

// ---- a type that proves nothing leaks and nothing dies twice ----

struct counted {
  int v = 0;

  counted() { born(); }
  counted(int x) : v(x) { born(); }  // NOLINT: implicit on purpose, as int keys are
  counted(const counted& o) : v(o.v) {
    o.expect_alive("copied from");
    born();
  }
  // Moved-from objects read -1, so an engine that reads a key after moving it
  // out (instead of the moved-to copy) files it under the wrong hash.
  counted(counted&& o) noexcept : v(o.v) {
    o.expect_alive("moved from");
    o.v = -1;
    born();
  }
  counted& operator=(const counted& o) {
    expect_alive("assigned to");
    o.expect_alive("assigned from");
    v = o.v;
    return *this;
  }
  counted& operator=(counted&& o) noexcept {
    expect_alive("move-assigned to");
    o.expect_alive("move-assigned from");
    v = o.v;
    o.v = -1;
    return *this;
  }
  ~counted() {
    if (live().erase(this) != 1) {
      ++errors();
      ADD_FAILURE() << "counted at " << static_cast<const void*>(this)
                    << " destroyed twice, or destroyed without being constructed";
    }
    ++destructions();
  }

  friend bool operator==(const counted& a, const counted& b) {
    a.expect_alive("compared");
    b.expect_alive("compared");
    return a.v == b.v;
  }

  static std::unordered_set<const counted*>& live() {
    static std::unordered_set<const counted*> s;
    return s;
  }
  static long& constructions() {
    static long n = 0;
    return n;
  }
  static long& destructions() {
    static long n = 0;
    return n;
  }
  static long& errors() {
    static long n = 0;
    return n;
  }

 private:
  void born() {
    if (!live().insert(this).second) {
      ++errors();
      ADD_FAILURE() << "counted constructed over a live object at " << static_cast<const void*>(this);
    }
    ++constructions();
  }
  void expect_alive(const char* what) const {
    if (!live().count(this)) {
      ++errors();
      ADD_FAILURE() << "counted " << what << " after its destruction, at " << static_cast<const void*>(this);
    }
  }
};

// Use in a test body: fails the test if objects are still alive at the end of
// the scope or if any double destruction happened inside it.
class counted_scope {
 public:
  counted_scope() : live0_(counted::live().size()), errors0_(counted::errors()) {}
  ~counted_scope() {
    EXPECT_EQ(counted::live().size(), live0_) << "counted objects leaked";
    EXPECT_EQ(counted::errors(), errors0_) << "double destruction or use after destruction";
  }
  counted_scope(const counted_scope&) = delete;
  counted_scope& operator=(const counted_scope&) = delete;

 private:
  std::size_t live0_;
  long errors0_;
};

// ---- hashers a test controls ----

// Key k = (bucket << 8) | tag: the hash is k rotated right by 8 bits, so the
// bucket index (low B bits) is `bucket` and the tophash (top byte) is `tag`.
// Use tags >= 5 (0-4 are markers; the engine raises them by 5).
struct placed_hash {
  using is_seeded = void;
  std::uint64_t operator()(std::uint64_t k, std::uint64_t /*seed*/) const noexcept { return (k >> 8) | (k << 56); }
};
inline constexpr std::uint64_t placed(std::uint64_t bucket, std::uint64_t tag) { return (bucket << 8) | tag; }

}  // namespace gotest

template <>
struct std::hash<gotest::counted> {
  std::size_t operator()(const gotest::counted& c) const noexcept { return std::hash<int>{}(c.v); }
};

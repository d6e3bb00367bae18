// tests/support/typed_support.hpp: the key/value types the typed API suites
// run over, and how a test makes the i-th key or value of each.
//
//   int -> int, uint64_t -> uint64_t       trivially copyable
//   std::string -> std::string             longer than the SSO: every copy allocates
//   std::string -> std::unique_ptr<int>    move-only values
//   counted -> counted                     every construction and destruction checked
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include "test_support.hpp"

namespace gotest {

template <class T>
struct maker;

template <>
struct maker<int> {
  static int make(int i) { return i; }
  static int id(int v) { return v; }
};
template <>
struct maker<std::uint64_t> {
  // Spread over the high bits too, so that hashing sees more than small ints.
  static std::uint64_t make(int i) { return (static_cast<std::uint64_t>(i) << 33) | 0x1234567u; }
  static int id(std::uint64_t v) { return static_cast<int>(v >> 33); }
};
template <>
struct maker<std::string> {
  static std::string make(int i) { return "gomap-typed-test-" + std::to_string(i); }
  static int id(const std::string& s) { return s.size() > 17 ? std::stoi(s.substr(17)) : -1; }
};
template <>
struct maker<std::unique_ptr<int>> {
  static std::unique_ptr<int> make(int i) { return std::make_unique<int>(i); }
  static int id(const std::unique_ptr<int>& p) { return p ? *p : -1; }
};
template <>
struct maker<counted> {
  static counted make(int i) { return counted(i); }
  static int id(const counted& c) { return c.v; }
};

template <class T>
T make(int i) {
  return maker<T>::make(i);
}
template <class T>
int id(const T& v) {
  return maker<T>::id(v);
}
// What operator[] and try_emplace(k) value-initialise.
template <class T>
bool is_value_initialized(const T& v) {
  if constexpr (std::is_same_v<T, std::unique_ptr<int>>) {
    return v == nullptr;
  } else if constexpr (std::is_same_v<T, counted>) {
    return v.v == 0;
  } else {
    return v == T{};
  }
}

template <class K, class V>
struct kv {
  using key_type = K;
  using mapped_type = V;
};

using map_types = ::testing::Types<kv<int, int>, kv<std::uint64_t, std::uint64_t>, kv<std::string, std::string>,
                                   kv<std::string, std::unique_ptr<int>>, kv<counted, counted>>;
using key_types = ::testing::Types<int, std::uint64_t, std::string, counted>;

struct type_names {
  template <class T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, kv<int, int>> || std::is_same_v<T, int>) return "int";
    if constexpr (std::is_same_v<T, kv<std::uint64_t, std::uint64_t>> || std::is_same_v<T, std::uint64_t>) return "u64";
    if constexpr (std::is_same_v<T, kv<std::string, std::string>> || std::is_same_v<T, std::string>) return "string";
    if constexpr (std::is_same_v<T, kv<std::string, std::unique_ptr<int>>>) return "string_to_unique_ptr";
    if constexpr (std::is_same_v<T, kv<counted, counted>> || std::is_same_v<T, counted>) return "counted";
    return "other";
  }
};

// Base of the typed map suites: the i-th key and value, a map filled with
// entries 0..n-1, a full content check, and the leak check of `counted`.
template <class P>
class map_test : public ::testing::Test {
 protected:
  using K = typename P::key_type;
  using V = typename P::mapped_type;
  using Map = gomap::map<K, V>;
  static constexpr bool copyable = std::is_copy_constructible_v<V>;

  static K key(int i) { return make<K>(i); }
  static V val(int i) { return make<V>(i); }

  static Map filled(int n, int first = 0) {
    Map m;
    for (int i = first; i < first + n; ++i) m.emplace(key(i), val(i));
    return m;
  }

  // m holds exactly the entries i -> i for i in [first, first + n), and its
  // table passes the invariant check.
  static ::testing::AssertionResult holds(const Map& m, int n, int first = 0) {
    if (m.size() != static_cast<std::size_t>(n))
      return ::testing::AssertionFailure() << "size " << m.size() << ", expected " << n;
    for (int i = first; i < first + n; ++i) {
      auto it = m.find(key(i));
      if (it == m.end()) return ::testing::AssertionFailure() << "key " << i << " missing";
      if (id(it->second) != i) return ::testing::AssertionFailure() << "key " << i << " maps to " << id(it->second);
    }
    std::size_t visited = 0;
    for (const auto& e : m) {
      const int k = id(e.first);
      if (k < first || k >= first + n) return ::testing::AssertionFailure() << "unexpected key " << k;
      ++visited;
    }
    if (visited != m.size()) return ::testing::AssertionFailure() << "iteration visited " << visited;
    if (std::string err = check(m); !err.empty()) return ::testing::AssertionFailure() << err;
    return ::testing::AssertionSuccess();
  }

  void SetUp() override {
    live0_ = counted::live().size();
    errors0_ = counted::errors();
  }
  void TearDown() override {
    EXPECT_EQ(counted::live().size(), live0_) << "counted objects leaked";
    EXPECT_EQ(counted::errors(), errors0_) << "double destruction or use after destruction";
  }

 private:
  std::size_t live0_ = 0;
  long errors0_ = 0;
};

}  // namespace gotest

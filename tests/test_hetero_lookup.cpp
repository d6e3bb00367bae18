// tests/test_hetero_lookup.cpp: gomap::map<std::string, V> is searched with a
// std::string_view or a const char* without building a std::string.
//
// This executable replaces the global operator new to count allocations, so
// "no std::string was built" is measured, not assumed. The keys are longer
// than libstdc++'s 15-character small-string buffer, so building one would
// allocate; a control lookup through std::string proves the counter sees it.
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include "support/test_support.hpp"

namespace {
thread_local long allocations = 0;
// Out of line so that GCC does not pair an inlined `new` with this free()
// and warn (-Wmismatched-new-delete) about a pairing that is correct here.
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  ++allocations;
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

namespace {

// Allocations made while running f.
template <class F>
long allocations_in(F&& f) {
  const long before = allocations;
  f();
  return allocations - before;
}

std::string long_key(int i) { return "a key well past the small-string buffer, number " + std::to_string(i); }

class HeteroLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 1000; ++i) m.emplace(long_key(i), i);
    present = long_key(500);
    absent = long_key(5000);
  }
  gomap::map<std::string, int> m;
  std::string present, absent;
};

TEST_F(HeteroLookup, counter_sees_a_std_string_being_built) {
  const std::string_view sv = present;
  EXPECT_GE(allocations_in([&] { EXPECT_NE(m.find(std::string(sv)), m.end()); }), 1)
      << "the control lookup must allocate, or the other tests prove nothing";
}

TEST_F(HeteroLookup, string_view_lookups_allocate_nothing) {
  const std::string_view p = present, a = absent;
  const auto& cm = m;
  const long n = allocations_in([&] {
    EXPECT_NE(m.find(p), m.end());
    EXPECT_EQ(m.find(a), m.end());
    EXPECT_NE(cm.find(p), cm.end());
    EXPECT_TRUE(m.contains(p));
    EXPECT_FALSE(m.contains(a));
    EXPECT_EQ(m.count(p), 1u);
    EXPECT_EQ(m.count(a), 0u);
    EXPECT_EQ(m.equal_range(p).first, m.find(p));
    EXPECT_EQ(m.at(p), 500);
    EXPECT_EQ(cm.at(p), 500);
    EXPECT_EQ(m[p], 500);  // present: nothing inserted
    EXPECT_FALSE(m.try_emplace(p, 7).second);
    EXPECT_FALSE(m.insert_or_assign(p, 500).second);
  });
  EXPECT_EQ(n, 0);
}

TEST_F(HeteroLookup, const_char_pointer_lookups_allocate_nothing) {
  const char* p = present.c_str();
  const char* a = absent.c_str();
  const long n = allocations_in([&] {
    EXPECT_NE(m.find(p), m.end());
    EXPECT_EQ(m.find(a), m.end());
    EXPECT_TRUE(m.contains(p));
    EXPECT_FALSE(m.contains(a));
    EXPECT_EQ(m.count(p), 1u);
    EXPECT_EQ(m.at(p), 500);
  });
  EXPECT_EQ(n, 0);
}

TEST_F(HeteroLookup, erase_by_string_view_allocates_nothing) {
  const std::string_view p = present, a = absent;
  const long n = allocations_in([&] {
    EXPECT_EQ(m.erase(p), 1u);
    EXPECT_EQ(m.erase(a), 0u);
  });
  EXPECT_EQ(n, 0);
  EXPECT_FALSE(m.contains(present));
  GOTEST_EXPECT_VALID(m);
}

TEST_F(HeteroLookup, absent_string_view_key_is_built_only_when_inserted) {
  const std::string_view a = absent;
  EXPECT_THROW((void)m.at(a), std::out_of_range);
  EXPECT_TRUE(m.try_emplace(a, 5000).second);
  EXPECT_EQ(m.at(absent), 5000);
  m[std::string_view(long_key(5001))] = 5001;
  EXPECT_EQ(m.at(long_key(5001)), 5001);
  EXPECT_EQ(m.size(), 1002u);
  GOTEST_EXPECT_VALID(m);
}

TEST(HeteroLookupSet, set_of_strings_finds_string_views_without_allocating) {
  gomap::set<std::string> s;
  for (int i = 0; i < 100; ++i) s.insert(long_key(i));
  const std::string k = long_key(42);
  const std::string_view sv = k;
  const long n = allocations_in([&] {
    EXPECT_TRUE(s.contains(sv));
    EXPECT_NE(s.find(k.c_str()), s.end());
    EXPECT_FALSE(s.contains(std::string_view("nope")));
  });
  EXPECT_EQ(n, 0);
}

TEST(HeteroLookupHash, string_hashes_agree_across_string_types) {
  const std::string s = long_key(1);
  const std::string_view sv = s;
  for (std::uint64_t seed : {0ull, 1ull, 0xdeadbeefull}) {
    EXPECT_EQ(gomap::hash<std::string>{}(s, seed), gomap::hash<std::string_view>{}(sv, seed));
    EXPECT_EQ(gomap::hash<std::string>{}(s, seed), gomap::hash<const char*>{}(s.c_str(), seed));
    EXPECT_EQ(gomap::hash<std::string>{}(sv, seed), gomap::hash<std::string>{}(s.c_str(), seed));
  }
}

}  // namespace

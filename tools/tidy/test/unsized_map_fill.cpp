// gomap-unsized-map-fill: the cases it flags, and the reserve its fix-it
// inserts. Checked by check_fixture.sh (CHECK-MESSAGES on clang-tidy's output,
// CHECK-FIXES on the file after -fix, which must then compile).
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include <cstddef>
#include <memory_resource>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

std::unordered_map<std::string, int> count_words(const std::vector<std::string>& words) {
  std::unordered_map<std::string, int> counts;
  for (const auto& w : words) {
    ++counts[w];
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'counts' is filled in a loop of known trip count but was constructed without a capacity: each growth on the way moves every entry inserted so far; reserve words.size() before the loop [gomap-unsized-map-fill]
    // CHECK-MESSAGES: :[[@LINE-4]]:40: note: 'counts' constructed here
  }
  // CHECK-FIXES: {{^}}  std::unordered_map<std::string, int> counts;{{$}}
  // CHECK-FIXES-NEXT: {{^}}  counts.reserve(words.size());{{$}}
  // CHECK-FIXES-NEXT: {{^}}  for (const auto& w : words) {{{$}}
  return counts;
}

int index_loop(int n) {
  std::unordered_map<int, int> squares;
  for (int i = 0; i < n; ++i) squares.emplace(i, i * i);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'squares' is filled {{.*}}; reserve n before the loop
  // CHECK-FIXES: {{^}}  squares.reserve(n);{{$}}
  // CHECK-FIXES-NEXT: {{^}}  for (int i = 0; i < n; ++i) squares.emplace(i, i * i);{{$}}
  return static_cast<int>(squares.size());
}

std::size_t from_first_to_last(std::size_t first, std::size_t last) {
  std::unordered_set<std::size_t> ids;
  for (std::size_t i = first; i < last; i++) ids.insert(i * 7);
  // CHECK-MESSAGES: :[[@LINE-1]]:46: warning: 'ids' is filled {{.*}}; reserve last - first before the loop
  // CHECK-FIXES: {{^}}  ids.reserve(last - first);{{$}}
  return ids.size();
}

std::size_t offset_and_length(int first, int n) {
  std::unordered_set<int> s;
  for (int i = first; i < first + n; ++i) s.insert(i);
  // CHECK-MESSAGES: :[[@LINE-1]]:43: warning: 's' is filled {{.*}}; reserve n before the loop
  // CHECK-FIXES: {{^}}  s.reserve(n);{{$}}
  return s.size();
}

// An unconditional fill whose keys repeat still inserts at most the trip
// count: reserving it is an upper bound (the audit reports the peak).
std::size_t inclusive_bound(int n) {
  gomap::map<int, int> m;
  for (int i = 0; i <= n; i += 1) m.try_emplace(i, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:35: warning: 'm' is filled {{.*}}; reserve n + 1 before the loop
  // CHECK-FIXES: {{^}}  m.reserve(n + 1);{{$}}
  return m.size();
}

struct config {
  std::vector<std::string> names;
};

std::size_t member_range(const config& cfg) {
  gomap::set<std::string> seen;
  for (const std::string& s : cfg.names) seen.insert(s);
  // CHECK-MESSAGES: :[[@LINE-1]]:42: warning: 'seen' is filled {{.*}}; reserve cfg.names.size() before the loop
  // CHECK-FIXES: {{^}}  seen.reserve(cfg.names.size());{{$}}
  return seen.size();
}

std::size_t constant_array() {
  static const int primes[16] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
  gomap::map<int, bool> is_prime;
  for (int p : primes) is_prime.insert_or_assign(p, true);
  // CHECK-MESSAGES: :[[@LINE-1]]:24: warning: 'is_prime' is filled {{.*}}; reserve 16 before the loop
  // CHECK-FIXES: {{^}}  is_prime.reserve(16);{{$}}
  return is_prime.size();
}

std::size_t pmr_with_allocator_only(const std::vector<int>& v) {
  std::pmr::monotonic_buffer_resource arena;
  gomap::pmr::map<int, int> m(&arena);
  for (int x : v) m[x] = 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'm' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  m.reserve(v.size());{{$}}
  std::pmr::unordered_map<int, int> s(&arena);
  for (int x : v) s.emplace(x, x);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 's' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  s.reserve(v.size());{{$}}
  return m.size() + s.size();
}

std::size_t absl_and_boost(const std::vector<int>& v) {
  absl::flat_hash_map<int, int> a;
  for (int x : v) a.try_emplace(x, x);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'a' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  a.reserve(v.size());{{$}}
  absl::flat_hash_set<int> b = {};
  for (int x : v) b.insert(x);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'b' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  b.reserve(v.size());{{$}}
  boost::unordered_flat_map<int, int> c{};
  for (std::size_t i = 0; i < v.size(); ++i) c.insert_or_assign(v[i], 1);
  // CHECK-MESSAGES: :[[@LINE-1]]:46: warning: 'c' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  c.reserve(v.size());{{$}}
  boost::unordered_flat_set<int> d;
  for (int x : v) d.emplace(x);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'd' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  d.reserve(v.size());{{$}}
  return a.size() + b.size() + c.size() + d.size();
}

// Declared inside the outer loop: the inner loop's count is known before it.
std::size_t per_group(const std::vector<std::vector<int>>& groups) {
  std::size_t total = 0;
  for (const auto& g : groups) {
    std::unordered_set<int> distinct;
    for (int x : g) distinct.insert(x);
    // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'distinct' is filled {{.*}}; reserve g.size() before the loop
    // CHECK-FIXES: {{^}}    distinct.reserve(g.size());{{$}}
    // CHECK-FIXES-NEXT: {{^}}    for (int x : g) distinct.insert(x);{{$}}
    total += distinct.size();
  }
  return total;
}

std::vector<int> make_values();

// A range that is a call: its size is known before the loop, but naming it
// would call again, so there is no fix-it.
std::size_t range_is_a_call() {
  std::unordered_map<int, int> m;
  for (int x : make_values()) m[x] = x;
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'm' is filled {{.*}}; reserve the range's size before the loop
  // CHECK-FIXES: {{^}}  std::unordered_map<int, int> m;{{$}}
  // CHECK-FIXES-NEXT: {{^}}  for (int x : make_values()) m[x] = x;{{$}}
  return m.size();
}

// A loop that is not a statement of a block (the body of an if): reported,
// but a reserve inserted before it would change what the if guards.
std::size_t loop_under_if(bool on, const std::vector<int>& v) {
  std::unordered_map<int, int> m;
  if (on)
    for (int x : v) m[x] = x;
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: 'm' is filled {{.*}}; reserve v.size() before the loop
  // CHECK-FIXES: {{^}}  if (on){{$}}
  // CHECK-FIXES-NEXT: {{^}}    for (int x : v) m[x] = x;{{$}}
  return m.size();
}

// Several inserts in one loop: one report.
std::size_t two_inserts(const std::vector<int>& v) {
  std::unordered_map<int, int> m;
  for (int x : v) {
    m[x] = 1;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'm' is filled
    m[x + 1] = 2;
  }
  // CHECK-FIXES: {{^}}  m.reserve(v.size());{{$}}
  return m.size();
}

// gomap-unsized-map-fill: what it must leave alone. The runner requires
// clang-tidy's output to hold no warning at all for this file.
#include <absl/container/flat_hash_map.h>
#include <gomap/map.hpp>

#include <cstddef>
#include <forward_list>
#include <istream>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

// The trip count is not known before the loop.
std::size_t read_words(std::istream& in) {
  std::unordered_map<std::string, int> counts;
  std::string w;
  while (in >> w) ++counts[w];
  return counts.size();
}

std::size_t until_sentinel(const int* p) {
  std::unordered_set<int> s;
  for (; *p != 0; ++p) s.insert(*p);
  return s.size();
}

std::size_t forward_list_has_no_size(const std::forward_list<int>& l) {
  std::unordered_set<int> s;
  for (int x : l) s.insert(x);
  return s.size();
}

std::size_t index_changed_in_the_body(const std::vector<int>& v) {
  std::unordered_set<int> s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    s.insert(v[i]);
    if (v[i] == 0) ++i;
  }
  return s.size();
}

std::size_t step_of_two(int n) {
  std::unordered_set<int> s;
  for (int i = 0; i < n; i += 2) s.insert(i);
  return s.size();
}

// Ordered maps have no buckets to grow.
std::size_t ordered(const std::vector<int>& v) {
  std::map<int, int> m;
  for (int x : v) m[x] = x;
  return m.size();
}

// Lookups only.
std::size_t lookups(const std::vector<int>& v) {
  std::unordered_map<int, int> m;
  std::size_t hits = 0;
  for (int x : v) hits += m.count(x) + (m.find(x) != m.end());
  return hits;
}

// Reserved, rehashed, or built with a capacity.
std::size_t sized(const std::vector<int>& v) {
  std::unordered_map<int, int> a;
  a.reserve(v.size());
  for (int x : v) a[x] = x;
  std::unordered_map<int, int> b;
  b.rehash(v.size());
  for (int x : v) b[x] = x;
  std::unordered_map<int, int> c(v.size());
  for (int x : v) c[x] = x;
  gomap::map<int, int> d(v.size());
  for (int x : v) d[x] = x;
  absl::flat_hash_map<int, int> e(64);
  for (int x : v) e[x] = x;
  gomap::map<int, int> f = {{1, 2}, {3, 4}};
  for (int x : v) f[x] = x;
  return a.size() + b.size() + c.size() + d.size() + e.size() + f.size();
}

// Handed to other code first: its capacity is not known here.
void prepare(std::unordered_map<int, int>& m);
std::size_t prepared(const std::vector<int>& v) {
  std::unordered_map<int, int> m;
  prepare(m);
  for (int x : v) m[x] = x;
  return m.size();
}

// Members and statics: their lifetime spans calls.
struct cache {
  std::unordered_map<int, int> by_id;
  gomap::map<int, int> other;
  void load(const std::vector<int>& v) {
    for (int x : v) by_id[x] = x;
    for (int x : v) other.emplace(x, x);
  }
};
std::size_t with_static(const std::vector<int>& v) {
  static std::unordered_map<int, int> seen;
  for (int x : v) seen[x] = x;
  return seen.size();
}

// Nested loops: the total (a sum over the outer loop) is not known before the
// outer loop, and reserving one group's size before the inner loop would be
// wrong. Decided: not flagged.
std::size_t nested(const std::vector<std::vector<int>>& groups) {
  std::unordered_set<int> all;
  for (const auto& g : groups)
    for (int x : g) all.insert(x);
  gomap::map<int, int> grid;
  for (int i = 0; i < 100; ++i)
    for (int j = 0; j < 100; ++j) grid[i * 100 + j] = 0;
  return all.size() + grid.size();
}

// A literal trip count below MinTripCount (default 8).
std::size_t tiny() {
  std::unordered_map<int, int> m;
  for (int i = 0; i < 4; ++i) m[i] = i;
  return m.size();
}

// Filled by a lambda the loop creates: when it runs is not the loop's business.
std::size_t via_lambda(const std::vector<int>& v) {
  std::unordered_map<int, int> m;
  std::vector<void (*)()> unused;
  for (int x : v) {
    auto put = [&m, x] { m[x] = x; };
    put();
  }
  return m.size() + unused.size();
}

// A second loop after a first fill: the map was mentioned in between.
std::size_t second_loop(const std::vector<int>& v) {
  std::unordered_map<int, int> m;
  m.reserve(v.size() * 2);
  for (int x : v) m[x] = x;
  for (int x : v) m[x + 1] = x;
  return m.size();
}

// Filled under a condition: fewer inserts than iterations, so the trip count
// is no size to reserve.
std::size_t conditional(const std::vector<int>& v) {
  std::unordered_set<int> evens, odds, small;
  gomap::map<int, int> big;
  for (int x : v) {
    if (x % 2 == 0) evens.insert(x);
    switch (x % 3) {
      case 1:
        odds.insert(x);
        break;
      default:
        break;
    }
    x < 10 && small.insert(x).second;
    (void)(x > 1000 ? big[x] : x);
  }
  return evens.size() + odds.size() + small.size() + big.size();
}

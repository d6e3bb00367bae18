// The program tests/packaging/check_gdb.py looks at in gdb (compiled -O0 -g):
// small maps and sets whose printed form is exact (B = 0: one bucket, so
// insertion order is iteration order whatever the seed), a map stopped in
// the middle of a doubling and one in the middle of a shrink (the printed
// elements are checked against what is known to be in them), one with an
// overflow chain, pmr containers and iterators. Each map's stats, in the
// printers' summary format, are left in globals for the check to compare.
#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory_resource>
#include <new>
#include <string>

namespace {

// The printers' summary, from the container's own stats (docs/debugging.md).
template <class C>
void describe(char* out, std::size_t n, const char* name, const C& c) {
  const gomap::map_stats s = c.stats();
  const char* kind = s.same_size_grow                      ? "same-size growth"
                     : s.old_bucket_count > s.bucket_count ? "shrinking"
                                                           : "doubling";
  char growth[128];
  if (s.growing) {
    std::snprintf(growth, sizeof growth, "%s from %zu bucket%s: %zu/%zu evacuated", kind, s.old_bucket_count,
                  s.old_bucket_count == 1 ? "" : "s", s.evacuated, s.old_bucket_count);
  } else {
    std::snprintf(growth, sizeof growth, "not growing");
  }
  std::snprintf(out, n, "%s with %zu element%s (B=%u, %zu bucket%s, %s, %zu overflow bucket%s)", name, s.size,
                s.size == 1 ? "" : "s", s.B, s.bucket_count, s.bucket_count == 1 ? "" : "s", growth, s.overflow_buckets,
                s.overflow_buckets == 1 ? "" : "s");
}

// Fills what it allocates with 0xa5 bytes, which read as live tophash bytes
// (>= 5): a printer that walks a bucket evacuation has not initialised yet
// prints garbage instead of passing by luck on zeroed memory.
template <class T>
struct poison_allocator {
  using value_type = T;
  poison_allocator() = default;
  template <class U>
  poison_allocator(const poison_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    void* p = ::operator new (n * sizeof(T), std::align_val_t{alignof(T)});
    std::memset(p, 0xa5, n * sizeof(T));
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete (p, std::align_val_t{alignof(T)}); }
  friend bool operator==(const poison_allocator&, const poison_allocator&) noexcept { return true; }
};
template <class K, class V>
using poisoned_map = gomap::map<K, V, gomap::hash<K>, gomap::default_equal<K>, poison_allocator<std::pair<const K, V>>>;

// Every key lands in one bucket (the map mixes in its seed, so equal hashes
// stay equal): a chain of overflow buckets.
struct one_bucket_hash {
  std::size_t operator()(int) const noexcept { return 0; }
};

// Slots aligned past the overflow header's 16 bytes: an overflow bucket's
// slots start at 32, not 16.
struct alignas(32) wide {
  int v;
};

}  // namespace

// Read by check_gdb.py.
char growing_summary[256];
char shrinking_summary[256];
char chained_summary[256];
char wide_chained_summary[256];
int growing_inserted = 0;  // keys 0..growing_inserted-1 went in; multiples of 5 were erased
int shrinking_first = 0;   // keys shrinking_first..shrinking_last are in
int shrinking_last = 0;
int chained_count = 0;  // keys 0..chained_count-1

__attribute__((noinline)) void stop_here() { asm volatile(""); }

int main() {
  gomap::map<int, int> m{{1, 10}, {2, 20}, {3, 30}};
  gomap::set<int> s{5, 6, 7};
  gomap::map<std::string, int> names{{"alpha", 1}, {"beta", 2}, {"gamma", 3}};
  gomap::map<std::string, std::string> words{{"key", "value"}, {"", "empty key"}};
  gomap::map<int, int> empty;

  std::pmr::monotonic_buffer_resource arena;
  gomap::pmr::map<int, std::string> pm(&arena);
  pm[1] = "one";
  pm[2] = "two";
  gomap::pmr::set<int> ps(&arena);
  ps.insert(42);

  // Mid-doubling: inserts until some but not all old buckets are evacuated,
  // then erases (tombstones in both arrays).
  poisoned_map<int, int> growing;
  for (;;) {
    growing[growing_inserted] = growing_inserted * 10;
    ++growing_inserted;
    const gomap::map_stats st = growing.stats();
    if (st.growing && st.evacuated >= 4 && st.old_bucket_count >= 16) break;
  }
  for (int k = 0; k < growing_inserted; k += 5) growing.erase(k);
  describe(growing_summary, sizeof growing_summary, "gomap::map", growing);

  // Mid-shrink: 20000 keys (4096 buckets), all but 1600 erased, then new
  // keys until a shrink to 512 buckets has started. It evacuates old buckets
  // in order, at most 32 entries per insert, so most of the new buckets are
  // not initialised yet.
  poisoned_map<int, int> shrinking;
  for (int k = 0; k < 20000; ++k) shrinking[k] = k;
  for (int k = 0; k < 18400; ++k) shrinking.erase(k);
  shrinking_first = 18400;
  shrinking_last = 19999;
  while (!shrinking.stats().growing) {
    ++shrinking_last;
    shrinking[shrinking_last] = shrinking_last;
  }
  describe(shrinking_summary, sizeof shrinking_summary, "gomap::map", shrinking);

  gomap::map<int, int, one_bucket_hash> chained;
  for (chained_count = 0; chained_count < 20; ++chained_count) chained[chained_count] = -chained_count;
  describe(chained_summary, sizeof chained_summary, "gomap::map", chained);
  gomap::map<int, wide, one_bucket_hash> wide_chained;
  for (int k = 0; k < chained_count; ++k) wide_chained[k] = wide{-k};
  describe(wide_chained_summary, sizeof wide_chained_summary, "gomap::map", wide_chained);

  gomap::map<int, int> big;
  for (int k = 0; k < 100000; ++k) big[k] = k;

  auto it = m.find(2);
  auto end = m.end();
  auto sit = s.find(6);
  gomap::map<int, int>::const_iterator cit = m.find(3);

  stop_here();
  std::printf("%zu\n", m.size() + s.size() + names.size() + words.size() + empty.size() + pm.size() + ps.size() +
                           growing.size() + shrinking.size() + chained.size() + wide_chained.size() + big.size() +
                           static_cast<std::size_t>(it != end) + static_cast<std::size_t>(*sit) +
                           static_cast<std::size_t>(cit->second));
  return 0;
}

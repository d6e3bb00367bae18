// The engine at work: insert until the map has grown twice, printing each
// growth as it starts and as it ends (incrementally, over later inserts), then
// erase most keys and look again.
#include <gomap/map.hpp>

#include <cstdint>
#include <cstdio>

namespace {

void print(const char* what, const gomap::map_stats& s) {
  std::printf(
      "%-28s size=%-6zu B=%-2u buckets=%-5zu overflow=%-4zu growing=%d old_buckets=%-4zu "
      "evacuated=%-4zu tombstones=%-5zu growths=%llu bytes=%zu\n",
      what, s.size, s.B, s.bucket_count, s.overflow_buckets, int(s.growing), s.old_bucket_count, s.evacuated,
      s.tombstones, static_cast<unsigned long long>(s.growths), s.bytes_allocated);
}

}  // namespace

int main() {
  gomap::map<std::uint64_t, std::uint64_t> m(1000);  // Go's make(map[uint64]uint64, 1000): B = 8
  print("after make(hint=1000)", m.stats());

  std::uint64_t key = 0;
  int growths_seen = 0;
  bool was_growing = false;
  while (growths_seen < 2 || m.stats().growing) {
    m[key] = key * key;
    ++key;
    const gomap::map_stats s = m.stats();
    if (s.growing && !was_growing) {
      ++growths_seen;
      std::printf("-- insert #%llu starts growth %d --\n", static_cast<unsigned long long>(key), growths_seen);
      print("  grow start", s);
    } else if (!s.growing && was_growing) {
      std::printf("-- insert #%llu finishes it: evacuation spread over the inserts in between --\n",
                  static_cast<unsigned long long>(key));
      print("  grow end", s);
    }
    was_growing = s.growing;
  }

  for (std::uint64_t k = 0; k < key; ++k)
    if (k % 10 != 0) m.erase(k);
  print("after erasing 90% of keys", m.stats());
  std::printf("every remaining key still maps to its square: %s\n", [&] {
    for (const auto& [k, v] : m)
      if (v != k * k || k % 10 != 0) return "NO";
    return "yes";
  }());
  return 0;
}

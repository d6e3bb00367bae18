// tests/observe/usdt_probes.cpp: built with GOMAP_USDT, so that its binary
// carries gomap's stapsdt notes; check_usdt.cmake reads them with readelf -n.
// Running it drives every kind of growth, the probes in place (they are nops
// until a tracer attaches), and checks the map came through.
#include <cstdint>
#include <cstdio>

#include <gomap/map.hpp>

#ifndef GOMAP_USDT
#error "build this file with -DGOMAP_USDT"
#endif

namespace {
using u64 = std::uint64_t;
struct low_bits_hash {  // k's bucket is k mod 2^B: a test can fill one chain
  using is_seeded = void;
  u64 operator()(u64 k, u64 /*seed*/) const noexcept { return k | (u64{0xAB} << 56); }
};
}  // namespace

int main() {
  gomap::map<u64, u64> m;
  for (u64 k = 0; k < 100000; ++k) m.emplace(k, k);  // grow_start, grow_end
  for (u64 k = 0; k < 99000; ++k) m.erase(k);
  for (u64 k = 0; k < 5000; ++k) m.emplace(1000000 + k, k);  // shrink_start, grow_end

  // One overflow bucket in each of the 16 buckets, then a new key: Go's
  // tooManyOverflowBuckets starts a same-size growth.
  gomap::map<u64, u64, low_bits_hash> c(100);  // B = 4
  for (u64 j = 0; j < 16; ++j) {
    for (u64 i = 0; i < 9; ++i) c.emplace(j + 16 * (i + 9 * j), i);
    for (u64 i = 1; i < 9; ++i) c.erase(j + 16 * (i + 9 * j));
  }
  for (u64 k = 0; k < 64; ++k) c.emplace(100000 + k, k);  // same_size_grow_start, grow_end
  const gomap::map_stats s = m.stats(), t = c.stats();
  std::printf("growths=%llu shrinks=%llu same_size_growths=%llu\n", static_cast<unsigned long long>(s.growths),
              static_cast<unsigned long long>(s.shrinks), static_cast<unsigned long long>(t.same_size_growths));
  return s.growths > 0 && s.shrinks > 0 && t.same_size_growths > 0 && m.size() == 6000 ? 0 : 1;
}

// bench/audit/unsampled_workload.cpp: a fixed workload for callgrind, to count
// the instructions the audit hook adds to maps that are not sampled. It uses
// only <gomap/map.hpp>, so the same file builds against a tree without the
// hook, for the before/after comparison (docs/lint-and-audit.md):
//   g++ -O2 -std=c++20 -I<tree>/include unsampled_workload.cpp -o w
//   valgrind --tool=callgrind ./w construct|fill|find
//     construct: 100000 maps built and destroyed empty
//     fill:      one map filled with 100000 keys from empty (17 doublings)
//     find:      100000 hits on that map
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <gomap/map.hpp>

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "fill";
  constexpr std::uint64_t n = 100000;
  std::uint64_t sum = 0;
  if (std::strcmp(mode, "construct") == 0) {
    for (std::uint64_t i = 0; i < n; ++i) {
      gomap::map<std::uint64_t, std::uint64_t> m;
      sum += m.bucket_count();
      asm volatile("" : : "r"(&m) : "memory");  // keep each map
    }
  } else {
    gomap::map<std::uint64_t, std::uint64_t> m;
    for (std::uint64_t k = 0; k < n; ++k) m[k * 0x9e3779b97f4a7c15ull] = k;
    if (std::strcmp(mode, "find") == 0)
      for (std::uint64_t k = 0; k < n; ++k) sum += m.find(k * 0x9e3779b97f4a7c15ull)->second;
    sum += m.size();
  }
  std::printf("%llu\n", static_cast<unsigned long long>(sum));
  return 0;
}

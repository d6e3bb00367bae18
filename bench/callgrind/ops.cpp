// bench/callgrind/ops.cpp: instructions per operation of gomap's hot paths,
// counted by callgrind (repeatable whatever the machine's load; run.sh
// drives it). Each phase runs between a zero and a dump of callgrind's
// counters, so a phase's total covers exactly its N operations (the loop
// over a pre-built key vector included: ~3 instructions per step).
//
//   insert         N inserts of new keys into an empty map (growths included)
//   insert_reserved N inserts of new keys after reserve(N): the fast path only
//   find_hit       N lookups of present keys
//   find_miss      N lookups of absent keys
//   iterate        one pass of ++ over the N entries
//   erase          N erases of present keys
//
// Outside callgrind the client requests are no-ops and the program just runs.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <valgrind/callgrind.h>

#include <gomap/map.hpp>

namespace {

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Keeps a result alive without a store the compiler could drop.
volatile std::uint64_t sink;

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  std::uint64_t s = 42;
  std::vector<std::uint64_t> keys(n), absent(n);
  for (auto& k : keys) k = splitmix64(s);
  for (auto& k : absent) k = splitmix64(s);
  using map = gomap::map<std::uint64_t, std::uint64_t>;

  {
    map m;
    CALLGRIND_ZERO_STATS;
    for (std::uint64_t k : keys) m.try_emplace(k, k);
    CALLGRIND_DUMP_STATS_AT("insert");
    sink = m.size();
  }
  map m;
  m.reserve(n);
  CALLGRIND_ZERO_STATS;
  for (std::uint64_t k : keys) m.try_emplace(k, k);
  CALLGRIND_DUMP_STATS_AT("insert_reserved");

  std::uint64_t acc = 0;
  CALLGRIND_ZERO_STATS;
  for (std::uint64_t k : keys) acc += m.find(k)->second;
  CALLGRIND_DUMP_STATS_AT("find_hit");
  sink = acc;

  std::size_t misses = 0;
  CALLGRIND_ZERO_STATS;
  for (std::uint64_t k : absent) misses += m.find(k) == m.end();
  CALLGRIND_DUMP_STATS_AT("find_miss");
  sink = misses;

  acc = 0;
  CALLGRIND_ZERO_STATS;
  for (auto it = m.begin(), e = m.end(); it != e; ++it) acc += it->second;
  CALLGRIND_DUMP_STATS_AT("iterate");
  sink = acc;

  CALLGRIND_ZERO_STATS;
  for (std::uint64_t k : keys) acc += m.erase(k);
  CALLGRIND_DUMP_STATS_AT("erase");
  sink = acc;

  std::printf("n=%zu size=%zu\n", n, m.size());
  return m.size() == 0 && misses == n ? 0 : 1;
}

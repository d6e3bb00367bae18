// bench/callgrind/ops.cpp: instructions per operation of gomap's hot paths,
// counted by callgrind (repeatable whatever the machine's load; run.sh
// drives it). Each phase runs between a zero and a dump of callgrind's
// counters, so a phase's total covers exactly its N operations (the loop
// over a pre-built key vector and one call included: ~3 instructions per
// step).
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

using map = gomap::map<std::uint64_t, std::uint64_t>;
using keys = std::vector<std::uint64_t>;

// One function per phase, kept out of line: the map operations inline into
// the phase's loop as in user code, and each loop is compiled on its own, so
// that the register pressure of a big main() does not move the figures.
[[gnu::noinline]] void insert_all(map& m, const keys& ks) {
  for (std::uint64_t k : ks) m.try_emplace(k, k);
}
[[gnu::noinline]] std::uint64_t find_all(const map& m, const keys& ks) {
  std::uint64_t acc = 0;
  for (std::uint64_t k : ks) acc += m.find(k)->second;
  return acc;
}
[[gnu::noinline]] std::size_t miss_all(const map& m, const keys& ks) {
  std::size_t misses = 0;
  for (std::uint64_t k : ks) misses += m.find(k) == m.end();
  return misses;
}
[[gnu::noinline]] std::uint64_t iterate(const map& m) {
  std::uint64_t acc = 0;
  for (auto it = m.begin(), e = m.end(); it != e; ++it) acc += it->second;
  return acc;
}
[[gnu::noinline]] std::size_t erase_all(map& m, const keys& ks) {
  std::size_t n = 0;
  for (std::uint64_t k : ks) n += m.erase(k);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  std::uint64_t s = 42;
  keys present(n), absent(n);
  for (auto& k : present) k = splitmix64(s);
  for (auto& k : absent) k = splitmix64(s);

  {
    map m;
    CALLGRIND_ZERO_STATS;
    insert_all(m, present);
    CALLGRIND_DUMP_STATS_AT("insert");
    sink = m.size();
  }
  map m;
  m.reserve(n);
  CALLGRIND_ZERO_STATS;
  insert_all(m, present);
  CALLGRIND_DUMP_STATS_AT("insert_reserved");

  CALLGRIND_ZERO_STATS;
  sink = find_all(m, present);
  CALLGRIND_DUMP_STATS_AT("find_hit");

  CALLGRIND_ZERO_STATS;
  const std::size_t misses = miss_all(m, absent);
  CALLGRIND_DUMP_STATS_AT("find_miss");

  CALLGRIND_ZERO_STATS;
  sink = iterate(m);
  CALLGRIND_DUMP_STATS_AT("iterate");

  CALLGRIND_ZERO_STATS;
  const std::size_t erased = erase_all(m, present);
  CALLGRIND_DUMP_STATS_AT("erase");

  std::printf("n=%zu misses=%zu erased=%zu\n", n, misses, erased);
  return m.size() == 0 && misses == n && erased == n ? 0 : 1;
}

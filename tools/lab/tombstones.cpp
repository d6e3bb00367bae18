// tools/lab/tombstones.cpp: article 003's question. When an entry is erased
// its slot becomes a tombstone (Go's emptyOne); is it reused, do tombstones
// pile up and lengthen probes, and what do batch and interleaved deletes do?
// One gomap map goes through five phases while its tombstones, overflow
// buckets and probe lengths are sampled; absl::flat_hash_map (whose erased
// slots are tombstones too, cleared only by a rehash) does the same
// operations, and both are timed on the same misses.
#include <deque>
#include <gomap/observe/detailed_stats.hpp>

#include "maps.hpp"
#include "util.hpp"

namespace gomap_lab {
namespace {

// ns per lookup of `misses` absent keys.
template <class M>
double miss_ns(const M& m, std::span<const std::uint64_t> misses) {
  std::size_t found = 0;
  const std::int64_t t0 = gomap_bench::now_ns();
  for (int rep = 0; rep < 4; ++rep)
    for (std::uint64_t k : misses) found += m.find(k) != m.end();
  const double ns = double(gomap_bench::now_ns() - t0) / double(4 * misses.size());
  if (found) gomap_bench::wrong("tombstones", "miss lookup");
  return ns;
}

struct phase_end {
  std::string phase;
  std::size_t live = 0, tombstones = 0, overflow = 0;
  double chain = 0, gomap_miss = 0, absl_miss = 0;
  std::uint64_t growths = 0, same_size = 0;
};

}  // namespace

result tombstones(context& c) {
  result r;  // id and article: from the scenario table (main.cpp)
  const std::size_t n = by_scale<std::size_t>(c.size, 5'000, 200'000, 2'000'000);
  const std::size_t every = std::max<std::size_t>(1, n / 40);
  r.title = fmt_num(double(n)) + " keys through five phases: fill, erase half in a batch, insert as many new "
            "keys, interleaved erase/insert, erase everything";
  // Keys: [0, n) the fill, [n, 3n) new keys, the last 2000 the misses.
  ensure_keys(3 * n + 2000);
  const auto all = gomap_bench::keys().stream(0, 3 * n);
  const auto misses = gomap_bench::keys().stream(3 * n, 2000);
  const auto sh = gomap_bench::keys().shuffled(n);

  gomap_family::map g;
  absl_family::map a;
  std::deque<std::uint64_t> live;  // erase order: oldest first
  std::size_t next_new = n;
  std::size_t op = 0;

  chart ch, probes;
  ch.title = "gomap: tombstones and overflow buckets over the five phases";
  ch.x_label = "operations";
  ch.y_label = "count";
  probes.title = "Cost of a miss (ns per lookup) and gomap's mean chain length (buckets a miss reads)";
  probes.x_label = "operations";
  probes.y_label = "ns per miss / buckets";
  series tomb{"gomap tombstones (emptyOne slots)", {}}, over{"gomap overflow buckets", {}}, size{"live entries", {}};
  series gmiss{"gomap::map miss (ns)", {}}, amiss{"absl::flat_hash_map miss (ns)", {}}, chain{"gomap mean chain length (buckets)", {}};
  std::vector<phase_end> ends;

  auto sample = [&] {
    const gomap::map_stats s = g.stats();
    const gomap::detailed_map_stats d = gomap::detailed_stats(g);
    ch.x.push_back(double(op));
    tomb.y.push_back(double(s.tombstones));
    over.y.push_back(double(s.overflow_buckets));
    size.y.push_back(double(s.size));
    probes.x.push_back(double(op));
    const double mean_chain = d.chains ? double(d.buckets) / double(d.chains) : 0;
    chain.y.push_back(mean_chain);
    gmiss.y.push_back(miss_ns(g, misses));
    amiss.y.push_back(miss_ns(a, misses));
  };
  auto end_phase = [&](const char* name) {
    sample();
    const gomap::map_stats s = g.stats();
    ends.push_back({name, s.size, s.tombstones, s.overflow_buckets, chain.y.back(), gmiss.y.back(), amiss.y.back(),
                    s.growths, s.same_size_growths});
    c.bar->step(name);
  };
  auto insert_new = [&] {
    const std::uint64_t k = all[next_new++];
    g.try_emplace(k, op);
    a.try_emplace(k, op);
    live.push_back(k);
    if (++op % every == 0) sample();
  };
  auto erase_oldest = [&] {
    const std::uint64_t k = live.front();
    live.pop_front();
    g.erase(k);
    a.erase(k);
    if (++op % every == 0) sample();
  };

  c.bar->begin("tombstones", 5);
  // 1. Fill, in shuffled order so that erasing the oldest erases at random
  //    places in the table.
  for (std::uint64_t k : sh) {
    g.try_emplace(k, op);
    a.try_emplace(k, op);
    live.push_back(k);
    if (++op % every == 0) sample();
  }
  end_phase("1 fill");
  const std::uint64_t growths_before = g.stats().growths;
  // 2. Batch delete: half of the keys, one after another.
  for (std::size_t i = 0; i < n / 2; ++i) erase_oldest();
  end_phase("2 erase half (batch)");
  const std::size_t tomb_batch = g.stats().tombstones;
  // 3. As many new keys: they take the tombstoned slots.
  for (std::size_t i = 0; i < n / 2; ++i) insert_new();
  end_phase("3 insert as many new keys");
  const std::size_t tomb_refill = g.stats().tombstones;
  const std::uint64_t growths_refill = g.stats().growths - growths_before;
  // 4. Interleaved: erase the oldest, insert a new one, n times.
  for (std::size_t i = 0; i < n / 2; ++i) {
    erase_oldest();
    insert_new();
  }
  end_phase("4 interleaved erase/insert");
  // 5. Erase everything: emptied chain tails collapse to emptyRest.
  const std::size_t peak_tomb = static_cast<std::size_t>(*std::max_element(tomb.y.begin(), tomb.y.end()));
  while (!live.empty()) erase_oldest();
  end_phase("5 erase everything");
  c.bar->end();

  ch.lines = {tomb, over, size};
  ch.note = "A tombstone is an erased slot that a later probe must step over; gomap reuses it for the next insert "
            "into its bucket and turns a chain's trailing tombstones into emptyRest, which stops probes early.";
  probes.lines = {gmiss, amiss, chain};
  probes.note = "Misses read whole chains, so they are where tombstones and overflow would show.";
  r.charts = {ch, probes};

  table t;
  t.title = "At the end of each phase";
  t.columns = {"phase", "live", "tombstones", "tombstones / slots used", "overflow buckets", "mean chain (buckets)",
               "gomap miss", "absl miss", "growths", "same-size growths"};
  for (const auto& e : ends)
    t.rows.push_back({e.phase, fmt_num(double(e.live)), fmt_num(double(e.tombstones)),
                      e.live + e.tombstones ? fmt_pct(100.0 * double(e.tombstones) / double(e.live + e.tombstones)) : "-",
                      fmt_num(double(e.overflow)), fmt_num(e.chain, 3), fmt_ns(e.gomap_miss), fmt_ns(e.absl_miss),
                      fmt_num(double(e.growths)), fmt_num(double(e.same_size))});
  r.tables.push_back(t);

  const double reused = tomb_batch ? 100.0 * double(tomb_batch - std::min(tomb_batch, tomb_refill)) / double(tomb_batch) : 0;
  r.verdict = "erased slots are reused: the batch erase of " + fmt_num(double(n / 2)) + " keys left " +
              fmt_num(double(tomb_batch)) + " tombstones, the " + fmt_num(double(n / 2)) +
              " inserts that followed reused " + fmt_pct(reused) + " of them with " +
              fmt_num(double(growths_refill)) + " growths; interleaved deletes held them at " +
              fmt_num(double(ends[3].tombstones)) + ", and erasing everything collapsed every chain (" +
              fmt_num(double(ends[4].tombstones)) + " tombstones left of a peak of " + fmt_num(double(peak_tomb)) +
              "): nothing to fix.";
  r.findings.push_back("Miss cost after the batch erase: gomap " + fmt_ns(ends[1].gomap_miss) + " (fresh " +
                       fmt_ns(ends[0].gomap_miss) + "), absl " + fmt_ns(ends[1].absl_miss) + " (fresh " +
                       fmt_ns(ends[0].absl_miss) + "). gomap's miss reads " + fmt_num(ends[1].chain, 3) +
                       " buckets on average: a tombstone costs a slot comparison, not an extra probe.");
  r.findings.push_back("The article's worry is real only for a map that is erased from and never inserted into: its "
                       "tombstones then stay until the next insert reuses them or a growth drops them.");
  return r;
}

}  // namespace gomap_lab

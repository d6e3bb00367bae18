// gomap/detailed_stats.hpp: a full scan of a map's buckets, for
// diagnosing a skewed hash, overflow build-up or tombstones.
//
//   gomap::detailed_map_stats d = gomap::detailed_stats(m);
//   d.entropy / d.entropy_max       // 1.0 would be a perfectly even spread
//   d.entropy_uniform - d.entropy   // bits lost to the hash, beyond chance
//   d.chain_length[3]               // chains of 3 buckets (2 overflow buckets)
//
// O(buckets + entries), allocates (one counter per bucket of the current
// array): a diagnostic call, not something for every operation. It is a read
// of the map: the same threading rules as find() apply (see prometheus.hpp
// for publishing figures to another thread).
//
// During a growth the entries live in two arrays. The scan then covers the
// chains that can hold entries, the same ones iteration visits: every old
// chain not evacuated yet, and every chain of the current array that
// evacuation has initialised. Current buckets still waiting for their old
// bucket are not chains yet and are not counted. The key distribution
// (keys_per_bucket, entropy) is always over the 2^B buckets of the current
// array (B reports the new array from the moment a growth starts): an entry
// still in an old chain is counted in the current bucket it will be
// evacuated to (its hash is recomputed), so finishing the growth leaves these
// figures unchanged.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "internal/table_view.hpp"
#include "stats.hpp"

namespace gomap {

struct detailed_map_stats {
  map_stats summary;                 // the same as m.stats()
  std::size_t chains = 0;            // chains scanned (see above for a growth in progress)
  std::size_t buckets = 0;           // buckets in them: chain heads plus overflow buckets
  std::size_t entries = 0;           // live slots found (== summary.size)
  std::size_t tombstones = 0;        // slots marked empty_one (== summary.tombstones)
  std::size_t overflow_buckets = 0;  // buckets - chains (== summary.overflow_buckets)

  // chain_length[k]: chains made of k buckets (k - 1 of them overflow
  // buckets). chain_length[0] is always 0 and the last element is non-zero;
  // empty when the map has no bucket array yet.
  std::vector<std::size_t> chain_length;
  // bucket_occupancy[k]: buckets (heads and overflow) holding k live entries.
  std::array<std::size_t, 9> bucket_occupancy{};
  // keys_per_bucket[k]: buckets of the current array that k keys hash to.
  // With a uniformly random hash this is close to Poisson(entries / 2^B).
  // The last element is non-zero; empty when the map has no bucket array.
  std::vector<std::size_t> keys_per_bucket;

  double overflow_ratio = 0;   // overflow_buckets / chains: near 1, a same-size growth is due
  double tombstone_ratio = 0;  // tombstones / (entries + tombstones): share of used slots that are dead
  double load_factor = 0;      // entries / 2^B (at most 6.5 outside a growth)

  // Shannon entropy, in bits, of the keys' distribution over the 2^B buckets:
  // -sum p_b log2 p_b with p_b = keys in bucket b / entries. entropy_max =
  // log2(2^B) = B, reached only if every bucket held the same number of keys.
  // entropy_uniform is what a uniformly random hash gives on average for
  // this many entries and buckets (below the maximum, because keys fall into
  // buckets by chance). A gap entropy_uniform - entropy of more than a few
  // hundredths of a bit means the hash spreads keys worse than chance.
  double entropy = 0;
  double entropy_max = 0;
  double entropy_uniform = 0;
};

namespace internal {

// ln(k!) for a whole k >= 0. Not std::lgamma: glibc's writes the global
// `signgam`, a data race when two threads scan maps at once (a scan is a
// read, and reads may run concurrently). Stirling's series from 16 on (error
// below 1e-13 there), the sum of logs below.
inline double log_factorial(double k) noexcept {
  if (k < 16) {
    double r = 0;
    for (double i = 2; i <= k; i += 1) r += std::log(i);
    return r;
  }
  const double x = k + 1, inv = 1 / x, inv2 = inv * inv;
  constexpr double half_log_2pi = 0.91893853320467274178;
  return (x - 0.5) * std::log(x) - x + half_log_2pi +
         inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)));
}

// E[sum over buckets of n_b log2 n_b] / n for n keys thrown uniformly into m
// buckets, subtracted from log2 n: the expected entropy of a random hash.
// Each n_b is Binomial(n, 1/m); the sum runs where the pmf is not negligible.
inline double expected_uniform_entropy(std::size_t n, std::size_t m) noexcept {
  if (n <= 1 || m <= 1) return 0;
  const double nd = static_cast<double>(n), p = 1.0 / static_cast<double>(m);
  const double mean = nd * p, sd = std::sqrt(mean * (1 - p));
  const double lo = std::max(1.0, std::floor(mean - 40 * sd - 40));
  const double hi = std::min(nd, std::ceil(mean + 40 * sd + 40));
  const double log_n_fact = log_factorial(nd), lp = std::log(p), lq = std::log1p(-p);
  double e_klogk = 0;  // E[k log2 k] for one bucket
  for (double k = lo; k <= hi; k += 1) {
    const double log_pmf = log_n_fact - log_factorial(k) - log_factorial(nd - k) + k * lp + (nd - k) * lq;
    e_klogk += std::exp(log_pmf) * k * std::log2(k);
  }
  return std::max(0.0, std::log2(nd) - static_cast<double>(m) * e_klogk / nd);
}

struct table_inspector {
  template <class Table>
  static detailed_map_stats scan(const Table& table) {
    const table_view<Table> t(table);
    t.check_read();
    detailed_map_stats d;
    d.summary = table.stats();
    const auto& cur = t.current();
    if (!cur.tophash) return d;
    const std::size_t oldn = t.growing() ? t.old().nbuckets() : 0;
    std::vector<std::uint32_t> keys(cur.nbuckets(), 0);
    d.chain_length.assign(2, 0);

    t.for_each_live_chain([&](auto head, std::size_t pos) {
      const bool in_old = pos < oldn;
      std::size_t len = 0;
      for (auto k = head; k; ++k) {
        ++len;
        const std::uint8_t* top = k.tophash();
        unsigned live = 0;
        for (unsigned i = 0; i < bucket_slots; ++i) {
          d.tombstones += top[i] == empty_one;
          if (top[i] < min_tophash) continue;
          ++live;
          if (in_old) ++keys[t.hash_of(k.slots()[i]) & cur.mask()];
        }
        ++d.bucket_occupancy[live];
        d.entries += live;
        if (!in_old) keys[pos - oldn] += live;
      }
      if (len >= d.chain_length.size()) d.chain_length.resize(len + 1, 0);
      ++d.chain_length[len];
      ++d.chains;
      d.buckets += len;
    });
    d.overflow_buckets = d.buckets - d.chains;

    const std::uint32_t most = *std::max_element(keys.begin(), keys.end());
    d.keys_per_bucket.assign(std::size_t{most} + 1, 0);
    double sum_klogk = 0;
    for (std::uint32_t k : keys) {
      ++d.keys_per_bucket[k];
      if (k > 1) sum_klogk += k * std::log2(static_cast<double>(k));
    }
    const double n = static_cast<double>(d.entries);
    if (d.entries > 0) d.entropy = std::max(0.0, std::log2(n) - sum_klogk / n);
    d.entropy_max = static_cast<double>(cur.B);
    d.entropy_uniform = expected_uniform_entropy(d.entries, cur.nbuckets());
    d.load_factor = n / static_cast<double>(cur.nbuckets());
    if (d.chains > 0) d.overflow_ratio = static_cast<double>(d.overflow_buckets) / static_cast<double>(d.chains);
    if (d.entries + d.tombstones > 0)
      d.tombstone_ratio = static_cast<double>(d.tombstones) / static_cast<double>(d.entries + d.tombstones);
    return d;
  }
};

}  // namespace internal

// Scans every bucket of `m` (a gomap::map or gomap::set): see the top of
// this file for what each figure counts while a growth is in progress.
// O(buckets + entries); allocates; invalidates nothing.
template <class M>
detailed_map_stats detailed_stats(const M& m) {
  return internal::table_inspector::scan(internal::table_access::table_of(m));
}

}  // namespace gomap

// tests/test_differential.cpp: seeded random operations against
// std::unordered_map, with the engine's invariant checker after every step.
//
// Four configurations, each run as two ctest entries (shards) of 500,000
// operations, so that every key type gets 10^6 operations and ctest -j2 runs
// them side by side:
//   u64        uint64_t -> uint64_t
//   u64_crowd  uint64_t -> uint64_t with a hasher that gives groups of 32 keys
//              one identical hash, and inserts from a window sliding over the
//              universe: long chains, overflow buckets left behind, same-size
//              growths, tophash matches that the equality must reject
//   string     std::string -> std::string, short (SSO) and long keys
//   counted    counted -> counted (every construction/destruction checked)
// The live size swings between ~0 and ~2,200 of a 4,096-key universe in
// phases, so doubling and shrinking growths, tombstones and their collapse
// all happen many times; the crowded configuration makes same-size growths
// happen too. Hashers ignore the per-map seed so that a run is reproducible
// bit for bit: a failure prints its seed and op index; rerun with
// GOMAP_DIFF_SEED=<seed> (and GOMAP_DIFF_OPS=<ops>) to replay it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <gomap/map.hpp>

#include "support/fixed_hashers.hpp"
#include "support/test_support.hpp"

namespace {

using gotest::counted;

constexpr int universe = 4096;
using gotest::fixed_seed;

// ---- configurations: key/value types, conversions to the model's ints ----

// What differs between configurations of one key type, at run time (so that
// each key type's map and differential driver are compiled once).
struct options {
  bool sliding_window = false;  // inserts draw from a window sliding over the universe
  unsigned hash_shift = 0;      // u64 keys: hash k >> hash_shift (29: 32 keys per hash)
};

struct u64_cfg {
  using K = std::uint64_t;
  using V = std::uint64_t;
  using hasher = gotest::shifted_hash;
  static K key(int i) { return (static_cast<std::uint64_t>(i) << 24) | ((static_cast<std::uint64_t>(i) * 2654435761u) & 0xffffff); }
  static int key_index(const K& k) { return static_cast<int>(k >> 24); }
  static V val(int v) { return static_cast<V>(v) * 3 + 1; }
  static int val_int(const V& v) { return static_cast<int>((v - 1) / 3); }
  static hasher make_hasher(const options& o) { return hasher{o.hash_shift}; }
};

// u64_crowd: keys 32i .. 32i+31 share one hash, and inserts draw from a
// window of 1024 keys (32 hash groups) that slides over the universe: the hot
// buckets move, and the overflow buckets they leave behind are what
// same-size growth exists to reclaim.
constexpr options crowd_options{true, 29};

struct string_cfg {
  using K = std::string;
  using V = std::string;
  using hasher = gotest::string_hash_fixed;
  // Lengths 1..40: some keys fit the small-string buffer, most do not.
  static K key(int i) { return std::string(static_cast<std::size_t>(i % 37), 'k') + std::to_string(i); }
  static int key_index(const K& k) { return std::stoi(k.substr(k.find_first_not_of('k'))); }
  static V val(int v) { return "value-" + std::to_string(v) + (v % 2 ? "-with-a-long-tail-past-sso" : ""); }
  static int val_int(const V& v) { return std::stoi(v.substr(6)); }
  static hasher make_hasher(const options&) { return {}; }
};

struct counted_hash {
  using is_seeded = void;
  std::uint64_t operator()(const counted& c, std::uint64_t) const noexcept {
    return gomap::hash<int>{}(c.v, fixed_seed);
  }
};
struct counted_cfg {
  using K = counted;
  using V = counted;
  using hasher = counted_hash;
  static K key(int i) { return counted(i); }
  static int key_index(const K& k) { return k.v; }
  static V val(int v) { return counted(v); }
  static int val_int(const V& v) { return v.v; }
  static hasher make_hasher(const options&) { return {}; }
};

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* s = std::getenv(name);
  return s && *s ? std::strtoull(s, nullptr, 0) : fallback;
}

// ---- the run ---------------------------------------------------------------

template <class Cfg>
class differential {
  using K = typename Cfg::K;
  using V = typename Cfg::V;
  using Map = gomap::map<K, V, typename Cfg::hasher>;

 public:
  differential(std::uint64_t seed, const options& opt)
      : seed_(seed), rng_(seed), opt_(opt), m_(0, Cfg::make_hasher(opt)) {}

  void run(std::uint64_t ops) {
    int target = 0;
    for (op_ = 0; op_ < ops && !failed_; ++op_) {
      if (op_ % 40000 == 0) target = next_target(op_ / 40000);
      step(static_cast<int>(model_.size()) < target);
      if (failed_) break;
      if (std::string err = gotest::check(m_); !err.empty()) fail("invariant: " + err);
      expect(m_.size() == model_.size(), "size differs from the model");
      if (op_ % 4096 == 0) compare_all(m_, "periodic comparison");
      sum_size_ += m_.size();
      if (op_ % 16 != 0) continue;
      const gomap::map_stats s = m_.stats();  // figures for the log (stats() walks the table: sampled)
      max_size_ = std::max(max_size_, s.size);
      max_b_ = std::max(max_b_, s.B);
      max_tombstones_ = std::max(max_tombstones_, s.tombstones);
      max_overflow_ = std::max(max_overflow_, s.overflow_buckets);
    }
    if (!failed_) compare_all(m_, "final comparison");
    const gomap::map_stats s = m_.stats();
    std::printf(
        "[ figures  ] seed %llu: %llu ops, mean size %llu, max size %zu, max B %u, max tombstones %zu, max overflow "
        "%zu, "
        "growths %llu, same-size %llu, shrinks %llu (last map object)\n",
        static_cast<unsigned long long>(seed_), static_cast<unsigned long long>(op_),
        static_cast<unsigned long long>(op_ ? sum_size_ / op_ : 0), max_size_, max_b_, max_tombstones_, max_overflow_,
        static_cast<unsigned long long>(s.growths), static_cast<unsigned long long>(s.same_size_growths),
        static_cast<unsigned long long>(s.shrinks));
    // Lifetime counters are per map object and copies/moves restart them, so
    // what matters is that each kind of growth happened at all over the run.
    totals_.growths += s.growths;
    totals_.same_size += s.same_size_growths;
    totals_.shrinks += s.shrinks;
    std::printf("[ figures  ] seed %llu: over all map objects: %llu doubling, %llu same-size, %llu shrinking growths\n",
                static_cast<unsigned long long>(seed_), static_cast<unsigned long long>(totals_.growths),
                static_cast<unsigned long long>(totals_.same_size), static_cast<unsigned long long>(totals_.shrinks));
    // What the run must have exercised (fixed by the seed).
    EXPECT_GT(totals_.growths, 0u);
    EXPECT_GT(totals_.shrinks, 0u);
    EXPECT_GT(max_tombstones_, 0u);
    if (opt_.sliding_window) {
      EXPECT_GT(totals_.same_size, 0u);
    }
  }

  std::uint64_t same_size_total() const { return totals_.same_size; }

 private:
  struct totals {
    std::uint64_t growths = 0, same_size = 0, shrinks = 0;
  };

  void fail(const std::string& what) {
    if (failed_) return;
    failed_ = true;
    ADD_FAILURE() << "seed " << seed_ << ", op " << op_ << ": " << what << "\n  replay: GOMAP_DIFF_SEED=" << seed_
                  << " GOMAP_DIFF_OPS=" << op_ + 1;
  }
  void expect(bool ok, const char* what) {
    if (!ok) fail(what);
  }

  // Phases alternate between filling towards 1000-2200 entries and draining
  // towards 0-200, so every phase change runs doubling growths one way and
  // shrinking growths the other. The sliding-window configuration instead
  // holds ~900 entries steady, so overflow buckets pile up between rebuilds.
  int next_target(std::uint64_t phase) {
    if (opt_.sliding_window) return 900;
    return phase % 2 == 0 ? 1000 + static_cast<int>(rng_() % 1201) : static_cast<int>(rng_() % 201);
  }

  int pick() { return static_cast<int>(rng_() % universe); }
  // A key to insert: uniform, or from the sliding window.
  int pick_insert() {
    if (opt_.sliding_window) return static_cast<int>((op_ / 4 + rng_() % 1024) % universe);
    return pick();
  }
  // A key to erase: half the time a live one (so erases hit at any size).
  int pick_erase() {
    if (live_.empty() || rng_() % 2) return pick();
    return live_[rng_() % live_.size()];
  }

  // The model, with a list of its keys to draw live ones from.
  bool model_put(int k, int v, bool assign) {
    auto [it, inserted] = model_.try_emplace(k, v);
    if (inserted) {
      pos_[k] = static_cast<int>(live_.size());
      live_.push_back(k);
    } else if (assign) {
      it->second = v;
    }
    return inserted;
  }
  std::size_t model_erase(int k) {
    if (!model_.erase(k)) return 0;
    const int p = pos_[k], last = live_.back();
    live_[p] = last;
    pos_[last] = p;
    live_.pop_back();
    pos_[k] = -1;
    return 1;
  }
  int model_value(int k) const { return model_.at(k); }
  int fresh_value() { return static_cast<int>(rng_() % 1000000); }

  // The model's view of a map entry.
  bool entry_is(const typename Map::value_type& e, int k, int v) const {
    return Cfg::key_index(e.first) == k && Cfg::val_int(e.second) == v;
  }

  void account(const Map& m) {  // before a map object is replaced
    const gomap::map_stats s = m.stats();
    totals_.growths += s.growths;
    totals_.same_size += s.same_size_growths;
    totals_.shrinks += s.shrinks;
  }

  void compare_all(const Map& m, const char* when) {
    if (m.size() != model_.size()) return fail(std::string(when) + ": size differs");
    std::size_t n = 0;
    for (const auto& e : m) {
      auto it = model_.find(Cfg::key_index(e.first));
      if (it == model_.end()) return fail(std::string(when) + ": key not in the model");
      if (Cfg::val_int(e.second) != it->second) return fail(std::string(when) + ": value differs");
      ++n;
    }
    if (n != model_.size()) return fail(std::string(when) + ": iteration count differs");
    for (const auto& [k, v] : model_) {
      auto it = m.find(Cfg::key(k));
      if (it == m.end() || !entry_is(*it, k, v)) return fail(std::string(when) + ": model key not found");
    }
  }

  void step(bool grow) {
    // Rare whole-table operations first (per million operations); most of
    // them rebuild the table, so they stay rare enough for overflow buckets
    // to pile up between them.
    const unsigned r = static_cast<unsigned>(rng_() % 1000000);
    if (r < 5) return do_clear();
    if (r < 15) return do_reserve();
    if (r < 25) return do_rehash();
    if (r < 30) return do_shrink_to_fit();
    if (r < 40) return do_copy();
    if (r < 50) return do_move();
    if (r < 55) return do_toggle_shrink_policy();
    if (r < 65) return do_erase_if();
    if (r < 75) return do_erase_while_iterating();
    if (r < 200000) return do_lookup();
    if (r < 230000) return do_extract();
    // Mutations, biased towards the phase's target size.
    const bool insert = (rng_() % 100) < (grow ? 80u : 20u);
    if (insert) {
      switch (rng_() % 6) {
        case 0: return do_insert();
        case 1: return do_emplace();
        case 2: return do_try_emplace();
        case 3: return do_subscript();
        case 4: return do_insert_or_assign();
        default: return do_emplace_hint();
      }
    }
    return rng_() % 2 ? do_erase_key() : do_erase_iterator();
  }

  void do_insert() {
    const int k = pick_insert(), v = fresh_value();
    auto [it, ins] = m_.insert(typename Map::value_type(Cfg::key(k), Cfg::val(v)));
    expect(ins == model_put(k, v, false), "insert: inserted flag");
    expect(entry_is(*it, k, model_value(k)), "insert: entry");
  }
  void do_emplace() {
    const int k = pick_insert(), v = fresh_value();
    auto [it, ins] = m_.emplace(Cfg::key(k), Cfg::val(v));
    expect(ins == model_put(k, v, false), "emplace: inserted flag");
    expect(entry_is(*it, k, model_value(k)), "emplace: entry");
  }
  void do_emplace_hint() {
    const int k = pick_insert(), v = fresh_value();
    auto it = m_.emplace_hint(m_.begin(), Cfg::key(k), Cfg::val(v));
    model_put(k, v, false);
    expect(entry_is(*it, k, model_value(k)), "emplace_hint: entry");
  }
  void do_try_emplace() {
    const int k = pick_insert(), v = fresh_value();
    V value = Cfg::val(v);
    auto [it, ins] = m_.try_emplace(Cfg::key(k), std::move(value));
    expect(ins == model_put(k, v, false), "try_emplace: inserted flag");
    expect(entry_is(*it, k, model_value(k)), "try_emplace: entry");
    if (!ins) expect(Cfg::val_int(value) == v, "try_emplace moved from its argument with the key present");
  }
  void do_subscript() {
    const int k = pick_insert(), v = fresh_value();
    m_[Cfg::key(k)] = Cfg::val(v);
    model_put(k, v, true);
  }
  void do_insert_or_assign() {
    const int k = pick_insert(), v = fresh_value();
    auto [it, ins] = m_.insert_or_assign(Cfg::key(k), Cfg::val(v));
    expect(ins == model_put(k, v, true), "insert_or_assign: inserted flag");
    expect(entry_is(*it, k, v), "insert_or_assign: entry");
  }
  void do_erase_key() {
    const int k = pick_erase();
    expect(m_.erase(Cfg::key(k)) == model_erase(k), "erase(key): count");
  }
  void do_erase_iterator() {
    const int k = pick_erase();
    auto it = m_.find(Cfg::key(k));
    expect((it != m_.end()) == (model_.count(k) == 1), "find before erase(iterator)");
    if (it == m_.end()) return;
    auto next = std::next(it);
    expect(m_.erase(it) == next, "erase(iterator) must return the next entry");
    model_erase(k);
  }
  void do_lookup() {
    const int k = rng_() % 2 ? pick() : pick_erase();
    const Map& cm = m_;
    auto it = cm.find(Cfg::key(k));
    auto mit = model_.find(k);
    if (mit == model_.end()) {
      expect(it == cm.end(), "find: found an absent key");
      expect(!cm.contains(Cfg::key(k)) && cm.count(Cfg::key(k)) == 0, "contains/count of an absent key");
    } else {
      expect(it != cm.end() && entry_is(*it, k, mit->second), "find: present key");
      expect(cm.contains(Cfg::key(k)), "contains of a present key");
    }
  }
  void do_extract() {
    const int k = pick_erase();
    auto node = m_.extract(Cfg::key(k));
    expect(node.empty() == (model_.count(k) == 0), "extract: node presence");
    if (node.empty()) return;
    const int v = model_value(k);
    expect(Cfg::val_int(node.mapped()) == v, "extract: node value");
    model_erase(k);
    int nk = k;
    if (rng_() % 2) {
      nk = pick_insert();
      node.key() = Cfg::key(nk);
    }
    auto r = m_.insert(std::move(node));
    const bool mins = model_put(nk, v, false);
    expect(r.inserted == mins, "node insert: inserted flag");
    expect(r.node.empty() == mins, "node insert: node handed back iff not inserted");
  }
  void do_clear() {
    m_.clear();
    while (!live_.empty()) model_erase(live_.back());
  }
  // Sized from the current contents: a reserve() or rehash() far above them
  // would pin B (they set the floor automatic shrinks stop at) for the rest
  // of the run.
  void do_reserve() { m_.reserve(rng_() % (2 * m_.size() + 16)); }
  void do_rehash() { m_.rehash(rng_() % (m_.size() / 2 + 16)); }
  void do_shrink_to_fit() { m_.shrink_to_fit(); }
  void do_toggle_shrink_policy() {
    m_.set_shrink_policy(m_.shrink_policy() == gomap::shrink_policy::shrink ? gomap::shrink_policy::never
                                                                            : gomap::shrink_policy::shrink);
  }
  void do_copy() {
    Map c(m_);
    if (std::string err = gotest::check(c); !err.empty()) return fail("copy: " + err);
    compare_all(c, "copy-constructed");
    account(m_);
    const auto policy = m_.shrink_policy();
    if (rng_() % 2) {
      m_ = c;  // copy assignment
    } else {
      m_ = std::move(c);
    }
    m_.set_shrink_policy(policy);
  }
  void do_move() {
    account(m_);
    Map tmp(std::move(m_));
    expect(m_.empty(), "moved-from map not empty");
    GOTEST_EXPECT_VALID(m_);
    if (rng_() % 2) {
      m_ = std::move(tmp);
    } else {
      m_.swap(tmp);
    }
  }
  void do_erase_if() {
    const int mod = 2 + static_cast<int>(rng_() % 9);
    const auto n = gomap::erase_if(m_, [&](const auto& e) { return Cfg::key_index(e.first) % mod == 0; });
    std::size_t mn = 0;
    for (int k = 0; k < universe; k += mod) mn += model_erase(k);
    expect(n == mn, "erase_if: count");
  }
  void do_erase_while_iterating() {
    const int mod = 2 + static_cast<int>(rng_() % 9);
    std::size_t visited = 0;
    const std::size_t size = m_.size();
    for (auto it = m_.begin(); it != m_.end();) {
      ++visited;
      const int k = Cfg::key_index(it->first);
      if (k % mod == 1) {
        it = m_.erase(it);
        model_erase(k);
      } else {
        ++it;
      }
    }
    expect(visited == size, "erase-while-iterating: every entry visited once");
  }

  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::uint64_t op_ = 0;
  bool failed_ = false;
  options opt_;
  Map m_;
  std::unordered_map<int, int> model_;
  std::vector<int> live_;
  std::vector<int> pos_ = std::vector<int>(universe, -1);
  totals totals_;
  std::size_t max_size_ = 0, max_tombstones_ = 0, max_overflow_ = 0;
  std::uint64_t sum_size_ = 0;
  unsigned max_b_ = 0;
};

constexpr std::uint64_t shard_ops = 500000;

template <class Cfg>
void run_shard(std::uint64_t config, std::uint64_t shard, const options& opt = {}) {
  gotest::counted_scope scope;
  const std::uint64_t seed = env_u64("GOMAP_DIFF_SEED", 1000 * config + shard + 1);
  const std::uint64_t ops = env_u64("GOMAP_DIFF_OPS", shard_ops);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  differential<Cfg> d(seed, opt);
  d.run(ops);
}

// Seeds are 1000 * config + shard + 1 unless GOMAP_DIFF_SEED says otherwise.
TEST(Differential, u64_shard0) { run_shard<u64_cfg>(1, 0); }
TEST(Differential, u64_shard1) { run_shard<u64_cfg>(1, 1); }
TEST(Differential, u64_crowd_shard0) { run_shard<u64_cfg>(2, 0, crowd_options); }
TEST(Differential, u64_crowd_shard1) { run_shard<u64_cfg>(2, 1, crowd_options); }
TEST(Differential, string_shard0) { run_shard<string_cfg>(3, 0); }
TEST(Differential, string_shard1) { run_shard<string_cfg>(3, 1); }
TEST(Differential, counted_shard0) { run_shard<counted_cfg>(4, 0); }
TEST(Differential, counted_shard1) { run_shard<counted_cfg>(4, 1); }

}  // namespace

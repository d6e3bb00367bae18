// gomap/sync_map.hpp: gomap::sync_map, Go's sync.Map (Go 1.20-1.23
// sync/map.go) for C++, typed and with reclamation made explicit.
//
//   gomap::sync_map<std::uint64_t, std::string> m;
//   m.store(1, "one");
//   if (auto v = m.load(1)) use(*v);                 // a copy, taken lock-free
//   auto [v, loaded] = m.load_or_store(2, "two");
//   m.range([&](const auto& k, const auto& v) { ...; return true; });
//
// When to use it (Go's own advice, measured in docs/concurrency.md): keys
// written once and read many times, or threads working on disjoint keys.
// Otherwise gomap::sharded_map is faster, for writes by a wide margin.
//
// THE ALGORITHM (Go's, member for member)
//   read    an immutable gomap::map<K, entry*> published through one atomic
//           pointer; its low bit is Go's `amended`: the dirty map holds keys
//           the read map lacks. Readers use it without any lock.
//   dirty   a gomap::map<K, entry*> under `mu_`, holding every live key when
//           it exists (a copy of read's live entries plus the new keys).
//   entry   shared by both maps: an atomic pointer to the current value node,
//           or nullptr (deleted), or `expunged` (deleted, and absent from
//           dirty). A store to a key present in read is one CAS on its entry,
//           no lock. Entries are never copied: the value changes in place.
//   misses  lookups that had to lock because read lacked the key; once they
//           reach dirty's size, dirty is promoted to read (O(1)) and the next
//           new key copies read's live entries into a fresh dirty (O(n),
//           expunging the deleted ones), as in Go.
//
// WHEN A LOAD TAKES THE LOCK: only when the key is absent from the read map
// and the dirty map holds keys the read map lacks (amended). That is a new
// key stored since the last promotion, or a key that was never stored at all
// while such new keys exist. Each such load counts a miss, so after as many
// misses as dirty has entries the read map catches up and loads are lock-free
// again. Loads of keys present in the read map never lock, whatever writers do.
//
// RECLAMATION: replaced values, entries that left both maps, and retired read
// maps are freed through epoch-based reclamation (internal/epoch.hpp, where
// the proof is): every member runs in a critical section, so a pointer it
// loaded stays valid until it returns. No reader waits; nothing to link.
//
// Beyond Go: values are typed (no boxing; the first value of an entry lives
// inside it, so a key loaded since its first store costs one pointer hop
// less), load() takes any key type the hasher and equality accept when both
// are transparent, and size() (golang/go#20680) is kept by counting each
// entry's transitions between "holds a value" and not.
//
// Requirements: K and V copyable (values are copied out; no reference to an
// element escapes a member), V equality-comparable for compare_and_swap and
// compare_and_delete. Not copyable or movable (as Go's: it must not be
// copied after first use).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "hash.hpp"
#include "internal/epoch.hpp"
#include "map.hpp"

namespace gomap {

template <class K, class V, class Hash = gomap::hash<K>, class Eq = std::equal_to<K>>
class sync_map {
  struct value_node {
    V value;
  };
  struct entry {
    explicit entry(V v) : first{std::move(v)} { p.store(&first, std::memory_order_relaxed); }
    ~entry() {
      value_node* n = p.load(std::memory_order_relaxed);
      if (n != nullptr && n != expunged() && n != &first) delete n;
    }
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;

    std::atomic<value_node*> p;
    value_node first;  // the value the entry was created with; freed with the entry
  };
  using table = gomap::map<K, entry*, Hash, Eq>;
  static constexpr bool heterogeneous = internal::transparent<Hash> && internal::transparent<Eq>;

 public:
  using key_type = K;
  using mapped_type = V;
  using size_type = std::size_t;
  using hasher = Hash;
  using key_equal = Eq;

  sync_map() : sync_map(Hash(), Eq()) {}
  explicit sync_map(const Hash& h, const Eq& e = Eq())
      : hash_(h), eq_(e), read_(reinterpret_cast<std::uintptr_t>(new table(0, h, e))) {}
  sync_map(const sync_map&) = delete;
  sync_map& operator=(const sync_map&) = delete;
  // Requires no concurrent use (as any destructor).
  ~sync_map() {
    table* r = read_table(read_.load(std::memory_order_relaxed));
    for_each_owned_entry(r, [](entry* e) { delete e; });
    delete dirty_;
    delete r;
  }

  // Go's Load: a copy of the value of `key`, if present. Lock-free when the
  // key is in the read map (see the header for when it locks).
  std::optional<V> load(const K& key) const { return load_impl(key); }
  template <class Q>
    requires(heterogeneous && !std::is_same_v<std::remove_cvref_t<Q>, K>)
  std::optional<V> load(const Q& key) const {
    return load_impl(key);
  }

  // Go's Store (since Go 1.20, Swap discarding the previous value).
  void store(const K& key, V value) { swap_impl<false>(key, std::move(value)); }

  // Go's Swap: stores `value`, returns the previous value if there was one.
  std::optional<V> swap(const K& key, V value) { return swap_impl<true>(key, std::move(value)); }

  // Go's LoadOrStore: the value now present, and whether it was loaded
  // (true) rather than stored by this call (false). Of several racing calls
  // on an absent key exactly one stores; the others load its value.
  std::pair<V, bool> load_or_store(const K& key, V value) {
    internal::epoch::section sec;
    if (entry* e = find(read(), key)) {
      if (auto r = try_load_or_store(e, value)) return std::move(*r);
    }
    std::unique_lock lk(mu_);
    const std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_table(rd), key)) {
      if (unexpunge_locked(e)) dirty_->emplace(key, e);
      return std::move(*try_load_or_store(e, value));  // not expunged: we hold the lock
    }
    if (entry* e = find(dirty_, key)) {
      auto r = try_load_or_store(e, value);
      miss_locked();
      return std::move(*r);
    }
    add_new_locked(rd, key, V(value));
    return {std::move(value), false};
  }

  // Go's LoadAndDelete: removes `key`, returns its value if it was present.
  std::optional<V> load_and_delete(const K& key) { return delete_impl<true>(key); }

  // Go's Delete.
  void erase(const K& key) { delete_impl<false>(key); }

  // Go's CompareAndSwap: replaces the value of `key` with `desired` if it is
  // present and equal to `expected`. Never inserts.
  bool compare_and_swap(const K& key, const V& expected, V desired) {
    internal::epoch::section sec;
    const std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_table(rd), key)) return try_compare_and_swap(e, expected, desired);
    if (!amended(rd)) return false;
    std::lock_guard lk(mu_);
    if (entry* e = find(read(), key)) return try_compare_and_swap(e, expected, desired);
    entry* e = find(dirty_, key);
    if (e == nullptr) return false;
    const bool swapped = try_compare_and_swap(e, expected, desired);
    miss_locked();
    return swapped;
  }

  // Go's CompareAndDelete: removes `key` if its value equals `expected`.
  bool compare_and_delete(const K& key, const V& expected) {
    internal::epoch::section sec;
    entry* e = find_entry(key);
    if (e == nullptr) return false;
    for (value_node* p = e->p.load(std::memory_order_seq_cst);;) {
      if (p == nullptr || p == expunged() || !(p->value == expected)) return false;
      if (e->p.compare_exchange_weak(p, nullptr, std::memory_order_seq_cst)) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        retire_value(e, p);
        return true;
      }
    }
  }

  // Go's Range: calls f(key, value) for the keys present, each at most once,
  // in no particular order; f returns bool (false stops) or void. No
  // snapshot: the map as it is when range starts (a pending dirty map is
  // promoted first, as Go does), each value read when its key is reached.
  // f may call any member of this map, including store, erase and clear;
  // keys stored during the range may or may not be visited. The references f
  // receives are valid until f returns. While range runs, no thread's
  // retired objects are freed (the range holds a reclamation section).
  template <class F>
  void range(F&& f) const {
    internal::epoch::section sec;
    std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    if (amended(rd)) {
      std::lock_guard lk(mu_);
      rd = read_.load(std::memory_order_seq_cst);
      if (amended(rd)) {
        promote_locked();
        rd = read_.load(std::memory_order_seq_cst);
      }
    }
    // Plain const iteration: the read map is shared by concurrent readers,
    // so nothing may write to it (its own range() would).
    const table& m = *read_table(rd);
    for (const auto& [key, e] : m) {
      const value_node* p = e->p.load(std::memory_order_seq_cst);
      if (p == nullptr || p == expunged()) continue;
      if constexpr (std::is_same_v<std::invoke_result_t<F&, const K&, const V&>, void>) {
        f(key, p->value);
      } else {
        if (!f(key, p->value)) return;
      }
    }
  }

  // Go's Clear (Go 1.23): removes every key. Each key's removal takes effect
  // at one atomic step on its entry, so a racing store to a key either
  // precedes the clear (and is removed) or follows it (and stays).
  void clear() {
    internal::epoch::section sec;
    const std::uintptr_t rd0 = read_.load(std::memory_order_seq_cst);
    if (read_table(rd0)->empty() && !amended(rd0)) return;
    std::lock_guard lk(mu_);
    const std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    table* old = read_table(rd);
    auto* fresh = new table(0, hash_, eq_);
    std::vector<entry*> owned;
    owned.reserve(read_table(rd)->size() + (dirty_ ? dirty_->size() : 0));
    for_each_owned_entry(old, [&](entry* e) { owned.push_back(e); });
    // Entries first: a lock-free store that finds one expunged takes the
    // locked path and lands in the new maps.
    for (entry* e : owned) {
      value_node* p = e->p.exchange(expunged(), std::memory_order_seq_cst);
      if (p != nullptr && p != expunged()) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        retire_value(e, p);
      }
    }
    read_.store(reinterpret_cast<std::uintptr_t>(fresh), std::memory_order_seq_cst);
    for (entry* e : owned) internal::epoch::retire_delete(e);
    delete dirty_;  // only ever reached under mu_
    dirty_ = nullptr;
    misses_ = 0;
    internal::epoch::retire_delete(old);
  }

  // The number of keys present (beyond Go). Exact when no write runs;
  // during writes, each write is counted once, at some point during it.
  size_type size() const noexcept {
    const std::ptrdiff_t n = count_.load(std::memory_order_relaxed);
    return n > 0 ? static_cast<size_type>(n) : 0;
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  hasher hash_function() const { return hash_; }
  key_equal key_eq() const { return eq_; }

 private:
  static value_node* expunged() noexcept { return reinterpret_cast<value_node*>(&expunged_tag_); }
  static table* read_table(std::uintptr_t rd) noexcept { return reinterpret_cast<table*>(rd & ~std::uintptr_t{1}); }
  static bool amended(std::uintptr_t rd) noexcept { return (rd & 1) != 0; }
  const table* read() const noexcept { return read_table(read_.load(std::memory_order_seq_cst)); }

  template <class Q>
  static entry* find(const table* m, const Q& key) {
    if (m == nullptr) return nullptr;
    auto it = m->find(key);
    return it == m->end() ? nullptr : it->second;
  }

  // Go's Load's lookup: read, then dirty under the lock when amended.
  template <class Q>
  entry* find_entry(const Q& key) const {
    const std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_table(rd), key)) return e;
    if (!amended(rd)) return nullptr;
    std::lock_guard lk(mu_);
    const std::uintptr_t rd2 = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_table(rd2), key)) return e;
    if (!amended(rd2)) return nullptr;
    entry* e = find(dirty_, key);
    miss_locked();
    return e;
  }

  template <class Q>
  std::optional<V> load_impl(const Q& key) const {
    internal::epoch::section sec;
    entry* e = find_entry(key);
    if (e == nullptr) return std::nullopt;
    const value_node* p = e->p.load(std::memory_order_seq_cst);
    if (p == nullptr || p == expunged()) return std::nullopt;
    return p->value;
  }

  template <bool WantOld>
  std::optional<V> swap_impl(const K& key, V&& value) {
    internal::epoch::section sec;
    value_node* fresh = nullptr;  // allocated once, published by the CAS that succeeds
    if (entry* e = find(read(), key)) {
      value_node* old;
      if (try_swap(e, value, fresh, old)) return take_previous<WantOld>(e, old);
    }
    std::unique_lock lk(mu_);
    const std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    entry* e = find(read_table(rd), key);
    if (e != nullptr) {
      if (unexpunge_locked(e)) dirty_->emplace(key, e);
    } else if (dirty_ != nullptr) {
      e = find(dirty_, key);
    }
    if (e == nullptr) {
      if (fresh != nullptr) {  // never published; `value` was moved into it
        add_new_locked(rd, key, std::move(fresh->value));
        delete fresh;
      } else {
        add_new_locked(rd, key, std::move(value));
      }
      return std::nullopt;
    }
    if (fresh == nullptr) fresh = new value_node{std::move(value)};
    value_node* old = e->p.exchange(fresh, std::memory_order_seq_cst);
    lk.unlock();
    return take_previous<WantOld>(e, old);
  }

  // Go's trySwap: swaps in a node holding `value` unless the entry is expunged.
  static bool try_swap(entry* e, V& value, value_node*& fresh, value_node*& old) {
    value_node* p = e->p.load(std::memory_order_seq_cst);
    for (;;) {
      if (p == expunged()) return false;
      if (fresh == nullptr) fresh = new value_node{std::move(value)};
      if (e->p.compare_exchange_weak(p, fresh, std::memory_order_seq_cst)) {
        old = p;
        return true;
      }
    }
  }

  template <bool WantOld>
  std::optional<V> take_previous(entry* e, value_node* old) {
    if (old == nullptr || old == expunged()) {
      count_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    std::optional<V> r;
    if constexpr (WantOld) r.emplace(old->value);
    retire_value(e, old);
    return r;
  }

  // Go's tryLoadOrStore; nullopt when the entry is expunged.
  std::optional<std::pair<V, bool>> try_load_or_store(entry* e, const V& value) {
    value_node* p = e->p.load(std::memory_order_seq_cst);
    value_node* fresh = nullptr;
    for (;;) {
      if (p == expunged()) {
        delete fresh;
        return std::nullopt;
      }
      if (p != nullptr) {
        delete fresh;
        return std::pair<V, bool>{p->value, true};
      }
      if (fresh == nullptr) fresh = new value_node{value};
      if (e->p.compare_exchange_weak(p, fresh, std::memory_order_seq_cst)) {
        count_.fetch_add(1, std::memory_order_relaxed);
        return std::pair<V, bool>{value, false};
      }
    }
  }

  bool try_compare_and_swap(entry* e, const V& expected, V& desired) {
    value_node* p = e->p.load(std::memory_order_seq_cst);
    value_node* fresh = nullptr;
    for (;;) {
      if (p == nullptr || p == expunged() || !(p->value == expected)) {
        delete fresh;
        return false;
      }
      if (fresh == nullptr) fresh = new value_node{std::move(desired)};
      if (e->p.compare_exchange_weak(p, fresh, std::memory_order_seq_cst)) {
        retire_value(e, p);
        return true;
      }
    }
  }

  template <bool WantOld>
  std::optional<V> delete_impl(const K& key) {
    internal::epoch::section sec;
    const std::uintptr_t rd = read_.load(std::memory_order_seq_cst);
    entry* e = find(read_table(rd), key);
    bool unlinked = false;
    if (e == nullptr && amended(rd)) {
      std::lock_guard lk(mu_);
      const std::uintptr_t rd2 = read_.load(std::memory_order_seq_cst);
      e = find(read_table(rd2), key);
      if (e == nullptr && amended(rd2)) {
        if (auto it = dirty_->find(key); it != dirty_->end()) {
          e = it->second;
          dirty_->erase(it);
          unlinked = true;
        }
        // A miss either way: the key takes this path until dirty is promoted.
        miss_locked();
      }
    }
    if (e == nullptr) return std::nullopt;
    std::optional<V> r;
    for (value_node* p = e->p.load(std::memory_order_seq_cst); p != nullptr && p != expunged();) {
      if (e->p.compare_exchange_weak(p, nullptr, std::memory_order_seq_cst)) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        if constexpr (WantOld) r.emplace(p->value);
        retire_value(e, p);
        break;
      }
    }
    // Out of both maps now: only sections that found it earlier can reach it,
    // and none of them can store into it (they hold no lock, it is not in read).
    if (unlinked) internal::epoch::retire_delete(e);
    return r;
  }

  // A value node leaves its entry: freed after the sections that may read it.
  static void retire_value(entry* e, value_node* p) {
    if (p != &e->first) internal::epoch::retire_delete(p);
  }

  // Go's dirtyLocked + the new entry of Store/LoadOrStore.
  void add_new_locked(std::uintptr_t rd, const K& key, V&& value) {
    if (!amended(rd)) {
      dirty_locked();
      read_.store(rd | 1, std::memory_order_seq_cst);
    }
    auto* e = new entry(std::move(value));
    try {
      dirty_->emplace(key, e);
    } catch (...) {
      delete e;
      throw;
    }
    count_.fetch_add(1, std::memory_order_relaxed);
  }

  void dirty_locked() {
    if (dirty_ != nullptr) return;
    const table* r = read();
    auto* d = new table(r->size(), hash_, eq_);
    try {
      for (const auto& [k, e] : *r)
        if (!try_expunge_locked(e)) d->emplace(k, e);
    } catch (...) {
      delete d;
      throw;
    }
    dirty_ = d;
  }

  static bool try_expunge_locked(entry* e) {
    value_node* p = e->p.load(std::memory_order_seq_cst);
    while (p == nullptr) {
      if (e->p.compare_exchange_weak(p, expunged(), std::memory_order_seq_cst)) return true;
    }
    return p == expunged();
  }

  // Expunged -> deleted: the caller puts the entry back into dirty.
  static bool unexpunge_locked(entry* e) {
    value_node* p = expunged();
    return e->p.compare_exchange_strong(p, nullptr, std::memory_order_seq_cst);
  }

  void miss_locked() const {
    if (++misses_ < dirty_->size()) return;
    promote_locked();
  }

  // dirty becomes read (O(1)); the old read map and its expunged entries
  // (exactly its entries absent from dirty) are retired.
  void promote_locked() const {
    table* old = read_table(read_.load(std::memory_order_seq_cst));
    read_.store(reinterpret_cast<std::uintptr_t>(dirty_), std::memory_order_seq_cst);
    dirty_ = nullptr;
    misses_ = 0;
    for (const auto& kv : *old)
      if (kv.second->p.load(std::memory_order_seq_cst) == expunged()) internal::epoch::retire_delete(kv.second);
    internal::epoch::retire_delete(old);
  }

  // Every entry reachable from read `r` or dirty, once each: dirty's, and
  // read's that dirty lacks (when dirty exists, exactly the expunged ones).
  template <class F>
  void for_each_owned_entry(table* r, F&& f) {
    for (const auto& kv : *r)
      if (dirty_ == nullptr || kv.second->p.load(std::memory_order_seq_cst) == expunged()) f(kv.second);
    if (dirty_ != nullptr)
      for (const auto& kv : *dirty_) f(kv.second);
  }

  alignas(value_node) static inline unsigned char expunged_tag_[1] = {};

  Hash hash_;
  Eq eq_;
  // The read map's address, low bit = amended. Written under mu_ only.
  mutable std::atomic<std::uintptr_t> read_;
  mutable std::mutex mu_;
  mutable table* dirty_ = nullptr;
  mutable std::size_t misses_ = 0;
  std::atomic<std::ptrdiff_t> count_{0};
};

}  // namespace gomap

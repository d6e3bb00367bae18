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
//   read    an immutable gomap::map<K, entry> published through one atomic
//           pointer; its low bit is Go's `amended`: the dirty map holds keys
//           the read map lacks. Readers use it without any lock.
//   dirty   a gomap::map<K, entry*> under `mu_`, holding every live key when
//           it exists: pointers to read's live entries plus new entries.
//   entry   shared by both maps: an atomic word naming the current value
//           node, or 0 (deleted), or `expunged` (deleted, and absent from
//           dirty). A store to a key present in read is one CAS on its entry,
//           no lock; the value changes in place, the entry is not copied.
//   misses  lookups that had to lock because read lacked the key; once they
//           reach dirty's size, dirty is promoted to read, and the next new
//           key copies read's live entries into a fresh dirty (expunging the
//           deleted ones), as in Go.
//
// WHERE IT DIFFERS FROM GO: the entries of the read map live in its slots,
// not behind a pointer, and an entry holds its value inline until a store
// replaces it. A load of a key in the read map then touches the same
// memory as a gomap::map lookup: no pointer hop to an entry, none to a
// value. The price is paid at promotion, which builds the new read map
// (O(n), under the mutex, like the dirty rebuild that follows it anyway):
// each live entry is copied into its new slot and its old self becomes a
// forwarding word (`moved` + the new address), set by the same CAS that
// reads the value, so a thread still holding the old map follows it and
// neither a store nor a load is lost. Entries of new keys live on the heap
// until the promotion after their insertion.
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
// Beyond Go: values are typed (no boxing), load() takes any key type the
// hasher and equality accept when both are transparent, and size()
// (golang/go#20680) is kept by counting each entry's transitions between
// "holds a value" and not.
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
#include <new>
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
  // Aligned so that the low bit of a node's or an entry's address is free
  // for the `moved` tag.
  struct alignas(8) value_node {
    V value;
  };
  using word = std::uintptr_t;  // an entry's state, see state_of()

  struct entry {
    entry() noexcept {}
    explicit entry(V v) { set_first(std::move(v)); }
    // Only while a table is being filled by one thread (a read map is built
    // with room for all its keys, so this never runs; the engine needs it).
    entry(entry&& o) noexcept(std::is_nothrow_move_constructible_v<V>) {
      const word q = o.p.load(std::memory_order_relaxed);
      if (o.has_first) {
        ::new (&first) value_node{std::move(o.first.value)};
        has_first = true;
      }
      p.store(q == address(&o.first) ? address(&first) : q, std::memory_order_relaxed);
      o.p.store(0, std::memory_order_relaxed);
    }
    entry& operator=(entry&&) = delete;
    ~entry() {
      const word q = p.load(std::memory_order_relaxed);
      if (is_node(q) && q != address(&first)) delete node(q);
      if (has_first) first.~value_node();
    }
    // Before the entry is shared only.
    void set_first(V v) {
      if (has_first) first.~value_node();
      has_first = false;
      ::new (&first) value_node{std::move(v)};
      has_first = true;
      p.store(address(&first), std::memory_order_relaxed);
    }

    std::atomic<word> p{0};
    bool has_first = false;
    union {
      value_node first;  // the entry's first value; destroyed with the entry
    };
  };
  using read_table = gomap::map<K, entry, Hash, Eq>;
  using dirty_table = gomap::map<K, entry*, Hash, Eq>;
  static constexpr bool heterogeneous = internal::transparent<Hash> && internal::transparent<Eq>;

 public:
  using key_type = K;
  using mapped_type = V;
  using size_type = std::size_t;
  using hasher = Hash;
  using key_equal = Eq;

  sync_map() : sync_map(Hash(), Eq()) {}
  explicit sync_map(const Hash& h, const Eq& e = Eq())
      : hash_(h), eq_(e), read_(reinterpret_cast<word>(new read_table(0, h, e))) {}
  sync_map(const sync_map&) = delete;
  sync_map& operator=(const sync_map&) = delete;
  // Requires no concurrent use (as any destructor).
  ~sync_map() {
    read_table* r = read_ptr(read_.load(std::memory_order_relaxed));
    if (dirty_ != nullptr)
      for (const auto& [k, e] : *dirty_)
        if (!inline_in(r, k, e)) delete e;
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
    const word rd = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_ptr(rd), key)) {
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
    const word rd = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_ptr(rd), key)) return try_compare_and_swap(e, expected, desired);
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
    for (;;) {
      word q = resolve(e);
      if (!is_node(q) || !(node(q)->value == expected)) return false;
      if (e->p.compare_exchange_strong(q, 0, std::memory_order_seq_cst)) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        retire_value(e, q);
        return true;
      }
    }
  }

  // Go's Range: calls f(key, value) for the keys present, each at most once,
  // in no particular order; f returns bool (false stops) or void. No
  // snapshot: the keys of the read map as range starts (a pending dirty map
  // is promoted first, as Go does), each value read when its key is reached.
  // f may call any member of this map, including store, erase and clear;
  // keys stored during the range may or may not be visited. The references f
  // receives are valid until f returns. While range runs, no thread's
  // retired objects are freed (the range holds a reclamation section).
  template <class F>
  void range(F&& f) const {
    internal::epoch::section sec;
    word rd = read_.load(std::memory_order_seq_cst);
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
    const read_table& m = *read_ptr(rd);
    for (const auto& [key, slot] : m) {
      entry* e = const_cast<entry*>(&slot);  // the atomic word is the only thing touched
      const word q = resolve(e);
      if (!is_node(q)) continue;
      if constexpr (std::is_same_v<std::invoke_result_t<F&, const K&, const V&>, void>) {
        f(key, node(q)->value);
      } else {
        if (!f(key, node(q)->value)) return;
      }
    }
  }

  // Go's Clear (Go 1.23): removes every key. Each key's removal takes effect
  // at one atomic step on its entry, so a racing store to a key either
  // precedes the clear (and is removed) or follows it (and stays).
  void clear() {
    internal::epoch::section sec;
    const word rd0 = read_.load(std::memory_order_seq_cst);
    if (read_ptr(rd0)->empty() && !amended(rd0)) return;
    std::lock_guard lk(mu_);
    read_table* old = read_ptr(read_.load(std::memory_order_seq_cst));
    auto* fresh = new read_table(0, hash_, eq_);
    std::vector<entry*> heap;  // dirty's own entries, outside the read map
    if (dirty_ != nullptr) {
      heap.reserve(dirty_->size());
      for (const auto& [k, e] : *dirty_)
        if (!inline_in(old, k, e)) heap.push_back(e);
    }
    // Entries first: a lock-free store that finds one expunged takes the
    // locked path and lands in the new maps. Under the lock no entry of the
    // current maps is moved, so these are the words themselves.
    auto expunge_all = [&](entry* e) {
      const word q = e->p.exchange(expunged(), std::memory_order_seq_cst);
      if (is_node(q)) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        retire_value(e, q);
      }
    };
    for (auto& kv : *old) expunge_all(&kv.second);
    for (entry* e : heap) expunge_all(e);
    read_.store(reinterpret_cast<word>(fresh), std::memory_order_seq_cst);
    for (entry* e : heap) internal::epoch::retire_delete(e);
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
  // An entry's word: 0 deleted; expunged(); a value node's address; or a
  // moved entry's new address with the low bit set.
  static word expunged() noexcept { return reinterpret_cast<word>(&expunged_tag_); }
  static word address(const value_node* n) noexcept { return reinterpret_cast<word>(n); }
  static bool is_moved(word q) noexcept { return (q & 1) != 0; }
  static bool is_node(word q) noexcept { return q != 0 && q != expunged() && !is_moved(q); }
  static value_node* node(word q) noexcept { return reinterpret_cast<value_node*>(q); }
  static word moved_to(entry* e) noexcept { return reinterpret_cast<word>(e) | 1; }

  // The entry's current word, following forwarding left by promotions
  // (`e` becomes the entry it was moved to).
  static word resolve(entry*& e) noexcept {
    for (;;) {
      const word q = e->p.load(std::memory_order_seq_cst);
      if (!is_moved(q)) return q;
      e = reinterpret_cast<entry*>(q & ~word{1});
    }
  }

  static read_table* read_ptr(word rd) noexcept { return reinterpret_cast<read_table*>(rd & ~word{1}); }
  static bool amended(word rd) noexcept { return (rd & 1) != 0; }
  read_table* read() const noexcept { return read_ptr(read_.load(std::memory_order_seq_cst)); }

  template <class Q>
  static entry* find(const read_table* m, const Q& key) {
    auto it = m->find(key);
    return it == m->end() ? nullptr : const_cast<entry*>(&it->second);
  }
  template <class Q>
  static entry* find(const dirty_table* m, const Q& key) {
    if (m == nullptr) return nullptr;
    auto it = m->find(key);
    return it == m->end() ? nullptr : it->second;
  }
  // Whether dirty's entry `e` for `k` is the one in read map `r` (not on the heap).
  static bool inline_in(const read_table* r, const K& k, const entry* e) {
    auto it = r->find(k);
    return it != r->end() && &it->second == e;
  }

  // Go's Load's lookup: read, then dirty under the lock when amended.
  template <class Q>
  entry* find_entry(const Q& key) const {
    const word rd = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_ptr(rd), key)) return e;
    if (!amended(rd)) return nullptr;
    std::lock_guard lk(mu_);
    const word rd2 = read_.load(std::memory_order_seq_cst);
    if (entry* e = find(read_ptr(rd2), key)) return e;
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
    const word q = resolve(e);
    if (!is_node(q)) return std::nullopt;
    return node(q)->value;
  }

  template <bool WantOld>
  std::optional<V> swap_impl(const K& key, V&& value) {
    internal::epoch::section sec;
    value_node* fresh = nullptr;  // allocated once, published by the CAS that succeeds
    if (entry* e = find(read(), key)) {
      word old;
      if (try_swap(e, value, fresh, old)) return take_previous<WantOld>(e, old);
    }
    std::unique_lock lk(mu_);
    const word rd = read_.load(std::memory_order_seq_cst);
    entry* e = find(read_ptr(rd), key);
    if (e != nullptr) {
      if (unexpunge_locked(e)) dirty_->emplace(key, e);
    } else {
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
    // Under the lock the entry is current: neither expunged nor moved.
    const word old = e->p.exchange(address(fresh), std::memory_order_seq_cst);
    lk.unlock();
    return take_previous<WantOld>(e, old);
  }

  // Go's trySwap: swaps in a node holding `value` unless the entry is
  // expunged; `e` ends as the entry swapped (after forwarding).
  static bool try_swap(entry*& e, V& value, value_node*& fresh, word& old) {
    for (;;) {
      word q = resolve(e);
      if (q == expunged()) return false;
      if (fresh == nullptr) fresh = new value_node{std::move(value)};
      if (e->p.compare_exchange_strong(q, address(fresh), std::memory_order_seq_cst)) {
        old = q;
        return true;
      }
    }
  }

  template <bool WantOld>
  std::optional<V> take_previous(entry* e, word old) {
    if (!is_node(old)) {
      count_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    std::optional<V> r;
    if constexpr (WantOld) r.emplace(node(old)->value);
    retire_value(e, old);
    return r;
  }

  // Go's tryLoadOrStore; nullopt when the entry is expunged.
  std::optional<std::pair<V, bool>> try_load_or_store(entry* e, const V& value) {
    value_node* fresh = nullptr;
    for (;;) {
      word q = resolve(e);
      if (q == expunged() || is_node(q)) {
        delete fresh;
        if (q == expunged()) return std::nullopt;
        return std::pair<V, bool>{node(q)->value, true};
      }
      if (fresh == nullptr) fresh = new value_node{value};
      if (e->p.compare_exchange_strong(q, address(fresh), std::memory_order_seq_cst)) {
        count_.fetch_add(1, std::memory_order_relaxed);
        return std::pair<V, bool>{value, false};
      }
    }
  }

  bool try_compare_and_swap(entry* e, const V& expected, V& desired) {
    value_node* fresh = nullptr;
    for (;;) {
      word q = resolve(e);
      if (!is_node(q) || !(node(q)->value == expected)) {
        delete fresh;
        return false;
      }
      if (fresh == nullptr) fresh = new value_node{std::move(desired)};
      if (e->p.compare_exchange_strong(q, address(fresh), std::memory_order_seq_cst)) {
        retire_value(e, q);
        return true;
      }
    }
  }

  template <bool WantOld>
  std::optional<V> delete_impl(const K& key) {
    internal::epoch::section sec;
    const word rd = read_.load(std::memory_order_seq_cst);
    entry* e = find(read_ptr(rd), key);
    bool unlinked = false;
    if (e == nullptr && amended(rd)) {
      std::lock_guard lk(mu_);
      const word rd2 = read_.load(std::memory_order_seq_cst);
      e = find(read_ptr(rd2), key);
      if (e == nullptr && amended(rd2)) {
        if (auto it = dirty_->find(key); it != dirty_->end()) {
          e = it->second;  // on the heap: keys in dirty only
          dirty_->erase(it);
          unlinked = true;
        }
        // A miss either way: the key takes this path until dirty is promoted.
        miss_locked();
      }
    }
    if (e == nullptr) return std::nullopt;
    std::optional<V> r;
    entry* const unlinked_entry = e;
    for (;;) {
      word q = resolve(e);
      if (!is_node(q)) break;
      if (e->p.compare_exchange_strong(q, 0, std::memory_order_seq_cst)) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        if constexpr (WantOld) r.emplace(node(q)->value);
        retire_value(e, q);
        break;
      }
    }
    // Out of both maps now: only sections that found it earlier can reach it,
    // and none of them can store into it (they hold no lock, it is not in read).
    if (unlinked) internal::epoch::retire_delete(unlinked_entry);
    return r;
  }

  // A value node leaves its entry: freed after the sections that may read it
  // (an entry's inline first value goes with the entry).
  static void retire_value(entry* e, word q) {
    if (q != address(&e->first)) internal::epoch::retire_delete(node(q));
  }

  // Go's dirtyLocked + the new entry of Store/LoadOrStore.
  void add_new_locked(word rd, const K& key, V&& value) {
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
    read_table* r = read();
    auto* d = new dirty_table(r->size(), hash_, eq_);
    try {
      for (auto& kv : *r)
        if (!try_expunge_locked(&kv.second)) d->emplace(kv.first, &kv.second);
    } catch (...) {
      delete d;
      throw;
    }
    dirty_ = d;
  }

  static bool try_expunge_locked(entry* e) {
    word q = e->p.load(std::memory_order_seq_cst);
    while (q == 0) {
      if (e->p.compare_exchange_weak(q, expunged(), std::memory_order_seq_cst)) return true;
    }
    return q == expunged();
  }

  // Expunged -> deleted: the caller puts the entry back into dirty.
  static bool unexpunge_locked(entry* e) {
    word q = expunged();
    return e->p.compare_exchange_strong(q, 0, std::memory_order_seq_cst);
  }

  void miss_locked() const {
    if (++misses_ < dirty_->size()) return;
    promote_locked();
  }

  // dirty becomes read: a new read map with every dirty entry copied into its
  // slot, each old entry left forwarding to its copy (one CAS, which also
  // fixes the value copied). The old read map, with its expunged entries
  // (exactly those absent from dirty), and the heap entries are retired.
  void promote_locked() const {
    read_table* old = read();
    auto* fresh = new read_table(dirty_->size(), hash_, eq_);
    std::vector<entry*> heap;
    try {
      // Every key first, then the copies: once the table is filled nothing
      // relocates its slots, so the forwarding addresses stay true.
      for (const auto& kv : *dirty_) fresh->try_emplace(kv.first);
      heap.reserve(dirty_->size() - std::min(dirty_->size(), old->size()));
      for (const auto& [k, e] : *dirty_)
        if (!inline_in(old, k, e)) heap.push_back(e);
    } catch (...) {
      delete fresh;
      throw;
    }
    for (auto& [k, e] : *dirty_) move_entry_locked(e, &fresh->find(k)->second);
    read_.store(reinterpret_cast<word>(fresh), std::memory_order_seq_cst);
    delete dirty_;  // only ever reached under mu_
    dirty_ = nullptr;
    misses_ = 0;
    for (entry* e : heap) internal::epoch::retire_delete(e);
    internal::epoch::retire_delete(old);
  }

  // Copies `from`'s value into `to` (not yet reachable) and makes `from`
  // forward there. A lock-free writer may change `from` meanwhile: the CAS
  // fails and the copy is taken again.
  static void move_entry_locked(entry* from, entry* to) {
    word q = from->p.load(std::memory_order_seq_cst);
    for (;;) {
      // In dirty, under the lock: neither expunged nor moved.
      if (is_node(q))
        to->set_first(node(q)->value);
      else
        to->p.store(0, std::memory_order_relaxed);
      if (from->p.compare_exchange_strong(q, moved_to(to), std::memory_order_seq_cst)) break;
    }
    if (is_node(q)) retire_value(from, q);
  }

  alignas(8) static inline unsigned char expunged_tag_[8] = {};

  Hash hash_;
  Eq eq_;
  // The read map's address, low bit = amended. Written under mu_ only.
  mutable std::atomic<word> read_;
  mutable std::mutex mu_;
  mutable dirty_table* dirty_ = nullptr;
  mutable std::size_t misses_ = 0;
  std::atomic<std::ptrdiff_t> count_{0};
};

}  // namespace gomap

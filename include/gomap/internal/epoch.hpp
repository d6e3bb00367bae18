// gomap/internal/epoch.hpp: epoch-based reclamation, for sync_map.
//
// sync_map's readers follow pointers (read map -> entry -> value) without a
// lock while writers replace them. An object a writer has unlinked may still
// be in use by a reader that loaded the pointer before the unlink; it may be
// freed only once every such reader is done. This file decides when.
//
// THE SCHEME
//   A global epoch G (starts at 1, only ever incremented) and one record per
//   thread holding `active`: 0 outside every critical section, otherwise the
//   value of G the thread read when it entered its outermost section.
//     enter:  e = G.load() (seq_cst); active.store(e) (see FENCES)
//     exit:   active.store(0)                         (release)
//     retire: after unlinking x (a seq_cst store or RMW), s = G.load(): x is
//             stamped s and queued on the retiring thread's list
//     reclaim (every 128 retirements of a thread): G.fetch_add(1); the heavy
//             fence; scan every record (seq_cst loads); free each queued x
//             whose stamp s < min(active != 0)
//   Nested sections only count (depth): only the outermost announces.
//
// FENCES: the announcement must be visible before the section's first
// pointer load (StoreLoad order), which on x86-64 costs a locked instruction
// per section, and also serialises the cache misses of successive lookups.
// Where Linux's membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) is available
// (registered once per process; 4.14 and later), the reader only keeps the
// compiler from reordering (a release store and a signal fence: plain moves),
// and the reclaimer pays instead: membarrier runs a full barrier on every
// CPU that runs one of this process's threads, so every section either had
// its announcement visible before the scan, or performs all its pointer
// loads after the unlink. Elsewhere (or with GOMAP_EPOCH_NO_MEMBARRIER) the
// announcement is a seq_cst store (xchg) and the proof below applies as is.
//
// WHY IT IS SAFE (the proof obligation; seq_cst operations lie in one total
// order S, consistent with happens-before)
//   Let a reader's section load a pointer to x (load P) and x's unlink be U.
//   Then P precedes U in S (P read the value U overwrote), so the reader's
//   announcement N (before P) precedes U, which precedes the stamp load L_s,
//   which precedes the reclaimer's scan A of that record. A therefore reads
//   N's value e or a later one. e <= s: G is monotonic and the reader read e
//   before N, before L_s read s. So either A reads e <= s and x stays queued,
//   or A reads the release exit store 0 (or a later section's announcement,
//   a release store sequenced after that exit), and the acquire load A
//   synchronises with it: every access of the reader to x happens before the
//   free. A section whose loads follow U cannot reach x at all. (With the
//   membarrier fence, "N precedes A or P follows U" is what membarrier
//   guarantees in place of S; the rest is unchanged.)
//
// COSTS
//   Read side, per outermost section: two plain loads and two plain stores
//   with membarrier; one locked instruction (xchg) without. Pointer loads
//   inside are plain moves (seq_cst loads). No reader ever waits for a
//   writer or a reclaimer. Write side: a retirement is a vector push; every
//   128th costs a membarrier (a few microseconds) and a scan of the records
//   (one per thread that ever used a sync_map, reused after a thread exits).
//   Memory: a thread holds at most 128 retirements plus those still protected
//   by a running section; a long section (sync_map::range with a slow f)
//   delays every thread's reclamation until it ends. A thread that exits
//   hands its queue to the domain, which the next reclaim pass frees.
//   Reclamation never blocks and never waits for a grace period, so a section
//   may retire (f inside range may store) without deadlock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

#include "misuse.hpp"

#if defined(__linux__) && !defined(GOMAP_EPOCH_NO_MEMBARRIER)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(SYS_membarrier)
#define GOMAP_INTERNAL_EPOCH_MEMBARRIER 1
#endif
#endif

namespace gomap::internal::epoch {

struct retired {
  void* object;
  void (*destroy)(void*) noexcept;
  std::uint64_t stamp;
};

// One per thread that has entered a section; never freed before the domain
// (other threads' scans walk the list without a lock), reused once released.
struct alignas(64) thread_record {
  std::atomic<std::uint64_t> active{0};
  std::atomic<bool> in_use{true};
  thread_record* next = nullptr;  // written once, before the record is published
  // Owned by the thread holding the record.
  unsigned depth = 0;
  bool asymmetric = false;  // the domain's fence mode, copied for the fast path
  std::vector<retired> queue;
};

class domain {
 public:
  static constexpr std::size_t reclaim_every = 128;

  static domain& global() noexcept {
    static domain d;
    return d;
  }

  domain() : asymmetric_(register_membarrier()) {}
  domain(const domain&) = delete;
  domain& operator=(const domain&) = delete;
  // At exit every thread is gone, or outside any section: free everything.
  ~domain() {
    for (thread_record* r = records_.load(std::memory_order_acquire); r != nullptr;) {
      thread_record* next = r->next;
      free_all(r->queue);
      delete r;
      r = next;
    }
    free_all(orphans_);
  }

  bool asymmetric() const noexcept { return asymmetric_; }

  thread_record* acquire_record() {
    for (thread_record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
      bool expected = false;
      if (!r->in_use.load(std::memory_order_relaxed) &&
          r->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire))
        return r;
    }
    auto* r = new thread_record;
    r->asymmetric = asymmetric_;
    thread_record* head = records_.load(std::memory_order_relaxed);
    do {
      r->next = head;
    } while (!records_.compare_exchange_weak(head, r, std::memory_order_release, std::memory_order_relaxed));
    return r;
  }

  // The thread is exiting: its queue goes to the orphans, the record to reuse.
  void release_record(thread_record* r) noexcept {
    reclaim(r);
    if (!r->queue.empty()) {
      std::lock_guard<std::mutex> lk(orphans_mu_);
      orphans_.insert(orphans_.end(), r->queue.begin(), r->queue.end());
      r->queue.clear();
    }
    r->queue.shrink_to_fit();
    r->in_use.store(false, std::memory_order_release);
  }

  std::uint64_t stamp() const noexcept { return epoch_.load(std::memory_order_seq_cst); }
  std::uint64_t current() const noexcept { return epoch_.load(std::memory_order_seq_cst); }

  // Frees what no section can still reach: `r`'s queue, and the orphans.
  void reclaim(thread_record* r) noexcept {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    heavy_fence();
    std::uint64_t oldest = std::numeric_limits<std::uint64_t>::max();
    for (thread_record* t = records_.load(std::memory_order_acquire); t != nullptr; t = t->next) {
      const std::uint64_t a = t->active.load(std::memory_order_seq_cst);
      if (a != 0 && a < oldest) oldest = a;
    }
    free_before(r->queue, oldest);
    if (orphans_mu_.try_lock()) {
      free_before(orphans_, oldest);
      orphans_mu_.unlock();
    }
  }

 private:
  static bool register_membarrier() noexcept {
#if defined(GOMAP_INTERNAL_EPOCH_MEMBARRIER)
    return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
  }
  void heavy_fence() const noexcept {
#if defined(GOMAP_INTERNAL_EPOCH_MEMBARRIER)
    if (asymmetric_ && ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
      fatal("gomap: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed after registering; build with "
            "GOMAP_EPOCH_NO_MEMBARRIER to use locked announcements instead");
#endif
  }

  static void free_before(std::vector<retired>& q, std::uint64_t oldest) noexcept {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (q[i].stamp < oldest)
        q[i].destroy(q[i].object);
      else
        q[kept++] = q[i];
    }
    q.resize(kept);
  }
  static void free_all(std::vector<retired>& q) noexcept {
    for (const retired& x : q) x.destroy(x.object);
    q.clear();
  }

  const bool asymmetric_;
  std::atomic<std::uint64_t> epoch_{1};
  std::atomic<thread_record*> records_{nullptr};
  std::mutex orphans_mu_;
  std::vector<retired> orphans_;
};

// The calling thread's record: a trivially initialised thread_local (one
// fs-relative load on the fast path), plus an owner whose destructor, armed
// at the first use, releases the record when the thread exits.
inline thread_local thread_record* this_thread_record = nullptr;

struct record_owner {
  thread_record* record = nullptr;
  ~record_owner() {
    if (record != nullptr) {
      this_thread_record = nullptr;
      domain::global().release_record(record);
    }
  }
};

[[gnu::noinline]] inline thread_record* register_this_thread() {
  static thread_local record_owner owner;
  owner.record = domain::global().acquire_record();
  this_thread_record = owner.record;
  return owner.record;
}

inline thread_record* record() {
  thread_record* r = this_thread_record;
  return r != nullptr ? r : register_this_thread();
}

// A critical section: pointers loaded (seq_cst) while it lives stay valid
// until it ends, even if their objects are retired meanwhile.
class section {
 public:
  section() : r_(record()) {
    if (r_->depth++ == 0) {
      const std::uint64_t e = domain::global().current();
      if (r_->asymmetric) {
        r_->active.store(e, std::memory_order_release);
        std::atomic_signal_fence(std::memory_order_seq_cst);  // the reclaimer's membarrier does the rest
      } else {
        r_->active.store(e, std::memory_order_seq_cst);
      }
    }
  }
  ~section() {
    if (--r_->depth == 0) r_->active.store(0, std::memory_order_release);
  }
  section(const section&) = delete;
  section& operator=(const section&) = delete;

 private:
  thread_record* r_;
};

// Queues `p` (already unlinked: no new section can reach it) for `destroy`
// once every section that might hold it has ended. Never blocks.
inline void retire(void* p, void (*destroy)(void*) noexcept) {
  thread_record* r = record();
  domain& d = domain::global();
  r->queue.push_back(retired{p, destroy, d.stamp()});
  if (r->queue.size() % domain::reclaim_every == 0) d.reclaim(r);
}

template <class T>
void retire_delete(T* p) {
  retire(p, [](void* q) noexcept { delete static_cast<T*>(q); });
}

}  // namespace gomap::internal::epoch

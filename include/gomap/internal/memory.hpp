// gomap/internal/memory.hpp: where bucket arrays come from and how they go back.
//
// Measured on the project's 2-core VM (glibc 2.36, Linux, 4 KiB pages):
// free() of a touched 256 MiB block takes ~15 ms, because the kernel unmaps
// every page in that one call (~60 us per MiB). An array that size is what a
// 10^7-entry map retires at the end of a growth, so releasing it in one call
// inside an insert would be exactly the stall gomap exists to avoid.
//
// So, with the default allocator (std::allocator), arrays of at least
// `mapped_threshold` bytes are mapped directly and retired into a queue that
// the map unmaps `release_step_bytes` at a time on later writes: ~0.13 ms
// per operation. Fresh mappings are zero-filled by the kernel, which
// the table uses to skip initialising control blocks (zero is empty_rest).
// With any other allocator, arrays go through it and are returned in one
// deallocate call when retired: the allocator decides what that costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

#if !defined(GOMAP_NO_MMAP) && defined(__has_include)
#if __has_include(<sys/mman.h>) && __has_include(<unistd.h>)
#include <sys/mman.h>
#define GOMAP_INTERNAL_MMAP 1
#endif
#endif

namespace gomap::internal {

inline constexpr std::size_t mapped_threshold = std::size_t{1} << 20;  // 1 MiB
// 2 MiB per write. munmap of touched memory measured here (medians of 40):
// 9 us per 64 KiB, 66 us per MiB, 128 us per 2 MiB. A 10^7-key fill from
// empty retires ~300 MiB over its growths: 150 writes of ~0.13 ms, fewer than
// the 1,000 that make its p99.99, where 64 KiB pieces put ~4,800 writes of
// ~9 us (and kept every write on the slow path meanwhile: gomap_shrink_latency,
// inserts with no growth running, p50 291 -> 171 ns, p99.99 35 -> 15 us).
// Larger pieces would near the 1 ms an operation may take. A retired array
// is gone long before the next growth either way.
inline constexpr std::size_t release_step_bytes = std::size_t{2} << 20;
inline constexpr std::size_t page_bytes = 4096;
inline constexpr std::size_t hugepage_threshold = std::size_t{4} << 20;  // 4 MiB

// One contiguous allocation: a bucket array with its preallocated overflow buckets.
struct block {
  void* ptr = nullptr;
  std::size_t bytes = 0;  // bytes requested (what bytes_allocated reports)
  bool mapped = false;    // came from mmap; returned through the retire queue
  bool zeroed = false;    // known to be zero-filled
};

template <std::size_t Align>
struct alignas(Align) aligned_chunk {
  unsigned char bytes[Align];
};

// Allocates blocks through `Alloc` rebound to an over-aligned chunk type, or by
// mmap when `Alloc` is std::allocator. `Align` is the alignment every block
// needs (that of the control blocks and of the value type).
template <class Alloc, std::size_t Align>
class block_source {
  using chunk = aligned_chunk<Align>;
  using chunk_alloc = typename std::allocator_traits<Alloc>::template rebind_alloc<chunk>;
  using chunk_traits = std::allocator_traits<chunk_alloc>;

 public:
  static constexpr bool uses_default_allocator =
      std::is_same_v<Alloc, std::allocator<typename std::allocator_traits<Alloc>::value_type>>;

  static std::size_t chunks_for(std::size_t bytes) noexcept { return (bytes + Align - 1) / Align; }

  // `commit`: fault every page in now (a mapped block only). For whole-table
  // calls that size a table for entries about to come (reserve, a capacity
  // hint, copies): one batched populate is cheaper than a fault per page,
  // and the inserts that follow pay none (see docs/memory-and-range.md).
  static block allocate(const Alloc& a, std::size_t bytes, bool commit = false) {
#ifdef GOMAP_INTERNAL_MMAP
    if constexpr (uses_default_allocator) {
      if (bytes >= mapped_threshold && Align <= page_bytes) {
        int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_POPULATE
        if (commit) flags |= MAP_POPULATE;
#endif
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE) && defined(GOMAP_HUGEPAGES)
        // Opt-in. Random probes over a large array miss the TLB on nearly
        // every access with 4 KiB pages; transparent huge pages cut that and
        // cut page faults 512-fold (1e6 reserved inserts: 55 -> 36 ns/op on
        // this VM). But where the kernel compacts memory synchronously for
        // madvised regions (defrag=madvise, Debian's default), a fault can
        // stall: 1e7 reserved inserts went 118 -> 195 ns/op here.
        if (bytes >= hugepage_threshold) ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
        return block{p, bytes, true, true};
      }
    }
#endif
    (void)commit;
    chunk_alloc ca(a);
    chunk* p = chunk_traits::allocate(ca, chunks_for(bytes));
    return block{p, bytes, false, false};
  }

  // Returns an unmapped block at once; a mapped one must go through retire_queue.
  static void deallocate(const Alloc& a, const block& b) noexcept {
    chunk_alloc ca(a);
    chunk_traits::deallocate(ca, static_cast<chunk*>(b.ptr), chunks_for(b.bytes));
  }
};

// Mapped blocks waiting to be unmapped, a bounded piece per write. Two entries
// suffice in practice: a growth retires one block, and the next growth only
// ends after far more inserts than the block has pieces (a 2^B-bucket array
// of 16-byte entries has ~2^B * 144 / 2^21 pieces; the next doubling needs
// 6.5 * 2^B inserts). Should a third arrive first, the oldest is unmapped
// whole (never in a correct steady state, only after pathological explicit
// rehash sequences).
class retire_queue {
 public:
  retire_queue() = default;
  retire_queue(const retire_queue&) = delete;
  retire_queue& operator=(const retire_queue&) = delete;
  retire_queue(retire_queue&& o) noexcept { steal(o); }
  retire_queue& operator=(retire_queue&& o) noexcept {
    if (this != &o) {
      release_all();
      steal(o);
    }
    return *this;
  }
  ~retire_queue() { release_all(); }

  bool empty() const noexcept { return count_ == 0; }
  std::size_t bytes_held() const noexcept {
    std::size_t n = 0;
    for (unsigned i = 0; i < count_; ++i) n += pending_[i].bytes;
    return n;
  }

  void retire(const block& b) noexcept {
    if (count_ == capacity) {
      unmap(pending_[0].ptr, pending_[0].bytes);
      pending_[0] = pending_[1];
      count_ = 1;
    }
    pending_[count_++] = piece{static_cast<unsigned char*>(b.ptr), round_to_page(b.bytes)};
  }

  // Unmaps up to release_step_bytes of the oldest retired block.
  void step() noexcept {
    if (count_ == 0) return;
    piece& p = pending_[0];
    std::size_t n = p.bytes < release_step_bytes ? p.bytes : release_step_bytes;
    unmap(p.ptr, n);
    p.ptr += n;
    p.bytes -= n;
    if (p.bytes == 0) {
      pending_[0] = pending_[1];
      --count_;
    }
  }

  void release_all() noexcept {
    for (unsigned i = 0; i < count_; ++i) unmap(pending_[i].ptr, pending_[i].bytes);
    count_ = 0;
  }

 private:
  struct piece {
    unsigned char* ptr = nullptr;
    std::size_t bytes = 0;
  };
  static constexpr unsigned capacity = 2;

  static std::size_t round_to_page(std::size_t n) noexcept { return (n + page_bytes - 1) & ~(page_bytes - 1); }
  static void unmap([[maybe_unused]] void* p, [[maybe_unused]] std::size_t n) noexcept {
#ifdef GOMAP_INTERNAL_MMAP
    if (n != 0) ::munmap(p, n);
#endif
  }
  void steal(retire_queue& o) noexcept {
    for (unsigned i = 0; i < o.count_; ++i) pending_[i] = o.pending_[i];
    count_ = o.count_;
    o.count_ = 0;
  }

  piece pending_[capacity];
  unsigned count_ = 0;
};

}  // namespace gomap::internal

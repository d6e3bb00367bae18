// bench/src/common.hpp: what every benchmarked map shares: the key sequence,
// the clocks, the counting allocator, and the interface a benchmarked map
// ("subject") presents to the driver.
//
// The key sequence is part of the protocol (docs/benchmarks.md): bench/go
// generates exactly the same keys, shuffles and strings, and both sides print
// a checksum of the first 1000 so that report.py can prove it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define GOMAP_BENCH_RDTSC 1
#endif

namespace gomap_bench {

// ---- the key sequence --------------------------------------------------------

// splitmix64 (Steele, Lea, Flood, 2014). Its state walks a full-period Weyl
// sequence and the output function is a bijection, so the first 2^64 outputs
// are pairwise distinct: keys [0, N) and the miss keys [N, 2N) never collide.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// Seeds shared with bench/go/main.go. Changing one changes every figure.
inline constexpr std::uint64_t key_seed = 0x676f6d61702d6b65ull;      // "gomap-ke"
inline constexpr std::uint64_t shuffle_seed = 0x676f6d61702d7368ull;  // "gomap-sh"
inline constexpr std::uint64_t string_seed = 0x676f6d61702d7374ull;   // "gomap-st"

// Keys dense_hash_map reserves for its empty and deleted markers. The driver
// checks that the generated prefix never contains them.
inline constexpr std::uint64_t reserved_empty_key = ~std::uint64_t{0};
inline constexpr std::uint64_t reserved_deleted_key = ~std::uint64_t{0} - 1;

// Fisher-Yates with the bounded draw done as a 128-bit multiply (Lemire's
// reduction without the rejection step: the bias is < n / 2^64). Go's side
// does the same with bits.Mul64, so the permutations are identical.
template <class T>
void shuffle(std::vector<T>& v) {
  splitmix64 rng{shuffle_seed};
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>((static_cast<__uint128_t>(rng.next()) * i) >> 64);
    std::swap(v[i - 1], v[j]);
  }
}

// String key i: the i-th output of the string stream as 16 lowercase hex
// digits, so 16 bytes, one more than libstdc++'s short-string buffer holds
// (every key owns a heap block, as most real string keys do).
inline std::string string_key(std::uint64_t r) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, r >>= 4) s[static_cast<std::size_t>(i)] = digits[r & 15];
  return s;
}

// FNV-1a over 64-bit words (and over bytes for strings): the cross-language checksum.
inline constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t fnv_prime = 0x100000001b3ull;
inline std::uint64_t checksum(std::span<const std::uint64_t> v) {
  std::uint64_t h = fnv_offset;
  for (std::uint64_t x : v) h = (h ^ x) * fnv_prime;
  return h;
}
inline std::uint64_t checksum(std::span<const std::string> v) {
  std::uint64_t h = fnv_offset;
  for (const std::string& s : v)
    for (unsigned char c : s) h = (h ^ c) * fnv_prime;
  return h;
}

// All keys of a run. Every size uses a prefix of one stream, so N = 10^3 keys
// are the first 1000 of the 10^7. Shuffles are per N and cached for the last N
// asked for (a 10^7 shuffle is 80 MB).
class keyset {
 public:
  // Makes keys [0, count) available. Called once by the driver with the
  // largest count any workload needs, before anything is timed.
  void generate(std::size_t count);
  std::span<const std::uint64_t> keys(std::size_t n) const { return prefix(0, n); }
  std::span<const std::uint64_t> misses(std::size_t n) const { return prefix(n, n); }
  std::span<const std::uint64_t> stream(std::size_t from, std::size_t n) const { return prefix(from, n); }
  std::span<const std::uint64_t> shuffled(std::size_t n);
  std::span<const std::string> strings(std::size_t n);
  std::span<const std::string> shuffled_strings(std::size_t n);

 private:
  std::span<const std::uint64_t> prefix(std::size_t from, std::size_t n) const {
    if (from + n > keys_.size()) throw std::logic_error("keyset: keys not generated");
    return {keys_.data() + from, n};
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> shuffled_;
  std::vector<std::string> strings_, shuffled_strings_;
};

keyset& keys();  // the run's one keyset (common.cpp)

// ---- clocks ------------------------------------------------------------------

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The per-insert clock of the latency harness: the TSC where there is one
// (invariant on this machine: constant_tsc, nonstop_tsc), read without a
// fence. One read per operation; an interval is the distance between two
// successive reads, so it includes one clock read and the loop overhead,
// which the control loop shows.
inline std::uint64_t ticks() noexcept {
#ifdef GOMAP_BENCH_RDTSC
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(now_ns());
#endif
}
double ticks_per_ns();  // calibrated once against steady_clock (common.cpp)
// Nanoseconds the calling thread has spent runnable but waiting for a core
// (the second field of /proc/thread-self/schedstat); NaN where the kernel
// does not provide it. A read costs a system call (~1-2 us).
double thread_run_queue_ns();

// A step of time_each during which the thread waited `ns` for a core: the
// scheduler had given the core to someone else.
struct run_queue_wait {
  std::size_t step;
  double ns;
};

// Runs step(0) .. step(n - 1), one TSC read after each: d[i] = ticks of step
// i (the distance between two successive reads, so it includes one clock read
// and the loop's overhead). With `waits`, also records how long each slow
// step (more than `slow` ticks) waited on the run queue: after such a step
// the thread's run-queue time is read (outside the clock: the next interval
// starts after the read) and its growth since the previous read is charged to
// this step. A wait long enough to matter makes its step slow, so the small
// waits of the fast steps in between are all that can be misattributed.
template <class Step>
void time_each(std::size_t n, Step step, std::span<std::uint64_t> d, std::vector<run_queue_wait>* waits = nullptr,
               std::uint64_t slow = 0) {
  double queued = waits ? thread_run_queue_ns() : 0;
  std::uint64_t prev = ticks();
  for (std::size_t i = 0; i < n; ++i) {
    step(i);
    const std::uint64_t t = ticks();
    d[i] = t - prev;
    prev = t;
    if (waits && d[i] > slow) [[unlikely]] {
      const double now = thread_run_queue_ns();
      if (now > queued) waits->push_back({i, now - queued});
      queued = now;
      prev = ticks();
    }
  }
}

// Keeps a value alive without letting the compiler see what is done with it.
template <class T>
inline void keep(const T& v) noexcept {
  asm volatile("" : : "r,m"(v) : "memory");
}

// ---- the counting allocator ----------------------------------------------------

// Counts the bytes every map built on it holds, and the peak since reset().
// Single-threaded by design (the harness is). Stateless: all instances compare
// equal, so maps may move and swap freely.
struct allocation_counter {
  static inline std::size_t current = 0;
  static inline std::size_t peak = 0;
  static inline std::size_t calls = 0;  // allocate() calls since reset()
  static void reset() noexcept { current = peak = calls = 0; }
};

// The C++03-style members (pointer, rebind, ...) are for sparsehash, which
// reads them directly instead of through std::allocator_traits.
template <class T>
struct counting_allocator {
  using value_type = T;
  using pointer = T*;
  using const_pointer = const T*;
  using reference = T&;
  using const_reference = const T&;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  template <class U>
  struct rebind {
    using other = counting_allocator<U>;
  };
  size_type max_size() const noexcept { return std::numeric_limits<size_type>::max() / sizeof(T); }

  counting_allocator() = default;
  template <class U>
  counting_allocator(const counting_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    T* p = std::allocator<T>{}.allocate(n);  // honours over-alignment
    allocation_counter::current += n * sizeof(T);
    ++allocation_counter::calls;
    allocation_counter::peak = std::max(allocation_counter::peak, allocation_counter::current);
    return p;
  }
  void deallocate(T* p, std::size_t n) noexcept {
    allocation_counter::current -= n * sizeof(T);
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const counting_allocator<U>&) const noexcept {
    return true;
  }
};

// Resident set size of this process and its high-water mark, bytes
// (/proc/self/status VmRSS, VmHWM).
std::size_t rss_bytes();
std::size_t peak_rss_bytes();
void reset_peak_rss();

// ---- what a benchmarked map presents to the driver ------------------------------

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Total nanoseconds per phase of one lifecycle (see workloads.hpp).
struct lifecycle_ns {
  double insert = 0, find_hit = 0, find_miss = 0, iterate = 0, erase = 0;
};

// `preempted`: involuntary context switches during the run (the scheduler
// took the core away); NaN where not known (Go).
struct latency_ns {
  double p50 = nan, p99 = nan, p999 = nan, p9999 = nan, max = nan;
  double preempted = nan;
};

// Bytes held after each step of the memory workload. `peak` is the most held
// at any moment while inserting. The gomap_* fields are gomap's own
// stats().bytes_allocated at the same points (NaN for other maps).
// `settled`: after 10^4 more insert/erase pairs at the reduced size (the
// shrink of a map that shrinks has finished by then); C++ maps only.
struct memory_bytes {
  double full = nan, peak = nan, erased90 = nan, reinsert = nan, settled = nan;
  double gomap_full = nan, gomap_erased90 = nan, gomap_reinsert = nan, gomap_settled = nan;
};

// Percentiles of per-operation intervals in TSC ticks, converted to ns.
// Reorders `ticks`.
latency_ns summarize(std::span<std::uint64_t> ticks, long preempted);
long involuntary_switches();  // this process's, so far (getrusage)
// "model name" of /proc/cpuinfo's first processor.
std::string cpu_model();
// The 1-, 5- and 15-minute load averages (/proc/loadavg): how busy the
// shared machine was, recorded at the start and end of a run.
std::string load_average();

enum class group { core, churn, strings, latency, memory };

class subject {
 public:
  subject(std::string map, std::string hasher) : map_(std::move(map)), hasher_(std::move(hasher)) {}
  virtual ~subject() = default;
  const std::string& map() const noexcept { return map_; }
  const std::string& hasher() const noexcept { return hasher_; }

  virtual bool has(group) const = 0;
  virtual bool has_reserve() const { return true; }

  // Each returns total nanoseconds (or bytes); the driver divides by the
  // operation count. `outer` repeats destructive phases on fresh maps,
  // `inner` repeats the read-only phases on the same map. A subject is only
  // asked for the groups has() admits.
  virtual lifecycle_ns lifecycle(std::size_t, unsigned, unsigned) { unsupported(); }
  // .insert and .find_hit (find_hit_reserved) only.
  virtual lifecycle_ns insert_reserved(std::size_t, unsigned, unsigned) { unsupported(); }
  virtual double churn(std::size_t, std::size_t) { unsupported(); }
  virtual lifecycle_ns strings(std::size_t, unsigned, unsigned) { unsupported(); }
  virtual latency_ns latency(std::size_t) { unsupported(); }
  virtual memory_bytes memory(std::size_t) { unsupported(); }      // through the counting allocator
  virtual memory_bytes memory_rss(std::size_t) { unsupported(); }  // default allocator, RSS deltas
  virtual double churn_peak(std::size_t, std::size_t) { unsupported(); }

 private:
  [[noreturn]] void unsupported() const { throw std::logic_error(map_ + ": workload not supported"); }
  std::string map_, hasher_;
};

using subject_list = std::vector<std::unique_ptr<subject>>;

// One registration function per map family, each in its own translation
// unit so that the build compiles them in parallel.
void add_gomap(subject_list&);
void add_absl_flat(subject_list&);
void add_boost_flat(subject_list&);
void add_std_unordered(subject_list&);
void add_tsl_robin(subject_list&);
void add_google_dense(subject_list&);
void add_absl_btree(subject_list&);
// The control loop of the latency workload: fixed work, no map, timed like
// the inserts (time_each); d[i] = ticks of step i (common.cpp).
void time_control(std::span<const std::uint64_t> keys, std::span<std::uint64_t> d,
                  std::vector<run_queue_wait>* waits = nullptr, std::uint64_t slow = 0);
std::unique_ptr<subject> make_control();
// Go's map and Go's control loop, served by bench/go run as a child process
// (go_peer.cpp). `hello` receives its first reply: version and checksums.
void add_go(subject_list&, const std::string& binary, std::string* hello);

}  // namespace gomap_bench

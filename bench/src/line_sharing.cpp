// bench/src/line_sharing.cpp (gomap_bench_line_sharing): what it costs two
// threads to write one cache line, on this machine. Each of two threads does
// relaxed fetch_adds, first on a line of its own, then both on one shared
// line; one thread alone is the baseline. On two cores with private caches
// the shared line must travel between them on every write and runs several
// times slower than private lines; where it runs as fast, the two CPUs share
// their caches (SMT siblings, or a hypervisor scheduling them so), and a
// write-shared lock word costs readers nothing more than a private one. That
// is what decides whether sync_map's lock-free reads (which write nothing
// shared) can beat sharded_map's shard locks (docs/concurrency.md).
// Prints medians of 7 runs of 2 * 10^7 operations, in ns per operation of one
// thread (wall time / its operations).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

struct alignas(64) line {
  std::atomic<long> v{0};
};
line lines[2];

double run(int threads, bool shared, long n) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([t, shared, n] {
      std::atomic<long>& v = lines[shared ? 0 : t].v;
      for (long i = 0; i < n; ++i) v.fetch_add(1, std::memory_order_relaxed);
    });
  for (auto& th : pool) th.join();
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  const long n = 20'000'000;
  std::vector<double> alone, apart, together;
  for (int r = 0; r < 7; ++r) {
    alone.push_back(run(1, false, n));
    apart.push_back(run(2, false, n));
    together.push_back(run(2, true, n));
  }
  const double a = median(alone), p = median(apart), s = median(together);
  std::printf("line sharing: ns per fetch_add of one thread: alone %.2f, two threads on their own lines %.2f, "
              "on one shared line %.2f (shared / own lines %.2f)\n",
              a, p, s, s / p);
  return 0;
}

// tests/concurrent/threads.hpp: starting test threads together, and how much
// work the stress tests do in each build.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace gomap_test {

// Sanitizers run each operation 5-15x slower: they get a quarter of the work.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int scale = 1;
#else
inline constexpr int scale = 4;
#endif

// Runs f(0) .. f(n - 1) on n threads released together, and joins them.
template <class F>
void run_threads(int n, F f) {
  std::vector<std::thread> ts;
  std::atomic<int> ready{0};
  for (int t = 0; t < n; ++t)
    ts.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < n) std::this_thread::yield();
      f(t);
    });
  for (auto& th : ts) th.join();
}

}  // namespace gomap_test

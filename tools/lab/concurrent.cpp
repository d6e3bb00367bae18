// tools/lab/concurrent.cpp: article 004's incident. A map written from two
// threads without a lock: Go's runtime ends the process with "concurrent
// map writes"; gomap does the same (include/gomap/internal/misuse.hpp)
// rather than corrupt memory. concurrent-writes shows it happen, in a child
// process, and measures the fixes; concurrent-maps measures the concurrent
// maps' throughput.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <csignal>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "concurrent_maps.hpp"
#include "maps.hpp"
#include "util.hpp"

namespace gomap_lab {

namespace cm = gomap_bench::concurrent;

// ---- the child: two unguarded writers ----------------------------------------------

int race_child(double seconds) {
  gomap::map<u64, u64> m;  // no lock: the bug of article 004
  std::atomic<bool> go{false};
  const std::int64_t deadline = gomap_bench::now_ns() + std::int64_t(seconds * 1e9);
  auto writer = [&](u64 first) {
    while (!go.load()) {
    }
    gomap_bench::splitmix64 g{first};
    for (u64 i = 0; gomap_bench::now_ns() < deadline; ++i) {
      m[g.next()] = i;  // grows from empty: evacuation runs inside these writes
      if (m.size() > 4'000'000) m.clear();
    }
  };
  std::thread a(writer, 1), b(writer, 2);
  go = true;
  a.join();
  b.join();
  std::printf("no concurrent write was detected in %.1f s\n", seconds);
  return 0;
}

namespace {

struct child_outcome {
  std::string stderr_text;
  int status = 0;
  double seconds = 0;
  bool died_with_go_message = false;
  std::string how;  // "SIGABRT", "exit 0", ...
};

// fork + exec of this executable's hidden subcommand; its stderr captured.
child_outcome run_race_child(const std::string& self, double seconds) {
  int fd[2];
  if (::pipe(fd) != 0) throw std::runtime_error("concurrent-writes: pipe failed");
  const std::string secs = std::to_string(seconds);
  const std::int64_t t0 = gomap_bench::now_ns();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("concurrent-writes: fork failed");
  if (pid == 0) {
    ::dup2(fd[1], 2);
    ::close(fd[0]);
    ::close(fd[1]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 1);
    ::execl(self.c_str(), self.c_str(), "__race-child", "--seconds", secs.c_str(), static_cast<char*>(nullptr));
    std::fprintf(stderr, "cannot run %s: %s\n", self.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(fd[1]);
  child_outcome o;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;) o.stderr_text.append(buf, std::size_t(n));
  ::close(fd[0]);
  ::waitpid(pid, &o.status, 0);
  o.seconds = double(gomap_bench::now_ns() - t0) / 1e9;
  if (WIFSIGNALED(o.status)) {
    const int sig = WTERMSIG(o.status);
    o.how = sig == SIGABRT ? "SIGABRT" : sig == SIGSEGV ? "SIGSEGV" : "signal " + std::to_string(sig);
  } else {
    o.how = "exit " + std::to_string(WEXITSTATUS(o.status));
  }
  for (const char* msg : {"concurrent map writes", "concurrent map read and map write",
                          "concurrent map iteration and map write"})
    if (o.stderr_text.find(msg) != std::string::npos && WIFSIGNALED(o.status)) o.died_with_go_message = true;
  while (!o.stderr_text.empty() && (o.stderr_text.back() == '\n' || o.stderr_text.back() == '\r'))
    o.stderr_text.pop_back();
  return o;
}

// Runs `body(thread_index)` on `threads` threads started together; wall ns.
template <class Body>
double run_threads(unsigned threads, Body body) {
  std::barrier start(threads + 1);
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t) ts.emplace_back([&, t] {
    start.arrive_and_wait();
    body(t);
  });
  // The clock starts before this arrival releases the threads: a thread may
  // finish before this one is scheduled again.
  const std::int64_t t0 = gomap_bench::now_ns();
  start.arrive_and_wait();
  for (auto& t : ts) t.join();
  return double(gomap_bench::now_ns() - t0);
}

// n distinct keys inserted by `threads` threads (thread t inserts keys t,
// t + threads, ...); Mops/s. `insert(key, value)` is the fix under test.
template <class Insert>
double fill_mops(std::size_t n, unsigned threads, Insert insert) {
  const auto keys = gomap_bench::keys().keys(n);
  const double ns = run_threads(threads, [&](unsigned t) {
    for (std::size_t i = t; i < n; i += threads) insert(keys[i], i);
  });
  return double(n) / ns * 1e3;
}

}  // namespace

result concurrent_writes(context& c) {
  result r;  // id and article: from the scenario table (main.cpp)
  const unsigned attempts = by_scale(c.size, 1u, 3u, 5u);
  const std::size_t n = by_scale<std::size_t>(c.size, 20'000, 1'000'000, 10'000'000);
  r.title = "an unguarded gomap::map written from two threads (child process), then the fixes inserting " +
            fmt_num(double(n)) + " keys from 2 threads";
  ensure_keys(n);
  c.bar->begin("concurrent-writes", attempts + 3);

  table crash;
  crash.title = "The unguarded map, in a child process (" + std::to_string(attempts) + " attempts)";
  crash.columns = {"attempt", "ended by", "after", "its stderr"};
  unsigned died = 0;
  double first_death = missing;
  std::string message;
  for (unsigned i = 0; i < attempts; ++i) {
    c.bar->step("child " + std::to_string(i + 1));
    const child_outcome o = run_race_child(c.self, 10.0);
    crash.rows.push_back({std::to_string(i + 1), o.how, fmt_ns(o.seconds * 1e9), o.stderr_text});
    if (o.died_with_go_message) {
      ++died;
      if (!std::isfinite(first_death)) first_death = o.seconds;
      if (message.empty()) message = o.stderr_text;
    }
  }
  r.tables.push_back(crash);

  // The fixes, measured: the same fill from 2 threads, each map growing from
  // empty, through the benchmarks' adapters (bench/src/concurrent_maps.hpp).
  struct fix {
    std::string name;
    double mops;
  };
  std::vector<fix> fixes;
  auto measure = [&]<class Map>(const std::string& name, unsigned threads) {
    c.bar->step(name);
    Map m(0);
    fixes.push_back({name, fill_mops(n, threads, [&](u64 k, u64 v) { m.put(k, v); })});
  };
  measure.template operator()<cm::locked_adapter<cm::no_lock>>("1 thread, gomap::map, no lock (the baseline)", 1);
  measure.template operator()<cm::locked_adapter<std::mutex>>("2 threads, gomap::map + std::mutex", 2);
  measure.template operator()<cm::sharded_adapter<gomap::internal::rw_spinlock>>("2 threads, gomap::sharded_map", 2);
  measure.template operator()<cm::sync_adapter>("2 threads, gomap::sync_map", 2);
  measure.template operator()<cm::tbb_adapter>("2 threads, tbb::concurrent_hash_map", 2);
  c.bar->end();

  table ft;
  ft.title = "The fixes: " + fmt_num(double(n)) + " distinct keys inserted into an empty map, Mops/s (higher is better)";
  ft.columns = {"fix", "Mops/s", "vs 1 unguarded thread"};
  for (const auto& f : fixes) ft.rows.push_back({f.name, fmt_num(f.mops, 3), fmt_ratio(f.mops / fixes[0].mops)});
  r.tables.push_back(ft);

  chart ch;
  ch.title = "Throughput of the fixes (Mops/s, " + fmt_num(double(n)) + " inserts from empty)";
  ch.x_label = "fix (1 = one unguarded thread; 2-5 = two threads)";
  ch.y_label = "Mops/s";
  for (std::size_t i = 0; i < fixes.size(); ++i) {
    ch.x.push_back(double(i + 1));
    series s{fixes[i].name, std::vector<double>(fixes.size(), missing)};
    s.y[i] = fixes[i].mops;
    ch.lines.push_back(s);
  }
  ch.note = "One point per fix, at its own x; the legend names them. Hover a point for its figure.";
  r.charts.push_back(ch);

  const fix* best = &fixes[1];
  for (std::size_t i = 1; i < fixes.size(); ++i)
    if (fixes[i].mops > best->mops) best = &fixes[i];
  const std::string first_line = message.substr(0, message.find('\n'));
  r.verdict = died == attempts
                  ? "two unguarded writers died every time (" + std::to_string(died) + "/" + std::to_string(attempts) +
                        ", first after " + fmt_ns(first_death * 1e9) + ") with Go's message \"" + first_line +
                        "\" instead of corrupting memory; fixed, 2 threads insert at " + fmt_num(fixes[1].mops, 3) +
                        " Mops/s with a std::mutex, " + fmt_num(fixes[2].mops, 3) + " with gomap::sharded_map, " +
                        fmt_num(fixes[3].mops, 3) + " with gomap::sync_map (one unguarded thread: " +
                        fmt_num(fixes[0].mops, 3) + ")."
                  : "the race was caught " + std::to_string(died) + " of " + std::to_string(attempts) +
                        " times only (see the table): gomap's check is a tripwire, not a lock; guard the map (std::mutex: " +
                        fmt_num(fixes[1].mops, 3) + " Mops/s from 2 threads).";
  return r;
}

// ---- concurrent-maps -----------------------------------------------------------------

namespace {

// The benchmarks' concurrent workload (bench/src/concurrent_maps.hpp): n
// preloaded keys, every thread reading (read_pct%) or overwriting present
// keys until stopped; Mops/s over all threads.
struct subject_kind {
  const char* name;
  std::function<double(std::span<const u64>, unsigned, unsigned, double)> run;
};

template <class Map>
subject_kind kind(const char* name) {
  return {name, [](std::span<const u64> keys, unsigned threads, unsigned read_pct, double ms) {
            auto m = std::make_unique<Map>(keys.size());
            for (std::size_t i = 0; i < keys.size(); ++i) m->put(keys[i], i);
            if constexpr (requires { m->warm(); }) m->warm();
            return cm::run_cell(*m, keys, threads, read_pct, ms).mops();
          }};
}

}  // namespace

result concurrent_maps(context& c) {
  result r;  // id and article: from the scenario table (main.cpp)
  const std::size_t live = by_scale<std::size_t>(c.size, 10'000, 200'000, 1'000'000);
  const double ms = by_scale(c.size, 10.0, 100.0, 500.0);
  const std::vector<unsigned> threads = {1, 2, 4};
  struct mix {
    const char* name;
    unsigned read_pct;
  };
  const std::vector<mix> mixes = {{"read-mostly (90% reads)", 90}, {"write-heavy (50% writes)", 50}};
  const std::vector<subject_kind> kinds = {
      kind<cm::sharded_adapter<gomap::internal::rw_spinlock>>("gomap::sharded_map"),
      kind<cm::sync_adapter>("gomap::sync_map"),
      kind<cm::tbb_adapter>("tbb::concurrent_hash_map"),
      kind<cm::cuckoo_adapter>("libcuckoo::cuckoohash_map"),
      kind<cm::locked_adapter<std::shared_mutex>>("gomap::map + std::shared_mutex"),
      kind<cm::locked_adapter<std::mutex>>("gomap::map + std::mutex"),
  };
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  r.title = "throughput on " + fmt_num(double(live)) + " preloaded keys (reads, and overwrites of present keys) at 1, "
            "2 and 4 threads, " + std::to_string(cores) + " cores here";
  ensure_keys(live);
  const auto keys = gomap_bench::keys().keys(live);
  c.bar->begin("concurrent-maps", kinds.size() * threads.size() * mixes.size() + 1);

  std::map<std::string, std::map<std::string, std::vector<double>>> fig;  // mix -> map -> by threads
  for (const mix& mx : mixes)
    for (const subject_kind& k : kinds)
      for (unsigned th : threads) {
        c.bar->step(k.name);
        fig[mx.name][k.name].push_back(k.run(keys, th, mx.read_pct, ms));
      }
  // Go's sync.Map, in its own process (bench/go -concurrent), same keys.
  c.bar->step("Go sync.Map");
  if (!c.go_binary.empty()) {
    try {
      std::vector<unsigned> rp;
      for (const mix& mx : mixes) rp.push_back(mx.read_pct);
      for (const auto& cell : cm::run_go_sync_map(c.go_binary, live, threads, rp, ms))
        for (const mix& mx : mixes)
          if (mx.read_pct == cell.read_pct) {
            auto& y = fig[mx.name]["Go sync.Map (go1.19)"];
            y.resize(threads.size(), missing);
            for (std::size_t i = 0; i < threads.size(); ++i)
              if (threads[i] == cell.threads) y[i] = cell.mops;
          }
    } catch (const std::exception& e) {
      r.peers_missing.push_back(std::string("Go sync.Map: ") + e.what());
    }
  } else {
    r.peers_missing.push_back(c.go_missing);
  }
  c.bar->end();

  table t;
  t.title = "Mops/s (each cell " + fmt_num(ms) + " ms of work after the preload)";
  t.columns = {"map", "mix"};
  for (unsigned th : threads) t.columns.push_back(std::to_string(th) + " thread" + (th > 1 ? "s" : ""));
  t.columns.push_back("2 threads / 1");
  for (const mix& mx : mixes) {
    chart ch;
    ch.title = std::string("Mops/s against threads, ") + mx.name;
    ch.x_label = "threads";
    ch.y_label = "Mops/s";
    for (unsigned th : threads) ch.x.push_back(th);
    for (const auto& [name, y] : fig[mx.name]) {
      std::vector<std::string> row = {name, mx.name};
      for (double v : y) row.push_back(fmt_num(v, 3));
      row.push_back(fmt_ratio(y[1] / y[0]));
      t.rows.push_back(row);
      ch.lines.push_back({name, y});
    }
    ch.note = "Above " + std::to_string(cores) +
              " threads the machine is oversubscribed: the 4-thread points show each map with threads descheduled "
              "while others wait for what they hold.";
    r.charts.push_back(ch);
  }
  r.tables.push_back(t);

  auto at2 = [&](const char* mixname, const char* map) { return fig[mixname][map][1]; };
  auto best2 = [&](const char* mixname) {
    std::string best;
    double v = 0;
    for (const auto& [name, y] : fig[mixname])
      if (std::isfinite(y[1]) && y[1] > v) {
        v = y[1];
        best = name;
      }
    return best + " (" + fmt_num(v, 3) + ")";
  };
  const char* rm = mixes[0].name;
  const char* wh = mixes[1].name;
  r.verdict = "at 2 threads, read-mostly: gomap::sharded_map " + fmt_num(at2(rm, "gomap::sharded_map"), 3) +
              " Mops/s, sync_map " + fmt_num(at2(rm, "gomap::sync_map"), 3) + ", one gomap::map behind a shared_mutex " +
              fmt_num(at2(rm, "gomap::map + std::shared_mutex"), 3) + ", tbb " +
              fmt_num(at2(rm, "tbb::concurrent_hash_map"), 3) + ", libcuckoo " +
              fmt_num(at2(rm, "libcuckoo::cuckoohash_map"), 3) + "; best write-heavy at 2 threads: " + best2(wh) + ".";
  r.findings.push_back(std::string("Best read-mostly at 2 threads: ") + best2(rm) +
                       ". A single lock serialises writers: gomap::map + std::mutex scales " +
                       fmt_ratio(fig[wh]["gomap::map + std::mutex"][1] / fig[wh]["gomap::map + std::mutex"][0]) +
                       " from 1 to 2 threads write-heavy, sharded_map " +
                       fmt_ratio(fig[wh]["gomap::sharded_map"][1] / fig[wh]["gomap::sharded_map"][0]) + ".");
  return r;
}

}  // namespace gomap_lab

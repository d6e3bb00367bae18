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
#include <libcuckoo/cuckoohash_map.hh>
#include <mutex>
#include <shared_mutex>
#include <tbb/concurrent_hash_map.h>
#include <thread>

#include "maps.hpp"
#include "util.hpp"

namespace gomap_lab {

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
  start.arrive_and_wait();
  const std::int64_t t0 = gomap_bench::now_ns();
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
  result r;
  r.id = "concurrent-writes";
  r.article = "004";
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

  // The fixes, measured: the same fill from 2 threads.
  struct fix {
    std::string name;
    double mops;
    std::size_t size;
  };
  std::vector<fix> fixes;
  {
    c.bar->step("1 thread, no lock");
    gomap_family::map m;
    const double mops = fill_mops(n, 1, [&](u64 k, u64 v) { m.try_emplace(k, v); });
    fixes.push_back({"1 thread, no lock (the baseline)", mops, m.size()});
  }
  {
    c.bar->step("std::mutex");
    gomap_family::map m;
    std::mutex mu;
    const double mops = fill_mops(n, 2, [&](u64 k, u64 v) {
      std::lock_guard<std::mutex> g(mu);
      m.try_emplace(k, v);
    });
    fixes.push_back({"2 threads, gomap::map + std::mutex", mops, m.size()});
  }
  {
    c.bar->step("tbb");
    tbb::concurrent_hash_map<u64, u64> m;
    const double mops = fill_mops(n, 2, [&](u64 k, u64 v) { m.insert({k, v}); });
    fixes.push_back({"2 threads, tbb::concurrent_hash_map", mops, m.size()});
  }
  c.bar->end();
  r.peers_missing.push_back("gomap::sharded_map and gomap::sync_map rows: not in this build yet (they land with the "
                            "concurrency work; the mutex is the fix measured here)");

  table ft;
  ft.title = "The fixes: " + fmt_num(double(n)) + " distinct keys inserted, Mops/s (higher is better)";
  ft.columns = {"fix", "Mops/s", "vs 1 thread", "entries at the end"};
  for (const auto& f : fixes)
    ft.rows.push_back({f.name, fmt_num(f.mops, 3), fmt_ratio(f.mops / fixes[0].mops), fmt_num(double(f.size))});
  r.tables.push_back(ft);

  chart ch;
  ch.title = "Throughput of the fixes (Mops/s, " + fmt_num(double(n)) + " inserts)";
  ch.x_label = "threads";
  ch.y_label = "Mops/s";
  ch.x = {1, 2};
  ch.lines.push_back({"gomap::map, no lock (1 thread only)", {fixes[0].mops, missing}});
  ch.lines.push_back({"gomap::map + std::mutex", {fixes[0].mops, fixes[1].mops}});
  ch.lines.push_back({"tbb::concurrent_hash_map", {missing, fixes[2].mops}});
  ch.note = "At 1 thread the mutex line starts from the unguarded map's figure (an uncontended lock costs little).";
  r.charts.push_back(ch);

  const std::string first_line = message.substr(0, message.find('\n'));
  r.verdict = died == attempts
                  ? "two unguarded writers died every time (" + std::to_string(died) + "/" + std::to_string(attempts) +
                        ", first after " + fmt_ns(first_death * 1e9) + ") with Go's message \"" + first_line +
                        "\" instead of corrupting memory; the fix, a std::mutex, inserts at " +
                        fmt_num(fixes[1].mops, 3) + " Mops/s from 2 threads (" +
                        fmt_ratio(fixes[1].mops / fixes[0].mops) + " one unguarded thread)."
                  : "the race was caught " + std::to_string(died) + " of " + std::to_string(attempts) +
                        " times only (see the table): gomap's check is a tripwire, not a lock; guard the map (std::mutex: " +
                        fmt_num(fixes[1].mops, 3) + " Mops/s from 2 threads).";
  return r;
}

// ---- concurrent-maps ---------------------------------------------------------------

namespace {

// What each map offers the workload; a virtual call costs every map the same.
struct concurrent_subject {
  virtual ~concurrent_subject() = default;
  virtual bool find(u64 k) = 0;
  virtual void insert(u64 k, u64 v) = 0;
  virtual void erase(u64 k) = 0;
};

struct locked_gomap final : concurrent_subject {
  gomap_family::map m;
  std::shared_mutex mu;
  bool find(u64 k) override {
    std::shared_lock g(mu);
    return m.find(k) != m.end();
  }
  void insert(u64 k, u64 v) override {
    std::unique_lock g(mu);
    m.try_emplace(k, v);
  }
  void erase(u64 k) override {
    std::unique_lock g(mu);
    m.erase(k);
  }
};

struct tbb_map final : concurrent_subject {
  tbb::concurrent_hash_map<u64, u64> m;
  bool find(u64 k) override {
    tbb::concurrent_hash_map<u64, u64>::const_accessor a;
    return m.find(a, k);
  }
  void insert(u64 k, u64 v) override { m.insert({k, v}); }
  void erase(u64 k) override { m.erase(k); }
};

struct cuckoo_map final : concurrent_subject {
  libcuckoo::cuckoohash_map<u64, u64> m;
  bool find(u64 k) override { return m.contains(k); }
  void insert(u64 k, u64 v) override { m.insert(k, v); }
  void erase(u64 k) override { m.erase(k); }
};

struct subject_kind {
  const char* name;
  std::unique_ptr<concurrent_subject> (*make)();
};

const subject_kind kinds[] = {
    {"gomap::map + std::shared_mutex", [] { return std::unique_ptr<concurrent_subject>(new locked_gomap); }},
    {"tbb::concurrent_hash_map", [] { return std::unique_ptr<concurrent_subject>(new tbb_map); }},
    {"libcuckoo::cuckoohash_map", [] { return std::unique_ptr<concurrent_subject>(new cuckoo_map); }},
};

// Each thread runs for `ns` doing operations on keys drawn from [0, 2 * live):
// `read_pct`% finds, the rest half inserts and half erases. Mops/s overall.
double throughput(concurrent_subject& s, std::size_t live, unsigned threads, unsigned read_pct, double ns) {
  const auto keys = gomap_bench::keys().keys(2 * live);
  for (std::size_t i = 0; i < live; ++i) s.insert(keys[2 * i], i);
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::thread timer;
  const double wall = run_threads(threads, [&](unsigned t) {
    if (t == 0) timer = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::int64_t(ns)));
      stop = true;
    });
    gomap_bench::splitmix64 g{0x1234 + t};
    std::uint64_t ops = 0, found = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      for (int b = 0; b < 64; ++b, ++ops) {
        const std::uint64_t x = g.next();
        const u64 k = keys[(x >> 8) % keys.size()];
        const unsigned roll = unsigned(x & 0xff) * 100 / 256;
        if (roll < read_pct) found += s.find(k);
        else if (roll % 2) s.insert(k, ops);
        else s.erase(k);
      }
    }
    gomap_bench::keep(found);
    total += ops;
  });
  timer.join();
  return double(total) / wall * 1e3;
}

}  // namespace

result concurrent_maps(context& c) {
  result r;
  r.id = "concurrent-maps";
  r.article = "004";
  const std::size_t live = by_scale<std::size_t>(c.size, 10'000, 100'000, 1'000'000);
  const double ns = by_scale(c.size, 20e6, 150e6, 1e9);
  const std::vector<unsigned> threads = {1, 2, 4};
  struct mix {
    const char* name;
    unsigned read_pct;
  };
  const mix mixes[] = {{"read-mostly (90% find)", 90}, {"write-heavy (50% find)", 50}};
  r.title = "operations per second on " + fmt_num(double(live)) + " live keys, at 1, 2 and 4 threads (" +
            std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " cores here)";
  ensure_keys(2 * live);
  c.bar->begin("concurrent-maps", std::size(kinds) * threads.size() * std::size(mixes));

  table t;
  t.title = "Mops/s (each cell " + fmt_ns(ns) + " of work; inserts and erases split the rest evenly)";
  t.columns = {"map", "mix"};
  for (unsigned th : threads) t.columns.push_back(std::to_string(th) + " thread" + (th > 1 ? "s" : ""));
  std::map<std::string, std::map<std::string, std::vector<double>>> figures;  // mix -> map -> per threads
  for (const mix& mx : mixes) {
    chart ch;
    ch.title = std::string("Throughput against threads, ") + mx.name;
    ch.x_label = "threads";
    ch.y_label = "Mops/s";
    for (unsigned th : threads) ch.x.push_back(th);
    for (const subject_kind& k : kinds) {
      std::vector<double> y;
      for (unsigned th : threads) {
        c.bar->step(k.name);
        auto s = k.make();
        y.push_back(throughput(*s, live, th, mx.read_pct, ns));
      }
      std::vector<std::string> row = {k.name, mx.name};
      for (double v : y) row.push_back(fmt_num(v, 3));
      t.rows.push_back(row);
      figures[mx.name][k.name] = y;
      ch.lines.push_back({k.name, y});
    }
    ch.note = "Above " + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) +
              " threads the machine is oversubscribed: the 4-thread points show how each map behaves when threads "
              "are descheduled while holding what others wait for.";
    r.charts.push_back(ch);
  }
  c.bar->end();
  r.tables.push_back(t);
  r.peers_missing.push_back("gomap::sharded_map and gomap::sync_map: not in this build yet (they land with the "
                            "concurrency work)");

  auto best_at = [&](const char* mixname, std::size_t ti) {
    std::string best;
    double v = 0;
    for (const auto& [name, y] : figures[mixname])
      if (y[ti] > v) {
        v = y[ti];
        best = name;
      }
    return best + " " + fmt_num(v, 3) + " Mops/s";
  };
  const auto& rm = figures[mixes[0].name];
  r.verdict = "at 2 threads, read-mostly, a gomap::map behind a shared_mutex does " +
              fmt_num(rm.at(kinds[0].name)[1], 3) + " Mops/s against tbb's " + fmt_num(rm.at(kinds[1].name)[1], 3) +
              " and libcuckoo's " + fmt_num(rm.at(kinds[2].name)[1], 3) + "; best write-heavy at 2 threads: " +
              best_at(mixes[1].name, 1) + ".";
  return r;
}

}  // namespace gomap_lab

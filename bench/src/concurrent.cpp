// bench/src/concurrent.cpp: the protocol's `concurrent` workload
// (gomap_bench_concurrent): throughput of concurrent maps on 10^6 preloaded
// uint64 keys, at 1, 2, 4 and 8 threads (8 oversubscribes a 2-core machine
// on purpose), for three mixes: 100% reads, 90/10 and 50/50 read/write.
//
//   gomap_bench_concurrent --out concurrent.jsonl [--go PATH|none] [--reps 5]
//                          [--ms 200] [--n 1000000] [--threads 1,2,4,8] [--smoke]
//
// What is timed: every thread draws operations from its own xorshift stream
// (key = a uniformly drawn preloaded key; read or write by the mix), runs
// until the main thread raises `stop` after --ms milliseconds, and counts its
// operations; Mops/s = all threads' operations / wall time from start to the
// last thread's exit. A read copies the value out (and must find it: every
// key is present); a write assigns a fresh value to a present key (so the
// key set, and every map's size, stay constant). Building and preloading a
// map is outside the clock.
//
// Repetitions are interleaved: for each of --reps repetitions every map
// (starting map rotated) is built, preloaded, and run at every (mix,
// threads) cell, then Go's sync.Map takes its turn (bench/go -concurrent, in
// its own process, same keys). Medians and min-max go to the table and to
// one JSON line per (map, mix, threads).
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <libcuckoo/cuckoohash_map.hh>
#include <tbb/concurrent_hash_map.h>

#include <gomap/map.hpp>
#include <gomap/sharded_map.hpp>
#include <gomap/sync_map.hpp>

#include "bench_config.hpp"
#include "common.hpp"
#include "concurrent_maps.hpp"

namespace gomap_bench {
namespace {

using namespace concurrent;

// ---- subjects ---------------------------------------------------------------------------

struct cell_key {
  std::string map;
  unsigned read_pct;
  unsigned threads;
  bool operator<(const cell_key& o) const {
    return std::tie(map, read_pct, threads) < std::tie(o.map, o.read_pct, o.threads);
  }
};
using results = std::map<cell_key, std::vector<double>>;

struct options {
  std::string out = "concurrent.jsonl";
  std::string go = GOMAP_BENCH_GO_BINARY;
  std::string source = "unknown";
  unsigned reps = 5;
  double ms = 200;
  std::size_t n = 1000000;
  std::vector<unsigned> threads{1, 2, 4, 8};
  std::vector<unsigned> mixes{100, 90, 50};
};

struct concurrent_subject {
  std::string name;
  bool single_thread_only;
  std::function<void(const options&, std::span<const u64>, results&)> run;
};

template <class Map>
concurrent_subject make_subject(std::string name, bool single_thread_only = false) {
  return {name, single_thread_only, [name, single_thread_only](const options& o, std::span<const u64> keys, results& res) {
            auto map = std::make_unique<Map>(keys.size());
            for (std::size_t i = 0; i < keys.size(); ++i) map->put(keys[i], i);
            if constexpr (requires { map->warm(); }) map->warm();
            // One untimed cell first: right after the preload the first timed
            // cell ran up to 2x slower than the same mix later (sharded_map,
            // 1 thread, 100% reads: 4.7-11.2 Mops/s over 5 repetitions, on a
            // quiet machine), which would charge whichever mix comes first.
            run_cell(*map, keys, 1, o.mixes.front(), o.ms / 2);
            for (unsigned mix : o.mixes)
              for (unsigned t : o.threads) {
                if (single_thread_only && t != 1) continue;
                res[{name, mix, t}].push_back(run_cell(*map, keys, t, mix, o.ms).mops());
              }
          }};
}

// Go's sync.Map, one process per repetition (concurrent_maps.hpp).
void run_go(const options& o, results& res) {
  for (const go_cell& c : run_go_sync_map(o.go, o.n, o.threads, o.mixes, o.ms))
    res[{"go_sync_map", c.read_pct, c.threads}].push_back(c.mops);
}

std::vector<unsigned> parse_list(const char* s) {
  std::vector<unsigned> v;
  for (const char* p = s; *p;) {
    v.push_back(static_cast<unsigned>(std::strtoul(p, const_cast<char**>(&p), 10)));
    if (*p == ',') ++p;
  }
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--out") o.out = value();
    else if (a == "--go") o.go = value();
    else if (a == "--source") o.source = value();
    else if (a == "--reps") o.reps = static_cast<unsigned>(std::atoi(value()));
    else if (a == "--ms") o.ms = std::atof(value());
    else if (a == "--n") o.n = static_cast<std::size_t>(std::atof(value()));
    else if (a == "--threads") o.threads = parse_list(value());
    else if (a == "--smoke") {
      o.reps = 1;
      o.ms = 5;
      o.n = 10000;
      o.threads = {1, 2};
    } else {
      throw std::runtime_error("unknown option " + a + " (see the top of bench/src/concurrent.cpp)");
    }
  }
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace
}  // namespace gomap_bench

int main(int argc, char** argv) {
  using namespace gomap_bench;
  try {
    const options o = parse(argc, argv);
    keys().generate(o.n);
    const auto k = keys().keys(o.n);
    const std::string load_start = load_average();
    const std::int64_t start = now_ns();

    std::vector<concurrent_subject> subjects;
    subjects.push_back(make_subject<sharded_adapter<gomap::internal::rw_spinlock>>("sharded_map"));
    subjects.push_back(make_subject<sharded_adapter<std::mutex>>("sharded_map_std_mutex"));
    subjects.push_back(make_subject<sharded_adapter<std::shared_mutex>>("sharded_map_std_shared_mutex"));
    subjects.push_back(make_subject<sync_adapter>("sync_map"));
    subjects.push_back(make_subject<tbb_adapter>("tbb_concurrent_hash_map"));
    subjects.push_back(make_subject<cuckoo_adapter>("libcuckoo"));
    subjects.push_back(make_subject<locked_adapter<std::mutex>>("gomap_map_std_mutex"));
    subjects.push_back(make_subject<locked_adapter<std::shared_mutex>>("gomap_map_std_shared_mutex"));
    subjects.push_back(make_subject<locked_adapter<no_lock>>("gomap_map_unlocked", true));

    results res;
    for (unsigned rep = 0; rep < o.reps; ++rep) {
      for (std::size_t i = 0; i < subjects.size(); ++i) {
        const concurrent_subject& s = subjects[(i + rep) % subjects.size()];
        s.run(o, k, res);
      }
      if (o.go != "none") run_go(o, res);
      std::fprintf(stderr, "concurrent: repetition %u of %u done (%.0f s)\n", rep + 1, o.reps,
                   static_cast<double>(now_ns() - start) / 1e9);
    }

    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    FILE* out = std::fopen(o.out.c_str(), "w");
    if (out == nullptr) throw std::runtime_error("cannot write " + o.out);
    std::fprintf(out,
                 "{\"meta\":\"concurrent\",\"date\":\"%s\",\"go\":%s,\"nproc\":%u,\"n\":%zu,\"reps\":%u,\"ms\":%g,"
                 "\"source\":\"%s\",\"compiler\":\"%s\",\"flags\":\"%s\",\"load_average_start\":\"%s\","
                 "\"load_average_end\":\"%s\",\"seconds\":%.1f}\n",
                 date, o.go == "none" ? "false" : "true", std::thread::hardware_concurrency(), o.n, o.reps, o.ms,
                 o.source.c_str(), GOMAP_BENCH_COMPILER,
                 GOMAP_BENCH_FLAGS, load_start.c_str(), load_average().c_str(),
                 static_cast<double>(now_ns() - start) / 1e9);
    std::printf("concurrent workload: %zu preloaded keys, Mops/s, median of %u (min-max)\n", o.n, o.reps);
    std::printf("%-30s %5s %7s %22s\n", "map", "read%", "threads", "Mops/s");
    for (const auto& [key, v] : res) {
      const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
      std::printf("%-30s %5u %7u %10.2f (%.2f-%.2f)\n", key.map.c_str(), key.read_pct, key.threads, median(v), *lo,
                  *hi);
      std::fprintf(out,
                   "{\"map\":\"%s\",\"workload\":\"concurrent\",\"read_pct\":%u,\"threads\":%u,\"n\":%zu,"
                   "\"unit\":\"Mops/s\",\"median\":%.6g,\"min\":%.6g,\"max\":%.6g,\"runs\":%zu,\"values\":[",
                   key.map.c_str(), key.read_pct, key.threads, o.n, median(v), *lo, *hi, v.size());
      for (std::size_t i = 0; i < v.size(); ++i) std::fprintf(out, "%s%.6g", i ? "," : "", v[i]);
      std::fprintf(out, "]}\n");
    }
    std::fclose(out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gomap_bench_concurrent: %s\n", e.what());
    return 1;
  }
  return 0;
}

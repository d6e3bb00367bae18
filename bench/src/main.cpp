// bench/src/main.cpp: the driver. Runs the protocol of docs/benchmarks.md:
// every workload for every subject, repetitions interleaved (for rep: for map:
// run, with the starting map rotated each rep), medians with min-max; prints
// one table per workload and writes one JSON line per result.
//
//   gomap_bench --out results.jsonl [--go path|none] [--smoke] [--reps 5]
//               [--sizes 1000,1000000,10000000] [--only core,churn,strings,latency,memory]
//
// See bench/README.md for every option and for why this is a hand-written
// harness rather than Google Benchmark.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_config.hpp"
#include "common.hpp"

namespace gomap_bench {

// ---- results ---------------------------------------------------------------------

namespace {

struct result {
  std::string map, hasher, workload, unit;
  std::size_t n = 0;
  std::vector<double> values;
  std::vector<std::pair<std::string, double>> extra;

  double median() const {
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
};

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
      continue;
    }
    o += c;
  }
  return o + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct options {
  std::string out = "results.jsonl";
  std::string go = GOMAP_BENCH_GO_BINARY;
  std::string source = "unknown";  // the gomap revision compiled (run.sh passes it)
  bool smoke = false;
  unsigned reps = 5;
  std::vector<std::size_t> sizes{1'000, 1'000'000, 10'000'000};
  // 10^5 too: a fresh map of the keys left after erasing 90% of 10^6.
  std::vector<std::size_t> memory_sizes{1'000, 100'000, 1'000'000, 10'000'000};
  double min_time_ns = 50e6;              // a small-N measurement lasts at least this
  std::size_t calibrate_below = 100'000;  // N under which phases are repeated to min_time
  std::size_t warm_up_max = 1'000'000;    // N up to which one untimed lifecycle runs first
  std::size_t churn_live = 1'000, churn_ops = 10'000'000;
  std::size_t string_n = 1'000'000;
  std::size_t latency_n = 10'000'000;
  std::set<std::string> only{"core", "churn", "strings", "latency", "memory"};
  std::set<std::string> maps;                // empty: every subject; else these names (and the control)
  std::set<std::string> hashers;             // empty: both passes; else "default" and/or "common"
  std::map<std::string, std::size_t> max_n;  // map -> the largest core N it runs at (--max-n)
};

std::vector<std::size_t> parse_sizes(const std::string& s) {
  std::vector<std::size_t> v;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, ',');) v.push_back(static_cast<std::size_t>(std::stod(x)));
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    auto count = [&] { return static_cast<std::size_t>(std::stod(value())); };
    if (a == "--out")
      o.out = value();
    else if (a == "--go")
      o.go = value();
    else if (a == "--source")
      o.source = value();
    else if (a == "--reps")
      o.reps = static_cast<unsigned>(count());
    else if (a == "--sizes")
      o.sizes = parse_sizes(value());
    else if (a == "--memory-sizes")
      o.memory_sizes = parse_sizes(value());
    else if (a == "--min-time-ms")
      o.min_time_ns = std::stod(value()) * 1e6;
    else if (a == "--churn-ops")
      o.churn_ops = count();
    else if (a == "--string-n")
      o.string_n = count();
    else if (a == "--latency-n")
      o.latency_n = count();
    else if (a == "--only") {
      o.only.clear();
      std::stringstream in(value());
      for (std::string g; std::getline(in, g, ',');) o.only.insert(g);
    } else if (a == "--maps" || a == "--hashers") {
      // A developer's filter for quick comparisons (e.g. --maps gomap::map,absl::flat_hash_map);
      // make bench always runs every subject.
      auto& set = a == "--maps" ? o.maps : o.hashers;
      std::stringstream in(value());
      for (std::string g; std::getline(in, g, ',');) set.insert(g);
    } else if (a == "--max-n") {
      // map=N[,map=N]: that map's core workloads skip every N above this (the -O2 run's slow peers).
      std::stringstream in(value());
      for (std::string g; std::getline(in, g, ',');) {
        const auto eq = g.find('=');
        if (eq == std::string::npos) throw std::runtime_error("--max-n wants map=N, got " + g);
        o.max_n[g.substr(0, eq)] = static_cast<std::size_t>(std::stod(g.substr(eq + 1)));
      }
    } else if (a == "--smoke") {
      // Every workload, tiny N: proves the harness works, measures nothing.
      o.smoke = true;
      o.reps = 2;
      o.sizes = o.memory_sizes = {1'000};
      o.min_time_ns = 1e6;
      o.churn_ops = 10'000;
      o.string_n = 1'000;
      o.latency_n = 10'000;
    } else {
      throw std::runtime_error("unknown option " + a + " (see bench/README.md)");
    }
  }
  return o;
}

class driver {
 public:
  explicit driver(options o) : o_(std::move(o)), out_(o_.out) {
    if (!out_) throw std::runtime_error("cannot write " + o_.out);
  }

  void run() {
    add_gomap(subjects_);
#ifdef GOMAP_BENCH_HAS_absl_flat
    add_absl_flat(subjects_);
#endif
#ifdef GOMAP_BENCH_HAS_boost_flat
    add_boost_flat(subjects_);
#endif
#ifdef GOMAP_BENCH_HAS_std_unordered
    add_std_unordered(subjects_);
#endif
#ifdef GOMAP_BENCH_HAS_tsl_robin
    add_tsl_robin(subjects_);
#endif
#ifdef GOMAP_BENCH_HAS_google_dense
    add_google_dense(subjects_);
#endif
#ifdef GOMAP_BENCH_HAS_absl_btree
    add_absl_btree(subjects_);
#endif
    std::string go_hello;
    if (o_.go != "none") add_go(subjects_, o_.go, &go_hello);
    subjects_.push_back(make_control());
    std::erase_if(subjects_, [&](const auto& s) {
      if (s->map() == "control") return false;
      return (!o_.maps.empty() && !o_.maps.count(s->map())) || (!o_.hashers.empty() && !o_.hashers.count(s->hasher()));
    });
    // Rows: the default-hasher pass first, then the common-hasher pass.
    std::stable_partition(subjects_.begin(), subjects_.end(), [](const auto& s) { return s->hasher() != "common"; });

    std::size_t need = 2 * 1000 + 1;
    for (std::size_t n : o_.sizes) need = std::max(need, 2 * n);
    for (std::size_t n : o_.memory_sizes) need = std::max(need, 2 * n);
    need = std::max({need, o_.churn_live + o_.churn_ops, o_.latency_n});
    keys().generate(need);
    write_meta(go_hello);

    if (o_.only.count("core"))
      for (std::size_t n : o_.sizes) core(n);
    if (o_.only.count("churn")) churn();
    if (o_.only.count("strings")) strings();
    if (o_.only.count("latency")) latency();
    if (o_.only.count("memory")) memory();
    out_ << "{\"meta\":\"end\",\"seconds\":" << json_number(double(now_ns() - start_) / 1e9)
         << ",\"load_average\":" << json_string(load_average()) << "}\n";
    out_.flush();
  }

 private:
  std::vector<subject*> with(group g) const {
    std::vector<subject*> v;
    for (const auto& s : subjects_)
      if (s->has(g)) v.push_back(s.get());
    return v;
  }

  // for rep: for subject (starting one further each rep): fn(subject, rep)
  void interleave(const std::vector<subject*>& subs, const std::function<void(subject&)>& fn) {
    for (unsigned rep = 0; rep < o_.reps; ++rep) {
      for (std::size_t i = 0; i < subs.size(); ++i) fn(*subs[(i + rep) % subs.size()]);
    }
  }

  result& slot(const subject& s, const std::string& workload, std::size_t n, const char* unit) {
    for (auto& r : pending_)
      if (r.map == s.map() && r.hasher == s.hasher() && r.workload == workload && r.n == n) return r;
    pending_.push_back(result{s.map(), s.hasher(), workload, unit, n, {}, {}});
    return pending_.back();
  }

  // How many times to repeat the destructive (outer) and read-only (inner)
  // phases so that each lasts >= min_time: only below calibrate_below, where
  // one pass is microseconds. One untimed lifecycle per subject measures it.
  std::pair<unsigned, unsigned> calibrate(std::size_t n, const lifecycle_ns& one, bool all_phases) const {
    if (n >= o_.calibrate_below) return {1, 1};
    auto reps = [&](double t) {
      return static_cast<unsigned>(std::clamp(std::ceil(o_.min_time_ns / std::max(t, 1.0)), 1.0, 1e7));
    };
    const unsigned outer = reps(all_phases ? std::min(one.insert, one.erase) : one.insert);
    const double ro = all_phases ? std::min({one.find_hit, one.find_miss, one.iterate}) : one.find_hit;
    return {outer, reps(ro * outer)};
  }

  void core(std::size_t n) {
    progress("core", n);
    auto subs = with(group::core);
    std::erase_if(subs, [&](const subject* s) {
      const auto m = o_.max_n.find(s->map());
      return m != o_.max_n.end() && n > m->second;
    });
    std::map<const subject*, std::pair<unsigned, unsigned>> cal;
    // One untimed lifecycle per subject: calibration below calibrate_below,
    // warm-up (code, allocator state) up to warm_up_max; 10^7 is its own warm-up.
    for (subject* s : subs) {
      cal[s] = {1u, 1u};
      if (n <= o_.warm_up_max) {
        const lifecycle_ns once = s->lifecycle(n, 1, 1);
        if (n < o_.calibrate_below) cal[s] = calibrate(n, once, true);
      }
    }
    interleave(subs, [&](subject& s) {
      const auto [outer, inner] = cal[&s];
      const lifecycle_ns t = s.lifecycle(n, outer, inner);
      const double d = double(n) * outer, r = double(n) * outer * inner;
      slot(s, "insert", n, "ns/op").values.push_back(t.insert / d);
      slot(s, "find_hit", n, "ns/op").values.push_back(t.find_hit / r);
      slot(s, "find_miss", n, "ns/op").values.push_back(t.find_miss / r);
      slot(s, "iterate", n, "ns/op").values.push_back(t.iterate / r);
      slot(s, "erase", n, "ns/op").values.push_back(t.erase / d);
      if (s.has_reserve()) {
        const lifecycle_ns ir = s.insert_reserved(n, outer, inner);
        slot(s, "insert_reserved", n, "ns/op").values.push_back(ir.insert / d);
        slot(s, "find_hit_reserved", n, "ns/op").values.push_back(ir.find_hit / r);
      }
    });
    for (auto& [s, c] : cal) {
      for (const char* w :
           {"insert", "find_hit", "find_miss", "iterate", "erase", "insert_reserved", "find_hit_reserved"}) {
        for (auto& r : pending_)
          if (r.map == s->map() && r.hasher == s->hasher() && r.workload == w && r.n == n)
            r.extra = {{"outer", c.first}, {"inner", c.second}};
      }
    }
    flush({"insert", "insert_reserved", "find_hit", "find_hit_reserved", "find_miss", "erase", "iterate"});
  }

  void churn() {
    progress("churn", o_.churn_ops);
    interleave(with(group::churn), [&](subject& s) {
      slot(s, "churn", o_.churn_ops, "ns/op")
          .values.push_back(s.churn(o_.churn_live, o_.churn_ops) / double(o_.churn_ops));
    });
    flush({"churn"});
  }

  void strings() {
    const std::size_t n = o_.string_n;
    progress("strings", n);
    const auto subs = with(group::strings);
    std::map<const subject*, std::pair<unsigned, unsigned>> cal;
    for (subject* s : subs)
      cal[s] = n < o_.calibrate_below ? calibrate(n, s->strings(n, 1, 1), false) : std::pair{1u, 1u};
    interleave(subs, [&](subject& s) {
      const auto [outer, inner] = cal[&s];
      const lifecycle_ns t = s.strings(n, outer, inner);
      slot(s, "string_insert", n, "ns/op").values.push_back(t.insert / (double(n) * outer));
      slot(s, "string_find_hit", n, "ns/op").values.push_back(t.find_hit / (double(n) * outer * inner));
    });
    flush({"string_insert", "string_find_hit"});
  }

  void latency() {
    const std::size_t n = o_.latency_n;
    progress("latency", n);
    std::map<const subject*, std::vector<double>> preempted;
    interleave(with(group::latency), [&](subject& s) {
      const latency_ns l = s.latency(n);
      slot(s, "latency_p50", n, "ns").values.push_back(l.p50);
      slot(s, "latency_p99", n, "ns").values.push_back(l.p99);
      slot(s, "latency_p99.9", n, "ns").values.push_back(l.p999);
      slot(s, "latency_p99.99", n, "ns").values.push_back(l.p9999);
      slot(s, "latency_max", n, "ns").values.push_back(l.max);
      if (std::isfinite(l.preempted)) preempted[&s].push_back(l.preempted);
    });
    for (auto& [s, v] : preempted) {
      std::sort(v.begin(), v.end());
      for (auto& r : pending_)
        if (r.map == s->map() && r.hasher == s->hasher()) r.extra = {{"involuntary_switches_median", v[v.size() / 2]}};
    }
    flush({"latency_p50", "latency_p99", "latency_p99.9", "latency_p99.99", "latency_max"});
  }

  // Deterministic up to gomap's and Go's random seeds, so measured once.
  void memory() {
    const auto subs = with(group::memory);
    for (std::size_t n : o_.memory_sizes) {
      progress("memory", n);
      for (subject* s : subs) {
        auto put = [&](const char* prefix, const memory_bytes& m) {
          const std::string p = prefix;
          const double d = double(n);
          const std::pair<const char*, std::pair<double, double>> rows[] = {
              {"_full", {m.full, m.gomap_full}},
              {"_peak", {m.peak, nan}},
              {"_erased90", {m.erased90, m.gomap_erased90}},
              {"_reinsert", {m.reinsert, m.gomap_reinsert}},
              {"_settled", {m.settled, m.gomap_settled}}};
          for (const auto& [suffix, v] : rows) {
            if (!std::isfinite(v.first)) continue;  // not measurable for this map (Go's peak)
            result& r = slot(*s, p + suffix, n, "B/entry");
            r.values.push_back(v.first / d);
            if (std::isfinite(v.second)) r.extra = {{"stats_bytes_allocated_per_entry", v.second / d}};
          }
        };
        put("memory", s->memory(n));
        put("rss", s->memory_rss(n));
      }
      flush({"memory_full", "memory_peak", "memory_erased90", "memory_reinsert", "memory_settled", "rss_full",
             "rss_peak", "rss_erased90", "rss_reinsert", "rss_settled"});
    }
    progress("churn_peak", o_.churn_ops);
    for (subject* s : subs)
      slot(*s, "churn_peak", o_.churn_ops, "B").values.push_back(s->churn_peak(o_.churn_live, o_.churn_ops));
    flush({"churn_peak"});
  }

  void progress(const char* what, std::size_t n) {
    std::fprintf(stderr, "[bench] %-8s N=%zu  (%.0f s)\n", what, n, double(now_ns() - start_) / 1e9);
  }

  // Writes the pending results as JSON lines and prints their tables.
  void flush(std::initializer_list<const char*> order) {
    for (const result& r : pending_) {
      std::vector<double> v = r.values;
      std::sort(v.begin(), v.end());
      out_ << "{\"map\":" << json_string(r.map) << ",\"hasher\":" << json_string(r.hasher)
           << ",\"workload\":" << json_string(r.workload) << ",\"opt\":" << json_string(GOMAP_BENCH_OPT)
           << ",\"n\":" << r.n << ",\"unit\":" << json_string(r.unit) << ",\"median\":" << json_number(r.median())
           << ",\"min\":" << json_number(v.front()) << ",\"max\":" << json_number(v.back()) << ",\"runs\":" << v.size()
           << ",\"values\":[";
      for (std::size_t i = 0; i < r.values.size(); ++i) out_ << (i ? "," : "") << json_number(r.values[i]);
      out_ << "]";
      for (const auto& [k, x] : r.extra) out_ << "," << json_string(k) << ":" << json_number(x);
      out_ << "}\n";
    }
    out_.flush();
    for (const char* w : order) print_table(w);
    done_.insert(done_.end(), pending_.begin(), pending_.end());
    pending_.clear();
  }

  void print_table(const std::string& w) {
    std::vector<const result*> rows;
    std::vector<std::size_t> ns;
    for (const result& r : done_)
      if (r.workload == w) rows.push_back(&r);
    for (const result& r : pending_)
      if (r.workload == w) rows.push_back(&r);
    if (rows.empty()) return;
    for (const result* r : rows)
      if (std::find(ns.begin(), ns.end(), r->n) == ns.end()) ns.push_back(r->n);
    std::sort(ns.begin(), ns.end());
    auto find = [&](const std::string& map, const std::string& hasher, std::size_t n) -> const result* {
      for (const result* r : rows)
        if (r->map == map && r->hasher == hasher && r->n == n) return r;
      return nullptr;
    };
    std::printf("\n%s (%s, median of %zu; ratio = map / gomap, same hasher pass)\n", w.c_str(), rows[0]->unit.c_str(),
                rows[0]->values.size());
    std::printf("  %-24s", "map [hasher]");
    for (std::size_t n : ns) std::printf(" %22zu", n);
    std::printf("\n");
    std::vector<std::pair<std::string, std::string>> seen;
    for (const result* r : rows) {
      const auto key = std::pair{r->map, r->hasher};
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      std::printf("  %-24s", (r->map + " [" + r->hasher + "]").c_str());
      for (std::size_t n : ns) {
        const result* c = find(r->map, r->hasher, n);
        const result* g = find("gomap", r->hasher == "common" ? "common" : "default", n);
        char cell[64] = "-";
        if (c && g && std::isfinite(c->median()) && g->median() > 0)
          std::snprintf(cell, sizeof cell, "%10.2f (%5.2fx)", c->median(), c->median() / g->median());
        else if (c)
          std::snprintf(cell, sizeof cell, "%10.2f", c->median());
        std::printf(" %22s", cell);
      }
      std::printf("\n");
    }
    std::fflush(stdout);
  }

  void write_meta(const std::string& go_hello) {
    char date[64];
    const std::time_t t = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    const std::string cpu = cpu_model();
    utsname u{};
    ::uname(&u);
    const auto cs = [](std::uint64_t x) {
      char b[24];
      std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(x));
      return std::string(b);
    };
    const auto k = keys().keys(1000);
    std::vector<std::uint64_t> sh(k.begin(), k.end());
    shuffle(sh);
    std::vector<std::string> st;
    splitmix64 g{string_seed};
    for (int i = 0; i < 1000; ++i) st.push_back(string_key(g.next()));
    std::string sizes;
    for (std::size_t n : o_.sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(n);
    out_ << "{\"meta\":\"run\",\"date\":" << json_string(date) << ",\"nproc\":" << ::sysconf(_SC_NPROCESSORS_ONLN)
         << ",\"cpu\":" << json_string(cpu) << ",\"load_average\":" << json_string(load_average())
         << ",\"kernel\":" << json_string(std::string(u.sysname) + " " + u.release)
         << ",\"source\":" << json_string(o_.source) << ",\"compiler\":" << json_string(GOMAP_BENCH_COMPILER)
         << ",\"flags\":" << json_string(GOMAP_BENCH_FLAGS) << ",\"opt\":" << json_string(GOMAP_BENCH_OPT)
         << ",\"smoke\":" << (o_.smoke ? "true" : "false") << ",\"reps\":" << o_.reps << ",\"sizes\":[" << sizes
         << "],\"min_time_ms\":" << json_number(o_.min_time_ns / 1e6) << ",\"calibrate_below\":" << o_.calibrate_below
         << ",\"churn_live\":" << o_.churn_live << ",\"churn_ops\":" << o_.churn_ops << ",\"string_n\":" << o_.string_n
         << ",\"latency_n\":" << o_.latency_n << ",\"ticks_per_ns\":" << json_number(ticks_per_ns())
         << ",\"checksum_keys\":\"" << cs(checksum(k)) << "\",\"checksum_shuffle\":\"" << cs(checksum(sh))
         << "\",\"checksum_strings\":\"" << cs(checksum(st)) << "\"";
    // The Go side's own answer, verbatim fields: go_version, go_checksum_*.
    std::stringstream in(go_hello);
    for (std::string f; in >> f;) {
      const auto eq = f.find('=');
      if (eq != std::string::npos) out_ << ",\"go_" << f.substr(0, eq) << "\":" << json_string(f.substr(eq + 1));
    }
    out_ << "}\n";
    out_.flush();
    std::printf("keys checksum (first 1000): C++ %s, Go: %s\n", cs(checksum(k)).c_str(),
                go_hello.empty() ? "not run" : go_hello.c_str());
  }

  options o_;
  std::ofstream out_;
  subject_list subjects_;
  std::vector<result> pending_, done_;
  std::int64_t start_ = now_ns();
};

}  // namespace
}  // namespace gomap_bench

int main(int argc, char** argv) {
  try {
    gomap_bench::driver(gomap_bench::parse(argc, argv)).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gomap_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

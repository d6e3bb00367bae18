// gomap-lab: the incidents of the background articles, reproduced and
// measured on this machine next to the maps people would otherwise use, with
// what fixes each. Commands (DESIGN.md, "The lab"):
//
//   gomap-lab list
//   gomap-lab run SCENARIO [--scale tiny|quick|full] [--json FILE]
//   gomap-lab report [--out FILE] [--scale tiny|quick|full] [--json FILE]
//   gomap-lab audit [--listen 127.0.0.1:PORT] [--seconds S]
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "common.hpp"
#include "go_peer.hpp"
#include "lab.hpp"
#include "lab_config.hpp"

namespace gomap_lab {

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> all = {
      {"rehash-storm", "000", "per-insert latency filling an unsized map: whole-table rehash spikes vs gomap's incremental growth",
       rehash_storm},
      {"presize", "000", "unsized vs capacity hint: time, growths, allocations, peak bytes, for each map", presize},
      {"churn-memory", "001", "insert-new/erase-oldest churn: bytes and overflow buckets over time, same-size growths",
       churn_memory},
      {"mass-delete", "001", "fill, erase 90%: memory held afterwards (gomap shrinks; Go, absl, std keep it), and the alternatives",
       mass_delete},
      {"tombstones", "003", "slot reuse after erase, empty_rest collapse, batch vs interleaved deletes: probes, tombstones",
       tombstones},
      {"growth-reads", "002", "lookups while a growth is in progress: latency, hit rate, evacuation pace, key entropy",
       growth_reads},
      {"concurrent-writes", "004", "an unguarded map written from two threads dies with Go's message; the fixes, measured",
       concurrent_writes},
      {"concurrent-maps", "004", "throughput of concurrent maps at 1, 2 and 4 threads, read-mostly and write-heavy",
       concurrent_maps},
  };
  return all;
}

const scenario* find_scenario(const std::string& id) {
  for (const auto& s : scenarios())
    if (id == s.id) return &s;
  return nullptr;
}

namespace {

std::string self_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, std::size_t(n)) : std::string("gomap-lab");
}

// Go's map runs in bench/go's program, when this build made it.
struct go_peer {
  std::unique_ptr<gomap_bench::go_process> process;
  std::string missing, version;
  explicit go_peer(const std::string& binary) {
    if (binary.empty()) {
      missing = "Go map: go is not installed (scripts/install-deps.sh lab installs golang-go), so Go's row is absent";
      return;
    }
    if (::access(binary.c_str(), X_OK) != 0) {
      missing = "Go map: the Go peer " + binary + " is not built";
      return;
    }
    try {
      process = std::make_unique<gomap_bench::go_process>(binary);
      const auto f = gomap_bench::reply_fields(process->call_raw("hello"));
      version = f.count("version") ? f.at("version") : "?";
    } catch (const std::exception& e) {
      process.reset();
      missing = std::string("Go map: ") + e.what();
    }
  }
};

result run_one(const scenario& s, context& c) {
  const std::int64_t t0 = gomap_bench::now_ns();
  result r = s.run(c);
  r.id = s.id;
  r.article = s.article;
  r.seconds = double(gomap_bench::now_ns() - t0) / 1e9;
  return r;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out || !(out << text)) throw std::runtime_error("cannot write " + path);
}

}  // namespace
}  // namespace gomap_lab

int main(int argc, char** argv) {
  using namespace gomap_lab;
  ::signal(SIGPIPE, SIG_IGN);  // a dead Go peer shows as a failed read, with a message
  CLI::App app{"gomap-lab: hash-map incidents reproduced and measured on this machine, and their fixes"};
  app.require_subcommand(1);
  std::map<std::string, scale> scales{{"tiny", scale::tiny}, {"quick", scale::quick}, {"full", scale::full}};

  app.add_subcommand("list", "one line per scenario: id, article, what it shows");

  auto* run = app.add_subcommand("run", "run one scenario: its tables and its verdict");
  std::string id, json;
  scale size = scale::quick;
  run->add_option("SCENARIO", id, "scenario id (gomap-lab list)")->required();
  run->add_option("--scale", size, "tiny (tests), quick (about a minute for all), full (10^7 keys)")
      ->transform(CLI::CheckedTransformer(scales, CLI::ignore_case));
  run->add_option("--json", json, "also write the raw figures to FILE");

  auto* report = app.add_subcommand("report", "run every scenario and write one self-contained HTML page");
  std::string out = "gomap-lab-report.html";
  std::string uplot_dir = GOMAP_LAB_UPLOT_DIR;
  std::vector<std::string> only;
  report->add_option("--out", out, "the HTML file to write");
  report->add_option("--scale", size, "tiny, quick or full")->transform(CLI::CheckedTransformer(scales, CLI::ignore_case));
  report->add_option("--json", json, "also write every scenario's raw figures to FILE");
  report->add_option("--uplot-dir", uplot_dir, "directory holding uPlot's dist files (uPlot.iife.min.js, uPlot.min.css)");
  report->add_option("--only", only, "only these scenarios (ids)")->delimiter(',');

  auto* audit_cmd = app.add_subcommand("audit", "a live workload: growth events printed as they happen, /metrics served");
  std::string listen = "127.0.0.1:9464";
  double seconds = 10;
  audit_cmd->add_option("--listen", listen, "host:port to serve /metrics on");
  audit_cmd->add_option("--seconds", seconds, "how long to run")->check(CLI::PositiveNumber);
  audit_cmd->add_option("--scale", size, "workload size: tiny, quick or full")
      ->transform(CLI::CheckedTransformer(scales, CLI::ignore_case));

  // The child process of concurrent-writes; not for users.
  auto* race = app.add_subcommand("__race-child");
  race->group("");
  double race_seconds = 10;
  race->add_option("--seconds", race_seconds);

  CLI11_PARSE(app, argc, argv);

  try {
    if (app.got_subcommand("list")) {
      for (const auto& s : scenarios()) std::printf("%-18s article %s  %s\n", s.id, s.article, s.summary);
      return 0;
    }
    if (app.got_subcommand(race)) return race_child(race_seconds);
    if (app.got_subcommand(audit_cmd)) return audit(listen, seconds, size);

    progress bar;
    go_peer go(GOMAP_LAB_GO_BINARY);
    context c;
    c.size = size;
    c.bar = &bar;
    c.go = go.process.get();
    c.go_missing = go.missing;
    if (go.process) c.go_binary = GOMAP_LAB_GO_BINARY;
    c.self = self_path();
    machine_info machine = describe_machine();
    machine.go_version = go.version.empty() ? "not run" : go.version;

    if (app.got_subcommand(run)) {
      const scenario* s = find_scenario(id);
      if (!s) {
        std::fprintf(stderr, "gomap-lab: no scenario '%s'; `gomap-lab list` shows the ids\n", id.c_str());
        return 2;
      }
      const result r = run_one(*s, c);
      print(r);
      if (!json.empty()) write_file(json, to_json({r}, to_json(machine)));
      return 0;
    }

    // report
    for (const auto& o : only)
      if (!find_scenario(o)) {
        std::fprintf(stderr, "gomap-lab: no scenario '%s'; `gomap-lab list` shows the ids\n", o.c_str());
        return 2;
      }
    std::vector<result> results;
    for (const auto& s : scenarios()) {
      if (!only.empty() && std::find(only.begin(), only.end(), s.id) == only.end()) continue;
      results.push_back(run_one(s, c));
      std::printf("%-18s %5.1f s  %s\n", s.id, results.back().seconds, results.back().verdict.c_str());
      std::fflush(stdout);
    }
    if (!json.empty()) write_file(json, to_json(results, to_json(machine)));
    write_report(results, machine, out, uplot_dir);
    std::printf("report: %s\n", out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gomap-lab: %s\n", e.what());
    return 1;
  }
}

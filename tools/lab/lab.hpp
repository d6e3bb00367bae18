// tools/lab/lab.hpp: what every scenario of gomap-lab produces and what it is
// given. A scenario measures in the run (nothing here is a stored figure),
// and returns its figures as tables and charts plus a verdict in words; the
// `run` command prints them, `--json` writes them, `report` renders them.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace gomap_bench {
class go_process;
}

namespace gomap_lab {

// tiny: the tests' size (every code path, figures meaningless);
// quick: `make lab`, about a minute for all eight on 2 cores;
// full: the sizes of docs/benchmarks.md (10^7 keys), several minutes.
enum class scale { tiny, quick, full };
const char* to_string(scale s);
// Picks the value for the scale.
template <class T>
T by_scale(scale s, T tiny, T quick, T full) {
  return s == scale::tiny ? tiny : s == scale::quick ? quick : full;
}

inline constexpr double missing = std::numeric_limits<double>::quiet_NaN();  // JSON null, "-" in tables

struct series {
  std::string label;
  std::vector<double> y;  // one per x; NaN where the series has no point
  bool right_axis = false;  // drawn against the chart's second (right-hand) axis
};

struct chart {
  std::string title;
  std::string x_label, y_label;
  std::string y2_label;  // the right-hand axis, for series with right_axis
  bool log_y = false;
  std::vector<double> x;
  std::vector<series> lines;
  std::string note;  // how to read it (one sentence)
};

struct table {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

struct result {
  std::string id, title, article;
  std::string verdict;                // one line: what went wrong, by how much, the fix
  std::vector<std::string> findings;  // further sentences with figures
  std::vector<table> tables;          // the figures behind the charts
  std::vector<chart> charts;
  std::vector<std::string> peers_missing;  // maps that could not run here, and why
  double seconds = 0;                      // wall time of the scenario
};

// A progress bar on stdout when it is a terminal; does nothing otherwise.
class progress {
 public:
  progress();
  ~progress();
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  // Starts a bar of `steps` steps for `label`.
  void begin(const std::string& label, std::size_t steps);
  void step(const std::string& what = {});  // one step done; `what` is shown next to the bar
  void end();                               // erases the bar (before anything else is printed)
  bool active() const noexcept { return tty_; }

 private:
  void draw();
  bool tty_ = false;
  std::string label_, what_;
  std::size_t steps_ = 0, done_ = 0;
  std::int64_t last_draw_ns_ = 0;
};

struct context {
  scale size = scale::quick;
  progress* bar = nullptr;
  gomap_bench::go_process* go = nullptr;  // null when Go's map cannot run here (go_missing says why)
  std::string go_missing;
  std::string go_binary;  // the Go peer program, for scenarios that start their own (empty: none)
  std::string self;  // this executable, for scenarios that need a child process
};

struct scenario {
  const char* id;
  const char* article;
  const char* summary;  // what it shows (gomap-lab list)
  std::function<result(context&)> run;
};

// The eight scenarios, in DESIGN.md's order.
const std::vector<scenario>& scenarios();
const scenario* find_scenario(const std::string& id);

// Each scenario's entry point (one translation unit per one or two).
result rehash_storm(context&);
result presize(context&);
result churn_memory(context&);
result mass_delete(context&);
result tombstones(context&);
result growth_reads(context&);
result concurrent_writes(context&);
result concurrent_maps(context&);
// The child process of concurrent-writes (hidden subcommand): writes one
// unguarded gomap::map from two threads until Go's check ends the process.
int race_child(double seconds);

// Machine, compiler and revision, for the report's header and --json.
struct machine_info {
  std::string cpu, kernel, compiler, revision, date, load_average;
  long nproc = 0;
  std::string go_version;
};
// ---- commands other than run ----------------------------------------------------
// Writes the report page; throws std::runtime_error naming what is missing
// (uPlot's files, an unwritable path).
void write_report(const std::vector<result>& rs, const machine_info& m, const std::string& out,
                  const std::string& uplot_dir);
// The live workload: growth events printed as they happen, /metrics served.
int audit(const std::string& listen, double seconds, scale size);

// ---- output ----------------------------------------------------------------
std::string to_json(const result& r);
std::string to_json(const std::vector<result>& rs, const std::string& meta_json);
void print(const result& r);  // tables, findings and verdict to stdout

// ---- formatting helpers used by the scenarios ----------------------------------
std::string fmt_ns(double ns);        // "412 ns", "3.1 us", "190 ms"
std::string fmt_bytes(double bytes);  // "39.0 KB", "40.1 MB"
std::string fmt_num(double v, int precision = 3);  // significant digits; "-" for NaN
std::string fmt_ratio(double r);                   // "457x", "1.8x", "0.42x"
std::string fmt_pct(double percent);               // "100%", "25%", "3.1%", "0.42%"

// Downsampling that keeps spikes: the largest value of each of `windows`
// equal windows of `v` (converted by `scale`), and the index after each window.
void window_max(const std::vector<std::uint64_t>& v, std::size_t windows, double scale, std::vector<double>& x,
                std::vector<double>& y);

machine_info describe_machine();
std::string to_json(const machine_info& m);

}  // namespace gomap_lab

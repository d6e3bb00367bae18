// tools/lab/output.cpp: the progress bar, the text and JSON forms of a
// result, the formatting helpers, and what the lab records about the machine.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/src.hpp>  // Boost.JSON compiled into this one translation unit
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>

#include "common.hpp"
#include "lab.hpp"
#include "lab_config.hpp"
#include "lab_revision.hpp"  // GOMAP_LAB_REVISION, refreshed at every build

namespace gomap_lab {

const char* to_string(scale s) {
  switch (s) {
    case scale::tiny: return "tiny";
    case scale::quick: return "quick";
    case scale::full: return "full";
  }
  return "?";
}

// ---- progress ------------------------------------------------------------------

progress::progress() : tty_(::isatty(STDOUT_FILENO) == 1) {}
progress::~progress() { end(); }

void progress::begin(const std::string& label, std::size_t steps) {
  label_ = label;
  steps_ = std::max<std::size_t>(steps, 1);
  done_ = 0;
  what_.clear();
  last_draw_ns_ = 0;
  draw();
}

void progress::step(const std::string& what) {
  done_ = std::min(done_ + 1, steps_);
  what_ = what;
  // At most 20 redraws a second: a terminal write is not free, and the
  // scenarios time themselves between steps, never across one.
  const std::int64_t now = gomap_bench::now_ns();
  if (now - last_draw_ns_ > 50'000'000 || done_ == steps_) draw();
}

void progress::draw() {
  if (!tty_ || steps_ == 0) return;
  last_draw_ns_ = gomap_bench::now_ns();
  constexpr std::size_t width = 30;
  const std::size_t filled = done_ * width / steps_;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::printf("\r\033[K%-18s [%s] %3zu%%  %s", label_.c_str(), bar.c_str(), done_ * 100 / steps_, what_.c_str());
  std::fflush(stdout);
}

void progress::end() {
  if (!tty_ || steps_ == 0) return;
  std::printf("\r\033[K");
  std::fflush(stdout);
  steps_ = 0;
}

// ---- formatting ------------------------------------------------------------------

std::string fmt_num(double v, int precision) {
  if (!std::isfinite(v)) return "-";
  char b[48];
  if (std::fabs(v) >= std::pow(10.0, precision))
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.*g", precision, v);
  return b;
}

namespace {
// v in the largest of units[0..3] (each 1000 times the previous) that keeps
// it at least 1; whole numbers in the base unit, 3 significant digits above.
std::string scaled(double v, const char* const (&units)[4]) {
  if (!std::isfinite(v)) return "-";
  char b[48];
  int u = 0;
  double x = v;
  while (u < 3 && std::fabs(x) >= 1e3) {
    x /= 1e3;
    ++u;
  }
  std::snprintf(b, sizeof b, u == 0 ? "%.0f %s" : "%.3g %s", x, units[u]);
  return b;
}
}  // namespace

std::string fmt_ns(double ns) {
  static constexpr const char* units[4] = {"ns", "us", "ms", "s"};
  return scaled(ns, units);
}

std::string fmt_bytes(double bytes) {
  static constexpr const char* units[4] = {"B", "KB", "MB", "GB"};
  return scaled(bytes, units);
}

std::string fmt_ratio(double r) {
  if (!std::isfinite(r)) return "-";
  char b[48];
  std::snprintf(b, sizeof b, r >= 10 ? "%.0fx" : "%.2gx", r);
  return b;
}

std::string fmt_pct(double p) {
  if (!std::isfinite(p)) return "-";
  char b[48];
  if (std::fabs(p) >= 10) std::snprintf(b, sizeof b, "%.0f%%", p);
  else std::snprintf(b, sizeof b, "%.2g%%", p);
  return b;
}

void window_max(const std::vector<std::uint64_t>& v, std::size_t windows, double scale, std::vector<double>& x,
                std::vector<double>& y) {
  windows = std::min(windows, v.size());
  x.clear();
  y.clear();
  for (std::size_t w = 0; w < windows; ++w) {
    const std::size_t lo = w * v.size() / windows, hi = (w + 1) * v.size() / windows;
    std::uint64_t m = 0;
    for (std::size_t i = lo; i < hi; ++i) m = std::max(m, v[i]);
    x.push_back(double(hi));
    y.push_back(double(m) * scale);
  }
}

// ---- text ------------------------------------------------------------------------

void print(const result& r) {
  std::printf("\n== %s (article %s): %s\n", r.id.c_str(), r.article.c_str(), r.title.c_str());
  for (const table& t : r.tables) {
    std::vector<std::size_t> w(t.columns.size());
    for (std::size_t c = 0; c < t.columns.size(); ++c) w[c] = t.columns[c].size();
    for (const auto& row : t.rows)
      for (std::size_t c = 0; c < row.size() && c < w.size(); ++c) w[c] = std::max(w[c], row[c].size());
    std::printf("\n%s\n", t.title.c_str());
    auto line = [&](const std::vector<std::string>& cells) {
      std::printf(" ");
      for (std::size_t c = 0; c < w.size(); ++c) {
        const std::string s = c < cells.size() ? cells[c] : "";
        // First column left-aligned (names), figures right-aligned.
        if (c == 0) std::printf(" %-*s", int(w[c]), s.c_str());
        else std::printf("  %*s", int(w[c]), s.c_str());
      }
      std::printf("\n");
    };
    line(t.columns);
    for (const auto& row : t.rows) line(row);
  }
  if (!r.peers_missing.empty()) {
    std::printf("\nnot measured here:\n");
    for (const auto& p : r.peers_missing) std::printf("  - %s\n", p.c_str());
  }
  if (!r.findings.empty()) std::printf("\n");
  for (const auto& f : r.findings) std::printf("  * %s\n", f.c_str());
  std::printf("\nverdict [%s]: %s\n", r.id.c_str(), r.verdict.c_str());
  std::fflush(stdout);
}

// ---- JSON ------------------------------------------------------------------------

namespace {

// Six significant digits: a chart needs no more, and the page stays small.
boost::json::value number(double v) {
  if (!std::isfinite(v)) return nullptr;
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return std::strtod(b, nullptr);
}

boost::json::array numbers(const std::vector<double>& vs) {
  boost::json::array a;
  for (double v : vs) a.emplace_back(number(v));
  return a;
}

boost::json::value to_value(const result& r) {
  namespace js = boost::json;
  js::object o;
  o["id"] = r.id;
  o["title"] = r.title;
  o["article"] = r.article;
  o["verdict"] = r.verdict;
  o["seconds"] = r.seconds;
  o["findings"] = js::value_from(r.findings);
  o["peers_missing"] = js::value_from(r.peers_missing);
  js::array tables;
  for (const table& t : r.tables) {
    js::object to;
    to["title"] = t.title;
    to["columns"] = js::value_from(t.columns);
    to["rows"] = js::value_from(t.rows);
    tables.emplace_back(std::move(to));
  }
  o["tables"] = std::move(tables);
  js::array charts;
  for (const chart& c : r.charts) {
    js::object co;
    co["title"] = c.title;
    co["x_label"] = c.x_label;
    co["y_label"] = c.y_label;
    co["y2_label"] = c.y2_label;
    co["log_y"] = c.log_y;
    co["note"] = c.note;
    co["x"] = numbers(c.x);
    js::array lines;
    for (const series& s : c.lines) {
      js::object so;
      so["label"] = s.label;
      so["right_axis"] = s.right_axis;
      so["y"] = numbers(s.y);
      lines.emplace_back(std::move(so));
    }
    co["series"] = std::move(lines);
    charts.emplace_back(std::move(co));
  }
  o["charts"] = std::move(charts);
  return o;
}

}  // namespace

std::string to_json(const result& r) { return boost::json::serialize(to_value(r)); }

std::string to_json(const std::vector<result>& rs, const std::string& meta_json) {
  std::string s = "{\"machine\":" + meta_json + ",\"scenarios\":[";
  for (std::size_t i = 0; i < rs.size(); ++i) s += (i ? "," : "") + to_json(rs[i]);
  return s + "]}";
}

// ---- the machine -------------------------------------------------------------------

machine_info describe_machine() {
  machine_info m;
  m.cpu = gomap_bench::cpu_model();
  m.nproc = ::sysconf(_SC_NPROCESSORS_ONLN);
  utsname u{};
  ::uname(&u);
  m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  m.compiler = GOMAP_LAB_COMPILER;
  m.revision = GOMAP_LAB_REVISION;
  m.load_average = gomap_bench::load_average();
  char date[64];
  const std::time_t t = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  m.date = date;
  return m;
}

std::string to_json(const machine_info& m) {
  boost::json::object o;
  o["cpu"] = m.cpu;
  o["nproc"] = m.nproc;
  o["kernel"] = m.kernel;
  o["compiler"] = m.compiler;
  o["revision"] = m.revision;
  o["date"] = m.date;
  o["load_average"] = m.load_average;
  o["go_version"] = m.go_version;
  return boost::json::serialize(o);
}

}  // namespace gomap_lab

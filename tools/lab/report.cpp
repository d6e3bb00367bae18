// tools/lab/report.cpp: `gomap-lab report`'s page. One self-contained HTML
// file: uPlot's script and style, the page's own, and every figure are
// inlined, so it opens from disk with no network. One <section id="ID"> per
// scenario (the ids outside checks rely on), each with its verdict, its
// charts, and the tables of figures behind them.
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "lab.hpp"

namespace gomap_lab {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// Text inlined into a <script> or <style> element must not close it early.
std::string inline_safe(std::string s, const char* tag) {
  const std::string close = std::string("</") + tag;
  for (std::size_t p = 0; (p = s.find(close, p)) != std::string::npos; p += 2) s.replace(p, 2, "<\\/");
  return s;
}

void html_table(std::ostream& o, const table& t) {
  o << "<table class=\"figures\"><caption>" << esc(t.title) << "</caption><thead><tr>";
  for (const auto& c : t.columns) o << "<th>" << esc(c) << "</th>";
  o << "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    o << "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) o << (i ? "<td>" : "<th scope=\"row\">") << esc(row[i]) << (i ? "</td>" : "</th>");
    o << "</tr>\n";
  }
  o << "</tbody></table>\n";
}

// The numbers a chart draws, as a table (collapsed by default).
void chart_data_table(std::ostream& o, const chart& c) {
  o << "<details class=\"data\"><summary>The " << c.x.size() << " points of this chart</summary>"
    << "<table class=\"figures\"><thead><tr><th>" << esc(c.x_label) << "</th>";
  for (const auto& s : c.lines) o << "<th>" << esc(s.label) << "</th>";
  o << "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < c.x.size(); ++i) {
    o << "<tr><td>" << fmt_num(c.x[i], 6) << "</td>";
    for (const auto& s : c.lines) o << "<td>" << (i < s.y.size() ? fmt_num(s.y[i], 4) : "-") << "</td>";
    o << "</tr>\n";
  }
  o << "</tbody></table></details>\n";
}

constexpr const char* page_style = R"css(
:root { --fg: #1d232b; --muted: #5b6572; --line: #d9dee5; --bg: #ffffff; --panel: #f5f7fa; --accent: #0b63c5; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 small { font-weight: normal; color: var(--muted); font-size: 15px; }
h2 { font-size: 21px; margin: 0 0 2px; }
h2 small, h3 small { font-weight: normal; color: var(--muted); font-size: 14px; }
h3 { font-size: 16px; margin: 18px 0 4px; }
.machine { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 2px 14px; font-size: 13.5px; background: var(--panel); padding: 10px 14px; border-radius: 6px; margin: 10px 0 18px; }
.machine dt { color: var(--muted); }
.machine dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; word-break: break-all; }
.summary { width: 100%; border-collapse: collapse; font-size: 14px; margin: 0 0 10px; }
.summary td { padding: 5px 8px; border-top: 1px solid var(--line); vertical-align: top; }
.summary td:first-child { white-space: nowrap; font-weight: 600; }
.summary a { color: var(--accent); text-decoration: none; }
section { border-top: 2px solid var(--line); padding-top: 18px; margin-top: 26px; }
.what { color: var(--muted); margin: 0 0 8px; }
.verdict { background: #fff6e5; border-left: 4px solid #e59b00; padding: 8px 12px; margin: 8px 0 12px; border-radius: 0 4px 4px 0; }
.verdict b { color: #7a4a00; }
.chart { margin: 6px 0 2px; min-height: 330px; }
.note { color: var(--muted); font-size: 13px; margin: 2px 0 10px; }
table.figures { border-collapse: collapse; font-size: 13px; margin: 8px 0 4px; }
table.figures caption { text-align: left; font-weight: 600; padding: 4px 0; font-size: 13.5px; }
table.figures th, table.figures td { padding: 3px 9px; border-bottom: 1px solid var(--line); text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.figures th[scope=row], table.figures thead th:first-child { text-align: left; }
table.figures thead th { background: var(--panel); font-weight: 600; }
.scroll { overflow-x: auto; }
details.data { font-size: 13px; margin: 4px 0 10px; }
details.data summary { color: var(--accent); cursor: pointer; }
details.data table { max-height: 400px; }
ul.findings { margin: 6px 0; padding-left: 20px; font-size: 14px; }
.missing { color: var(--bad); font-size: 13px; }
.u-legend { font-size: 12.5px; }
)css";

// Draws every chart from the inlined data. Log-scale charts drop values <= 0
// (a log axis has no place for them); series named "... reserve" or
// "... (never shrink)" are dashed, to pair them with their solid sibling.
constexpr const char* page_script = R"js(
(function () {
  const data = JSON.parse(document.getElementById('lab-data').textContent);
  const colors = ['#0b63c5', '#d1495b', '#2e933c', '#e59b00', '#7b3fa0', '#00838f', '#6d4c41', '#5f6b7a', '#c2185b', '#9e9d24'];
  const si = (v) => {
    if (v == null) return '';
    const a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toPrecision(3) + 'G';
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
    if (a >= 1e3) return +(v / 1e3).toPrecision(3) + 'k';
    return +v.toPrecision(3) + '';
  };
  for (const el of document.querySelectorAll('div.chart')) {
    const [si_, ci] = el.dataset.chart.split('-').map(Number);
    const c = data.scenarios[si_].charts[ci];
    const dashed = (label) => / reserve$|never shrink|Go-faithful/.test(label);
    const series = [{ label: c.x_label, value: (u, v) => si(v) }];
    const cols = [c.x];
    c.series.forEach((s, i) => {
      const control = /^control loop/.test(s.label);
      const color = control ? '#a3abb5' : colors[i % colors.length];
      series.push({ label: s.label, stroke: color, width: /^gomap::map$/.test(s.label) ? 2 : 1.3, spanGaps: true,
                    scale: s.right_axis ? 'y2' : 'y',
                    dash: dashed(s.label) ? [6, 4] : undefined,
                    points: { show: c.x.length <= 60, size: 5, fill: color },
                    value: (u, v) => si(v) });
      cols.push(c.log_y ? s.y.map((v) => (v != null && v > 0 ? v : null)) : s.y);
    });
    const width = Math.max(480, Math.min(1060, el.clientWidth || 1060));
    const right = c.series.some((s) => s.right_axis);
    const opts = {
      width, height: 320, series,
      scales: Object.assign({ x: { time: false }, y: { distr: c.log_y ? 3 : 1 } }, right ? { y2: {} } : {}),
      axes: [
        { label: c.x_label, values: (u, vals) => vals.map(si) },
        { label: c.y_label, size: 64, values: (u, vals) => vals.map(si) },
      ].concat(right ? [{ scale: 'y2', side: 1, label: c.y2_label, size: 64, grid: { show: false },
                          values: (u, vals) => vals.map(si) }] : []),
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    new uPlot(opts, cols, el);
  }
})();
)js";

}  // namespace

void write_report(const std::vector<result>& rs, const machine_info& m, const std::string& out,
                  const std::string& uplot_dir) {
  const std::string uplot_js = read_file(uplot_dir + "/uPlot.iife.min.js");
  const std::string uplot_css = read_file(uplot_dir + "/uPlot.min.css");
  if (uplot_js.empty() || uplot_css.empty())
    throw std::runtime_error("uPlot's files (uPlot.iife.min.js, uPlot.min.css) are not in '" + uplot_dir +
                             "': build the gomap_lab_web target (npm ci) or pass --uplot-dir");

  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>gomap-lab report</title>\n<style>" << inline_safe(uplot_css, "style") << "</style>\n<style>"
    << page_style << "</style></head>\n<body><main>\n";
  o << "<h1>gomap-lab report <small>hash-map incidents, reproduced and measured on this machine</small></h1>\n";
  o << "<dl class=\"machine\">"
    << "<dt>CPU</dt><dd>" << esc(m.cpu) << "</dd><dt>cores (nproc)</dt><dd>" << m.nproc << "</dd>"
    << "<dt>compiler</dt><dd>" << esc(m.compiler) << "</dd><dt>gomap revision</dt><dd>" << esc(m.revision) << "</dd>"
    << "<dt>kernel</dt><dd>" << esc(m.kernel) << "</dd><dt>Go</dt><dd>" << esc(m.go_version) << "</dd>"
    << "<dt>date</dt><dd>" << esc(m.date) << "</dd><dt>load average at start</dt><dd>" << esc(m.load_average)
    << "</dd></dl>\n";
  o << "<table class=\"summary\">\n";
  for (const auto& r : rs)
    o << "<tr><td><a href=\"#" << esc(r.id) << "\">" << esc(r.id) << "</a></td><td>" << esc(r.verdict) << "</td></tr>\n";
  o << "</table>\n";

  for (std::size_t si = 0; si < rs.size(); ++si) {
    const result& r = rs[si];
    o << "<section id=\"" << esc(r.id) << "\">\n<h2>" << esc(r.id) << " <small>article " << esc(r.article) << " &middot; "
      << fmt_num(r.seconds, 2) << " s</small></h2>\n<p class=\"what\">" << esc(r.title) << "</p>\n"
      << "<p class=\"verdict\"><b>Verdict:</b> " << esc(r.verdict) << "</p>\n";
    for (std::size_t ci = 0; ci < r.charts.size(); ++ci) {
      const chart& c = r.charts[ci];
      o << "<h3>" << esc(c.title) << "</h3>\n<div class=\"chart\" data-chart=\"" << si << "-" << ci << "\"></div>\n";
      if (!c.note.empty()) o << "<p class=\"note\">" << esc(c.note) << "</p>\n";
      chart_data_table(o, c);
    }
    for (const auto& t : r.tables) {
      o << "<div class=\"scroll\">";
      html_table(o, t);
      o << "</div>\n";
    }
    if (!r.findings.empty()) {
      o << "<ul class=\"findings\">";
      for (const auto& f : r.findings) o << "<li>" << esc(f) << "</li>";
      o << "</ul>\n";
    }
    for (const auto& p : r.peers_missing) o << "<p class=\"missing\">Not measured here: " << esc(p) << "</p>\n";
    o << "</section>\n";
  }
  o << "</main>\n<script>" << inline_safe(uplot_js, "script") << "</script>\n"
    << "<script id=\"lab-data\" type=\"application/json\">" << inline_safe(to_json(rs, to_json(m)), "script")
    << "</script>\n<script>" << page_script << "</script>\n</body></html>\n";

  std::ofstream f(out, std::ios::binary);
  if (!f || !(f << o.str())) throw std::runtime_error("cannot write " + out);
}

}  // namespace gomap_lab

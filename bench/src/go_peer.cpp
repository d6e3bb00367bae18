// The Go peer: bench/go's program started once in -serve mode, driven over a
// pipe so that Go's map takes its turn in every repetition like the C++ maps
// (the ratios to Go are then same-run ratios too). Go times itself with its
// own monotonic clock; the pipe round trip is outside every measurement.
//
// Protocol: one command line in, one reply line out, "key=value" fields
// separated by spaces, or "error <message>".
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "common.hpp"
#include "go_peer.hpp"

namespace gomap_bench {

go_process::go_process(const std::string& binary) {
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("go: pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("go: fork failed");
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[0]);
    ::close(in[1]);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(binary.c_str(), binary.c_str(), "-serve", static_cast<char*>(nullptr));
    std::fprintf(stderr, "go: cannot run %s\n", binary.c_str());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  to_ = ::fdopen(in[1], "w");
  from_ = ::fdopen(out[0], "r");
}

go_process::~go_process() {
  std::fclose(to_);  // EOF: the server exits
  std::fclose(from_);
  int status;
  ::waitpid(pid_, &status, 0);
}

std::string go_process::call_raw(const std::string& command) {
  std::fprintf(to_, "%s\n", command.c_str());
  std::fflush(to_);
  std::string line;
  for (int c; (c = std::fgetc(from_)) != EOF && c != '\n';) line.push_back(static_cast<char>(c));
  if (line.empty()) throw std::runtime_error("go: no reply to '" + command + "' (did the Go program crash?)");
  if (line.rfind("error", 0) == 0) throw std::runtime_error("go: '" + command + "': " + line);
  return line;
}

std::map<std::string, double> go_process::call(const std::string& command) {
  std::map<std::string, double> r;
  for (const auto& [k, v] : reply_fields(call_raw(command))) r[k] = std::strtod(v.c_str(), nullptr);
  return r;
}

std::map<std::string, std::string> reply_fields(const std::string& reply) {
  std::istringstream in(reply);
  std::map<std::string, std::string> r;
  for (std::string field; in >> field;) {
    const auto eq = field.find('=');
    if (eq != std::string::npos) r[field.substr(0, eq)] = field.substr(eq + 1);
  }
  return r;
}

std::vector<double> reply_list(const std::string& value) {
  std::vector<double> v;
  std::istringstream in(value);
  for (std::string x; std::getline(in, x, ',');) v.push_back(std::strtod(x.c_str(), nullptr));
  return v;
}

namespace {

double field(const std::map<std::string, double>& r, const char* name) {
  const auto it = r.find(name);
  return it == r.end() ? nan : it->second;
}

std::string cmd(const char* name, std::size_t a, std::size_t b = 0, std::size_t c = 0) {
  return std::string(name) + " " + std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c);
}

latency_ns to_latency(const std::map<std::string, double>& r) {
  return {field(r, "p50"), field(r, "p99"), field(r, "p999"), field(r, "p9999"), field(r, "max")};
}

class go_map final : public subject {
 public:
  explicit go_map(std::shared_ptr<go_process> p) : subject("go", "default"), p_(std::move(p)) {}
  bool has(group) const override { return true; }

  lifecycle_ns lifecycle(std::size_t n, unsigned outer, unsigned inner) override {
    const auto r = p_->call(cmd("lifecycle", n, outer, inner));
    return {field(r, "insert"), field(r, "find_hit"), field(r, "find_miss"), field(r, "iterate"), field(r, "erase")};
  }
  lifecycle_ns insert_reserved(std::size_t n, unsigned outer, unsigned inner) override {
    const auto r = p_->call(cmd("insert_reserved", n, outer, inner));
    lifecycle_ns t;
    t.insert = field(r, "ns");
    t.find_hit = field(r, "find_hit");
    return t;
  }
  double churn(std::size_t live, std::size_t ops) override { return field(p_->call(cmd("churn", live, ops)), "ns"); }
  lifecycle_ns strings(std::size_t n, unsigned outer, unsigned inner) override {
    const auto r = p_->call(cmd("strings", n, outer, inner));
    return {field(r, "insert"), field(r, "find_hit"), nan, nan, nan};
  }
  latency_ns latency(std::size_t n) override { return to_latency(p_->call(cmd("latency", n))); }
  memory_bytes memory(std::size_t n) override { return to_memory(p_->call(cmd("memory", n))); }
  memory_bytes memory_rss(std::size_t n) override { return to_memory(p_->call(cmd("memory_rss", n))); }
  double churn_peak(std::size_t live, std::size_t ops) override {
    return field(p_->call(cmd("churn_peak", live, ops)), "peak");
  }

 private:
  static memory_bytes to_memory(const std::map<std::string, double>& r) {
    memory_bytes m;
    m.full = field(r, "full");
    m.peak = field(r, "peak");
    m.erased90 = field(r, "erased90");
    m.reinsert = field(r, "reinsert");
    return m;
  }
  std::shared_ptr<go_process> p_;
};

class go_control final : public subject {
 public:
  explicit go_control(std::shared_ptr<go_process> p) : subject("go_control", "none"), p_(std::move(p)) {}
  bool has(group g) const override { return g == group::latency; }
  latency_ns latency(std::size_t n) override { return to_latency(p_->call(cmd("latency_control", n))); }

 private:
  std::shared_ptr<go_process> p_;
};

}  // namespace

void add_go(subject_list& out, const std::string& binary, std::string* hello) {
  ::signal(SIGPIPE, SIG_IGN);  // a dead server shows as a failed read, with a message
  auto p = std::make_shared<go_process>(binary);
  *hello = p->call_raw("hello");
  out.push_back(std::make_unique<go_map>(p));
  out.push_back(std::make_unique<go_control>(p));
}

}  // namespace gomap_bench

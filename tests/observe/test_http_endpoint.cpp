// tests/observe/test_http_endpoint.cpp: the /metrics endpoint (gomap::http)
// answers in the format asked for, and a real Prometheus server scrapes it.
//
// PrometheusEndToEnd starts Debian's `prometheus` on loopback with a
// temporary config and storage directory, scraping this process's endpoint
// every second twice over (one job negotiates OpenMetrics as Prometheus does
// by default, the other forces the 0.0.4 text format), waits for a scrape,
// then asks Prometheus's HTTP API for gomap_entries and checks the value.
// Bounded: 60 s per wait; the server is killed and the directory removed
// whatever happens.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include <gomap/http/metrics_server.hpp>
#include <gomap/map.hpp>
#include <gomap/observe/prometheus.hpp>

namespace {

using u64 = std::uint64_t;
using metered_map = gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>,
                               std::allocator<std::pair<const u64, u64>>, gomap::metrics_observer>;

TEST(HttpEndpoint, serves_text_format_by_default) {
  gomap::metrics_registry reg;
  metered_map m;
  for (u64 k = 0; k < 777; ++k) m.emplace(k, k);
  auto h = reg.add("served", m);
  gomap::metrics_server server(reg);
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.host(), "127.0.0.1");

  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(res->body, reg.render(gomap::exposition_format::prometheus_text));
  EXPECT_NE(res->body.find("gomap_entries{map=\"served\"} 777\n"), std::string::npos);
}

TEST(HttpEndpoint, negotiates_openmetrics_from_accept_or_query) {
  gomap::metrics_registry reg;
  gomap::map<u64, u64> m;
  auto h = reg.add("om", m);
  gomap::metrics_server server(reg);
  httplib::Client cli("127.0.0.1", server.port());

  // What Prometheus 2.x sends.
  auto res = cli.Get("/metrics", {{"Accept",
                                   "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                                   "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(res->body, reg.render(gomap::exposition_format::openmetrics));
  EXPECT_EQ(res->body.substr(res->body.size() - 6), "# EOF\n");

  res = cli.Get("/metrics?format=prometheus", {{"Accept", "application/openmetrics-text"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  res = cli.Get("/metrics?format=openmetrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/openmetrics-text; version=1.0.0; charset=utf-8");

  res = cli.Get("/other");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST(HttpEndpoint, stops_at_once_and_frees_its_port) {
  gomap::metrics_registry reg;
  int port = 0;
  {
    gomap::metrics_server server(reg);  // destroyed right after starting
    port = server.port();
    server.stop();
    server.stop();
  }
  gomap::metrics_server again(reg, {.host = "127.0.0.1", .port = port});
  EXPECT_EQ(again.port(), port);
  gomap::metrics_server::options taken;
  taken.port = port;
  EXPECT_THROW(gomap::metrics_server clash(reg, taken), std::runtime_error);
}

// ---- a real Prometheus ------------------------------------------------------

// A loopback port nobody listens on now (the kernel's pick; a tiny race
// with other processes is possible and would show as a bind error in the log).
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Prometheus server in a temporary directory; killed and cleaned up by
// the destructor (and killed by the kernel if this process dies first).
class prometheus_process {
 public:
  prometheus_process(const std::string& binary, int scrape_port) {
    char tmpl[] = "/tmp/gomap-prometheus-XXXXXX";
    if (!::mkdtemp(tmpl)) return;
    dir_ = tmpl;
    port_ = free_loopback_port();
    const std::string target = "'127.0.0.1:" + std::to_string(scrape_port) + "'";
    std::ofstream(dir_ / "prometheus.yml") << "global:\n"
                                              "  scrape_interval: 1s\n"
                                              "  scrape_timeout: 1s\n"
                                              "scrape_configs:\n"
                                              "  - job_name: gomap_openmetrics\n"
                                              "    static_configs:\n"
                                              "      - targets: ["
                                           << target
                                           << "]\n"
                                              "  - job_name: gomap_text\n"
                                              "    params:\n"
                                              "      format: [prometheus]\n"
                                              "    static_configs:\n"
                                              "      - targets: ["
                                           << target << "]\n";
    const std::string config = "--config.file=" + (dir_ / "prometheus.yml").string();
    const std::string storage = "--storage.tsdb.path=" + (dir_ / "data").string();
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    const std::string log = (dir_ / "prometheus.log").string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls here: other threads of this process
      // (the metrics server's) may have held locks at the fork.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execl(binary.c_str(), binary.c_str(), config.c_str(), storage.c_str(), listen.c_str(), "--log.level=info",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  prometheus_process(const prometheus_process&) = delete;
  prometheus_process& operator=(const prometheus_process&) = delete;

  ~prometheus_process() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 100 && alive(); ++i)  // 10 s to shut down cleanly
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (alive()) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  bool started() const { return pid_ > 0 && port_ > 0; }
  // Reaps the process if it has exited, so its pid is never signalled after.
  bool alive() {
    if (pid_ <= 0 || reaped_) return false;
    reaped_ = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
    return !reaped_;
  }
  int port() const { return port_; }
  std::string log() const { return read_file(dir_ / "prometheus.log"); }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int port_ = -1;
};

// The value of the one sample an instant query returns, or "" when there
// is none (yet). The answer looks like
//   {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[1700000000.1,"1234"]}]}}
std::string query_value(httplib::Client& cli, const std::string& promql) {
  auto res = cli.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
  if (!res || res->status != 200) return "";
  const std::string& b = res->body;
  const std::size_t v = b.find("\"value\":[");
  if (v == std::string::npos) return "";
  const std::size_t open = b.find(",\"", v);
  const std::size_t close = b.find('"', open + 2);
  if (open == std::string::npos || close == std::string::npos) return "";
  return b.substr(open + 2, close - open - 2);
}

// Polls until `promql` yields `want`, Prometheus dies, or 60 s pass.
::testing::AssertionResult eventually(httplib::Client& cli, prometheus_process& p, const std::string& promql,
                                      const std::string& want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string got;
  while (std::chrono::steady_clock::now() < deadline) {
    got = query_value(cli, promql);
    if (got == want) return ::testing::AssertionSuccess();
    if (!p.alive()) return ::testing::AssertionFailure() << "prometheus exited; its log:\n" << p.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return ::testing::AssertionFailure() << promql << " gave '" << got << "', not '" << want
                                       << "', within 60 s; prometheus log:\n"
                                       << p.log();
}

TEST(PrometheusEndToEnd, prometheus_scrapes_the_gomap_series_in_both_formats) {
  const std::string binary = GOMAP_PROMETHEUS_BINARY;
  ASSERT_FALSE(binary.empty()) << "prometheus not found at configure time: install the Debian package prometheus "
                                  "(scripts/install-deps.sh observe), then reconfigure";

  gomap::metrics_registry reg;
  metered_map m;
  auto h = reg.add("e2e", m);  // counts growth events from here on
  for (u64 k = 0; k < 12345; ++k) m.emplace(k, k);
  h.publish(m);
  const u64 growths = m.stats().growths;
  gomap::metrics_server server(reg);

  prometheus_process prom(binary, server.port());
  ASSERT_TRUE(prom.started()) << "could not start " << binary;
  httplib::Client cli("127.0.0.1", prom.port());
  cli.set_connection_timeout(std::chrono::seconds(2));
  cli.set_read_timeout(std::chrono::seconds(5));

  EXPECT_TRUE(eventually(cli, prom, "gomap_entries{map=\"e2e\",job=\"gomap_openmetrics\"}", "12345"));
  EXPECT_TRUE(eventually(cli, prom, "gomap_entries{map=\"e2e\",job=\"gomap_text\"}", "12345"));
  EXPECT_TRUE(eventually(cli, prom, "gomap_growth_events_total{map=\"e2e\",kind=\"grow_start\",job=\"gomap_text\"}",
                         std::to_string(growths)));
  // OpenMetrics counters keep their _total suffix in Prometheus too.
  EXPECT_TRUE(eventually(cli, prom,
                         "gomap_growth_events_total{map=\"e2e\",kind=\"grow_start\",job=\"gomap_openmetrics\"}",
                         std::to_string(growths)));
  EXPECT_TRUE(eventually(cli, prom, "up{job=\"gomap_openmetrics\"}", "1"));

  // The owner publishes a change; the next scrape carries it.
  for (u64 k = 0; k < 2345; ++k) m.erase(k);
  h.publish(m);
  EXPECT_TRUE(eventually(cli, prom, "gomap_entries{map=\"e2e\",job=\"gomap_openmetrics\"}", "10000"));
}

}  // namespace

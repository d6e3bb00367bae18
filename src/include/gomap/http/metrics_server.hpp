// gomap/http/metrics_server.hpp: serves a metrics_registry at /metrics over
// HTTP. Part of the compiled gomap::http target (cpp-httplib inside), so the
// header-only core keeps no dependency.
//
//   gomap::metrics_server server(gomap::metrics_registry::global(), {.host = "127.0.0.1", .port = 9464});
//   // ... scrape http://127.0.0.1:9464/metrics; the destructor stops serving.
//
// Format: OpenMetrics 1.0 when the request's Accept header asks for
// application/openmetrics-text (Prometheus does), else the text format 0.0.4;
// `?format=openmetrics` or `?format=prometheus` overrides. Each scrape only
// copies the registry's published figures (see prometheus.hpp): it never
// touches a map.
#pragma once

#include <memory>
#include <string>

#include <gomap/observe/prometheus.hpp>

namespace gomap {

class metrics_server {
 public:
  struct options {
    std::string host = "127.0.0.1";  // loopback unless told otherwise
    int port = 0;                    // 0: any free port (see port())
    std::string path = "/metrics";
    int threads = 2;  // connections served at once
  };

  // Binds and starts serving on a thread of its own before returning. Throws
  // std::runtime_error when the address cannot be bound. `registry` must
  // outlive the server.
  explicit metrics_server(const metrics_registry& registry);
  metrics_server(const metrics_registry& registry, options opts);
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;
  ~metrics_server();

  int port() const noexcept;
  const std::string& host() const noexcept;

  // Stops serving and joins the thread. Idempotent.
  void stop();

  // What /metrics answers for a request with this Accept header and
  // `format` query parameter (either may be empty).
  static exposition_format negotiate(const std::string& accept, const std::string& format_param);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gomap

// The HTTP face of the metrics registry: cpp-httplib, one listening thread
// and a small pool for connections.
#include <gomap/http/metrics_server.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>

#include <sys/socket.h>

#include <httplib.h>

namespace gomap {

struct metrics_server::impl {
  const metrics_registry& registry;
  options opts;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  impl(const metrics_registry& r, options o) : registry(r), opts(std::move(o)) {}
};

exposition_format metrics_server::negotiate(const std::string& accept, const std::string& format_param) {
  if (format_param == "openmetrics") return exposition_format::openmetrics;
  if (format_param == "prometheus" || format_param == "text") return exposition_format::prometheus_text;
  return accept.find("application/openmetrics-text") != std::string::npos ? exposition_format::openmetrics
                                                                          : exposition_format::prometheus_text;
}

metrics_server::metrics_server(const metrics_registry& registry) : metrics_server(registry, options()) {}

metrics_server::metrics_server(const metrics_registry& registry, options opts)
    : impl_(std::make_unique<impl>(registry, std::move(opts))) {
  impl& s = *impl_;
  const int threads = s.opts.threads > 0 ? s.opts.threads : 1;
  s.server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  // SO_REUSEADDR (rebind at once after a restart) but not httplib's default
  // SO_REUSEPORT, with which a second process could bind the same port and
  // silently take half of the scrapes.
  s.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.server.Get(s.opts.path, [&s](const httplib::Request& req, httplib::Response& res) {
    const exposition_format f =
        negotiate(req.get_header_value("Accept"), req.has_param("format") ? req.get_param_value("format") : "");
    res.set_content(s.registry.render(f), content_type(f));
  });
  if (s.opts.port == 0) {
    s.port = s.server.bind_to_any_port(s.opts.host);
    if (s.port <= 0) throw std::runtime_error("gomap::metrics_server: cannot bind " + s.opts.host + ":0");
  } else {
    if (!s.server.bind_to_port(s.opts.host, s.opts.port))
      throw std::runtime_error("gomap::metrics_server: cannot bind " + s.opts.host + ":" + std::to_string(s.opts.port));
    s.port = s.opts.port;
  }
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  // httplib's stop() only takes effect once the loop runs: wait for it, so
  // that a server destroyed at once still stops.
  while (!s.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

metrics_server::~metrics_server() { stop(); }

void metrics_server::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

int metrics_server::port() const noexcept { return impl_->port; }
const std::string& metrics_server::host() const noexcept { return impl_->opts.host; }

}  // namespace gomap

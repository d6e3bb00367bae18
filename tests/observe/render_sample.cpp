// tests/observe/render_sample.cpp: prints the exposition of a registry of
// real maps in every state (growing, shrunk, churned, observed or not, with
// sampled operation durations, a name that needs escaping), for
// `promtool check metrics` to lint.
//   render_sample [openmetrics]
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <gomap/map.hpp>
#include <gomap/observe/op_latency.hpp>
#include <gomap/observe/prometheus.hpp>

namespace {
using u64 = std::uint64_t;
using metered_map = gomap::map<u64, u64, gomap::hash<u64>, gomap::default_equal<u64>,
                               std::allocator<std::pair<const u64, u64>>, gomap::metrics_observer>;
}  // namespace

int main(int argc, char** argv) {
  const bool om = argc > 1 && std::strcmp(argv[1], "openmetrics") == 0;
  gomap::metrics_registry reg;

  metered_map growing;
  auto h1 = reg.add("growing", growing);
  for (u64 k = 0;; ++k) {
    growing.emplace(k, k);
    const gomap::map_stats s = growing.stats();
    if (s.growing && s.old_bucket_count >= 256 && s.evacuated > 10) break;
  }
  h1.publish(growing);

  metered_map shrunk;
  auto h2 = reg.add("shrunk", shrunk);
  for (u64 k = 0; k < 50000; ++k) shrunk.emplace(k, k);
  for (u64 k = 0; k < 49000; ++k) shrunk.erase(k);
  for (u64 k = 0; k < 2000; ++k) shrunk.emplace(100000 + k, k);
  h2.publish(shrunk);

  gomap::map<u64, u64> plain;
  for (u64 k = 0; k < 3000; ++k) plain.emplace(k * 7, k);
  for (u64 k = 0; k < 3000; k += 3) plain.erase(k * 7);
  auto h3 = reg.add("plain \"unobserved\" map\\1", plain);

  gomap::op_timed<gomap::map<u64, u64>> timed;
  auto h5 = reg.add("timed", timed);
  timed.time_into(h5.op_recorder(), 1);
  for (u64 k = 0; k < 5000; ++k) timed[k] = k;
  for (u64 k = 0; k < 5000; k += 2) (void)timed.find(k);
  for (u64 k = 0; k < 5000; k += 5) timed.erase(k);
  h5.publish(timed);

  gomap::map<u64, u64> empty;
  auto h4 = reg.add("empty", empty);

  const std::string body =
      reg.render(om ? gomap::exposition_format::openmetrics : gomap::exposition_format::prometheus_text);
  std::fwrite(body.data(), 1, body.size(), stdout);
  return body.empty() ? 1 : 0;
}

// The consumer's program: uses gomap::map and gomap::set (and gomap::http
// when linked), checks the header's version against the one the build
// expects, and says so. Exits non-zero on any mismatch.
#include <gomap/map.hpp>
#include <gomap/set.hpp>
#include <gomap/version.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#ifdef GOMAP_CONSUMER_HTTP
#include <gomap/http/metrics_server.hpp>
#endif

#ifndef GOMAP_CONSUMER_EXPECT_VERSION
#define GOMAP_CONSUMER_EXPECT_VERSION GOMAP_VERSION_STRING
#endif

int main() {
  gomap::map<std::string, int> m;
  for (int i = 0; i < 1000; ++i) m[std::to_string(i)] = i;
  gomap::set<int> s{1, 2, 3};
  if (m.size() != 1000 || m.at("999") != 999 || !s.contains(2)) {
    std::puts("consumer: wrong map contents");
    return 1;
  }
  if (std::strcmp(GOMAP_VERSION_STRING, GOMAP_CONSUMER_EXPECT_VERSION) != 0 ||
      GOMAP_VERSION != GOMAP_VERSION_MAJOR * 10000 + GOMAP_VERSION_MINOR * 100 + GOMAP_VERSION_PATCH) {
    std::printf("consumer: version.hpp says %s, the build expects %s\n", GOMAP_VERSION_STRING,
                GOMAP_CONSUMER_EXPECT_VERSION);
    return 1;
  }
#ifdef GOMAP_CONSUMER_HTTP
  // That it links and answers (the endpoint has its own tests): a query
  // parameter overrides the Accept header.
  if (gomap::metrics_server::negotiate("application/openmetrics-text", "prometheus") !=
      gomap::metrics_server::negotiate("", "")) {
    std::puts("consumer: gomap::metrics_server::negotiate disagrees with itself");
    return 1;
  }
  std::printf("consumer: gomap %s (with gomap::http)\n", GOMAP_VERSION_STRING);
#else
  std::printf("consumer: gomap %s\n", GOMAP_VERSION_STRING);
#endif
  return 0;
}

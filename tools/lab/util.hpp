// tools/lab/util.hpp: small helpers the scenarios share.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common.hpp"
#include "go_peer.hpp"
#include "lab.hpp"

namespace gomap_lab {

// Makes keys [0, n) of the benchmarks' key sequence available (the same
// keys bench/go generates). Regenerates only when more are needed.
inline void ensure_keys(std::size_t n) {
  static std::size_t have = 0;
  if (n > have) {
    gomap_bench::keys().generate(n);
    have = n;
  }
}

// Sends a command to the Go peer, if there is one; the reply's fields as
// strings (lists stay "a,b,c": see gomap_bench::reply_list). An error from
// the peer is recorded in `r.peers_missing` rather than ending the scenario.
inline std::optional<std::map<std::string, std::string>> go_call(context& c, result& r, const std::string& cmd) {
  if (!c.go) {
    if (std::find(r.peers_missing.begin(), r.peers_missing.end(), c.go_missing) == r.peers_missing.end())
      r.peers_missing.push_back(c.go_missing);
    return std::nullopt;
  }
  try {
    return gomap_bench::reply_fields(c.go->call_raw(cmd));
  } catch (const std::exception& e) {
    r.peers_missing.push_back(std::string("Go map: ") + e.what());
    return std::nullopt;
  }
}

inline double num(const std::map<std::string, std::string>& f, const char* key) {
  const auto it = f.find(key);
  return it == f.end() ? missing : std::strtod(it->second.c_str(), nullptr);
}

inline double median(std::vector<double> v) {
  if (v.empty()) return missing;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

inline double ticks_to_ns(std::uint64_t t) { return double(t) / gomap_bench::ticks_per_ns(); }

}  // namespace gomap_lab

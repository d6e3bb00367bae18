// bench/src/go_peer.hpp: bench/go's program in -serve mode as a child
// process, one command line in, one reply line out (see go_peer.cpp for the
// protocol). The benchmark driver wraps it as a subject (add_go); the lab
// (tools/lab) sends it its own commands.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace gomap_bench {

class go_process {
 public:
  // Starts `binary -serve`. Throws std::runtime_error if it cannot.
  explicit go_process(const std::string& binary);
  go_process(const go_process&) = delete;
  go_process& operator=(const go_process&) = delete;
  ~go_process();  // EOF on its stdin: the server exits; then reaped

  // The reply line; throws on "error ..." or no reply (the program died).
  std::string call_raw(const std::string& command);
  // The reply's key=value fields as numbers (non-numeric values: 0).
  std::map<std::string, double> call(const std::string& command);

 private:
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

// A reply's key=value fields as strings.
std::map<std::string, std::string> reply_fields(const std::string& reply);
// "1,2.5,3" -> {1, 2.5, 3}: the list fields of the lab's trace commands.
std::vector<double> reply_list(const std::string& value);

}  // namespace gomap_bench

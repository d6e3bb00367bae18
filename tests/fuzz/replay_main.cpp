// tests/fuzz/replay_main.cpp: runs the fuzz target on every file of the
// corpus directories (or on single files) given as arguments, without
// libFuzzer, so that every build of the suite (release, ASan+UBSan, TSan,
// any compiler) replays the corpus. Fails when a directory is missing or
// holds no input: an empty corpus would otherwise pass without testing
// anything. With --expect-growths it also fails unless the inputs left maps
// in the middle of a doubling, a same-size and a shrinking growth (a corpus
// that no longer reaches them, after a change of the byte format, say,
// tests much less than it seems to).
//
//   fuzz_replay [--expect-growths] <dir-or-file>...
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
void gofuzz_growth_counts(std::uint64_t out[4]);  // fuzz_target.cpp

namespace {

// The input being replayed, for the abort handler (a failure aborts).
char current[4096];

extern "C" void on_abort(int) {
  static const char msg[] = "fuzz_replay: the failing input is ";
  [[maybe_unused]] auto r1 = ::write(2, msg, sizeof msg - 1);
  [[maybe_unused]] auto r2 = ::write(2, current, std::strlen(current));
  [[maybe_unused]] auto r3 = ::write(2, "\n", 1);
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  const bool expect_growths = argc > 1 && std::strcmp(argv[1], "--expect-growths") == 0;
  if (expect_growths) ++first;
  if (argc <= first) {
    std::fprintf(stderr, "usage: %s [--expect-growths] <corpus-dir-or-file>...\n", argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (int a = first; a < argc; ++a) {
    const std::filesystem::path p = argv[a];
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
      files.push_back(p);
      continue;
    }
    if (!std::filesystem::is_directory(p, ec)) {
      std::fprintf(stderr, "fuzz_replay: %s is neither a corpus directory nor a file\n", p.c_str());
      return 1;
    }
    std::size_t found = 0;
    for (const auto& e : std::filesystem::directory_iterator(p))
      if (e.is_regular_file()) {
        files.push_back(e.path());
        ++found;
      }
    if (found == 0) {
      std::fprintf(stderr, "fuzz_replay: corpus directory %s holds no input\n", p.c_str());
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  std::signal(SIGABRT, on_abort);
  std::size_t bytes = 0;
  for (const auto& f : files) {
    std::snprintf(current, sizeof current, "%s", f.c_str());
    std::ifstream in(f, std::ios::binary);
    const std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "fuzz_replay: cannot read %s\n", f.c_str());
      return 1;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    bytes += data.size();
  }
  std::uint64_t g[4];
  gofuzz_growth_counts(g);
  std::printf("fuzz_replay: %zu inputs (%zu bytes) replayed, no failure; of %llu map states after an operation, "
              "%llu were mid-doubling, %llu mid-same-size growth, %llu mid-shrink\n",
              files.size(), bytes, static_cast<unsigned long long>(g[0]), static_cast<unsigned long long>(g[1]),
              static_cast<unsigned long long>(g[2]), static_cast<unsigned long long>(g[3]));
  if (expect_growths && (g[1] == 0 || g[2] == 0 || g[3] == 0)) {
    std::fprintf(stderr, "fuzz_replay: the inputs do not reach every kind of growth\n");
    return 1;
  }
  return 0;
}

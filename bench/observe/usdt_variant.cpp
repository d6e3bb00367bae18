// bench/observe/usdt_variant.cpp: the same loops on a map compiled with
// GOMAP_USDT (probes in place, no tracer attached). Its hasher is a distinct
// type, so this translation unit's instantiation of the engine (with probes)
// is not the one the others use (without): no ODR clash.
#if !defined(GOMAP_USDT) && !defined(GOMAP_USDT_BENCH_WITHOUT_PROBES)
#error "build with -DGOMAP_USDT"
#endif
#include <gomap/map.hpp>

#include "workload.hpp"

namespace obench {
namespace {
struct usdt_hash : gomap::hash<u64> {};
using usdt_map = gomap::map<u64, u64, usdt_hash>;
}  // namespace

double usdt_insert_fresh(const std::vector<u64>& keys, u64& checksum) {
  return insert_fresh<usdt_map>(
      keys, [] { return usdt_map(); }, checksum);
}
double usdt_insert_presized(const std::vector<u64>& keys, u64& checksum) {
  return insert_presized<usdt_map>(
      keys, [] { return usdt_map(); }, checksum);
}

}  // namespace obench

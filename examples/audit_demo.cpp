// The audit on a small workload shaped like the incident in the design notes:
// maps created without a size and filled in loops whose count was known.
//   gomap_audit_demo [every]    sample 1 map in `every` (default 1: all)
// It prints gomap::audit::report(). The same code, checked by clang-tidy with
// gomap-unsized-map-fill, is flagged at the two fills the audit reports
// (docs/lint-and-audit.md shows both).
#include <gomap/audit.hpp>
#include <gomap/map.hpp>
#include <gomap/set.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

struct order {
  std::uint64_t id;
  std::uint64_t customer;
  std::uint32_t cents;
};

std::vector<order> make_orders(std::size_t n) {
  std::vector<order> v;
  v.reserve(n);
  std::uint64_t x = 88172645463325252ull;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v.push_back({x, x % 5000, static_cast<std::uint32_t>(x % 100000)});
  }
  return v;
}

// One large map, built once: it doubles its way up from one bucket.
gomap::map<std::uint64_t, const order*> index_by_id(const std::vector<order>& orders) {
  gomap::map<std::uint64_t, const order*> by_id;
  for (const order& o : orders) by_id.emplace(o.id, &o);
  return by_id;
}

// Many small maps, one per batch: each grows a few times.
std::size_t distinct_customers(const std::vector<order>& orders, std::size_t first, std::size_t last) {
  gomap::set<std::uint64_t> seen;
  for (std::size_t i = first; i < last; ++i) seen.insert(orders[i].customer);
  return seen.size();
}

// Sized from the start: never grows, never reported.
gomap::map<std::uint64_t, std::uint64_t> cents_by_customer(const std::vector<order>& orders) {
  gomap::map<std::uint64_t, std::uint64_t> totals(5000);
  for (const order& o : orders) totals[o.customer] += o.cents;
  return totals;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t every = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  gomap::audit::enable(every == 0 ? 1 : every);

  const std::vector<order> orders = make_orders(200000);
  const auto by_id = index_by_id(orders);
  std::size_t distinct = 0;
  for (std::size_t b = 0; b + 1000 <= orders.size(); b += 1000) distinct += distinct_customers(orders, b, b + 1000);
  const auto totals = cents_by_customer(orders);
  std::printf("%zu orders indexed, %zu distinct customers per batch in total, %zu customers\n\n", by_id.size(),
              distinct, totals.size());

  gomap::audit::print(stdout);
  return 0;
}

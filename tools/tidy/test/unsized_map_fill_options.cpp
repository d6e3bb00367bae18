// gomap-unsized-map-fill with options: MapLikeClasses names one class of our
// own (std::unordered_map is then not checked), MinTripCount 2 lets a loop of
// 4 be flagged. RUN-ARGS is read by check_fixture.sh.
// RUN-ARGS: -config={CheckOptions: [{key: gomap-unsized-map-fill.MapLikeClasses, value: '::my::table'}, {key: gomap-unsized-map-fill.MinTripCount, value: 2}]}
#include <cstddef>
#include <unordered_map>

namespace my {
template <class K>
struct table {
  void insert(const K&) {}
  void reserve(std::size_t) {}
};
}  // namespace my

void fill() {
  my::table<int> t;
  for (int i = 0; i < 4; ++i) t.insert(i);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 't' is filled {{.*}}; reserve 4 before the loop [gomap-unsized-map-fill]
  // CHECK-FIXES: {{^}}  t.reserve(4);{{$}}
  std::unordered_map<int, int> not_listed;
  for (int i = 0; i < 100; ++i) not_listed[i] = i;
  my::table<int> below;
  for (int i = 0; i < 1; ++i) below.insert(i);
}

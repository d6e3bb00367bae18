// gomap/observe/tee_observer.hpp: one map, two observers.
//
//   using obs = gomap::tee_observer<gomap::ring_observer, gomap::metrics_observer>;
//   gomap::map<K, V, H, E, A, obs> m;
//   m.observer().first() = gomap::ring_observer(ring);
//   m.observer().second() = registration.observer();
//
// Each event goes to `first`, then to `second`; a side whose `enabled` is
// false costs nothing.
#pragma once

#include <utility>

#include "events.hpp"

namespace gomap {

template <class First, class Second>
requires growth_observer<First> && growth_observer<Second>
class tee_observer {
 public:
  static constexpr bool enabled = First::enabled || Second::enabled;

  tee_observer() = default;
  tee_observer(First a, Second b) : first_(std::move(a)), second_(std::move(b)) {}

  void on_growth_event(const growth_event& e) noexcept {
    if constexpr (First::enabled) first_.on_growth_event(e);
    if constexpr (Second::enabled) second_.on_growth_event(e);
  }

  First& first() noexcept { return first_; }
  const First& first() const noexcept { return first_; }
  Second& second() noexcept { return second_; }
  const Second& second() const noexcept { return second_; }

 private:
  [[no_unique_address]] First first_{};
  [[no_unique_address]] Second second_{};
};

}  // namespace gomap

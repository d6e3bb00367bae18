// gomap/shrink_policy.hpp: whether erases give memory back.
#pragma once

#include <cstdint>

namespace gomap {

// `shrink` (the default): once erases bring the load below a quarter of 6.5,
// the next insert of a new key starts a shrinking growth (container.hpp,
// set_shrink_policy). `never` is Go's behaviour, kept for comparison: a Go
// map keeps every bucket it ever grew to.
enum class shrink_policy : std::uint8_t { shrink, never };

}  // namespace gomap

// gomap/observe/detailed_stats.hpp: kept so that existing includes build.
// The bucket scan sits above the engine, so it lives at
// <gomap/detailed_stats.hpp>; observe/ holds what the engine itself uses.
#pragma once

#include "../detailed_stats.hpp"

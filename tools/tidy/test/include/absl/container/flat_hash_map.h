// Test input: a stand-in for absl::flat_hash_map (see stand_in_hash_table.h).
#pragma once
#include "../../stand_in_hash_table.h"
namespace absl {
template <class K, class V>
class flat_hash_map : public stand_in::hash_table<K, V> {
  using stand_in::hash_table<K, V>::hash_table;
};
}  // namespace absl

// Test input: a stand-in for absl::flat_hash_set (see stand_in_hash_table.h).
#pragma once
#include "../../stand_in_hash_table.h"
namespace absl {
template <class K>
class flat_hash_set : public stand_in::hash_table<K, bool> {
  using stand_in::hash_table<K, bool>::hash_table;
};
}  // namespace absl

// Test input: a stand-in for boost::unordered_flat_map (see stand_in_hash_table.h).
#pragma once
#include "../../stand_in_hash_table.h"
namespace boost {
namespace unordered {
template <class K, class V>
class unordered_flat_map : public stand_in::hash_table<K, V> {
  using stand_in::hash_table<K, V>::hash_table;
};
}  // namespace unordered
using unordered::unordered_flat_map;
}  // namespace boost

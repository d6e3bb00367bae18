// Test input: a stand-in for boost::unordered_flat_set (see stand_in_hash_table.h).
#pragma once
#include "../../stand_in_hash_table.h"
namespace boost {
namespace unordered {
template <class K>
class unordered_flat_set : public stand_in::hash_table<K, bool> {
  using stand_in::hash_table<K, bool>::hash_table;
};
}  // namespace unordered
using unordered::unordered_flat_set;
}  // namespace boost

// tests/fuzz/make_seeds.cpp: writes the hand-made seeds of the corpus, one
// file per situation and container kind, named seed-<situation>-<kind>. Each
// situation is one the engine got wrong once, or a corner the fuzzer should
// start from rather than find: the first round's bugs that show at run time
// (moves in the middle of a growth, element-wise moves between unequal
// allocators, clear_and_release inside range, keys i << 32), growths of all
// three kinds, and range with writes in its callback.
//
//   cmake --build --preset release --target fuzz_make_seeds
//   build/release/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
//
// The byte format is fuzz_ops.hpp's; a range's actions are consumed one per
// entry produced, in the range's random order.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_ops.hpp"

namespace {

using namespace gofuzz;

class seed {
 public:
  seed(kind k, hash_mode h, unsigned param, key_mode keys, unsigned flags) {
    b_ = {static_cast<std::uint8_t>(k), static_cast<std::uint8_t>(static_cast<unsigned>(h) | param << 3),
          static_cast<std::uint8_t>(keys), static_cast<std::uint8_t>(flags)};
  }
  seed& op(gofuzz::op o, unsigned variant = 0, unsigned map = 0) {
    b_.push_back(op_byte(o, variant, map));
    return *this;
  }
  seed& u8(unsigned v) {
    b_.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  seed& u16(unsigned v) { return u8(v & 0xff).u8(v >> 8); }
  seed& act(range_action a) { return u8(static_cast<unsigned>(a)); }
  // Bulk inserts of n keys in pieces of at most 256.
  seed& fill(unsigned n, unsigned variant = 0, unsigned map = 0) {
    for (; n > 0; n -= std::min(n, 256u)) op(op::insert_bulk, variant, map).u8(std::min(n, 256u) - 1);
    return *this;
  }
  seed& drain(unsigned n, unsigned variant = 0, unsigned map = 0) {
    for (; n > 0; n -= std::min(n, 255u)) op(op::erase_first, variant, map).u8(std::min(n, 255u));
    return *this;
  }
  // A range that produces n entries, doing nothing, and stops (a range
  // takes one action byte per entry: on a large map, without the stop, it
  // would eat the rest of the input).
  seed& range_stop(unsigned n = 1, unsigned variant = 0) {
    op(op::range, variant);
    for (unsigned i = 0; i < n; ++i) act(range_action::none0);
    return act(range_action::stop);
  }
  seed& look(unsigned from, unsigned n, unsigned map = 0) { return op(op::lookup, 0, map).u16(from).u8(n - 1); }
  const std::vector<std::uint8_t>& bytes() const { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

constexpr unsigned unequal = 1;  // header flag: the two maps' allocators are unequal

// Every situation, written for one container kind.
std::vector<std::pair<std::string, seed>> situations(kind k) {
  std::vector<std::pair<std::string, seed>> out;
  auto add = [&](const char* name, seed s) { out.emplace_back(name, std::move(s)); };

  // Doubling growths to 3000 entries (B = 9), lookups in between, erases
  // down to 700 and single inserts: the first starts a shrinking growth
  // (700 < 3328 / 4), which evacuates 32 entries per insert, so the
  // operations after it (lookups, range, copy, move, erase-while-iterating)
  // land in its middle. Then down to a few entries and a last shrink.
  {
    seed s(k, hash_mode::good, 0, key_mode::spread, 0);
    s.fill(600).look(0, 64).fill(2400, 1).range_stop(10).look(500, 200).drain(2300);
    s.op(op::insert_one).u16(3500).look(2300, 255).range_stop(100).op(op::insert_one, 1).u16(3501);
    s.op(op::range).act(range_action::insert_bulk).u8(3).act(range_action::erase_this).act(range_action::stop);
    s.op(op::copy, 1).op(op::insert_one, 2).u16(3502).op(op::move, 1).op(op::insert_one, 3).u16(3503);
    s.op(op::iterate_erase).u8(1).op(op::insert_one).u16(3504).op(op::erase_one, 1).u16(3504).op(op::swap);
    s.op(op::insert_one, 0, 1).u16(3505).op(op::swap, 0, 1).op(op::assign_one).u16(3506).look(2900, 255);
    s.drain(700).fill(20, 2).look(0, 255).fill(30).range_stop(5, 1).drain(40, 1).fill(10);
    add("grow-shrink", s);
  }

  // The first round's moves: in the middle of a growth (200 keys: a doubling
  // from 32 to 64 buckets is in progress), move construction, allocator-
  // extended moves and copies, swaps.
  add("mid-growth-moves", seed(k, hash_mode::good, 0, key_mode::dense, 0)
                              .fill(210).op(op::move, 1).look(0, 220).fill(30).op(op::move, 2).op(op::move, 3, 1)
                              .fill(100, 0, 1).op(op::copy, 1, 1).op(op::copy, 2, 1).op(op::swap).fill(50)
                              .op(op::swap, 1).op(op::move, 0, 1).look(0, 255));

  // Element-wise moves (unequal allocators) of a map in the middle of a
  // growth, with long string keys: the source must come out empty and usable.
  add("elementwise-move", seed(k, hash_mode::good, 0, key_mode::high_half, unequal)
                              .fill(105).op(op::move, 0).look(0, 110, 1).fill(40).op(op::move, 3, 1).u16(7)
                              .op(op::move, 2, 1).fill(250).op(op::move, 3).u16(9).op(op::copy, 2).op(op::copy, 0, 1)
                              .fill(60, 1, 1).op(op::move, 0, 1).look(0, 255).fill(20, 1, 1));

  // Element-wise moves with a crowded hash: overflow chains move too.
  add("elementwise-move-crowded", seed(k, hash_mode::few_bits, 2, key_mode::spread, unequal)
                                      .fill(300).op(op::move, 2).op(op::move, 3, 1).u16(1).fill(50, 0, 1)
                                      .op(op::move, 0, 1).look(0, 255));

  // clear_and_release() (and reserve, rehash, shrink_to_fit) inside range():
  // each must throw std::logic_error and leave the map as it was.
  {
    seed s(k, hash_mode::good, 0, key_mode::spread, 0);
    s.fill(40).op(op::range);
    for (int i = 0; i < 10; ++i) s.act(range_action::forbidden).u8(3).act(range_action::forbidden).u8(i % 3);
    s.op(op::clear, 1).fill(20).op(op::range);
    for (int i = 0; i < 20; ++i) s.act(range_action::forbidden).u8(3);
    add("range-clear-and-release", s);
  }

  // Keys i << 32 under gomap's own hash.
  add("high-half-keys", seed(k, hash_mode::good, 0, key_mode::high_half, 0)
                            .fill(2000).look(0, 255).look(1000, 255).drain(1900).fill(100).look(0, 255));

  // A window of inserts sliding over the universe with 32 keys per hash:
  // overflow buckets pile up behind it until a same-size growth reclaims them.
  // The inserts come 16 per operation: a same-size growth of 64 buckets ends
  // within 32 inserts, and the replay counts the states between operations.
  {
    seed s(k, hash_mode::shifted, 5, key_mode::dense, 0);
    for (unsigned w = 0; w < 24; ++w) {
      for (unsigned j = 0; j < 8; ++j) s.fill(16);
      s.op(op::erase_bulk).u16(w * 128 > 256 ? w * 128 - 256 : 0).u8(255);
    }
    s.look(2800, 255);
    add("same-size-growth", s);
  }
  {
    seed s(k, hash_mode::few_bits, 3, key_mode::spread, 0);
    for (unsigned w = 0; w < 16; ++w) s.fill(100).op(op::erase_bulk, 1).u16(w * 100 > 200 ? w * 100 - 200 : 0).u8(199);
    s.range_stop(30).look(1000, 255);
    add("few-bits-churn", s);
  }

  // Inserts inside range(): a growth starts and waits for the range; entries
  // erased before they are reached are not produced; a nested range.
  {
    seed s(k, hash_mode::good, 0, key_mode::spread, 0);
    s.fill(60).op(op::range);
    s.act(range_action::insert_bulk).u8(63).act(range_action::erase_this).act(range_action::erase_other).u16(3);
    s.act(range_action::nested).act(range_action::insert_bulk).u8(20);
    for (int i = 0; i < 30; ++i) s.act(range_action::none0);
    s.act(range_action::erase_bulk).u16(0).u8(31).act(range_action::reinsert).u16(40).act(range_action::find).u16(41);
    s.act(range_action::assign).u16(42).act(range_action::insert_bulk).u8(63).act(range_action::clear);
    s.look(0, 255).fill(100).op(op::range, 1).op(op::range);
    for (int i = 0; i < 50; ++i) s.act(i % 7 == 0 ? range_action::insert_bulk : range_action::erase_this).u8(10);
    s.act(range_action::stop).look(0, 255);
    add("range-writes", s);
  }
  {
    // A range that starts in the middle of a growth and a shrink.
    seed s(k, hash_mode::good, 0, key_mode::dense, 0);
    s.fill(420).op(op::range);
    for (int i = 0; i < 40; ++i) s.act(range_action::erase_this).act(range_action::none0).act(range_action::insert_bulk).u8(3);
    s.drain(400).fill(8).op(op::range);
    for (int i = 0; i < 30; ++i) s.act(range_action::erase_other).u16(i * 3).act(range_action::nested);
    add("range-mid-growth", s);
  }

  // Node handles: extract, re-key, insert here and into the other map,
  // a present key with and without a hint (the node must come back), merge.
  add("nodes-merge", seed(k, hash_mode::good, 0, key_mode::spread, 0)
                         .fill(100).op(op::node, 0).u16(5).op(op::node, 2).u16(0).op(op::node, 1).u16(6)
                         .op(op::node, 3).u16(7).op(op::node, 2).u16(1).op(op::node, 2).u16(0).op(op::node, 3).u16(3000)
                         .op(op::node, 2, 1).u16(0).op(op::seek, 0, 1).u16(50).fill(100, 0, 1).op(op::merge)
                         .op(op::merge, 1, 1).op(op::node, 0).u16(9).op(op::seek).u16(0).fill(20).op(op::clear, 1));

  // Iterate-and-erase and erase_if while growing; reserve, rehash,
  // shrink_to_fit in the middle of growths; the shrink policy toggled.
  add("whole-table-mid-growth", seed(k, hash_mode::good, 0, key_mode::spread, 0)
                                    .fill(215).op(op::iterate_erase).u8(3).fill(100).op(op::iterate_erase, 1).u8(5)
                                    .fill(215).op(op::reserve).u16(3000).fill(10).op(op::rehash, 1).fill(400)
                                    .op(op::rehash).u16(100).op(op::policy).drain(500).fill(5).op(op::rehash).u16(2000)
                                    .op(op::clear).fill(30).op(op::recreate).u16(700).fill(50).op(op::copy, 3)
                                    .op(op::equal).op(op::copy, 0).op(op::equal));

  // Erases that leave tombstones and chains to collapse, iterators kept
  // across erases of other keys and inserts of present ones.
  add("tombstones-stable-iterators", seed(k, hash_mode::one_tophash, 0, key_mode::dense, 0)
                                         .fill(120).op(op::erase_bulk).u16(10).u8(50).op(op::stable_iter).u16(70).u8(63)
                                         .fill(40).op(op::erase_one, 1).u16(80).op(op::erase_one, 2).u16(81)
                                         .op(op::erase_one, 3).u16(82).op(op::stable_iter).u16(90).u8(40).look(0, 200));

  if (k == kind::map_u64 || k == kind::set_u64) {
    // placed_hash with keys in 4 buckets: long chains, overflow buckets, tags.
    add("placed-chains", seed(k, hash_mode::placed, 0, key_mode::placed4, 0)
                             .fill(400).op(op::erase_bulk).u16(0).u8(200).fill(100).range_stop(50).look(0, 255)
                             .drain(250).fill(50).op(op::move, 2).op(op::iterate_erase, 0, 1).u8(4));
  }
  return out;
}

// The smallest inputs of the engine bugs the fuzzer found (all fixed; each
// has a regression test named after it in tests/): written into the corpus as
// seed-<name>-map-u64, so that the replay keeps exercising them.
std::vector<std::pair<std::string, seed>> fixed_bugs() {
  std::vector<std::pair<std::string, seed>> out;
  out.emplace_back("swap_idiom", seed(kind::map_u64, hash_mode::good, 0, key_mode::spread, unequal).fill(10).op(op::swap, 1));
  out.emplace_back("rehash_empty",
                   seed(kind::map_u64, hash_mode::good, 0, key_mode::spread, 0).fill(600).drain(600).op(op::rehash).u16(20));
  {
    seed s(kind::map_u64, hash_mode::good, 0, key_mode::spread, 0);
    s.fill(8).op(op::range).act(range_action::insert_bulk).u8(63).act(range_action::stop).op(op::rehash, 1);
    out.emplace_back("shrink_to_fit_overloaded", s);
  }
  out.emplace_back("node_hint_insert", seed(kind::map_u64, hash_mode::good, 0, key_mode::spread, 0)
                                           .fill(10).op(op::node, 1).u16(3).op(op::node, 3).u16(4).op(op::node, 2).u16(1));
  return out;
}

bool write(const std::string& path, const seed& s) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(s.bytes().data()), static_cast<std::streamsize>(s.bytes().size()));
  if (!f) std::fprintf(stderr, "cannot write %s\n", path.c_str());
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
    return 2;
  }
  const char* kinds[] = {"map-u64", "set-u64", "map-string", "set-string"};
  int written = 0;
  for (unsigned k = 0; k < 4; ++k) {
    for (const auto& [name, s] : situations(static_cast<kind>(k))) {
      if (!write(std::string(argv[1]) + "/seed-" + name + "-" + kinds[k], s)) return 1;
      ++written;
    }
  }
  for (const auto& [name, s] : fixed_bugs()) {
    if (!write(std::string(argv[1]) + "/seed-" + name + "-map-u64", s)) return 1;
    ++written;
  }
  std::printf("%d seeds written to %s\n", written, argv[1]);
  return 0;
}

// tests/concurrent/history.hpp: recorded histories of concurrent operations
// and a per-key linearizability check (Wing & Gong's search, memoised).
//
// Each thread records its operations in program order, each with the ticks
// of a shared atomic clock taken just before the call (invoke) and just after
// it returned (respond): if a responded before b was invoked, a really did
// finish first. A key's history is linearizable if some order of its
// operations that respects those precedences, applied one by one to a
// sequential model (an optional value), produces every recorded result.
// Operations on different keys commute, so checking each key on its own
// checks the whole history for these single-key operations.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gomap_test {

inline std::atomic<std::uint64_t> history_clock{0};

// One operation on one key. `arg`/`arg2` are its inputs, `out_*` what it
// returned; their meaning depends on `kind` (see the model of each test).
struct op_record {
  int kind = 0;
  std::uint64_t key = 0;
  std::uint64_t arg = 0, arg2 = 0;
  bool out_flag = false;
  std::optional<std::uint64_t> out_value;
  std::uint64_t invoke = 0, respond = 0;
};

// A sequential model: given the key's state and an operation, whether the
// operation's recorded result is what the model returns, and the new state.
using key_state = std::optional<std::uint64_t>;

// Searches for a linearization of one key's history; `per_thread[t]` is
// thread t's operations on that key, in program order.
template <class Model>
class linearizability_check {
 public:
  linearizability_check(std::vector<std::vector<op_record>> per_thread, Model model)
      : ops_(std::move(per_thread)), model_(model) {}

  // True if some linearization starts in `initial` and ends in `final`.
  bool run(key_state initial, key_state final) {
    final_ = final;
    std::vector<std::size_t> next(ops_.size(), 0);
    return search(next, initial);
  }
  std::size_t states_explored() const { return seen_.size(); }

 private:
  bool search(std::vector<std::size_t>& next, const key_state& state) {
    bool done = true;
    std::uint64_t first_response = UINT64_MAX;
    for (std::size_t t = 0; t < ops_.size(); ++t) {
      if (next[t] < ops_[t].size()) {
        done = false;
        first_response = std::min(first_response, ops_[t][next[t]].respond);
      }
    }
    if (done) return state == final_;
    std::vector<std::uint64_t> memo_key(next.begin(), next.end());
    memo_key.push_back(state ? *state + 1 : 0);
    if (!seen_.insert(memo_key).second) return false;  // explored already, failed
    // Candidates: each thread's next operation that was invoked before every
    // pending operation's response (nothing pending must precede it).
    for (std::size_t t = 0; t < ops_.size(); ++t) {
      if (next[t] >= ops_[t].size()) continue;
      const op_record& op = ops_[t][next[t]];
      if (op.invoke > first_response) continue;
      key_state after;
      if (!model_(state, op, after)) continue;
      ++next[t];
      if (search(next, after)) return true;
      --next[t];
    }
    return false;
  }

  std::vector<std::vector<op_record>> ops_;
  Model model_;
  key_state final_;
  std::set<std::vector<std::uint64_t>> seen_;
};

// The model of a conditional delete (compare_and_delete, erase_if on the
// value): the value goes if it equals op.arg, and the recorded flag says so.
inline bool model_delete_if_equal(const key_state& s, const op_record& op, key_state& after) {
  after = s;
  if (s && *s == op.arg) {
    after.reset();
    return op.out_flag;
  }
  return !op.out_flag;
}

// What a random history's operations look like to the recorder.
struct history_spec {
  int threads = 4;
  int ops_per_thread = 1500;
  std::uint64_t keys = 6;
  int kinds = 1;            // op.kind is drawn from [0, kinds)
  unsigned seed = 0;
  bool (*compares)(int kind) = nullptr;  // takes an expected value: op.arg = the thread's last seen value, op.arg2 = a new one
  bool (*writes)(int kind) = nullptr;    // stores op.arg
};

// Runs spec.threads threads, each doing spec.ops_per_thread random
// operations through run(op) (which fills op.out_*), timestamped with the
// shared clock; every written value is unique (thread, sequence number).
template <class Run>
std::vector<std::vector<op_record>> record_history(const history_spec& spec, Run run) {
  std::vector<std::vector<op_record>> hist(static_cast<std::size_t>(spec.threads));
  std::vector<std::thread> ts;
  std::atomic<int> ready{0};
  for (int t = 0; t < spec.threads; ++t)
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(spec.seed * 1000 + static_cast<unsigned>(t));
      std::uint64_t seq = 0;
      std::vector<std::uint64_t> last_seen(spec.keys, 0);
      auto& h = hist[static_cast<std::size_t>(t)];
      h.reserve(static_cast<std::size_t>(spec.ops_per_thread));
      ready.fetch_add(1);
      while (ready.load() < spec.threads) std::this_thread::yield();
      for (int i = 0; i < spec.ops_per_thread; ++i) {
        op_record op;
        op.key = rng() % spec.keys;
        op.kind = static_cast<int>(rng() % static_cast<std::uint64_t>(spec.kinds));
        op.arg = (static_cast<std::uint64_t>(t + 1) << 32) | ++seq;
        if (spec.compares(op.kind)) {
          op.arg2 = op.arg;
          op.arg = last_seen[op.key];  // often the current value: the comparison can succeed
        }
        op.invoke = history_clock.fetch_add(1);
        run(op);
        op.respond = history_clock.fetch_add(1);
        if (op.out_value) last_seen[op.key] = *op.out_value;
        if (spec.writes(op.kind)) last_seen[op.key] = op.arg;
        h.push_back(op);
      }
    });
  for (auto& th : ts) th.join();
  return hist;
}

// Splits every thread's record by key and checks each key, from its state
// before the threads started to the state they left.
template <class Model>
::testing::AssertionResult linearizable_per_key(const std::vector<std::vector<op_record>>& threads,
                                                std::uint64_t keys, Model model,
                                                const std::vector<key_state>& initial,
                                                const std::vector<key_state>& final) {
  for (std::uint64_t k = 0; k < keys; ++k) {
    std::vector<std::vector<op_record>> per_thread(threads.size());
    std::size_t n = 0;
    for (std::size_t t = 0; t < threads.size(); ++t)
      for (const op_record& op : threads[t])
        if (op.key == k) {
          per_thread[t].push_back(op);
          ++n;
        }
    linearizability_check<Model> check(std::move(per_thread), model);
    if (!check.run(initial[k], final[k]))
      return ::testing::AssertionFailure() << "key " << k << ": no sequential order explains its " << n
                                           << " operations (" << check.states_explored() << " states searched)";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace gomap_test

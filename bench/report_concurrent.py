#!/usr/bin/env python3
"""The `concurrent` workload's part of the report (gomap_bench_concurrent's JSON lines).

    bench/report_concurrent.py CONCURRENT.jsonl --targets   # every target's ratio (make bench-concurrent)
    bench/report_concurrent.py CONCURRENT.jsonl --check     # form only (the smoke pass)

bench/report.py imports section() and check() to put the workload into
docs/benchmarks.md (its --concurrent option). Python 3 standard library only.
"""
import argparse
import math
import sys

NAMES = {
    "sharded_map": "gomap::sharded_map (rw_spinlock, the default)",
    "sharded_map_std_mutex": "gomap::sharded_map with std::mutex shards",
    "sharded_map_std_shared_mutex": "gomap::sharded_map with std::shared_mutex shards",
    "sync_map": "gomap::sync_map",
    "tbb_concurrent_hash_map": "tbb::concurrent_hash_map",
    "libcuckoo": "libcuckoo::cuckoohash_map",
    "gomap_map_std_mutex": "gomap::map behind one std::mutex",
    "gomap_map_std_shared_mutex": "gomap::map behind one std::shared_mutex",
    "gomap_map_unlocked": "gomap::map, no lock (1 thread only)",
    "go_sync_map": "Go sync.Map (go1.19)",
}
SINGLE_THREAD_ONLY = {"gomap_map_unlocked"}
MIX_NAMES = {100: "100% reads", 90: "90% reads / 10% writes", 50: "50% reads / 50% writes"}


def load(path):
    """(the run's meta line, {(map, read_pct, threads): result})."""
    import report  # here, not at the top: report imports this module

    meta, results = report.load(path)
    return meta.get("concurrent", {}), {(r["map"], r["read_pct"], r["threads"]): r for r in results}


def threads_and_mixes(cells):
    return sorted({k[2] for k in cells}), sorted({k[1] for k in cells}, reverse=True)


def check(path):
    """Errors in a run's form (never its speed): missing cells, bad figures."""
    meta, cells = load(path)
    errors = [] if meta else ["no meta line"]
    threads, mixes = threads_and_mixes(cells)
    maps = [m for m in NAMES if meta.get("go", True) or m != "go_sync_map"]
    for m in maps:
        for mix in mixes:
            for t in threads:
                if m in SINGLE_THREAD_ONLY and t != 1:
                    continue
                r = cells.get((m, mix, t))
                if r is None:
                    errors.append(f"concurrent: missing {m} read={mix} threads={t}")
                    continue
                vals = [r.get("median"), r.get("min"), r.get("max")]
                if any(not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0 for v in vals):
                    errors.append(f"concurrent: non-positive or non-finite figure: {r}")
                elif not r["min"] <= r["median"] <= r["max"]:
                    errors.append(f"concurrent: min <= median <= max violated: {r}")
    return errors


def targets(cells):
    """Issue 9's targets: (what, ratio, goal, met) from the medians of one run."""
    def med(m, mix, t):
        r = cells.get((m, mix, t))
        return r["median"] if r else None

    out = []

    def add(what, num, den, goal, at_most=False):
        if num is None or den is None:
            out.append((what, None, goal, False, at_most))
            return
        ratio = num / den
        out.append((what, ratio, goal, ratio <= goal if at_most else ratio >= goal, at_most))

    for mix in (100, 90, 50):
        peers = [v for v in (med("tbb_concurrent_hash_map", mix, 2), med("libcuckoo", mix, 2)) if v is not None]
        add(f"sharded_map / max(tbb, libcuckoo), 2 threads, {MIX_NAMES[mix]}", med("sharded_map", mix, 2),
            max(peers) if peers else None, 1.25)
    add("sharded_map 8 threads / its 2 threads, 90/10", med("sharded_map", 90, 8), med("sharded_map", 90, 2), 0.8)
    add("sync_map / sharded_map, 2 threads, 100% reads", med("sync_map", 100, 2), med("sharded_map", 100, 2), 1.5)
    add("sync_map / Go sync.Map, 2 threads, 100% reads", med("sync_map", 100, 2), med("go_sync_map", 100, 2), 2.0)
    for mix in (100, 90, 50):
        # Cost ratio: time per operation of sharded_map over the bare map's.
        add(f"cost of sharded_map / bare gomap::map, 1 thread, {MIX_NAMES[mix]}",
            med("gomap_map_unlocked", mix, 1), med("sharded_map", mix, 1), 1.3, at_most=True)
    return out


LOCKS = ["sharded_map", "sharded_map_std_mutex", "sharded_map_std_shared_mutex"]


def lock_lines(cells):
    """For each (mix, threads): the sharded_map lock variants, fastest first."""
    threads, mixes = threads_and_mixes(cells)
    lines = []
    for mix in mixes:
        for t in threads:
            got = [(cells[(m, mix, t)]["median"], m) for m in LOCKS if (m, mix, t) in cells]
            if len(got) == len(LOCKS):
                got.sort(reverse=True)
                best = got[0][0]
                lines.append((mix, t, ", ".join(f"{m.replace('sharded_map_', '').replace('sharded_map', 'rw_spinlock')}"
                                                f" {v / best:.2f}" for v, m in got)))
    return lines


def target_lines(cells):
    lines = []
    for what, ratio, goal, ok, at_most in targets(cells):
        r = "missing" if ratio is None else f"{ratio:.3f}"
        lines.append((what, r, ("<= " if at_most else ">= ") + f"{goal:g}", "met" if ok else "**not met**"))
    return lines


def section(o, path):
    """Appends the workload's section to a markdown document through o(line)."""
    meta, cells = load(path)
    threads, mixes = threads_and_mixes(cells)
    o("## Concurrent maps (`concurrent` workload)")
    o()
    o(f"Regenerate this section alone with **`make bench-concurrent`** (a few minutes; it rewrites "
      f"`bench/results/concurrent.jsonl` and this file). Run: {meta.get('date', '?')}, gomap "
      f"`{meta.get('source', '?')}`, {meta.get('compiler', '?')} `{meta.get('flags', '?')}`, "
      f"nproc = {meta.get('nproc')}, load average at the start {meta.get('load_average_start', '?')}, "
      f"at the end {meta.get('load_average_end', '?')} (above 2, other jobs competed for the two cores: "
      "read the ratios, which are taken within one run).")
    o()
    o(f"{meta.get('n', '?'):,} preloaded `uint64_t` keys; every thread draws a key uniformly and reads it "
      "(copying the value out) or writes a new value to it, by the mix; each cell runs "
      f"{meta.get('ms', '?'):g} ms; Mops/s (all threads' operations per second of wall time), median of "
      f"{meta.get('reps', '?')} interleaved repetitions, in brackets the ratio to `gomap::sharded_map` at "
      "the same cell. 8 threads oversubscribe the 2 cores on purpose. Source: `bench/src/concurrent.cpp`, "
      "`bench/go/concurrent.go`.")
    o()
    for mix in mixes:
        o(f"### {MIX_NAMES.get(mix, f'{mix}% reads')}")
        o()
        o("| map | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in threads) + " |")
        o("| --- |" + " ---: |" * len(threads))
        for m in NAMES:
            row = []
            for t in threads:
                r = cells.get((m, mix, t))
                base = cells.get(("sharded_map", mix, t))
                if r is None:
                    row.append("—")
                    continue
                cell = f"{r['median']:.2f}"
                if base and m != "sharded_map":
                    cell += f" ({r['median'] / base['median']:.2f}x)"
                row.append(cell)
            if any(c != "—" for c in row):
                o(f"| {NAMES[m]} | " + " | ".join(row) + " |")
        o()
    o("### Shard lock, by measurement")
    o()
    o("Each cell: the three `sharded_map` shard locks, fastest first, as a fraction of the fastest.")
    o()
    o("| mix | threads | locks |")
    o("| --- | ---: | --- |")
    for mix, t, text in lock_lines(cells):
        o(f"| {MIX_NAMES.get(mix, mix)} | {t} | {text} |")
    o()
    o("### Targets (issue 9), ratios of medians from this run")
    o()
    o("| target | ratio | goal | |")
    o("| --- | ---: | --- | --- |")
    for what, r, goal, verdict in target_lines(cells):
        o(f"| {what} | {r} | {goal} | {verdict} |")
    o()


def main_check(path):
    errors = check(path)
    for e in errors:
        print("bench-smoke:", e, file=sys.stderr)
    if not errors:
        print(f"bench-smoke: concurrent results well-formed ({len(load(path)[1])} cells)")
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--targets", action="store_true", help="print every target's ratio")
    ap.add_argument("--check", action="store_true", help="validate the form of a (smoke) run")
    a = ap.parse_args()
    if a.check:
        return main_check(a.results)
    if a.targets:
        meta, cells = load(a.results)
        print(f"concurrent targets (load average {meta.get('load_average_start', '?')} -> "
              f"{meta.get('load_average_end', '?')}, nproc {meta.get('nproc')}):")
        for what, r, goal, verdict in target_lines(cells):
            print(f"  {what:<70} {r:>7}  (goal {goal}) {verdict.strip('*')}")
        print("shard locks, fastest first (fraction of the fastest):")
        for mix, t, text in lock_lines(cells):
            print(f"  read {mix:>3}%, {t} threads: {text}")
        return 0
    ap.error("--targets or --check is required")


if __name__ == "__main__":
    sys.exit(main())

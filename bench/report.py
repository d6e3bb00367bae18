#!/usr/bin/env python3
"""Turns gomap_bench's JSON lines into docs/benchmarks.md, or checks a smoke run.

    bench/report.py RESULTS.jsonl --out docs/benchmarks.md   # the document
    bench/report.py RESULTS.jsonl --check [--go-standalone GO.jsonl]

--check validates form only, never speed: every line parses, every map has
every workload it should, every figure is a finite number (positive where it
is a time), and the C++ and Go key checksums agree. Exits 1 on any failure.

Python 3 standard library only.
"""
import argparse
import json
import math
import sys

import report_concurrent

NAMES = {
    "gomap": "gomap::map",
    "absl_flat": "absl::flat_hash_map",
    "boost_flat": "boost::unordered_flat_map",
    "std_unordered": "std::unordered_map",
    "tsl_robin": "tsl::robin_map",
    "google_dense": "google::dense_hash_map",
    "absl_btree": "absl::btree_map",
    "go": "Go map (go1.19)",
    "control": "control loop (C++)",
    "go_control": "control loop (Go)",
}
DEFAULT_PASS = ["gomap", "absl_flat", "boost_flat", "std_unordered", "tsl_robin", "google_dense", "absl_btree", "go"]
COMMON_PASS = ["gomap", "absl_flat", "boost_flat", "std_unordered", "tsl_robin", "google_dense"]
CORE = ["insert", "insert_reserved", "find_hit", "find_miss", "erase", "iterate"]
TIMED = CORE + ["find_hit_reserved", "churn", "string_insert", "string_find_hit"]
LATENCY = ["latency_p50", "latency_p99", "latency_p99.9", "latency_p99.99", "latency_max"]
MEMORY = ["memory_full", "memory_peak", "memory_erased90", "memory_reinsert", "memory_settled"]
RSS = ["rss_full", "rss_peak", "rss_erased90", "rss_reinsert", "rss_settled"]


def load(path):
    meta, results = {}, []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{i}: not JSON: {e}")
            if "meta" in r:
                meta[r["meta"]] = r
            else:
                results.append(r)
    return meta, results


def expected(meta):
    """(map, hasher, workload) triples a complete run must contain."""
    go = "go_version" in meta.get("run", {})
    default = [m for m in DEFAULT_PASS if go or m != "go"]
    want = set()
    for w in TIMED:
        for m in default:
            if not (w in ("insert_reserved", "find_hit_reserved") and m == "absl_btree"):
                want.add((m, "default", w))
        for m in COMMON_PASS:
            want.add((m, "common", w))
    for w in LATENCY:
        for m in default:
            want.add((m, "default", w))
        want.add(("control", "none", w))
        if go:
            want.add(("go_control", "none", w))
    for w in MEMORY + RSS + ["churn_peak"]:
        for m in default:
            if not (m == "go" and w in ("memory_peak", "memory_settled", "rss_settled")):
                want.add((m, "default", w))
    return want


O2_MAPS = ["gomap", "absl_flat", "boost_flat", "std_unordered", "go"]  # bench/run.sh's o2_maps


def check_o2(path, release_path):
    """The -O2 run: built at -O2 (every line says so), and every map of O2_MAPS has every throughput
    workload and the latency workload, with finite figures."""
    meta, results = load(path)
    _, rel = load(release_path)
    errors = []
    run = meta.get("run", {})
    if run.get("opt") != "-O2":
        errors.append(f"-O2 run: meta says opt {run.get('opt')!r}, flags {run.get('flags')!r}")
    if "end" not in meta:
        errors.append("-O2 run: no end line: the run did not finish")
    for r in results:
        if r.get("opt") != "-O2":
            errors.append(f"-O2 run: result not tagged -O2: {r}")
            break
        if any(not isinstance(r.get(f), (int, float)) or not math.isfinite(r[f]) or r[f] <= 0
               for f in ("median", "min", "max")):
            errors.append(f"-O2 run: non-finite or non-positive figure: {r}")
    if any(r.get("opt") == "-O2" for r in rel):
        errors.append("release run: results tagged -O2")
    seen = {(r["map"], r["hasher"], r["workload"]) for r in results}
    go = "go_version" in run
    for m in O2_MAPS:
        if m == "go" and not go:
            continue
        for w in TIMED + LATENCY:
            if (m, "default", w) not in seen:
                errors.append(f"-O2 run: missing result: {m} [default] {w}")
    for w in LATENCY:
        if ("control", "none", w) not in seen:
            errors.append(f"-O2 run: missing result: control {w}")
    for e in errors:
        print("bench-smoke:", e, file=sys.stderr)
    if not errors:
        print(f"bench-smoke: -O2 run: {len(results)} results well-formed, every one tagged -O2")
    return 1 if errors else 0


def target_runs(path, o2):
    """The release run and, if given, the -O2 run, whose target rows exclude memory (a layout's
    bytes do not depend on -O: the release run's stand for both)."""
    return [Doc(*load(path))] + ([Doc(*load(o2))] if o2 else [])


def print_targets(path, o2):
    """Issue 13's targets on stdout, for the release run and the -O2 run."""
    runs = target_runs(path, o2)
    for i, d in enumerate(runs):
        print(f"\nIssue 13 targets, {d.run.get('flags')} (gomap / peer: below 1, gomap is faster or smaller)")
        for target, bound, measured, verdict in d.target_rows(memory=i == 0):
            print(f"  {verdict.replace('*', ''):12s} {bound:>8s}  {measured:>10s}  {target}")
    return 0


PERF_BEGIN = "<!-- targets: written by `make bench` (bench/report.py --performance-doc); do not edit by hand -->"
PERF_END = "<!-- end of targets -->"


def performance_doc(path, o2, doc_path):
    """Rewrites the targets block of docs/performance.md from this run (both flag sets)."""
    runs = target_runs(path, o2)
    d = runs[0]
    lines = [PERF_BEGIN, "",
             f"From the `make bench` of {d.run.get('date', '?')} (gomap `{d.run.get('source', 'unknown')}`, load "
             f"average {d.run.get('load_average', '?')} at its start; every figure is in "
             "[`benchmarks.md`](benchmarks.md)). Ratios are gomap / peer: below 1, gomap is faster or smaller."]
    for i, r in enumerate(runs):
        lines += ["", f"`{r.run.get('flags')}`" + ("" if i == 0 else " (the memory targets are the release run's)") + ":",
                  "", "| target | bound | measured | |", "| --- | ---: | ---: | --- |"]
        lines += ["| " + " | ".join(row) + " |" for row in r.target_rows(memory=i == 0)]
    lines += ["", PERF_END]
    text = open(doc_path).read()
    if PERF_BEGIN not in text or PERF_END not in text:
        print(f"report.py: {doc_path} lacks the targets block's markers ({PERF_BEGIN!r} ... {PERF_END!r}); "
              "put them where the table belongs", file=sys.stderr)
        return 1
    head, rest = text.split(PERF_BEGIN, 1)
    tail = rest.split(PERF_END, 1)[1]
    with open(doc_path, "w") as f:
        f.write(head + "\n".join(lines) + tail)
    return 0


def check(path, go_standalone):
    meta, results = load(path)
    errors = []
    run = meta.get("run")
    if run is None:
        errors.append("no meta line")
        run = {}
    if "end" not in meta:
        errors.append("no end line: the run did not finish")
    for what in ("keys", "shuffle", "strings"):
        cxx, go = run.get("checksum_" + what), run.get("go_checksum_" + what)
        if not cxx or cxx != go:
            errors.append(f"{what} checksum: C++ {cxx} != Go {go}")
    seen = set()
    for r in results:
        for field in ("map", "hasher", "workload", "opt", "n", "unit", "median", "min", "max", "runs"):
            if field not in r:
                errors.append(f"result without {field}: {r}")
        key = (r.get("map"), r.get("hasher"), r.get("workload"))
        seen.add(key)
        vals = [r.get("median"), r.get("min"), r.get("max")]
        if any(not isinstance(v, (int, float)) or not math.isfinite(v) for v in vals):
            errors.append(f"non-finite figure: {r}")
        elif r.get("unit") in ("ns/op", "ns") and r["min"] <= 0:
            errors.append(f"non-positive time: {r}")
        elif r["min"] > r["median"] or r["median"] > r["max"]:
            errors.append(f"min <= median <= max violated: {r}")
    for k in sorted(expected(run) - seen):
        errors.append("missing result: %s [%s] %s" % k)
    if go_standalone:
        gmeta, gres = load(go_standalone)
        if gmeta.get("go", {}).get("go_checksum_keys") != run.get("checksum_keys"):
            errors.append("standalone Go run: key checksum differs from C++")
        gw = {r["workload"] for r in gres if r.get("map") == "go"}
        for w in TIMED + LATENCY + ["memory_full", "rss_full", "churn_peak"]:
            if w not in gw:
                errors.append(f"standalone Go run: missing {w}")
    if errors:
        for e in errors:
            print("bench-smoke:", e, file=sys.stderr)
        return 1
    print(f"bench-smoke: {len(results)} results well-formed, {len(seen)} (map, hasher, workload) triples, "
          f"checksums agree ({run.get('checksum_keys')})")
    return 0


# ---- the document ------------------------------------------------------------

def fmt(v, unit):
    if v is None:
        return "—"
    if unit == "B":
        return f"{v / 1024:.0f} KiB" if v < 1 << 20 else f"{v / (1 << 20):.1f} MiB"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def size_name(n):
    for e in range(9, 0, -1):
        if n == 10 ** e:
            return f"10^{e}"
    return f"{n:,}"


class Doc:
    def __init__(self, meta, results):
        self.meta = meta
        self.run = meta.get("run", {})
        self.by = {(r["map"], r["hasher"], r["workload"], r["n"]): r for r in results}
        self.results = results
        self.lines = []

    def out(self, s=""):
        self.lines.append(s)

    def get(self, m, h, w, n):
        return self.by.get((m, h, w, n))

    def sizes(self, w):
        return sorted({r["n"] for r in self.results if r["workload"] == w})

    def rows(self, w):
        order = []
        for r in self.results:
            if r["workload"] == w and (r["map"], r["hasher"]) not in order:
                order.append((r["map"], r["hasher"]))
        return order

    def ratio(self, m, h, w, n):
        r = self.get(m, h, w, n)
        base = self.get("gomap", "common" if h == "common" else "default", w, n)
        if not r or not base or m in ("control", "go_control") or not base["median"]:
            return None
        return r["median"] / base["median"]

    def table(self, w, note=""):
        ns = self.sizes(w)
        if not ns:
            return
        unit = self.get(*self.rows(w)[0], w, ns[0])["unit"]
        self.out(f"### `{w}` ({unit}{note})")
        self.out()
        self.out("| map | hasher | " + " | ".join(size_name(n) for n in ns) + " |")
        self.out("| --- | --- | " + " | ".join("---:" for _ in ns) + " |")
        for m, h in self.rows(w):
            cells = []
            for n in ns:
                r = self.get(m, h, w, n)
                if not r:
                    cells.append("—")
                    continue
                c = fmt(r["median"], unit)
                if r["runs"] > 1:
                    c += f" <sub>[{fmt(r['min'], unit)}–{fmt(r['max'], unit)}]</sub>"
                q = self.ratio(m, h, w, n)
                if q is not None and m != "gomap":
                    c += f" **{q:.2f}×**"
                cells.append(c)
            self.out(f"| {NAMES.get(m, m)} | {h} | " + " | ".join(cells) + " |")
        self.out()

    def throughput_tables(self):
        for w in CORE[:3] + ["find_hit_reserved"] + CORE[3:]:
            self.table(w)
        self.table("churn", ", N = operations")
        self.table("string_insert")
        self.table("string_find_hit")

    def headline(self):
        """gomap time / peer time (the issue's convention: below 1, gomap is faster)."""
        peers = [("absl_flat", "absl"), ("boost_flat", "boost"), ("std_unordered", "std"), ("go", "Go")]
        peers = [(m, p) for m, p in peers if any(r["map"] == m for r in self.results)]
        big = [n for n in (10 ** 6, 10 ** 7) if any(r["n"] == n for r in self.results)]
        self.out("| workload | " + " | ".join(f"gomap / {p} {size_name(n)}" for _, p in peers for n in big) + " |")
        self.out("| --- | " + " | ".join("---:" for _ in peers for _ in big) + " |")
        for w in CORE + ["find_hit_reserved", "churn", "string_insert", "string_find_hit", "latency_p99.9",
                         "latency_max"]:
            if not any(r["workload"] == w for r in self.results):
                continue
            cells = []
            for m, _ in peers:
                for n in big:
                    nn = n
                    if w == "churn":
                        nn = self.run.get("churn_ops")
                    elif w.startswith("string"):
                        nn = self.run.get("string_n")
                    elif w.startswith("latency"):
                        nn = self.run.get("latency_n")
                    q = self.ratio(m, "default", w, nn) if (nn == n or w in CORE or w == "find_hit_reserved") else None
                    cells.append("—" if not q else f"{1 / q:.2f}")
            self.out(f"| `{w}` | " + " | ".join(cells) + " |")
        self.out()

    def median(self, m, w, n):
        r = self.get(m, "none" if m in ("control", "go_control") else "default", w, n)
        return r["median"] if r and r["median"] else None

    def target_rows(self, memory):
        """Issue 13's targets, each computed from this run alone: (target, bound, measured, verdict).
        Every ratio is gomap / peer (below 1: gomap is faster or smaller). With `memory`, also the
        memory targets (measured once, in the release run: a table's layout does not depend on -O)."""
        def gm(vals):
            vals = [v for v in vals if v]
            return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else None

        def per(peer, w, n):
            g, p = self.median("gomap", w, n), self.median(peer, w, n)
            return g / p if g and p else None

        def cell(v, ok, fmt_="{:.2f}"):
            if v is None:
                return "—", "not measured"
            return fmt_.format(v), ("met" if ok(v) else "**not met**")

        big = [n for n in (10 ** 6, 10 ** 7) if self.median("gomap", "insert", n)]
        rows = []
        for n in big:
            ratios = {w: per("absl_flat", w, n) for w in CORE}
            v, st = cell(gm(ratios.values()), lambda x: x <= 1.0)
            rows.append((f"gomap / absl, geometric mean of the 6 core workloads, {size_name(n)}", "<= 1.0", v, st))
            worst = max((r, w) for w, r in ratios.items() if r) if any(ratios.values()) else None
            detail = ", ".join(f"{w} {r:.2f}" for w, r in ratios.items() if r)
            v, st = cell(worst[0] if worst else None, lambda x: x <= 1.5)
            rows.append((f"gomap / absl, largest single core workload, {size_name(n)} ({detail})", "<= 1.5", v, st))
            bratios = {w: per("boost_flat", w, n) for w in CORE}
            v, st = cell(gm(bratios.values()), lambda x: x <= 1.25)
            detail = ", ".join(f"{w} {r:.2f}" for w, r in bratios.items() if r)
            rows.append((f"gomap / boost, geometric mean of the 6 core workloads, {size_name(n)} ({detail})",
                         "<= 1.25", v, st))
        ln = self.run.get("latency_n")
        mx, cmx = self.median("gomap", "latency_max", ln), self.median("control", "latency_max", ln)
        amx = self.median("absl_flat", "latency_max", ln)
        v, st = cell(mx / 1000 if mx else None, lambda x: x <= 1000, "{:.0f} us")
        others = ([f"control loop {cmx / 1000:.0f} us"] if cmx else []) + ([f"absl {amx / 1000:.0f} us"] if amx else [])
        if mx and others:
            v += " (" + ", ".join(others) + ")"
        rows.append((f"gomap slowest insert, {size_name(ln or 0)} inserts without reserve (median of the runs' max)",
                     "<= 1 ms", v, st))
        g99, a99 = self.median("gomap", "latency_p99.99", ln), self.median("absl_flat", "latency_p99.99", ln)
        c99 = self.median("control", "latency_p99.99", ln)
        v, st = cell(g99 / a99 if g99 and a99 else None, lambda x: x <= 1.0)
        if g99 and a99:
            v += f" ({g99 / 1000:.2f} us vs {a99 / 1000:.2f} us; control loop {c99 / 1000:.2f} us)" if c99 else \
                f" ({g99 / 1000:.2f} us vs {a99 / 1000:.2f} us)"
        rows.append(("gomap / absl, p99.99 insert latency, same inserts", "<= 1.0", v, st))
        for peer, label, ok in (("std_unordered", "std::unordered_map", lambda x: x <= 0.5),
                                ("go", "Go map", lambda x: x < 0.5)):
            vals = {(w, n): per(peer, w, n) for n in big for w in CORE}
            v, st = cell(gm(vals.values()), ok)
            slow = [f"{w} {size_name(n)} {q:.2f}" for (w, n), q in vals.items() if q and not ok(q)]
            each = "; ".join(f"{size_name(n)}: {gm([vals[(w, n)] for w in CORE]):.2f}" for n in big
                             if gm([vals[(w, n)] for w in CORE]))
            detail = f" ({each}; workloads not at the bound: {', '.join(slow) if slow else 'none'})" if each else ""
            rows.append((f"gomap / {label}, geometric mean of the core workloads at every size >= 10^6 it ran{detail}",
                         "<= 0.5" if peer == "std_unordered" else "< 0.5", v, st))
        sn = self.run.get("string_n")
        for w in ("string_insert", "string_find_hit"):
            v, st = cell(per("absl_flat", w, sn), lambda x: x <= 1.2)
            rows.append((f"gomap / absl, `{w}`, 16-byte strings, {size_name(sn or 0)}", "<= 1.2", v, st))
        v, st = cell(per("absl_flat", "churn", self.run.get("churn_ops")), lambda x: x <= 1.0)
        rows.append(("gomap / absl, churn time per op (1,000 live keys)", "<= 1.0", v, st))
        if memory:
            for n in big:
                v, st = cell(per("absl_flat", "memory_full", n), lambda x: x <= 1.15)
                rows.append((f"gomap / absl, bytes per entry (counting allocator), {size_name(n)}", "<= 1.15", v, st))
            ns = self.sizes("memory_full")
            for n in ns:
                fresh = self.median("gomap", "memory_full", n // 10)
                after = self.median("gomap", "memory_settled", n)
                if n < 10 ** 6 or n // 10 not in ns or not fresh or not after:
                    continue
                v, st = cell(after * n / (fresh * (n // 10)), lambda x: x <= 2.5)
                rows.append((f"gomap bytes after inserting {size_name(n)} keys, erasing 90% and 10^4 insert/erase "
                             f"pairs (`memory_settled`) / a fresh map of the {size_name(n // 10)} keys left "
                             "(`memory_full`)", "<= 2.5", v, st))
        return rows

    def targets(self, memory=True):
        self.out("| target | bound | measured | |")
        self.out("| --- | ---: | ---: | --- |")
        for r in self.target_rows(memory):
            self.out("| " + " | ".join(r) + " |")
        self.out()

    def gomap_memory_crosscheck(self):
        ns = self.sizes("memory_full")
        self.out("| N | step | counting allocator | stats().bytes_allocated, counting allocator | "
                 "stats().bytes_allocated, std::allocator (mmap) | RSS delta, std::allocator |")
        self.out("| ---: | --- | ---: | ---: | ---: | ---: |")
        for n in ns:
            for step in ("full", "erased90", "reinsert", "settled"):
                c = self.get("gomap", "default", "memory_" + step, n)
                r = self.get("gomap", "default", "rss_" + step, n)
                cells = [fmt(c["median"], "") if c else "—",
                         fmt(c.get("stats_bytes_allocated_per_entry"), "") if c else "—",
                         fmt(r.get("stats_bytes_allocated_per_entry"), "") if r else "—",
                         fmt(r["median"], "") if r else "—"]
                self.out(f"| {size_name(n)} | {step} | " + " | ".join(cells) + " |")
        self.out()


O2_NOTE = ("The -O2 run (`build/bench-o2`, `CMAKE_CXX_FLAGS_RELEASE=\"-O2 -DNDEBUG\"`) is a second, separate run "
           "of the same driver after the release one, so its ratios are taken within it, never across the two "
           "runs.")


def o2_scope(d2):
    """What the -O2 run covered: its maps, and the core sizes each ran at."""
    maps, sizes = [], {}
    for r in d2.results:
        if r["map"] in ("control", "go_control"):
            continue
        if r["map"] not in maps:
            maps.append(r["map"])
        if r["workload"] == "insert":
            sizes.setdefault(r["map"], set()).add(r["n"])
    return maps, {m: sorted(sizes.get(m, ())) for m in maps}


def document(path, out_path, command, concurrent=None, o2=None):
    meta, results = load(path)
    d = Doc(meta, results)
    d2 = Doc(*load(o2)) if o2 else None
    if d2:
        d2.lines = d.lines  # one document: the -O2 run's sections are written into it
    run = d.run
    o = d.out
    secs = meta.get("end", {}).get("seconds")
    o("# Benchmarks")
    o()
    o(f"Regenerate with **`{command}`** (runs everything below, then rewrites this file from "
      "`bench/results/latest.jsonl` with `bench/report.py`; do not edit by hand). Protocol: "
      "the design notes' benchmark protocol; harness: [`bench/README.md`](../bench/README.md).")
    o()
    o(f"- **Date**: {run.get('date', '?')}" + (f" (the run took {secs / 60:.1f} min)" if secs else ""))
    o(f"- **Machine**: nproc = {run.get('nproc')}, CPU `{run.get('cpu')}` (`/proc/cpuinfo` model name), "
      f"{run.get('kernel')}; a shared, noisy 2-core VM: read ratios, not absolute times. Load average "
      f"(1/5/15 min) at the start: {run.get('load_average', '?')}, at the end: "
      f"{meta.get('end', {}).get('load_average', '?')} (above 2, other jobs were competing for the cores)")
    o(f"- **gomap revision**: `{run.get('source', 'unknown')}` (the commit compiled; other engineers' "
      "uncommitted work in `include/` is flagged)")
    o(f"- **Compiler**: {run.get('compiler')}, flags `{run.get('flags')}` (CMake Release), **no `-march`** "
      "(the compiler's default x86-64 baseline), identical for every C++ map")
    o(f"- **Go**: {run.get('go_version', 'not run')}, built by `go build -trimpath` with CGO_ENABLED=0, "
      "default GOGC and GOMAXPROCS")
    ok = all(run.get("checksum_" + w) == run.get("go_checksum_" + w) for w in ("keys", "shuffle", "strings"))
    o(f"- **Same keys in C++ and Go**: checksums of the first 1000 keys / shuffled keys / string keys: "
      f"C++ `{run.get('checksum_keys')}` / `{run.get('checksum_shuffle')}` / `{run.get('checksum_strings')}`, "
      f"Go `{run.get('go_checksum_keys')}` / `{run.get('go_checksum_shuffle')}` / `{run.get('go_checksum_strings')}`"
      f" — {'**equal**' if ok else '**DIFFERENT: the Go figures are not comparable**'}")
    o(f"- **Repetitions**: {run.get('reps')} per figure, interleaved (for rep: for map: run; the first map "
      "rotates each rep); cells are the median, `[min–max]` below it, and **bold** the ratio to gomap measured "
      "in the same run (map / gomap: above 1, gomap is faster; below 1, the peer is). Memory figures are "
      "single runs (deterministic up to gomap's and Go's random hash seeds).")
    o(f"- **Sizes**: N = {', '.join(size_name(n) for n in run.get('sizes', []))}; at N < "
      f"{run.get('calibrate_below', 0):,} every phase is repeated until it lasts >= {run.get('min_time_ms')} ms; "
      f"churn: {run.get('churn_live', 0):,} live keys, {run.get('churn_ops', 0):,} ops; strings: "
      f"N = {size_name(run.get('string_n', 0))}; latency: N = {size_name(run.get('latency_n', 0))}.")
    o()
    cut = []
    if 10 ** 7 not in run.get("sizes", []):
        cut.append("the core workloads did not run at N = 10^7")
    if run.get("churn_ops") != 10 ** 7:
        cut.append(f"churn ran {run.get('churn_ops'):,} operations, not 10^7")
    if run.get("string_n") != 10 ** 6:
        cut.append(f"the string workloads ran at N = {run.get('string_n'):,}, not 10^6")
    if run.get("latency_n") != 10 ** 7:
        cut.append(f"latency ran {run.get('latency_n'):,} inserts, not 10^7")
    if (run.get("reps") or 0) < 5:
        cut.append(f"{run.get('reps')} repetitions, fewer than the protocol's 5")
    if run.get("smoke"):
        cut.insert(0, "this is a SMOKE run (tiny N, proves the harness works, measures nothing)")
    if cut:
        o("**Cut from the protocol in this run**: " + "; ".join(cut) + ".")
    else:
        o("Nothing of the protocol was cut: every workload ran for every map at every size it names.")
    o()
    if d2:
        maps, sizes = o2_scope(d2)
        full = d2.run.get("sizes", [])
        short = [f"{NAMES.get(m, m)} only at N = " + ", ".join(size_name(n) for n in sizes[m])
                 for m in maps if sizes[m] and sizes[m] != full]
        o(f"- **-O2 run**: flags `{d2.run.get('flags')}`, {d2.run.get('reps')} repetition{'s' if d2.run.get('reps') != 1 else ''}, default hashers, "
          "maps " + ", ".join(NAMES.get(m, m) for m in maps) + "; the throughput workloads (core at N = "
          + ", ".join(size_name(n) for n in full) + ", churn, strings) and latency. "
          "**Cut at -O2**, to keep `make bench` near 20 minutes: the common-hasher pass, tsl::robin_map, "
          "google::dense_hash_map, absl::btree_map, the memory workload (a table's layout and allocations do "
          "not depend on -O)" + ("; the core workloads of " + "; ".join(short) if short else "") + ". "
          f"{O2_NOTE} Load average at its start: {d2.run.get('load_average', '?')}, at its end: "
          f"{d2.meta.get('end', {}).get('load_average', '?')}.")
        o()
    o("## Issue 13's targets, from this run")
    o()
    o("**Convention: every ratio in this section and in the headline is gomap time / peer time** (or gomap "
      "bytes / peer bytes): below 1, gomap is faster or smaller. So \"std::unordered_map takes at least 2x "
      "gomap's time\" reads `gomap / std <= 0.5`. Default hashers; medians of the run's repetitions; each "
      "ratio from figures of one run. `bench/report.py --targets` prints the same rows (`make bench` does, "
      "at its end).")
    o()
    o(f"### Release flags (`{run.get('flags')}`)")
    o()
    d.targets()
    if d2:
        o(f"### -O2 (`{d2.run.get('flags')}`)")
        o()
        o("The memory targets are the release run's (above).")
        o()
        d2.targets(memory=False)
    o("## Headline: gomap time / peer time, same run, default hashers")
    o()
    o("Below 1: gomap is faster (the opposite of the per-workload tables further down, whose bold ratios "
      "are peer / gomap). `churn` is at 10^7 operations, the string workloads at N = 10^6 and the latency "
      "rows at 10^7 inserts, so they fill only the matching column.")
    o()
    o(f"### Release flags (`{run.get('flags')}`)")
    o()
    d.headline()
    if d2:
        o(f"### -O2 (`{d2.run.get('flags')}`)")
        o()
        d2.headline()
    o("## Time per operation")
    o()
    o("Release flags. Both passes are in each table: each map with its own default hasher (`default`), then "
      "every hashed C++ map with one common hasher (`common`; see below). **Bold: peer / gomap** (above 1, "
      "gomap is faster); ratios in the common rows are to gomap's common row. `find_hit_reserved` is "
      "`find_hit` on the map `insert_reserved` filled (never grown), `find_hit` the one the lifecycle's "
      "`insert` filled without reserve.")
    o()
    d.throughput_tables()
    if d2:
        o("## Time per operation at -O2")
        o()
        o(f"Flags `{d2.run.get('flags')}`, default hashers. **Bold: peer / gomap**, within the -O2 run. {O2_NOTE}")
        o()
        d2.throughput_tables()
    o("## Per-insert latency")
    o()
    o("One clock read per insert into a map growing from empty to N without reserve; per run the percentiles "
      f"of the N intervals, then the median over the runs. The clock is the TSC ({run.get('ticks_per_ns', 0):.3f} "
      "ticks/ns), which on this VM advances in steps of ~10 ns, so p50 is quantised to 10 ns. The control "
      "loops do fixed work (48 dependent multiply-adds, no memory) timed the same way: whatever they show "
      "above their p50 is the environment (interrupts, preemption, the hypervisor; for Go also its runtime), "
      "not a map.")
    o()
    for w in LATENCY:
        d.table(w)
    sw = []
    for m, h in d.rows("latency_max"):
        r = d.get(m, h, "latency_max", run.get("latency_n"))
        if r and r.get("involuntary_switches_median") is not None:
            sw.append(f"{NAMES.get(m, m)} {r['involuntary_switches_median']:,.0f}")
    if sw:
        o("Involuntary context switches per run (median; the scheduler took the core away that often, "
          "and each time one interval absorbed a whole time slice of someone else): " + ", ".join(sw) + ". "
          "A map whose inserts take longer runs longer and is hit more often, and the share of its inserts "
          "that absorb a preemption grows with its own per-insert time; so on a loaded machine p99.99 and "
          "max of the slow maps say more about the scheduler than about the map. Compare with the "
          "control loops.")
        o()
    if d2:
        o("### Per-insert latency at -O2")
        o()
        for w in ("latency_p99.99", "latency_max"):
            d2.table(w)
    o("## Memory")
    o()
    o("Bytes / N, where N is the number of keys inserted (so the `erased90` and `reinsert` rows are "
      "comparable with `full`: a map that gives nothing back keeps the same figure). Steps: `full` after "
      "inserting N keys; `peak` the most held at any moment while inserting (both arrays of an incremental "
      "growth, a realloc's two blocks); `erased90` after erasing 90% of the keys (the first 9N/10 of the "
      "shuffle); `reinsert` after one more insert, which lets a map that shrinks on insert do so; `settled` "
      "after 10^4 more insert/erase pairs (each inserts a new key and erases the previous new one; "
      "min(10^4, N - 1) of them), by when gomap's incremental shrink has finished (C++ maps only: Go's map "
      "never shrinks).")
    o()
    o("`memory_*`: what the map holds through a **counting allocator** (bytes requested, so malloc's own "
      "per-block overhead is not included: a 24-byte `std::unordered_map` node is counted as 24, costs 32). "
      "With a counting allocator gomap sends **every** array through the allocator instead of mmap, so the "
      "figure is exact. For Go: `runtime.MemStats.HeapAlloc` growth after a forced collection, so the map's "
      "live bytes; Go has no peak figure.")
    o()
    for w in MEMORY:
        d.table(w)
    o("`rss_*`: resident-set growth of a forked child that builds the map with its **default allocator** "
      "(gomap: std::allocator, so arrays of 1 MiB and more are mmap'ed), read from `/proc/self/status` "
      "(VmRSS, VmHWM for the peak after resetting it through `/proc/self/clear_refs`). This includes "
      "malloc's overhead and what allocators keep after a free (glibc keeps small freed blocks; mapped blocks "
      "go back). Page-granular, so meaningless at 10^3. For Go, the serving process's own RSS after "
      "`debug.FreeOSMemory()`.")
    o()
    for w in RSS:
        d.table(w)
    o("gomap measured every way at once (B / N): the counting allocator against gomap's own "
      "`stats().bytes_allocated` (which must agree), and with std::allocator the mmap'ed figure "
      "against the RSS delta:")
    o()
    d.gomap_memory_crosscheck()
    d.table("churn_peak", f", N = operations; {run.get('churn_live', 0):,} live keys")
    o("`churn_peak` is the counting allocator's peak over the whole churn for the C++ maps; for Go, the "
      "largest live heap growth sampled after a forced collection every 16,384 operations.")
    o()
    o("## What is measured, exactly")
    o()
    o("- Keys: `uint64_t` from splitmix64 (seed `0x676f6d61702d6b65`); N keys are the first N outputs, the "
      "N absent keys of `find_miss` the next N (splitmix64's outputs never repeat). Shuffles: Fisher-Yates "
      "with a second splitmix64 stream. String keys: 16 lowercase hex digits of a third stream (16 bytes, "
      "one more than libstdc++'s short-string buffer). Values: the key's index.")
    o("- `insert`, `find_hit`, `find_miss`, `iterate`, `erase` are phases of one map's life: insert N keys "
      "(no reserve), look all up in shuffled order, look up N absent keys, sum all values, erase all in "
      "shuffled order. Building and destroying maps is outside the clock. `insert_reserved` reserves N "
      "first, untimed (Go: `make(map, N)`), and `find_hit_reserved` then looks every key up in that map, once "
      "per pass like `find_hit`. Every phase checks its answers (found counts, sums), and the "
      "run stops on a wrong one.")
    o("- C++ maps insert with `try_emplace` (dense_hash_map: `insert`), Go with `m[k] = v`. With string "
      "keys a C++ map stores its own `std::string` copy (a heap block each), while Go stores the string "
      "header and shares the bytes: part of the string_insert gap to Go is that, not the table.")
    o("- Default hashers: gomap `gomap::hash` (seeded multiply-fold), absl `absl::Hash`, boost `boost::hash` (the identity for integers, which "
      "boost::unordered_flat_map post-mixes with a multiply-fold), std/robin/dense "
      "`std::hash` (the identity for integers; std then takes a prime modulus, robin and dense a power-of-two "
      "mask, fine for these random keys, not for structured ones), Go its AES-based runtime hash. The common "
      "hasher is a unary functor returning `gomap::hash<K>{}(k)` with seed 0 (one 64x64->128 multiply-fold "
      "for integers, XXH3 for strings). gomap sees no seeded overload in it and post-mixes its result with "
      "the per-map seed: in the common pass gomap pays one more multiply-fold per hash than the others.")
    o("- Go runs in its own process, started once and driven over a pipe, so it takes its turn inside every "
      "repetition like the C++ maps; it times itself with `runtime.nanotime`. Collections triggered inside "
      "a timed phase count for Go (its GC may also use the second core); after every command a forced "
      "collection leaves it idle while the C++ maps run.")
    o()
    o("## Raw tables as printed by the run")
    o()
    o("`build/bench/tables.txt` (not committed) holds the driver's own tables; `bench/results/latest.jsonl` "
      "every figure with all its runs.")
    o()
    if concurrent:
        report_concurrent.section(o, concurrent)
    with open(out_path, "w") as f:
        f.write("\n".join(d.lines).rstrip() + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out", help="write the markdown document here")
    ap.add_argument("--check", action="store_true", help="validate a (smoke) run instead")
    ap.add_argument("--go-standalone", help="with --check: also validate a standalone Go run's output")
    ap.add_argument("--command", default="make bench", help="the regenerating command, for the document")
    ap.add_argument("--concurrent", help="gomap_bench_concurrent's JSON lines: checked with --check, "
                    "a section of the document otherwise (bench/report_concurrent.py)")
    ap.add_argument("--o2", help="the -O2 run's JSON lines (build/bench-o2): checked with --check, "
                    "sections of the document and a second targets table otherwise")
    ap.add_argument("--targets", action="store_true", help="print issue 13's targets (both runs) on stdout")
    ap.add_argument("--performance-doc", metavar="PATH", help="rewrite the targets block of PATH "
                    "(docs/performance.md) from this run and --o2's")
    a = ap.parse_args()
    if a.check:
        rc = check(a.results, a.go_standalone)
        if a.concurrent:
            rc = max(rc, report_concurrent.main_check(a.concurrent))
        if a.o2:
            rc = max(rc, check_o2(a.o2, a.results))
        return rc
    if a.targets:
        return print_targets(a.results, a.o2)
    if a.performance_doc:
        return performance_doc(a.results, a.o2, a.performance_doc)
    if not a.out:
        ap.error("--out, --check, --targets or --performance-doc is required")
    document(a.results, a.out, a.command, a.concurrent, a.o2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks gomap-lab's --json output has what the report needs (stdlib only).

Usage: check_json.py FILE... [--expect ID,ID,...]

Each FILE is {"machine": {...}, "scenarios": [...]}. For every scenario: the
id, a verdict with at least one figure in it, at least one chart whose series
are as long as its x axis and hold at least one finite number (null allowed
elsewhere), and at least one table whose rows are as wide as its columns.
Exits non-zero, naming the file, scenario and field, on the first problem.
"""
import json
import math
import re
import sys

MACHINE = ("cpu", "nproc", "compiler", "revision", "date")


def fail(where, what):
    sys.exit(f"check_json: {where}: {what}")


def check_scenario(where, s):
    for key in ("id", "title", "article", "verdict", "charts", "tables", "findings", "seconds"):
        if key not in s:
            fail(where, f"missing field '{key}'")
    where = f"{where} [{s['id']}]"
    if not re.search(r"\d", s["verdict"]):
        fail(where, f"the verdict states no figure: {s['verdict']!r}")
    if not s["charts"]:
        fail(where, "no chart")
    for i, c in enumerate(s["charts"]):
        cw = f"{where} chart {i}"
        for key in ("title", "x_label", "y_label", "log_y", "x", "series"):
            if key not in c:
                fail(cw, f"missing field '{key}'")
        if not c["x"] or not c["series"]:
            fail(cw, "empty x axis or no series")
        if any(v is None or not math.isfinite(v) for v in c["x"]):
            fail(cw, "the x axis has a missing value")
        for ser in c["series"]:
            if len(ser["y"]) != len(c["x"]):
                fail(cw, f"series '{ser['label']}' has {len(ser['y'])} points for {len(c['x'])} x values")
            if not any(v is not None and math.isfinite(v) for v in ser["y"]):
                fail(cw, f"series '{ser['label']}' has no finite value")
            if c["log_y"] and not any(v is not None and v > 0 for v in ser["y"]):
                fail(cw, f"log-scale series '{ser['label']}' has no positive value")
    if not s["tables"]:
        fail(where, "no table of figures")
    for i, t in enumerate(s["tables"]):
        if not t["rows"]:
            fail(f"{where} table {i}", "no rows")
        for r in t["rows"]:
            if len(r) != len(t["columns"]):
                fail(f"{where} table {i}", f"row {r[:1]} has {len(r)} cells for {len(t['columns'])} columns")


def main(argv):
    expect = None
    files = []
    it = iter(argv)
    for a in it:
        if a == "--expect":
            expect = next(it).split(",")
        else:
            files.append(a)
    if not files:
        sys.exit(__doc__)
    seen = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            doc = json.load(fh)
        for key in MACHINE:
            if key not in doc.get("machine", {}):
                fail(f, f"machine lacks '{key}'")
        if not doc.get("scenarios"):
            fail(f, "no scenario")
        for s in doc["scenarios"]:
            check_scenario(f, s)
            seen.append(s["id"])
    if expect is not None and sorted(seen) != sorted(expect):
        fail(",".join(files), f"scenarios {sorted(seen)}, expected {sorted(expect)}")
    print(f"check_json: {len(seen)} scenarios well-formed ({', '.join(seen)})")


if __name__ == "__main__":
    main(sys.argv[1:])

# check_gdb.py: runs inside `gdb -batch -nx -x check_gdb.py <gdb_subject>` and
# checks what gomap's printers print (tests/packaging/run.sh drives it).
#
# Environment: GOMAP_CHECK_LOADED_BY = "auto-load" (the printers must have
# come from the auto-load stub, registered for the program's objfile) or
# "source" (from `source gomap_printers.py`, registered globally).
#
# Exact expected output for the small containers (B = 0: a single bucket,
# so insertion order is iteration order whatever the map's random seed);
# for the maps stopped mid-growth, the summary must equal the one the program
# wrote from the map's own stats, and every element must be printed exactly
# once. Exits gdb with status 1 and a line per failure naming what broke.

import inspect
import os
import re

import gdb

failures = []


def fail(what):
    failures.append(what)
    gdb.write("FAIL: %s\n" % what, gdb.STDERR)


def printed(expr):
    """`print expr` as gdb shows it, without the `$N = ` history prefix."""
    out = gdb.execute("print %s" % expr, to_string=True).rstrip("\n")
    return re.sub(r"^\$\d+ = ", "", out, count=1)


def expect(expr, want):
    got = printed(expr)
    if got != want:
        fail("print %s\n  expected: %s\n  got:      %s" % (expr, want, got))


def global_string(name):
    return gdb.parse_and_eval(name).cast(gdb.lookup_type("char").pointer()).string()


def global_int(name):
    return int(gdb.parse_and_eval(name))


def expect_elements(expr, want, pair_re=r"\[(-?\d+)\] = (-?\d+)"):
    """`print expr` shows the summary the program computed (in the global
    <expr>_summary), then every [key] = value pair of `want` (a dict)
    exactly once, and nothing else. `pair_re` captures key and value."""
    got = printed(expr)
    summary, _, body = got.partition(" = {")
    want_summary = global_string(expr + "_summary")
    if summary != want_summary:
        fail("print %s: summary\n  expected: %s\n  got:      %s" % (expr, want_summary, summary))
    pairs = re.findall(pair_re, body)
    seen = {}
    for k, v in pairs:
        k, v = int(k), int(v)
        if k in seen:
            fail("print %s: key %d printed twice" % (expr, k))
        seen[k] = v
    missing = sorted(set(want) - set(seen))
    extra = sorted(set(seen) - set(want))
    if missing or extra:
        fail("print %s: %d keys missing (first: %s), %d unexpected (first: %s)"
             % (expr, len(missing), missing[:5], len(extra), extra[:5]))
    wrong = sorted(k for k in seen if k in want and seen[k] != want[k])
    if wrong:
        fail("print %s: wrong values for keys %s" % (expr, wrong[:5]))
    if len(pairs) != len(want):
        fail("print %s: %d pairs printed, %d elements in the map" % (expr, len(pairs), len(want)))


def check_loaded_by(mode):
    def gomap_in(printers):
        return any(getattr(p, "name", "") == "gomap" for p in printers)

    progspace_objfile = gdb.lookup_objfile(gdb.current_progspace().filename)
    if mode == "auto-load":
        if not gomap_in(progspace_objfile.pretty_printers):
            fail("the auto-load stub did not register gomap's printers for the program's objfile")
    elif mode == "source":
        if not gomap_in(gdb.pretty_printers):
            fail("sourcing gomap_printers.py did not register its printers globally")


def main():
    gdb.execute("set pagination off")
    gdb.execute("set print elements unlimited")
    gdb.execute("break stop_here")
    gdb.execute("run", to_string=True)
    gdb.execute("frame 1", to_string=True)
    check_loaded_by(os.environ.get("GOMAP_CHECK_LOADED_BY", ""))

    state0 = "(B=0, 1 bucket, not growing, 0 overflow buckets)"
    expect("m", "gomap::map with 3 elements %s = {[1] = 10, [2] = 20, [3] = 30}" % state0)
    expect("s", "gomap::set with 3 elements %s = {5, 6, 7}" % state0)
    expect("names", 'gomap::map with 3 elements %s = {["alpha"] = 1, ["beta"] = 2, ["gamma"] = 3}' % state0)
    expect("words", 'gomap::map with 2 elements %s = {["key"] = "value", [""] = "empty key"}' % state0)
    expect("empty", "gomap::map with 0 elements (B=0, 0 buckets, not growing, 0 overflow buckets)")
    expect("pm", 'gomap::pmr::map with 2 elements %s = {[1] = "one", [2] = "two"}' % state0)
    expect("ps", "gomap::pmr::set with 1 element %s = {42}" % state0)
    expect("it", "{first = 2, second = 20}")
    expect("cit", "{first = 3, second = 30}")
    expect("sit", "6")
    expect("end", "end() or a default-constructed gomap iterator (not dereferenceable)")

    # Mid-doubling, with tombstones: keys 0..n-1 but the multiples of 5.
    n = global_int("growing_inserted")
    expect_elements("growing", {k: 10 * k for k in range(n) if k % 5 != 0})
    if "doubling from" not in printed("growing"):
        fail("print growing: the map is not shown mid-doubling: %s" % printed("growing")[:160])
    # Mid-shrink: the old array's unevacuated buckets hold most entries.
    first, last = global_int("shrinking_first"), global_int("shrinking_last")
    expect_elements("shrinking", {k: k for k in range(first, last + 1)})
    if "shrinking from" not in printed("shrinking"):
        fail("print shrinking: the map is not shown mid-shrink: %s" % printed("shrinking")[:160])
    # One bucket's chain of overflow buckets.
    expect_elements("chained", {k: -k for k in range(global_int("chained_count"))})
    # The same chain with 32-byte-aligned values (slots after the overflow header's padding).
    expect_elements("wide_chained", {k: -k for k in range(global_int("chained_count"))},
                    pair_re=r"\[(-?\d+)\] = \{v = (-?\d+)\}")

    # Children are produced lazily: gdb stops asking at `print elements`.
    big = gdb.parse_and_eval("big")
    if not inspect.isgenerator(gdb.default_visualizer(big).children()):
        fail("children() of the map printer is not a generator")
    gdb.execute("set print elements 6")
    got = printed("big")
    if len(re.findall(r"\[\d+\] = \d+", got)) != 3 or not got.endswith("...}"):
        fail("print big with `set print elements 6`: expected 3 pairs then ..., got: %s" % got)
    gdb.execute("set print elements unlimited")

    # libstdc++'s exact form, with the engine state turned off.
    gdb.execute("set print gomap-state off")
    expect("m", "gomap::map with 3 elements = {[1] = 10, [2] = 20, [3] = 30}")
    expect("s", "gomap::set with 3 elements = {5, 6, 7}")
    gdb.execute("set print gomap-state on")

    if failures:
        gdb.write("check_gdb: %d check(s) failed\n" % len(failures), gdb.STDERR)
        gdb.execute("kill", to_string=True)
        gdb.execute("quit 1")
    gdb.write("check_gdb: all checks passed (%s)\n" % os.environ.get("GOMAP_CHECK_LOADED_BY", ""))


try:
    main()
except gdb.error as e:
    gdb.write("FAIL: gdb error: %s\n" % e, gdb.STDERR)
    gdb.execute("quit 1")

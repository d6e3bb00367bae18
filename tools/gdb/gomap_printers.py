# gomap_printers.py: gdb pretty printers for gomap (docs/debugging.md).
#
#   (gdb) source /usr/share/gomap/gdb/gomap_printers.py
#   (gdb) print m
#   $1 = gomap::map with 3 elements (B=0, 1 bucket, not growing, 0 overflow buckets) = {[1] = 10, [2] = 20, [3] = 30}
#
# Printed: gomap::map, gomap::set, gomap::pmr::map, gomap::pmr::set (any
# key, value, hasher, allocator and observer) and their iterators. Elements
# come in the order the container's own iterators give them, mid-growth too
# (the old array's unevacuated buckets first, then the current array's
# initialised ones: each element once), and lazily, so `set print elements`
# bounds the work on a map of any size.
#
# `set print gomap-state off` drops the parenthesised engine state, leaving
# libstdc++'s exact form (`gomap::map with 3 elements = {...}`).
#
# Sourced (`source`, ~/.gdbinit), the file registers its printers for every
# program. Imported as a module (the auto-load stub, gomap-gdb.py), call
# register_printers(objfile).

import gdb
import gdb.printing

# ---- ENGINE LAYOUT ---------------------------------------------------------
# Everything this file knows about the engine's field names and memory
# layout is in this section (include/gomap/internal/table.hpp, bucket.hpp,
# bucket_array.hpp, container.hpp). When the engine's state changes, change
# only this section; tests/packaging/check_gdb.py compares exact output and tells.

BUCKET_SLOTS = 8  # bucket_slots
EMPTY_REST = 0  # tophash markers (bucket.hpp): 2-4 mark an evacuated slot
EMPTY_ONE = 1
MIN_TOPHASH = 5  # a live slot's tophash is at least this
OVERFLOW_HEADER_BYTES = 16  # sizeof(overflow_header): 8 tophash bytes, then `next`


def _table_of(container):
    """The engine (internal::table) inside a gomap::map or gomap::set."""
    return container["t_"]


class _Array(object):
    """One bucket array (table::bucket_array): Go's buckets or oldbuckets."""

    def __init__(self, arr):
        self.tophash = int(arr["tophash"])  # 0 before the first allocation
        self.links = arr["links"]  # overflow_header*[nbuckets]
        self.slots = arr["slots"]  # value_type[nbuckets * 8]
        self.B = int(arr["B"])
        if not 0 <= self.B <= 62:  # the engine's largest B is below 62
            raise gdb.error("B=%d: not a constructed gomap container" % self.B)
        self.overflow = int(arr["overflow"])  # overflow buckets chained in it
        self.value_type = self.slots.type.target().strip_typedefs()


class _State(object):
    """The engine state the printers read (table's fields live in its bases,
    table_contents and friends: gdb finds them by name through the bases)."""

    def __init__(self, table):
        self.count = int(table["count_"])
        self.cur = _Array(table["cur_"])
        self.old = _Array(table["old_"])
        self.nevacuate = int(table["nevacuate_"])  # old buckets below it are evacuated
        # grow_kind: none, doubling, same_size, shrinking
        self.kind = str(table["kind_"]).rsplit("::", 1)[-1]


def _overflow_bucket(header, value_type):
    """(tophash address, slots, next header) of an overflow bucket: its
    header, then its slots at the first multiple of the slot alignment."""
    align = value_type.alignof
    offset = (OVERFLOW_HEADER_BYTES + align - 1) // align * align
    char_p = gdb.lookup_type("unsigned char").pointer()
    slots = (header.cast(char_p) + offset).cast(value_type.pointer())
    return int(header), slots, header.dereference()["next"]


def _iterator_parts(it):
    """(the entry's tophash byte address, a pointer to the entry) of a
    table_iterator (its slot_position p_); the address is 0 for end()."""
    p = it["p_"]
    return int(p["th"]), p["s"]


# ---- END OF ENGINE LAYOUT --------------------------------------------------


def _is_evacuated(top):
    """Go's evacuated(b), from the first tophash byte of an old bucket."""
    return EMPTY_ONE < top < MIN_TOPHASH


class _Tophash(object):
    """The tophash bytes of an array, read from the inferior a block of
    buckets at a time (one read per 4096 buckets, not one per bucket)."""

    CHUNK = 4096

    def __init__(self, arr):
        self.arr = arr
        self.base = -1
        self.data = b""

    def bucket(self, b):
        if not (self.base <= b < self.base + len(self.data) // BUCKET_SLOTS):
            self.base = b - b % self.CHUNK
            n = min(self.CHUNK, (1 << self.arr.B) - self.base)
            self.data = _read(self.arr.tophash + self.base * BUCKET_SLOTS, n * BUCKET_SLOTS)
        off = (b - self.base) * BUCKET_SLOTS
        return self.data[off:off + BUCKET_SLOTS]


def _read(addr, n):
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def _chain(arr, th, b):
    """The live entries of bucket b's chain in array `arr`, in slot order,
    as the engine's iterator walks it: a bucket holding an empty_rest slot
    ends the chain, else its overflow link (if any) continues it."""
    tops = th.bucket(b)
    slots = arr.slots + b * BUCKET_SLOTS
    link = (arr.links + b).dereference()
    while True:
        for i, top in enumerate(tops):
            if top >= MIN_TOPHASH:
                yield (slots + i).dereference()
        if EMPTY_REST in tops or int(link) == 0:
            return
        addr, slots, link = _overflow_bucket(link, arr.value_type)
        tops = _read(addr, BUCKET_SLOTS)


def _live_chains(state):
    """(array, its tophash reader, bucket) of every chain that may hold live
    entries, in the engine's iteration order (table::first_from and
    advance): the old array's buckets not yet evacuated, then the current
    array's buckets that evacuation has initialised."""
    cur, old = state.cur, state.old
    growing = old.tophash != 0
    if growing:
        old_th = _Tophash(old)
        for b in range(1 << old.B):
            if not _is_evacuated(old_th.bucket(b)[0]):
                yield old, old_th, b
    cur_th = _Tophash(cur)
    old_mask = (1 << old.B) - 1
    for b in range(1 << cur.B):
        if growing:
            # A current bucket is initialised once its source old bucket is
            # evacuated (a shrink: old buckets go in order, and old b is
            # new b's first source).
            if state.kind == "shrinking":
                if b >= state.nevacuate:
                    continue
            elif not _is_evacuated(old_th.bucket(b & old_mask)[0]):
                continue
        yield cur, cur_th, b


def _entries(state):
    """Every element once, in the engine's iteration order. Stops after
    `count` elements whatever the memory says."""
    if state.count == 0 or state.cur.tophash == 0:
        return
    seen = 0
    for arr, th, b in _live_chains(state):
        for v in _chain(arr, th, b):
            yield v
            seen += 1
            if seen == state.count:
                return


def _plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _state_summary(state):
    """B, bucket count, growth state, overflow buckets: the parenthesised
    part of the summary line (docs/debugging.md)."""
    cur, old = state.cur, state.old
    nbuckets = (1 << cur.B) if cur.tophash else 0
    parts = ["B=%d" % cur.B, _plural(nbuckets, "bucket")]
    if old.tophash:
        kind = {"doubling": "doubling", "same_size": "same-size growth", "shrinking": "shrinking"}.get(
            state.kind, state.kind)
        parts.append("%s from %s: %d/%d evacuated" % (kind, _plural(1 << old.B, "bucket"),
                                                     state.nevacuate, 1 << old.B))
    else:
        parts.append("not growing")
    parts.append(_plural(cur.overflow + old.overflow, "overflow bucket"))
    return ", ".join(parts)


class _StateParameter(gdb.Parameter):
    """Whether gomap's printers show the engine state (B, buckets, growth,
    overflow buckets) after the element count."""

    set_doc = "Set whether gomap containers print their engine state."
    show_doc = "Show whether gomap containers print their engine state."

    def __init__(self):
        super(_StateParameter, self).__init__("print gomap-state", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_show_string(self, svalue):
        return "Printing of gomap containers' engine state is %s." % svalue


def _show_state():
    try:
        return bool(gdb.parameter("print gomap-state"))
    except RuntimeError:
        return True


def _is_pmr(val):
    return "std::pmr::polymorphic_allocator<" in str(val.type.strip_typedefs())


class _ContainerPrinter(object):
    def __init__(self, kind, val):
        self.kind = kind  # "map" or "set"
        self.val = val
        self.name = "gomap::%s%s" % ("pmr::" if _is_pmr(val) else "", kind)

    def _state(self):
        return _State(_table_of(self.val))

    def to_string(self):
        try:
            state = self._state()
        except gdb.error as e:
            return "%s (unreadable: %s)" % (self.name, e)
        text = "%s with %s" % (self.name, _plural(state.count, "element"))
        if _show_state():
            text += " (%s)" % _state_summary(state)
        return text

    def display_hint(self):
        return "map" if self.kind == "map" else "array"

    def children(self):
        try:
            state = self._state()
        except gdb.error:
            return
        try:
            for i, v in enumerate(_entries(state)):
                if self.kind == "map":
                    yield "[%d]" % i, v["first"]
                    yield "[%d]" % i, v["second"]
                else:
                    yield "[%d]" % i, v
        except gdb.MemoryError:
            return


class _IteratorPrinter(object):
    """An iterator prints as the element it points to, as libstdc++'s do."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        th, s = _iterator_parts(self.val)
        if th == 0:
            return "end() or a default-constructed gomap iterator (not dereferenceable)"
        return s.dereference()


def build_printers():
    pp = gdb.printing.RegexpCollectionPrettyPrinter("gomap")
    pp.add_printer("map", "^gomap::map<.*>$", lambda v: _ContainerPrinter("map", v))
    pp.add_printer("set", "^gomap::set<.*>$", lambda v: _ContainerPrinter("set", v))
    pp.add_printer("iterator", "^gomap::internal::table_iterator<.*>$", _IteratorPrinter)
    return pp


def register_printers(objfile=None):
    """Registers the printers for `objfile` (None: every program)."""
    try:
        gdb.parameter("print gomap-state")
    except RuntimeError:
        _StateParameter()
    gdb.printing.register_pretty_printer(objfile, build_printers(), replace=True)


if __name__ == "__main__":  # sourced with `source`
    register_printers(None)

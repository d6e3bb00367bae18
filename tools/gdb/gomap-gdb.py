# gomap-gdb.py: gdb auto-load stub for programs that use gomap
# (docs/debugging.md).
#
# gomap is header-only, so no gomap library exists for gdb to attach its
# printers to: the program is the object file. Install this file, renamed,
# in gdb's auto-load directory under the program's absolute path, and gdb
# loads gomap's printers whenever it loads the program. Debian's gdb looks
# in /usr/share/gdb/auto-load:
#
#   install -D -m 644 /usr/share/gomap/gdb/gomap-gdb.py \
#       /usr/share/gdb/auto-load/usr/bin/myservice-gdb.py
#
# The printers (gomap_printers.py) are found in share/gomap/gdb of the prefix
# that holds the auto-load directory (<prefix>/share/gdb/auto-load/...), or
# in the directory named by the environment variable GOMAP_GDB_DIR.

import os
import sys

import gdb


def _gomap_printers_dir():
    explicit = os.environ.get("GOMAP_GDB_DIR")
    if explicit:
        return explicit
    here = os.path.abspath(__file__)
    marker = os.sep + os.path.join("share", "gdb", "auto-load") + os.sep
    cut = here.find(marker)
    if cut < 0:
        return None
    return os.path.join(here[:cut], "share", "gomap", "gdb")


def _load():
    where = _gomap_printers_dir()
    if not where or not os.path.isfile(os.path.join(where, "gomap_printers.py")):
        gdb.write("gomap: gomap_printers.py not found (looked in %s); set GOMAP_GDB_DIR to its directory\n"
                  % (where or "share/gomap/gdb next to the auto-load directory"), gdb.STDERR)
        return
    if where not in sys.path:
        sys.path.insert(0, where)
    import gomap_printers

    gomap_printers.register_printers(gdb.current_objfile())


_load()

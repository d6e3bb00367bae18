#!/usr/bin/env bash
# tools/lab/tests/test_lab.sh: gomap-lab's tests (`make test-lab`, part of
# `make test`). Builds the lab (preset `lab`), then:
#   1. every scenario of `gomap-lab list` runs at --scale tiny, piped, and
#      its --json has what the report needs (check_json.py); piped output
#      carries no progress bar;
#   2. on a terminal (a pseudo-terminal here) a progress bar is drawn;
#   3. `gomap-lab report --scale tiny` renders in headless Chromium with no
#      console error, every section's charts drawn and no network request
#      (check_report.js); the screenshot goes to build/lab/;
#   4. `gomap-lab audit` prints growth events as they happen, answers a
#      scrape of /metrics while it runs, and ends with the audit's report;
#   5. bad input is refused with a message naming it.
# Timing is never asserted: tiny runs measure nothing.
set -euo pipefail
cd "$(dirname "$0")/../../.."
jobs="${JOBS:-$(nproc)}"
out=build/lab/test
lab=build/lab-release/tools/lab/gomap-lab
node_modules=build/lab-release/tools/lab/web/node_modules

cmake --preset lab >/dev/null
cmake --build --preset lab -j "$jobs"
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

mapfile -t ids < <("$lab" list | awk '{print $1}')
expected=(rehash-storm presize churn-memory mass-delete tombstones growth-reads concurrent-writes concurrent-maps)
if [ "${ids[*]}" != "${expected[*]}" ]; then
  echo "test-lab: gomap-lab list shows '${ids[*]}', expected '${expected[*]}'" >&2
  exit 1
fi

# 1. Each scenario alone, output piped.
for id in "${ids[@]}"; do
  timeout 120 "$lab" run "$id" --scale tiny --json "$out/$id.json" > "$out/$id.txt"
  grep -q "^verdict \[$id\]: " "$out/$id.txt" || { echo "test-lab: $id printed no verdict" >&2; exit 1; }
  if grep -q $'\r' "$out/$id.txt"; then echo "test-lab: $id drew a progress bar into a pipe" >&2; exit 1; fi
done
python3 tools/lab/tests/check_json.py "$out"/*.json --expect "$(IFS=,; echo "${ids[*]}")"
grep -q "concurrent map writes" "$out/concurrent-writes.txt" ||
  { echo "test-lab: the unguarded child did not die with Go's message" >&2; exit 1; }

# 2. A terminal gets a progress bar.
python3 - "$lab" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "run", "presize", "--scale", "tiny"])
chunks = []
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    chunks.append(b)
os.waitpid(pid, 0)
text = b"".join(chunks).decode(errors="replace")
if "presize" not in text or "[#" not in text or "\r" not in text:
    sys.exit("test-lab: no progress bar on a terminal")
print("test-lab: progress bar drawn on a terminal, none in a pipe")
PY

# 3. The report, in Chromium.
timeout 300 "$lab" report --scale tiny --out "$out/report.html" --json "$out/report.json" > "$out/report.txt"
python3 tools/lab/tests/check_json.py "$out/report.json" --expect "$(IFS=,; echo "${ids[*]}")"
for id in "${ids[@]}"; do
  grep -q "<section id=\"$id\">" "$out/report.html" || { echo "test-lab: no section $id" >&2; exit 1; }
done
if grep -Eq '(src|href)="https?:' "$out/report.html"; then echo "test-lab: the report links outside itself" >&2; exit 1; fi
NODE_PATH="$node_modules" timeout 120 node tools/lab/tests/check_report.js "$out/report.html" build/lab/report-tiny.png \
  "$(IFS=,; echo "${ids[*]}")"

# 4. The live audit: port 0 picks a free port, which the first line names.
python3 - "$lab" <<'PY'
import re, subprocess, sys, time, urllib.request
p = subprocess.Popen([sys.argv[1], "audit", "--listen", "127.0.0.1:0", "--seconds", "3", "--scale", "tiny"],
                     stdout=subprocess.PIPE, text=True)
first = p.stdout.readline()
m = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", first)
if not m:
    sys.exit("test-lab: audit did not say where /metrics is: " + first)
time.sleep(1.0)
body = urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/metrics", timeout=5).read().decode()
if 'map="lab_audit"' not in body:
    sys.exit("test-lab: /metrics has no series for the audited map")
rest = p.stdout.read()
if p.wait(timeout=30) != 0:
    sys.exit("test-lab: audit failed")
for want in ("grow_start", "shrink_start", "grow_end", "gomap audit:", "reserve("):
    if want not in rest:
        sys.exit(f"test-lab: audit printed no '{want}'")
print("test-lab: audit printed growth events live, served /metrics, ended with the audit report")
PY

# 5. Bad input.
if "$lab" run no-such-scenario 2> "$out/bad.txt"; then echo "test-lab: an unknown scenario was accepted" >&2; exit 1; fi
grep -q "gomap-lab list" "$out/bad.txt" || { echo "test-lab: the unknown-scenario message names no fix" >&2; exit 1; }
if "$lab" audit --listen nonsense --seconds 1 2> "$out/bad.txt"; then echo "test-lab: --listen nonsense was accepted" >&2; exit 1; fi
grep -q "HOST:PORT" "$out/bad.txt" || { echo "test-lab: the --listen message names no fix" >&2; exit 1; }

echo "test-lab: passed in $(( $(date +%s) - start )) s after the build (outputs in $out)"

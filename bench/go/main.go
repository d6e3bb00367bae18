// Command gomap-go-bench runs gomap's benchmark workloads on Go's own map
// (Go 1.19: the design gomap ports), on the same key sequence as the C++
// harness (bench/src/common.hpp): splitmix64 keys, the same Fisher-Yates
// shuffle, the same 16-hex-digit string keys.
//
// Two modes:
//
//	gomap-go-bench -serve          one command per stdin line, one reply per
//	                               stdout line; the C++ driver runs Go's map
//	                               in its interleaved repetitions this way
//	gomap-go-bench -out FILE ...   standalone: every workload, medians, one
//	                               JSON line per result (the driver's format)
//	gomap-go-bench -concurrent ... sync.Map's concurrent workload, one line
//	                               per cell (concurrent.go)
//
// What is timed is exactly what bench/src/workloads.hpp times; Go's map is
// map[uint64]uint64 (map[string]uint64 for strings), built by m[k] = v, with
// make(map, n) for insert_reserved. Garbage collection that happens during a
// timed phase is part of Go's cost; after every command a forced collection
// and scavenge leaves the process idle, so it does not run while C++ maps are
// being timed.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/bits"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock (vDSO, no wall-clock read):
// the cheapest clock Go has, as cheap as the TSC read of the C++ side.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// ---- the key sequence (shared with bench/src/common.hpp) ----

const (
	keySeed     = 0x676f6d61702d6b65 // "gomap-ke"
	shuffleSeed = 0x676f6d61702d7368 // "gomap-sh"
	stringSeed  = 0x676f6d61702d7374 // "gomap-st"
)

type splitmix64 struct{ state uint64 }

func (g *splitmix64) next() uint64 {
	g.state += 0x9e3779b97f4a7c15
	z := g.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// shuffle is the C++ side's Fisher-Yates: the bounded draw is the high half
// of a 64x64 multiply.
func shuffle[T any](v []T) {
	rng := splitmix64{shuffleSeed}
	for i := len(v); i > 1; i-- {
		j, _ := bits.Mul64(rng.next(), uint64(i))
		v[i-1], v[j] = v[j], v[i-1]
	}
}

func stringKey(r uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[r&15]
		r >>= 4
	}
	return string(b[:])
}

const (
	fnvOffset = 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
)

func checksumKeys(v []uint64) uint64 {
	h := uint64(fnvOffset)
	for _, x := range v {
		h = (h ^ x) * fnvPrime
	}
	return h
}

func checksumStrings(v []string) uint64 {
	h := uint64(fnvOffset)
	for _, s := range v {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * fnvPrime
		}
	}
	return h
}

// keyset holds a prefix of the key stream, grown on demand, and the shuffles
// and strings of the last N asked for.
type keyset struct {
	gen      splitmix64
	keys     []uint64
	shufN    int
	shuf     []uint64
	strN     int
	strs     []string
	shufStrs []string
}

var ks = keyset{gen: splitmix64{keySeed}, shufN: -1, strN: -1}

func (k *keyset) stream(from, n int) []uint64 {
	if need := from + n; need > len(k.keys) {
		grown := make([]uint64, need)
		copy(grown, k.keys)
		for i := len(k.keys); i < need; i++ {
			grown[i] = k.gen.next()
		}
		k.keys = grown
	}
	return k.keys[from : from+n]
}

func (k *keyset) shuffled(n int) []uint64 {
	if k.shufN != n {
		k.shuf = append(k.shuf[:0], k.stream(0, n)...)
		shuffle(k.shuf)
		k.shufN = n
	}
	return k.shuf
}

func (k *keyset) strings(n int) ([]string, []string) {
	if k.strN != n {
		g := splitmix64{stringSeed}
		k.strs = make([]string, n)
		for i := range k.strs {
			k.strs[i] = stringKey(g.next())
		}
		k.shufStrs = append([]string(nil), k.strs...)
		shuffle(k.shufStrs)
		k.strN = n
	}
	return k.strs, k.shufStrs
}

// ---- the workloads ----

var sink uint64

func wrong(what string) { panic("go map answered wrongly in " + what) }

type phases struct{ insert, findHit, findMiss, iterate, erase float64 }

// findHits looks every key of sh up inner times, sums the values and checks
// the hits (as bench/src/workloads.hpp's time_find_hits does): total ns.
func findHits(m map[uint64]uint64, sh []uint64, inner int, what string) float64 {
	var sum, found uint64
	t0 := nanotime()
	for r := 0; r < inner; r++ {
		for _, k := range sh {
			if v, ok := m[k]; ok {
				sum += v
				found++
			}
		}
	}
	t := float64(nanotime() - t0)
	sink += sum
	if found != uint64(len(sh)*inner) {
		wrong(what)
	}
	return t
}

func lifecycle(n, outer, inner int) phases {
	keys, sh, miss := ks.stream(0, n), ks.shuffled(n), ks.stream(n, n)
	var t phases
	for o := 0; o < outer; o++ {
		m := make(map[uint64]uint64)
		t0 := nanotime()
		for i, k := range keys {
			m[k] = uint64(i)
		}
		t1 := nanotime()
		t.insert += float64(t1 - t0)
		if len(m) != n {
			wrong("insert")
		}

		t.findHit += findHits(m, sh, inner, "find_hit")

		var found uint64
		t0 = nanotime()
		for r := 0; r < inner; r++ {
			for _, k := range miss {
				if _, ok := m[k]; ok {
					found++
				}
			}
		}
		t1 = nanotime()
		t.findMiss += float64(t1 - t0)
		if found != 0 {
			wrong("find_miss")
		}

		var sum, seen uint64
		t0 = nanotime()
		for r := 0; r < inner; r++ {
			for _, v := range m {
				sum += v
				seen++
			}
		}
		t1 = nanotime()
		t.iterate += float64(t1 - t0)
		if seen != uint64(n*inner) || sum != uint64(inner)*uint64(n)*uint64(n-1)/2 {
			wrong("iterate")
		}

		t0 = nanotime()
		for _, k := range sh {
			delete(m, k)
		}
		t1 = nanotime()
		t.erase += float64(t1 - t0)
		if len(m) != 0 {
			wrong("erase")
		}
	}
	return t
}

// insertReserved times inserting into make(map, n), then the lifecycle's
// find_hit on that map (find_hit_reserved): total ns of each.
func insertReserved(n, outer, inner int) (float64, float64) {
	keys := ks.stream(0, n)
	sh := ks.shuffled(n)
	ins, find := 0.0, 0.0
	for o := 0; o < outer; o++ {
		m := make(map[uint64]uint64, n)
		t0 := nanotime()
		for i, k := range keys {
			m[k] = uint64(i)
		}
		ins += float64(nanotime() - t0)
		if len(m) != n {
			wrong("insert_reserved")
		}
		find += findHits(m, sh, inner, "find_hit_reserved")
	}
	return ins, find
}

// churn returns total ns, or with samplePeak the peak live heap growth
// sampled (after a forced collection) every 16384 operations.
func churn(live, ops int, samplePeak bool) float64 {
	k := ks.stream(0, live+ops)
	base := liveHeap()
	peak := 0.0
	m := make(map[uint64]uint64)
	for i := 0; i < live; i++ {
		m[k[i]] = uint64(i)
	}
	t0 := nanotime()
	for j := 0; j < ops; j++ {
		m[k[live+j]] = uint64(j)
		delete(m, k[j])
		if samplePeak && j&16383 == 0 {
			peak = math.Max(peak, liveHeap()-base)
		}
	}
	t := float64(nanotime() - t0)
	if len(m) != live {
		wrong("churn")
	}
	if samplePeak {
		return math.Max(peak, liveHeap()-base)
	}
	runtime.KeepAlive(m)
	return t
}

func stringPhases(n, outer, inner int) phases {
	strs, sh := ks.strings(n)
	var t phases
	for o := 0; o < outer; o++ {
		m := make(map[string]uint64)
		t0 := nanotime()
		for i, s := range strs {
			m[s] = uint64(i)
		}
		t.insert += float64(nanotime() - t0)
		var sum, found uint64
		t0 = nanotime()
		for r := 0; r < inner; r++ {
			for _, s := range sh {
				if v, ok := m[s]; ok {
					sum += v
					found++
				}
			}
		}
		t.findHit += float64(nanotime() - t0)
		sink += sum
		if len(m) != n || found != uint64(n*inner) {
			wrong("strings")
		}
	}
	return t
}

type latencies struct{ p50, p99, p999, p9999, max float64 }

// summarize returns exact percentiles of d (in ns) in O(n): a counting
// array for values below 65536 ns, a sort of the few above.
func summarize(d []int64) latencies {
	var counts [1 << 16]uint32
	var big []int64
	for _, v := range d {
		if v < 1<<16 {
			counts[v]++
		} else {
			big = append(big, v)
		}
	}
	sort.Slice(big, func(i, j int) bool { return big[i] < big[j] })
	at := func(q float64) float64 {
		k := int(q * float64(len(d)))
		if k > len(d)-1 {
			k = len(d) - 1
		}
		for v, c := range counts {
			if k < int(c) {
				return float64(v)
			}
			k -= int(c)
		}
		return float64(big[k])
	}
	l := latencies{at(0.5), at(0.99), at(0.999), at(0.9999), at(1)}
	return l
}

func latency(n int) latencies {
	keys := ks.stream(0, n)
	d := make([]int64, n)
	m := make(map[uint64]uint64)
	prev := nanotime()
	for i, k := range keys {
		m[k] = uint64(i)
		t := nanotime()
		d[i] = t - prev
		prev = t
	}
	if len(m) != n {
		wrong("latency")
	}
	return summarize(d)
}

// latencyControl is the C++ control loop in Go: 48 dependent multiply-adds
// per step, timed like the inserts. Above its median: the machine's noise
// plus the Go runtime's own (GC assists, preemption).
func latencyControl(n int) latencies {
	keys := ks.stream(0, n)
	d := make([]int64, n)
	x := uint64(1)
	prev := nanotime()
	for i, k := range keys {
		for r := 0; r < 48; r++ {
			x = x*0x9e3779b97f4a7c15 + k
		}
		t := nanotime()
		d[i] = t - prev
		prev = t
	}
	sink += x
	return summarize(d)
}

func liveHeap() float64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return float64(s.HeapAlloc)
}

func statusField(name string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name) {
			f := strings.Fields(line[len(name):])
			if len(f) > 0 {
				v, _ := strconv.ParseFloat(f[0], 64)
				return v * 1024
			}
		}
	}
	return math.NaN()
}

type memory struct{ full, peak, erased90, reinsert float64 }

// memoryUse follows the C++ memory workload. With rss false it reports the
// live heap after a forced collection (runtime.MemStats.HeapAlloc, so the
// map's own bytes); with rss true, resident set size deltas and the peak RSS
// (VmHWM, reset first through /proc/self/clear_refs).
func memoryUse(n int, rss bool) memory {
	keys, sh, miss := ks.stream(0, n), ks.shuffled(n), ks.stream(n, n)
	measure := func() float64 { return liveHeap() }
	if rss {
		debug.FreeOSMemory()
		_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
		measure = func() float64 { return statusField("VmRSS:") }
	}
	base := measure()
	r := memory{peak: math.NaN()}
	m := make(map[uint64]uint64)
	for i, k := range keys {
		m[k] = uint64(i)
	}
	r.full = measure() - base
	if rss {
		r.peak = statusField("VmHWM:") - base
	}
	for _, k := range sh[:n-n/10] {
		delete(m, k)
	}
	r.erased90 = measure() - base
	m[miss[0]] = uint64(n)
	r.reinsert = measure() - base
	if len(m) != n/10+1 {
		wrong("memory")
	}
	runtime.KeepAlive(m)
	return r
}

// ---- the lab's commands (tools/lab: timelines rather than summaries) ----

// windowMax returns, for each of `windows` equal windows of d, its largest
// value: a downsampled timeline in which every spike survives.
func windowMax(d []int64, windows int) []float64 {
	if windows > len(d) {
		windows = len(d)
	}
	out := make([]float64, windows)
	for w := 0; w < windows; w++ {
		lo, hi := w*len(d)/windows, (w+1)*len(d)/windows
		m := int64(0)
		for _, v := range d[lo:hi] {
			if v > m {
				m = v
			}
		}
		out[w] = float64(m)
	}
	return out
}

func list(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, ",")
}

// runQueue reads the calling thread's time spent waiting for a core (ns, the
// second field of /proc/thread-self/schedstat), as the C++ side's
// thread_run_queue_ns does; -1 where the kernel does not provide it.
type runQueue struct{ f *os.File }

func (q runQueue) ns() int64 {
	if q.f == nil {
		return -1
	}
	var b [96]byte
	n, _ := q.f.ReadAt(b[:], 0)
	f := strings.Fields(string(b[:n]))
	if len(f) < 2 {
		return -1
	}
	v, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// latencyTrace is latency() plus the per-window maxima, the total time, and
// the C++ side's accounting of waits for a core (bench/src/common.hpp,
// time_each): after an insert slower than 20 us the thread's run-queue time
// is read, outside the clock, and its growth is taken off that insert in
// max_own and in the trace. The goroutine is locked to its OS thread
// meanwhile, so the figure is the inserting thread's.
func latencyTrace(n, windows int) string {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f, _ := os.Open("/proc/thread-self/schedstat")
	q := runQueue{f}
	if f != nil {
		defer f.Close()
	}
	keys := ks.stream(0, n)
	d := make([]int64, n)
	own := make([]int64, n)
	m := make(map[uint64]uint64)
	waited := 0
	queued := q.ns()
	var total int64
	prev := nanotime()
	for i, k := range keys {
		m[k] = uint64(i)
		t := nanotime()
		d[i] = t - prev
		own[i] = d[i]
		total += d[i]
		prev = t
		if d[i] > 20000 && queued >= 0 {
			if now := q.ns(); now > queued {
				own[i] -= now - queued
				if own[i] < 0 {
					own[i] = 0
				}
				waited++
				queued = now
			}
			prev = nanotime()
		}
	}
	if len(m) != n {
		wrong("latency_trace")
	}
	trace := windowMax(own, windows)
	maxOwn := int64(0)
	for _, v := range own {
		if v > maxOwn {
			maxOwn = v
		}
	}
	return latencyFields(summarize(d)) + " " + fields("total", total, "max_own", maxOwn, "preempted", waited) +
		" trace=" + list(trace)
}

// presize inserts n keys into make(map, 0) or make(map, n): the time, the
// heap allocations made (runtime.MemStats.Mallocs) and bytes allocated
// (TotalAlloc) while inserting, and the live heap the map holds after.
func presize(n int, sized bool) string {
	keys := ks.stream(0, n)
	base := liveHeap()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hint := 0
	if sized {
		hint = n
	}
	t0 := nanotime()
	m := make(map[uint64]uint64, hint)
	for i, k := range keys {
		m[k] = uint64(i)
	}
	t := nanotime() - t0
	runtime.ReadMemStats(&after)
	held := liveHeap() - base
	if len(m) != n {
		wrong("presize")
	}
	runtime.KeepAlive(m)
	return fields("ns", t, "allocations", after.Mallocs-before.Mallocs, "allocated", after.TotalAlloc-before.TotalAlloc,
		"held", held)
}

// churnTrace: `live` keys inserted, then `ops` insert-new/erase-oldest
// operations; the live heap (after a forced collection) is sampled every
// ops/samples operations.
func churnTrace(live, ops, samples int) string {
	k := ks.stream(0, live+ops)
	base := liveHeap()
	m := make(map[uint64]uint64)
	for i := 0; i < live; i++ {
		m[k[i]] = uint64(i)
	}
	every := ops / samples
	if every < 1 {
		every = 1
	}
	trace := []float64{liveHeap() - base}
	for j := 0; j < ops; j++ {
		m[k[live+j]] = uint64(j)
		delete(m, k[j])
		if (j+1)%every == 0 {
			trace = append(trace, liveHeap()-base)
		}
	}
	if len(m) != live {
		wrong("churn_trace")
	}
	runtime.KeepAlive(m)
	return fields("every", every) + " trace=" + list(trace)
}

// massDelete: n keys inserted, the first 9n/10 of the shuffle erased, then
// `ops` operations each inserting the next new key and erasing the oldest
// live one (the survivors first, in shuffle order). The live heap (after a
// forced collection) is sampled every (n + 9n/10 + ops)/samples operations
// of the three phases, as tools/lab's mass-delete does.
func massDelete(n, ops, samples int) string {
	keys, sh, fresh := ks.stream(0, n), ks.shuffled(n), ks.stream(n, ops)
	base := liveHeap()
	m := make(map[uint64]uint64)
	erase := n - n/10
	every := (n + erase + ops) / samples
	if every < 1 {
		every = 1
	}
	var trace []float64
	op := 0
	tick := func() {
		op++
		if op%every == 0 {
			trace = append(trace, liveHeap()-base)
		}
	}
	for i, k := range keys {
		m[k] = uint64(i)
		tick()
	}
	full := liveHeap() - base
	for _, k := range sh[:erase] {
		delete(m, k)
		tick()
	}
	erased := liveHeap() - base
	queue := append([]uint64(nil), sh[erase:]...)
	for j := 0; j < ops; j++ {
		m[fresh[j]] = uint64(j)
		queue = append(queue, fresh[j])
		delete(m, queue[0])
		queue = queue[1:]
		tick()
	}
	if len(m) != n/10 {
		wrong("mass_delete")
	}
	end := liveHeap() - base
	runtime.KeepAlive(m)
	return fields("full", full, "erased90", erased, "end", end) + " trace=" + list(trace)
}

// ---- serve mode ----

func hello() string {
	k := ks.stream(0, 1000)
	sh := append([]uint64(nil), k...)
	shuffle(sh)
	g := splitmix64{stringSeed}
	st := make([]string, 1000)
	for i := range st {
		st[i] = stringKey(g.next())
	}
	return fmt.Sprintf("version=%s checksum_keys=%016x checksum_shuffle=%016x checksum_strings=%016x",
		runtime.Version(), checksumKeys(k), checksumKeys(sh), checksumStrings(st))
}

func fields(kv ...interface{}) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", kv[i], kv[i+1])
	}
	return b.String()
}

func latencyFields(l latencies) string {
	return fields("p50", l.p50, "p99", l.p99, "p999", l.p999, "p9999", l.p9999, "max", l.max)
}

func memoryFields(m memory) string {
	s := fields("full", m.full, "erased90", m.erased90, "reinsert", m.reinsert)
	if !math.IsNaN(m.peak) {
		s += " " + fields("peak", m.peak)
	}
	return s
}

func execute(line string) (reply string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", errors.New("empty command")
	}
	a := make([]int, 3)
	for i := 1; i < len(f) && i <= 3; i++ {
		if a[i-1], err = strconv.Atoi(f[i]); err != nil {
			return "", err
		}
	}
	switch f[0] {
	case "hello":
		return hello(), nil
	case "lifecycle":
		t := lifecycle(a[0], a[1], a[2])
		return fields("insert", t.insert, "find_hit", t.findHit, "find_miss", t.findMiss, "iterate", t.iterate,
			"erase", t.erase), nil
	case "insert_reserved":
		ins, find := insertReserved(a[0], a[1], a[2])
		return fields("ns", ins, "find_hit", find), nil
	case "churn":
		return fields("ns", churn(a[0], a[1], false)), nil
	case "churn_peak":
		return fields("peak", churn(a[0], a[1], true)), nil
	case "strings":
		t := stringPhases(a[0], a[1], a[2])
		return fields("insert", t.insert, "find_hit", t.findHit), nil
	case "latency":
		return latencyFields(latency(a[0])), nil
	case "latency_control":
		return latencyFields(latencyControl(a[0])), nil
	case "memory":
		return memoryFields(memoryUse(a[0], false)), nil
	case "memory_rss":
		return memoryFields(memoryUse(a[0], true)), nil
	case "latency_trace":
		return latencyTrace(a[0], a[1]), nil
	case "presize":
		return presize(a[0], a[1] != 0), nil
	case "churn_trace":
		return churnTrace(a[0], a[1], a[2]), nil
	case "mass_delete":
		return massDelete(a[0], a[1], a[2]), nil
	}
	return "", fmt.Errorf("unknown command %q", f[0])
}

func serve() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		reply, err := execute(in.Text())
		// Collect and scavenge now, so that nothing of this command runs in
		// the background while the next (C++) subject is timed.
		debug.FreeOSMemory()
		if err != nil {
			reply = "error " + strings.ReplaceAll(err.Error(), "\n", " ")
		}
		fmt.Fprintln(out, reply)
		out.Flush()
	}
}

// ---- standalone mode ----

type result struct {
	workload, unit string
	n              int
	values         []float64
	extra          string
}

func median(v []float64) (med, lo, hi float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := len(s) / 2
	med = s[m]
	if len(s)%2 == 0 {
		med = (s[m-1] + s[m]) / 2
	}
	return med, s[0], s[len(s)-1]
}

func jsonNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func standalone(out *os.File, sizes []int, reps int, minTime float64, churnOps, stringN, latencyN int, memSizes []int) {
	var results []*result
	get := func(w, unit string, n int) *result {
		for _, r := range results {
			if r.workload == w && r.n == n {
				return r
			}
		}
		r := &result{workload: w, unit: unit, n: n}
		results = append(results, r)
		return r
	}
	cal := func(n int, once phases, all bool) (int, int) {
		if n >= 100000 {
			return 1, 1
		}
		times := func(t float64) int { return int(math.Max(1, math.Ceil(minTime/math.Max(t, 1)))) }
		d, ro := once.insert, once.findHit
		if all {
			d = math.Min(once.insert, once.erase)
			ro = math.Min(once.findHit, math.Min(once.findMiss, once.iterate))
		}
		outer := times(d)
		return outer, times(ro * float64(outer))
	}
	for _, n := range sizes {
		outer, inner := cal(n, lifecycle(n, 1, 1), true)
		for rep := 0; rep < reps; rep++ {
			t := lifecycle(n, outer, inner)
			d, r := float64(n*outer), float64(n*outer*inner)
			get("insert", "ns/op", n).values = append(get("insert", "ns/op", n).values, t.insert/d)
			get("find_hit", "ns/op", n).values = append(get("find_hit", "ns/op", n).values, t.findHit/r)
			get("find_miss", "ns/op", n).values = append(get("find_miss", "ns/op", n).values, t.findMiss/r)
			get("iterate", "ns/op", n).values = append(get("iterate", "ns/op", n).values, t.iterate/r)
			get("erase", "ns/op", n).values = append(get("erase", "ns/op", n).values, t.erase/d)
			ir := get("insert_reserved", "ns/op", n)
			ins, find := insertReserved(n, outer, inner)
			ir.values = append(ir.values, ins/d)
			fr := get("find_hit_reserved", "ns/op", n)
			fr.values = append(fr.values, find/r)
			debug.FreeOSMemory()
		}
	}
	for rep := 0; rep < reps; rep++ {
		r := get("churn", "ns/op", churnOps)
		r.values = append(r.values, churn(1000, churnOps, false)/float64(churnOps))
	}
	outer, inner := cal(stringN, stringPhases(stringN, 1, 1), false)
	for rep := 0; rep < reps; rep++ {
		t := stringPhases(stringN, outer, inner)
		si, sf := get("string_insert", "ns/op", stringN), get("string_find_hit", "ns/op", stringN)
		si.values = append(si.values, t.insert/float64(stringN*outer))
		sf.values = append(sf.values, t.findHit/float64(stringN*outer*inner))
	}
	for rep := 0; rep < reps; rep++ {
		l := latency(latencyN)
		for _, p := range []struct {
			w string
			v float64
		}{{"latency_p50", l.p50}, {"latency_p99", l.p99}, {"latency_p99.9", l.p999}, {"latency_p99.99", l.p9999},
			{"latency_max", l.max}} {
			r := get(p.w, "ns", latencyN)
			r.values = append(r.values, p.v)
		}
		debug.FreeOSMemory()
	}
	for _, n := range memSizes {
		for _, rss := range []bool{false, true} {
			m := memoryUse(n, rss)
			prefix := "memory"
			if rss {
				prefix = "rss"
			}
			for _, p := range []struct {
				w string
				v float64
			}{{"_full", m.full}, {"_peak", m.peak}, {"_erased90", m.erased90}, {"_reinsert", m.reinsert}} {
				if !math.IsNaN(p.v) {
					get(prefix+p.w, "B/entry", n).values = []float64{p.v / float64(n)}
				}
			}
		}
	}
	get("churn_peak", "B", churnOps).values = []float64{churn(1000, churnOps, true)}

	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "{\"meta\":\"go\",\"go_%s\"}\n", strings.NewReplacer("=", "\":\"", " ", "\",\"go_").Replace(hello()))
	for _, r := range results {
		med, lo, hi := median(r.values)
		vals := make([]string, len(r.values))
		for i, v := range r.values {
			vals[i] = jsonNumber(v)
		}
		fmt.Fprintf(w, "{\"map\":\"go\",\"hasher\":\"default\",\"workload\":%q,\"n\":%d,\"unit\":%q,\"median\":%s,"+
			"\"min\":%s,\"max\":%s,\"runs\":%d,\"values\":[%s]}\n", r.workload, r.n, r.unit, jsonNumber(med),
			jsonNumber(lo), jsonNumber(hi), len(r.values), strings.Join(vals, ","))
	}
	w.Flush()
}

func parseSizes(s string) []int {
	var v []int
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad size:", f)
			os.Exit(2)
		}
		v = append(v, int(x))
	}
	return v
}

func main() {
	serveMode := flag.Bool("serve", false, "serve commands on stdin (the C++ driver's mode)")
	outPath := flag.String("out", "", "standalone: write JSON lines here")
	smoke := flag.Bool("smoke", false, "standalone: tiny sizes")
	sizes := flag.String("sizes", "1000,1000000,10000000", "standalone: N values")
	reps := flag.Int("reps", 5, "standalone: repetitions")
	concurrentMode := flag.Bool("concurrent", false, "the concurrent workload on sync.Map (see concurrent.go)")
	concN := flag.Int("n", 1000000, "-concurrent: preloaded keys")
	concThreads := flag.String("threads", "1,2,4,8", "-concurrent: goroutine counts")
	concMixes := flag.String("mixes", "100,90,50", "-concurrent: read percentages")
	concMs := flag.Float64("ms", 200, "-concurrent: milliseconds per cell")
	flag.Parse()
	if *concurrentMode {
		concurrent(*concN, parseSizes(*concThreads), parseSizes(*concMixes), *concMs)
		return
	}
	if *serveMode {
		serve()
		return
	}
	if *outPath == "" {
		fmt.Fprintln(os.Stderr, "usage: gomap-go-bench -serve | -out FILE [-smoke] [-sizes a,b] [-reps n] | -concurrent [-n N] [-threads a,b] [-mixes a,b] [-ms T]")
		os.Exit(2)
	}
	f, err := os.Create(*outPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if *smoke {
		standalone(f, []int{1000}, 2, 1e6, 10000, 1000, 10000, []int{1000})
	} else {
		standalone(f, parseSizes(*sizes), *reps, 50e6, 10000000, 1000000, 10000000, parseSizes(*sizes))
	}
}

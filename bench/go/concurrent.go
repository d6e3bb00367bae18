// The `concurrent` workload on Go's sync.Map (gomap-go-bench -concurrent),
// the original of gomap::sync_map; what bench/src/concurrent.cpp does for the
// C++ maps, on the same keys: n preloaded keys (the first n of the shared
// splitmix64 stream), Range once to promote the dirty map, then for each
// read mix and goroutine count a timed cell: every goroutine draws from its
// own xorshift stream (the same draws as the C++ threads), reads with Load
// or writes with Store to a present key, until the main goroutine raises
// stop after -ms milliseconds. GOMAXPROCS is Go's default (nproc).
// Prints one line per cell: threads=T read=R ops=OPS ns=NS.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func concurrentCell(m *sync.Map, keys []uint64, goroutines int, readPct uint64, ms float64) (ops uint64, ns int64) {
	var ready, total int64
	var start, stop int32
	var wrong int32
	readBelow := (readPct << 16) / 100
	n := uint64(len(keys))
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(t uint64) {
			defer wg.Done()
			s := 0x9e3779b97f4a7c15*(t+1) ^ 0x676f6d6170
			atomic.AddInt64(&ready, 1)
			for atomic.LoadInt32(&start) == 0 {
				runtime.Gosched()
			}
			var done, sum uint64
			for atomic.LoadInt32(&stop) == 0 {
				for i := 0; i < 64; i++ {
					s ^= s << 13
					s ^= s >> 7
					s ^= s << 17
					k := keys[((s>>32)*n)>>32]
					if s&0xffff < readBelow {
						v, ok := m.Load(k)
						if !ok {
							atomic.StoreInt32(&wrong, 1)
							continue
						}
						sum += v.(uint64)
					} else {
						m.Store(k, s)
					}
				}
				done += 64
			}
			atomic.AddInt64(&total, int64(done))
			if sum == 42 {
				fmt.Print("")
			}
		}(uint64(g))
	}
	for atomic.LoadInt64(&ready) < int64(goroutines) {
		runtime.Gosched()
	}
	t0 := nanotime()
	atomic.StoreInt32(&start, 1)
	time.Sleep(time.Duration(ms * float64(time.Millisecond)))
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	ns = nanotime() - t0
	if wrong != 0 {
		panic("sync.Map lost a preloaded key")
	}
	return uint64(total), ns
}

func concurrent(n int, threads, mixes []int, ms float64) {
	keys := ks.stream(0, n)
	var m sync.Map
	for i, k := range keys {
		m.Store(k, uint64(i))
	}
	m.Range(func(_, _ any) bool { return false })
	runtime.GC()
	for _, r := range mixes {
		for _, t := range threads {
			ops, ns := concurrentCell(&m, keys, t, uint64(r), ms)
			fmt.Printf("threads=%d read=%d ops=%d ns=%d\n", t, r, ops, ns)
		}
	}
}

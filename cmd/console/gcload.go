package main

import (
	"os"
	"runtime/debug"
	"sync"
)

// loadGCPercent is the garbage collector's target (GOGC) while a first
// list arrives. A first list is garbage page after page (each page's
// response body and decoded objects) while the kept records grow, and the
// peak of the heap, which sets the process's resident memory for minutes,
// is reached then: at the default 100 the heap grows to twice what is
// live before each collection, at 50 to one and a half times, for a
// garbage collector that runs about twice as often while the lists arrive
// (docs/performance.md, Kubernetes at 20,000 pods). The default comes back
// when every first list of the process has arrived. It is the process's
// setting, so the wiring sets it: the Kubernetes providers only say when
// their first lists begin and end (kube.Options.FirstLists).
const loadGCPercent = 50

// loadGC counts the sessions whose first lists arrive and sets the
// garbage collector's target through set (debug.SetGCPercent).
type loadGC struct {
	mu   sync.Mutex
	n    int
	prev int
	set  func(int) int
}

// gcLoad is the process's.
var gcLoad = &loadGC{set: debug.SetGCPercent}

// startLoadGC lowers the process's garbage collector target to
// loadGCPercent while a session's first lists arrive (see loadGC.start);
// it is every Kubernetes provider's kube.Options.FirstLists.
func startLoadGC() func() { return gcLoad.start() }

// start lowers the target to loadGCPercent, unless the user set GOGC,
// and returns the (idempotent) end of it: the target there was comes
// back when the last session ends its lists.
func (g *loadGC) start() func() {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	g.mu.Lock()
	if g.n == 0 {
		g.prev = g.set(loadGCPercent)
	}
	g.n++
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.n--
			if g.n == 0 {
				g.set(g.prev)
			}
		})
	}
}

package kube

import (
	"context"
	"slices"
	"sync"
	"time"
)

// DefaultFirstLists is how many contexts of one console list their first
// lists at once (NewListGate's limit in the commands): the context shown
// and one more.
const DefaultFirstLists = 2

// maxLoadHold is the longest a session keeps its place in a ListGate
// (and the longest before Options.FirstLists is told the lists ended): a
// cluster whose first list is slow or never completes (a watch that keeps
// failing) does not keep the other contexts waiting longer than that.
const maxLoadHold = 30 * time.Second

// ListGate staggers the first lists of several contexts: at most limit
// sessions list at once, the others wait in the order of their rank
// (Options.ListRank: lower first). Rank 0, the context shown first, never
// waits (it counts against the limit, so the others wait for it). A
// session holds its place from the start of its lists until every
// informer has its first list, the session ends, or maxLoadHold passed.
// The peak memory of a start then grows with the limit, not with the
// number of contexts; the time to every context's pods grows instead.
// It is safe for concurrent use.
type ListGate struct {
	mu      sync.Mutex
	limit   int
	running int
	waiting []*gateWaiter // by rank, then arrival
}

type gateWaiter struct {
	rank  int
	ready chan struct{}
}

// NewListGate returns a gate letting limit sessions list at once (at least 1).
func NewListGate(limit int) *ListGate {
	return &ListGate{limit: max(limit, 1)}
}

// acquire waits for a place for a session of the given rank and returns
// the function that gives it back (idempotent), or ctx's error.
func (g *ListGate) acquire(ctx context.Context, rank int) (func(), error) {
	g.mu.Lock()
	if rank == 0 || (g.running < g.limit && len(g.waiting) == 0) {
		g.running++
		g.mu.Unlock()
		return g.releaser(), nil
	}
	w := &gateWaiter{rank: rank, ready: make(chan struct{})}
	i, _ := slices.BinarySearchFunc(g.waiting, rank, func(x *gateWaiter, r int) int {
		if x.rank <= r {
			return -1 // after the waiters of the same rank: arrival order
		}
		return 1
	})
	g.waiting = slices.Insert(g.waiting, i, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return g.releaser(), nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if j := slices.Index(g.waiting, w); j >= 0 {
			g.waiting = slices.Delete(g.waiting, j, j+1)
			return nil, ctx.Err()
		}
		// admitted meanwhile: give the place to the next
		g.running--
		g.admitLocked()
		return nil, ctx.Err()
	}
}

// releaser returns the idempotent release of one place.
func (g *ListGate) releaser() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.running--
			g.admitLocked()
		})
	}
}

// admitLocked lets the first waiters in while there is room; g.mu is held.
func (g *ListGate) admitLocked() {
	for g.running < g.limit && len(g.waiting) > 0 {
		w := g.waiting[0]
		g.waiting = g.waiting[1:]
		g.running++
		close(w.ready)
	}
}

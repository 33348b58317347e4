package kube

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// queued waits until n sessions wait at g (a condition, with a deadline
// generous for a loaded machine).
func queued(t *testing.T, g *ListGate, n int) {
	t.Helper()
	lab.WaitFor(t, fmt.Sprintf("%d sessions waiting at the gate", n), 2*time.Minute, func() (bool, string) {
		g.mu.Lock()
		got := len(g.waiting)
		g.mu.Unlock()
		return got == n, fmt.Sprintf("%d waiting", got)
	})
}

// admitted reports whether the session waiting on ch has its place.
func admitted(ch <-chan func()) (func(), bool) {
	select {
	case r := <-ch:
		return r, true
	default:
		return nil, false
	}
}

// TestListGateOrder: at most limit sessions hold a place; the waiting are
// let in lowest rank first (the same rank in arrival order), rank 0 never
// waits, a release is idempotent, and a session that gives up waiting
// leaves the queue.
func TestListGateOrder(t *testing.T) {
	ctx := t.Context()
	g := NewListGate(1)
	wait := func(ctx context.Context, rank int) <-chan func() {
		ch := make(chan func(), 1)
		go func() {
			r, err := g.acquire(ctx, rank)
			if err == nil {
				ch <- r
			}
		}()
		return ch
	}
	relA, err := g.acquire(ctx, 2) // free: in at once
	if err != nil {
		t.Fatal(err)
	}
	b := wait(ctx, 3)
	queued(t, g, 1)
	c := wait(ctx, 1)
	queued(t, g, 2)
	gone, cancel := context.WithCancel(ctx)
	d := wait(gone, 1) // same rank as c, after it; gives up below
	queued(t, g, 3)
	relShown, err := g.acquire(ctx, 0) // the context shown: never waits
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	queued(t, g, 2)
	if _, ok := admitted(d); ok {
		t.Fatal("a session that gave up was let in")
	}

	relA()
	relA() // idempotent: frees nothing more
	if _, ok := admitted(c); ok {
		t.Fatal("let in while the shown context still lists (limit 1)")
	}
	relShown()
	var relC func()
	select {
	case relC = <-c:
	case <-time.After(2 * time.Minute):
		t.Fatal("rank 1 not let in after the places were given back")
	}
	if _, ok := admitted(b); ok {
		t.Fatal("rank 3 let in beside rank 1 (limit 1)")
	}
	relC()
	select {
	case relB := <-b:
		relB()
	case <-time.After(2 * time.Minute):
		t.Fatal("rank 3 not let in after rank 1 finished")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running != 0 || len(g.waiting) != 0 {
		t.Errorf("gate left with %d running, %d waiting", g.running, len(g.waiting))
	}
}

// TestListGateProvider: against a real API server, a provider whose
// place is taken lists nothing until it is given back, and gives its own
// place back once its first lists are complete; Options.FirstLists is
// told when they begin (after the wait) and, once, when they end.
func TestListGateProvider(t *testing.T) {
	k := lab.Kube(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	g := NewListGate(1)
	hold, err := g.acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var begun atomic.Int32
	ended := make(chan struct{}, 2)
	firstLists := func() func() {
		begun.Add(1)
		return func() { ended <- struct{}{} }
	}
	p, err := New(Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, EmitInterval: 10 * time.Millisecond,
		ListGate: g, ListRank: 2, FirstLists: firstLists})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan providers.Update, 16)
	stopped := make(chan struct{})
	go func() { _ = p.Run(ctx, out); close(stopped) }()
	queued(t, g, 1) // it waits for the place before listing anything
	select {
	case u := <-out:
		t.Fatalf("the provider sent %+v while its place was taken", u)
	default:
	}
	if n := begun.Load(); n != 0 {
		t.Fatalf("FirstLists called %d times while the provider waited for its place", n)
	}
	hold()
	for {
		var u providers.Update
		select {
		case u = <-out:
		case <-ctx.Done():
			t.Fatal("no complete view from the provider let in")
		}
		if u.Err != nil {
			t.Fatalf("provider: %v", u.Err)
		}
		if u.Inventory != nil && u.Progress == nil {
			break // its first lists are complete
		}
	}
	// its place is given back: the next session is let in
	next, err := g.acquire(ctx, 3)
	if err != nil {
		t.Fatalf("the provider kept its place after its first lists: %v", err)
	}
	next()
	select {
	case <-ended:
	case <-ctx.Done():
		t.Fatal("FirstLists was never told the first lists ended")
	}
	if n := begun.Load(); n != 1 {
		t.Errorf("FirstLists called %d times, want 1", n)
	}
	cancel() // the session ends: its end is not told again
	<-stopped
	select {
	case <-ended:
		t.Error("FirstLists' end called twice")
	default:
	}
}

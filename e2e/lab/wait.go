package lab

import (
	"testing"
	"time"
)

// Wait is the deadline tests give a condition on a real component or on
// the real binary: generous, because CI runs on a small, loaded machine
// where a step that takes a second when quiet can take many.
const Wait = 60 * time.Second

// WaitFor polls check until it reports done, and fails the test when
// timeout passes first, naming what it waited for and what check last
// saw. check returns whether the condition holds and what it saw (a
// screen, a list, a status: whatever explains a timeout); WaitFor returns
// what check saw when the condition held. The first check is at once,
// then every 20 ms, slowing to every 250 ms. Call it from the test's
// goroutine (it calls t.Fatalf).
func WaitFor(t testing.TB, what string, timeout time.Duration, check func() (bool, string)) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	interval := 20 * time.Millisecond
	for {
		ok, seen := check()
		if ok {
			return seen
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last seen:\n%s", timeout, what, seen)
			return seen
		}
		time.Sleep(min(interval, time.Until(deadline)))
		interval = min(interval*3/2, 250*time.Millisecond)
	}
}

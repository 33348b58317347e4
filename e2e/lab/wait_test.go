package lab

import (
	"strconv"
	"strings"
	"testing"
)

// TestWaitFor: the condition is checked until it holds (what was seen
// then is returned), and a condition that never holds fails the test
// with what was awaited and what was last seen. A zero timeout makes the
// failure case check once and stop, so nothing here depends on timing.
func TestWaitFor(t *testing.T) {
	tests := []struct {
		name      string
		holdsAt   int // the check that holds (0: never)
		wantSeen  string
		wantFatal []string
	}{
		{name: "holds at once", holdsAt: 1, wantSeen: "seen 1"},
		{name: "holds on the third check", holdsAt: 3, wantSeen: "seen 3"},
		{name: "never holds", holdsAt: 0, wantSeen: "seen 1", wantFatal: []string{"waiting for the widget", "last seen:\nseen 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recordingTB{TB: t}
			n := 0
			timeout := Wait
			if tc.holdsAt == 0 {
				timeout = 0
			}
			got := WaitFor(r, "the widget", timeout, func() (bool, string) {
				n++
				return n == tc.holdsAt, "seen " + strconv.Itoa(n)
			})
			if got != tc.wantSeen {
				t.Errorf("WaitFor returned %q, want %q", got, tc.wantSeen)
			}
			if tc.wantFatal == nil && r.fatal != "" {
				t.Errorf("unexpected failure %q", r.fatal)
			}
			for _, w := range tc.wantFatal {
				if !strings.Contains(r.fatal, w) {
					t.Errorf("failure %q lacks %q", r.fatal, w)
				}
			}
		})
	}
}

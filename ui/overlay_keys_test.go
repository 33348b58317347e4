package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
)

// TestOverlayKeys: q closes an overlay (detail, action menu, trace view)
// instead of quitting, ctrl+c still quits from one; ? opens the help over
// every overlay, including the trace view (with its keys), and closing
// the help goes back to the overlay.
func TestOverlayKeys(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	newM := func() *Model {
		return newTestModel(t, snap, s, 120, 30, func(d *deps) {
			d.exec = sampleRuns()
			d.offerers = func() []actions.Offerer { return []actions.Offerer{s} }
		})
	}
	cases := []struct {
		name string
		open func(m *Model)
		want mode
	}{
		{"detail", func(m *Model) { press(m, "d") }, modeDetail},
		{"action menu", func(m *Model) { typeText(m, ":nodes"); press(m, "enter", "a") }, modeMenu},
		{"trace view", func(m *Model) { typeText(m, ":traces"); press(m, "enter", "enter") }, modeTrace},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newM()
			c.open(m)
			if m.mode != c.want {
				t.Fatalf("mode %v, want %v:\n%s", m.mode, c.want, screen(m))
			}
			press(m, "?")
			if m.mode != modeHelp || !strings.Contains(screen(m), "navigate") {
				t.Fatalf("? should open the help:\n%s", screen(m))
			}
			if c.want == modeTrace && !strings.Contains(screen(m), "this view: trace") {
				t.Errorf("the help over the trace view should list its keys:\n%s", screen(m))
			}
			press(m, "esc")
			if m.mode != c.want {
				t.Fatalf("closing the help should go back to the %s, mode %v", c.name, m.mode)
			}
			press(m, "q")
			if m.quit || m.mode != modeNormal {
				t.Errorf("q should close the %s, not quit (quit %v, mode %v)", c.name, m.quit, m.mode)
			}
			c.open(m)
			if c.want == modeMenu {
				return // the menu's ctrl+c is the app's, tested below from the trace view
			}
			press(m, "ctrl+c") // the app's quit (it asks first: a run is in progress)
			if !m.quit && !m.quitAsked {
				t.Errorf("ctrl+c should quit from the %s", c.name)
			}
		})
	}
}

package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// TestEarlyKeys: keys typed before the first frame (":pods" enter, then
// a filter) are kept and applied, in order, once the view is ready.
func TestEarlyKeys(t *testing.T) {
	m := newModel(deps{env: "prod", now: func() time.Time { return frozen }})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	drain(m, m.Init())
	for _, k := range []string{":", "p", "o", "d", "s", "enter", "/", "c", "a", "r", "t", "enter"} {
		_, cmd := m.Update(keyMsg(k))
		drain(m, cmd)
	}
	if m.active != "topology" || m.ready {
		t.Fatalf("nothing should happen before the data: on %s, ready %v", m.active, m.ready)
	}
	_, cmd := m.Update(snapshotMsg{fixtureSnapshot()})
	drain(m, cmd)
	if m.active != "pods" || !m.ready {
		t.Fatalf("the early :pods was not applied: on %s, ready %v", m.active, m.ready)
	}
	drain(m, m.buildActive())
	if got := m.filterText(); got != "cart" || m.mode != modeNormal {
		t.Errorf("the early filter: %q, mode %v", got, m.mode)
	}
	if sel, ok := m.page().Selected(); !ok || !strings.HasPrefix(sel.Key, "pod/prod-us-east-1/shop/cart-") {
		t.Errorf("cursor on %q, want the first cart pod", sel.Key)
	}
}

// TestStartView: the model starts in the view --view names (a name or an
// alias), and an unknown one is refused by ViewName.
func TestStartView(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"pods", "pods"}, {"services", "deps"}, {"", "topology"}} {
		m := newTestModel(t, fixtureSnapshot(), nil, 120, 30, func(d *deps) { d.startView = c.in })
		drain(m, m.Init())
		if m.active != c.want || !m.ready {
			t.Errorf("--view %q: on %s (ready %v), want %s", c.in, m.active, m.ready, c.want)
		}
	}
	if _, ok := ViewName("podz"); ok {
		t.Error("ViewName accepted podz")
	}
}

package ui

import (
	"fmt"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/pages"
)

// frozen is the tests' clock: goldens do not move.
var frozen = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// demoSnapshot returns the demo estate (fixed seed, frozen clock) as the
// store would publish it, with the sim for its traces.
func demoSnapshot(tb testing.TB, o sim.Options) (*providers.Snapshot, *sim.Sim) {
	tb.Helper()
	if o.Seed == 0 {
		o.Seed = 42
	}
	o.Start = frozen
	s := sim.New(o)
	inv := providers.Merge(s.Snapshot())
	inv.Sources = []providers.SourceStatus{
		{Name: "demo", Kind: "sim", Status: providers.StatusOK, UpdatedAt: frozen.Add(-2 * time.Second)},
	}
	return &providers.Snapshot{Version: 1, At: frozen, Inv: inv}, s
}

// newTestModel returns a model over snap at size w×h, its first page
// built; opts change its collaborators before it is built.
func newTestModel(tb testing.TB, snap *providers.Snapshot, s *sim.Sim, w, h int, opts ...func(*deps)) *Model {
	tb.Helper()
	d := deps{initial: snap, env: "demo", demo: true, now: func() time.Time { return frozen }}
	if s != nil {
		d.traces = traces.NewMemorySource(s.Traces())
	}
	for _, o := range opts {
		o(&d)
	}
	m := newModel(d)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drain(m, m.buildActive())
	return m
}

// drain runs cmd and the commands its messages return, synchronously,
// skipping the messages of commands that wait (ticks, spinners, runs).
func drain(m *Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 100; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := runBriefly(c)
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case tickMsg, spinner.TickMsg, runUpdateMsg, snapshotMsg:
			continue
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// press sends keys to m, running the resulting commands.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		drain(m, m.handleKey(keyMsg(k)))
	}
}

// typeText types s key by key.
func typeText(m *Model, s string) {
	for _, r := range s {
		press(m, string(r))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// viewNames are the registry's views, in tab order.
func viewNames() []string {
	var out []string
	for _, v := range pages.Views() {
		out = append(out, v.Name)
	}
	return out
}

func (m *Model) stacksPage() *pages.Stacks { return m.byName["stacks"].(*pages.Stacks) }

func (m *Model) depsPage() *pages.Deps { return m.byName["deps"].(*pages.Deps) }

// screen is the plain text of the current frame.
func screen(m *Model) string { return ansi.Strip(m.render()) }

var fmtSscanf = fmt.Sscanf

// runBriefly runs c, giving up (a safety net) on a command that waits
// for something that never comes in a unit test.
func runBriefly(c tea.Cmd) tea.Msg {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case msg := <-ch:
		return msg
	case <-time.After(10 * time.Second):
		return nil
	}
}

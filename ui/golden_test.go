package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/traces"
)

// probe wraps the model so a test can read its state on the program's
// goroutine (no races, no sleeps).
type probe struct{ m *Model }

type probeMsg struct {
	done func(*Model) bool
	ch   chan probeAnswer
}

type probeAnswer struct {
	ok     bool
	screen string
}

func (p probe) Init() tea.Cmd  { return p.m.Init() }
func (p probe) View() tea.View { return p.m.View() }
func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if q, ok := msg.(probeMsg); ok {
		q.ch <- probeAnswer{ok: q.done(p.m), screen: screen(p.m)}
		return p, nil
	}
	_, cmd := p.m.Update(msg)
	return p, cmd
}

// waitFor polls the running program until done holds, with a deadline.
func waitFor(t *testing.T, tm *teatest.TestModel, what string, done func(*Model) bool) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ch := make(chan probeAnswer, 1)
		tm.Send(probeMsg{done: done, ch: ch})
		select {
		case a := <-ch:
			if a.ok {
				return a.screen
			}
			last = a.screen
		case <-time.After(time.Second):
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; screen:\n%s", what, last)
	return ""
}

// built reports whether view is shown with its data applied.
func built(view string) func(*Model) bool {
	return func(m *Model) bool {
		return m.ready && m.active == view && m.mode == modeNormal && (view == "actions" || m.state[view].applied)
	}
}

func goldenModel(t *testing.T) *Model {
	snap, s := demoSnapshot(t, sim.Options{})
	return newModel(deps{initial: snap, env: "demo", demo: true, now: func() time.Time { return frozen },
		exec: sampleRuns(), offerers: func() []actions.Offerer { return []actions.Offerer{fakeOfferer{}} },
		traces: traces.NewMemorySource(s.Traces())})
}

func enter() tea.KeyPressMsg { return tea.KeyPressMsg{Code: tea.KeyEnter} }

// TestGoldenViews renders every view at 80x24 and 160x48 through a real
// bubbletea program (teatest) and compares the frame's text with
// testdata/<test>.golden (regenerate with -update).
func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, view := range viewOrder {
			t.Run(fmt.Sprintf("%s_%dx%d", view, size[0], size[1]), func(t *testing.T) {
				tm := teatest.NewTestModel(t, probe{goldenModel(t)}, teatest.WithInitialTermSize(size[0], size[1]))
				waitFor(t, tm, "topology", built("topology"))
				if view != "topology" {
					tm.Type(":" + view)
					tm.Send(enter())
				}
				out := waitFor(t, tm, view, built(view))
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
				if n := strings.Count(out, "\n") + 1; n != size[1] {
					t.Errorf("frame has %d lines, want %d", n, size[1])
				}
				golden.RequireEqual(t, []byte(out))
			})
		}
	}
}

// TestGoldenOverlays covers help, detail, palette, filter and an open trace.
func TestGoldenOverlays(t *testing.T) {
	cases := []struct {
		name  string
		size  [2]int
		keys  string
		enter bool
		done  func(*Model) bool
	}{
		{"help_80x24", [2]int{80, 24}, "?", false, func(m *Model) bool { return m.mode == modeHelp }},
		{"help_160x48", [2]int{160, 48}, "?", false, func(m *Model) bool { return m.mode == modeHelp }},
		{"palette_80x24", [2]int{80, 24}, ":p", false, func(m *Model) bool { return m.mode == modePalette && m.input.Value == "p" }},
		{"filter_160x48", [2]int{160, 48}, "/ip-10-1-64", false, func(m *Model) bool { return m.mode == modeFilter && m.input.Value == "ip-10-1-64" }},
		{"detail_160x48", [2]int{160, 48}, ":nodes", true, nil},
		{"detail_80x24", [2]int{80, 24}, ":nodes", true, nil},
		{"trace_120x30", [2]int{120, 30}, ":traces", true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := teatest.NewTestModel(t, probe{goldenModel(t)}, teatest.WithInitialTermSize(c.size[0], c.size[1]))
			waitFor(t, tm, "topology", built("topology"))
			tm.Type(c.keys)
			done := c.done
			if c.enter {
				tm.Send(enter())
				view := strings.TrimPrefix(c.keys, ":")
				waitFor(t, tm, view, built(view))
				tm.Send(enter())
				want := modeDetail
				if view == "traces" {
					want = modeTrace
				}
				done = func(m *Model) bool { return m.mode == want }
			}
			out := waitFor(t, tm, c.name, done)
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			golden.RequireEqual(t, []byte(out))
		})
	}
}

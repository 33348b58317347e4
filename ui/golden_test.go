package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
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

// waitFor polls the running program until done holds (deadline lab.Wait:
// the race detector on a loaded machine makes a program slow to answer).
func waitFor(t *testing.T, tm *teatest.TestModel, what string, done func(*Model) bool) string {
	t.Helper()
	return waitLong(t, tm, what, lab.Wait, done)
}

// built reports whether view is shown with its data applied (and no load
// of its own in flight) and the problem strip counted: the problems are
// counted by a command of their own, concurrent with the page's build, so
// a frame taken before their answer has an empty second line.
func built(view string) func(*Model) bool {
	return func(m *Model) bool {
		l, loads := m.byName[view].(interface{ Loading() bool })
		return m.ready && m.active == view && m.mode == modeNormal && m.pageReady(view) && (!loads || !l.Loading()) &&
			m.problems != nil
	}
}

// goldenModel is the model of the golden files: the fixed estate, a frozen
// clock, an executor with two runs, a trace source with a fixed graph;
// opts change its collaborators.
func goldenModel(t *testing.T, opts ...func(*deps)) *Model {
	d := deps{initial: fixtureSnapshot(), env: "prod", now: func() time.Time { return frozen },
		exec: sampleRuns(), offerers: func() []actions.Offerer { return []actions.Offerer{fakeOfferer{}} },
		traces: &fakeTraceSource{deps: fixtureDeps()}, audit: fixtureAudit,
		kube: func() []providers.KubeReader { return []providers.KubeReader{&fakeKube{cluster: "prod"}} }}
	for _, o := range opts {
		o(&d)
	}
	return newModel(d)
}

func enter() tea.KeyPressMsg { return tea.KeyPressMsg{Code: tea.KeyEnter} }

// The golden files hold parts of a frame, so that adding a view (a tab)
// rewrites the frame's goldens only: TestGoldenFrame checks whole frames
// (header, tabs, body, footer); a page's golden holds its body, an
// overlay's its body and footer (the footer says the overlay's keys).

// body is the page's part of frame out: without the header lines and the
// footer.
func body(m *Model, out string) []byte {
	lines := strings.Split(out, "\n")
	return []byte(strings.Join(lines[m.headerLines():len(lines)-footerLines], "\n"))
}

// belowTabs is frame out without the header lines (header, tabs).
func belowTabs(m *Model, out string) []byte {
	return []byte(strings.Join(strings.Split(out, "\n")[m.headerLines():], "\n"))
}

// TestGoldenFrame renders the first view's whole frame (header, tabs,
// body, footer) at 80x24 and 160x48 through a real bubbletea program
// (teatest) and compares its text with testdata/<test>.golden
// (regenerate with -update).
func TestGoldenFrame(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%s_%dx%d", viewNames()[0], size[0], size[1]), func(t *testing.T) {
			tm := teatest.NewTestModel(t, probe{goldenModel(t)}, teatest.WithInitialTermSize(size[0], size[1]))
			out := waitFor(t, tm, "the first view", built(viewNames()[0]))
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

// TestGoldenViews renders every view at 80x24 and 160x48 through a real
// bubbletea program (teatest) and compares the page's body with
// testdata/<test>.golden (regenerate with -update).
func TestGoldenViews(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, view := range viewNames() {
			t.Run(fmt.Sprintf("%s_%dx%d", view, size[0], size[1]), func(t *testing.T) {
				m := goldenModel(t)
				tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(size[0], size[1]))
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
				golden.RequireEqual(t, body(m, out))
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
		{"filter_160x48", [2]int{160, 48}, "/eu-west-1b", false, func(m *Model) bool { return m.mode == modeFilter && m.input.Value == "eu-west-1b" }},
		{"detail_160x48", [2]int{160, 48}, ":nodes", true, nil},
		{"detail_80x24", [2]int{80, 24}, ":nodes", true, nil},
		{"detail_pod_160x48", [2]int{160, 48}, ":pods", true, nil},      // web-000: its tag was re-pushed (drift)
		{"detail_images_160x48", [2]int{160, 48}, ":images", true, nil}, // shop/web 1.4: a pod on an older push
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := goldenModel(t)
			tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(c.size[0], c.size[1]))
			waitFor(t, tm, "topology", built("topology"))
			tm.Type(c.keys)
			done := c.done
			if c.enter {
				tm.Send(enter())
				view := strings.TrimPrefix(c.keys, ":")
				waitFor(t, tm, view, built(view))
				if view == "nodes" {
					// enter on a node opens its pods; d its detail (no
					// source reads the fixture's clusters: the pane)
					tm.Send(tea.KeyPressMsg{Code: 'd', Text: "d"})
				} else {
					tm.Send(enter())
				}
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
			golden.RequireEqual(t, belowTabs(m, out))
		})
	}
}

// TestTraceOverlay opens a trace from the Traces view through a real
// program. The trace view's own drawing belongs to ui/traceview (and has
// its own tests), so this checks the shell around it, not a golden.
func TestTraceOverlay(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newModel(deps{initial: snap, env: "demo", demo: true, now: func() time.Time { return frozen },
		traces: traces.NewMemorySource(s.Traces())})
	tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(120, 30))
	waitFor(t, tm, "topology", built("topology"))
	tm.Type(":traces")
	tm.Send(enter())
	waitFor(t, tm, "traces", built("traces"))
	tm.Send(enter())
	out := waitFor(t, tm, "the trace", func(m *Model) bool { return m.mode == modeTrace })
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	lines := strings.Split(out, "\n")
	if len(lines) != 30 {
		t.Errorf("frame has %d lines, want 30", len(lines))
	}
	if !strings.Contains(lines[0], "DEMO") || !strings.Contains(lines[m.headerLines()-1], "[Traces]") {
		t.Errorf("header and tabs missing:\n%s", out)
	}
	first := snap.Inv.Traces[0]
	if !strings.Contains(out, "trace "+first.TraceID) || !strings.Contains(out, first.Operation) {
		t.Errorf("the trace is not shown:\n%s", out)
	}
	if !strings.HasPrefix(lines[len(lines)-1], "esc back") {
		t.Errorf("the footer should start with esc back: %q", lines[len(lines)-1])
	}
}

// TestGoldenActionFlow covers the action menu (read-only: refused actions
// marked ✗ with the reason) and the plan with its confirmation prompt.
func TestGoldenActionFlow(t *testing.T) {
	for _, ro := range []bool{true, false} {
		name := "confirm_120x30"
		if ro {
			name = "menu_readonly_120x30"
		}
		t.Run(name, func(t *testing.T) {
			ex := sampleRuns()
			ex.ro = ro
			m := goldenModel(t, func(d *deps) { d.exec = ex })
			tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(120, 30))
			waitFor(t, tm, "topology", built("topology"))
			tm.Type(":nodes")
			tm.Send(enter())
			waitFor(t, tm, "nodes", built("nodes"))
			tm.Type("a")
			waitFor(t, tm, "the offers", func(m *Model) bool { return m.mode == modeMenu && !m.flow.loading })
			want := modeMenu
			if !ro {
				tm.Send(enter())
				want = modeConfirm
			}
			out := waitFor(t, tm, name, func(m *Model) bool { return m.mode == want })
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			golden.RequireEqual(t, belowTabs(m, out))
		})
	}
}

// TestGoldenDemoConfirm opens the demo's destructive database actions
// (restore, promote) through the real executor at 80x24 and 200x50: the
// preview and the confirmation prompt are shown in full (wrapped, never
// cut), the backup restored and "writes after it are lost" included, the
// member to promote named in full.
func TestGoldenDemoConfirm(t *testing.T) {
	for _, verb := range []string{"restore", "promote"} {
		for _, size := range [][2]int{{80, 24}, {200, 50}} {
			name := fmt.Sprintf("%s_%dx%d", verb, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m, tm := demoMenu(t, size[0], size[1], "db", verb)
				tm.Send(enter())
				// the form (the backup, the replica) with its default choice
				waitFor(t, tm, "the parameters", func(m *Model) bool { return m.mode == modeParams })
				tm.Send(enter())
				var p actions.Plan
				var prompt string
				out := waitFor(t, tm, "the confirmation", func(m *Model) bool {
					if m.mode != modeConfirm {
						return false
					}
					p, prompt = m.flow.pending.Plan(), m.flow.pending.Prompt()
					return true
				})
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
				// Every character of the summary and of the prompt is on
				// screen, in order (wrapped lines joined, borders and
				// spaces dropped).
				squeeze := func(s string) string {
					return strings.Join(strings.Fields(strings.ReplaceAll(s, "│", " ")), "")
				}
				screen := squeeze(string(belowTabs(m, out)))
				for _, want := range []string{p.Summary, prompt} {
					if !strings.Contains(screen, squeeze(want)) {
						t.Errorf("%q is not shown in full:\n%s", want, out)
					}
				}
				golden.RequireEqual(t, belowTabs(m, out))
			})
		}
	}
}

// TestGoldenDemoForms opens the demo's parameter forms at 80x24 through the
// real executor — which backup to restore (time and size, newest first),
// which replica to promote (role, lag, health), the replica count of a
// scale and the desired capacity of a group (now and bounds) — then picks
// a value other than the default and checks that the preview says it.
func TestGoldenDemoForms(t *testing.T) {
	cases := []struct {
		view, verb string
		keys       []tea.KeyPressMsg // change the default
		want       func(p actions.Param) string
	}{
		{"db", "restore", []tea.KeyPressMsg{{Code: tea.KeyDown}}, func(p actions.Param) string { return "backup " + p.Choices[1].Value }},
		{"db", "promote", []tea.KeyPressMsg{{Code: tea.KeyDown}}, func(p actions.Param) string { return p.Choices[1].Value + " becomes primary" }},
		{"pods", "scale", []tea.KeyPressMsg{{Code: 'u', Mod: tea.ModCtrl}, {Code: '7', Text: "7"}}, func(actions.Param) string { return "to 7 replicas" }},
		{"asg", "set-desired-capacity", []tea.KeyPressMsg{{Code: tea.KeyDown}, {Code: tea.KeyDown}}, func(p actions.Param) string {
			n, _ := strconv.Atoi(p.Value)
			return "to " + strconv.Itoa(n-2)
		}},
	}
	for _, c := range cases {
		t.Run(c.verb+"_80x24", func(t *testing.T) {
			m, tm := demoMenu(t, 80, 24, c.view, c.verb)
			tm.Send(enter())
			var param actions.Param
			out := waitFor(t, tm, "the form", func(m *Model) bool {
				if m.mode != modeParams {
					return false
				}
				param = m.flow.form.fields[0].p
				return true
			})
			form := belowTabs(m, out)
			for _, k := range c.keys {
				tm.Send(k)
			}
			tm.Send(enter())
			var p actions.Plan
			waitFor(t, tm, "the confirmation", func(m *Model) bool {
				if m.mode != modeConfirm {
					return false
				}
				p = m.flow.pending.Plan()
				return true
			})
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			if want := c.want(param); !strings.Contains(p.Summary, want) {
				t.Errorf("the preview %q does not say the value chosen (%q)", p.Summary, want)
			}
			golden.RequireEqual(t, form)
		})
	}
}

// demoMenu starts the demo (real executor, sim offerer) at w×h, opens view
// and its action menu, and moves the cursor to verb.
func demoMenu(t *testing.T, w, h int, view, verb string) (*Model, *teatest.TestModel) {
	t.Helper()
	snap, s := demoSnapshot(t, sim.Options{})
	ex, err := actions.NewExecutor(actions.Options{Env: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(deps{initial: snap, env: "demo", demo: true, now: func() time.Time { return frozen },
		exec: execAdapter{ex}, offerers: func() []actions.Offerer { return []actions.Offerer{s} }})
	tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(w, h))
	waitFor(t, tm, "topology", built("topology"))
	tm.Type(":" + view)
	tm.Send(enter())
	waitFor(t, tm, view, built(view))
	tm.Type("a")
	var at int
	waitFor(t, tm, "the offers", func(m *Model) bool {
		if m.mode != modeMenu || m.flow.loading {
			return false
		}
		at = slices.IndexFunc(m.flow.offers, func(o offer) bool { return string(o.spec.Name) == verb })
		return true
	})
	if at < 0 {
		t.Fatalf("the demo offers no %s on the first row of %s", verb, view)
	}
	for range at {
		tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	return m, tm
}

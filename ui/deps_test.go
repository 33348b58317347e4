package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/pages"
)

// fakeTraceSource serves a fixed service graph; answers[i], when set, is
// the answer of the i-th Dependencies call.
type fakeTraceSource struct {
	mu      sync.Mutex
	deps    []traces.Dependency
	answers []func() ([]traces.Dependency, error)
	calls   []time.Duration // the lookbacks asked for
}

func (f *fakeTraceSource) Find(context.Context, traces.Query) ([]*traces.Trace, error) {
	return nil, nil
}

func (f *fakeTraceSource) Get(_ context.Context, id string) (*traces.Trace, error) {
	return nil, fmt.Errorf("%w: %s", traces.ErrNotFound, id)
}

func (f *fakeTraceSource) Services(context.Context) ([]string, error) { return nil, nil }

func (f *fakeTraceSource) Dependencies(_ context.Context, lookback time.Duration) ([]traces.Dependency, error) {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, lookback)
	var answer func() ([]traces.Dependency, error)
	if n < len(f.answers) {
		answer = f.answers[n]
	}
	f.mu.Unlock()
	if answer != nil {
		return answer()
	}
	return f.deps, nil
}

func (f *fakeTraceSource) lookbacks() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.calls...)
}

// fixtureDeps is a fixed graph: errors below and above the "high" mark,
// an edge without sampled calls (Jaeger's graph has counts only), a name
// with an escape sequence.
func fixtureDeps() []traces.Dependency {
	e := func(p, c string, calls, errs, sampled int) traces.Dependency {
		d := traces.Dependency{Parent: p, Child: c, Calls: calls, Errors: errs, SampledCalls: sampled}
		if sampled > 0 {
			d.ErrorRate = float64(errs) / float64(sampled)
		}
		return d
	}
	ds := []traces.Dependency{
		e("frontend", "checkout", 120, 2, 120), e("frontend", "cart", 80, 0, 80),
		e("frontend", "recommendations", 35, 0, 35), e("checkout", "payments", 40, 6, 40),
		e("checkout", "inventory", 40, 0, 40), e("checkout", "shipping", 30, 0, 30),
		e("cart", "sessions\x1b[31m", 80, 0, 80), e("payments", "bank-api", 40, 0, 0),
	}
	traces.SortDependencies(ds)
	return ds
}

func depsModel(t *testing.T, w, h int, src traces.Source) *Model {
	t.Helper()
	return newTestModel(t, fixtureSnapshot(), nil, w, h, func(d *deps) { d.traces = src })
}

func TestDepsView(t *testing.T) {
	src := &fakeTraceSource{deps: fixtureDeps()}
	m := depsModel(t, 160, 40, src)
	press(m, ":")
	typeText(m, "deps")
	press(m, "enter")
	if m.active != "deps" {
		t.Fatalf(":deps shows %s", m.active)
	}
	if got := src.lookbacks(); len(got) != 1 || got[0] != pages.DepsLookback {
		t.Fatalf("opening the view asked for %v, want one load over %v", got, pages.DepsLookback)
	}
	out := screen(m)
	for _, want := range []string{"[Services]", "frontend ─▶ checkout (120, ! 1.7% err), cart (80), recommendations (35)",
		"checkout ─▶ inventory (40), payments (40, ✗ 15% err), shipping (30)", "15% ✗ high", "1.7% ! some", "6/40", "→ bank-api", "last 1h · 8 edges between 9 services"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[31m") {
		t.Errorf("escape sequence reached the screen")
	}
	// ctrl+r reloads
	press(m, "ctrl+r")
	if got := src.lookbacks(); len(got) != 2 {
		t.Fatalf("ctrl+r: %d loads, want 2", len(got))
	}
	// the filter narrows the table and the diagram
	press(m, "/")
	typeText(m, "payments")
	press(m, "enter")
	if got := m.depsPage().Edges(); len(got) != 2 {
		t.Fatalf("filter payments keeps %v", got)
	}
	if out := screen(m); strings.Contains(out, "frontend ─▶") {
		t.Errorf("the diagram should follow the filter:\n%s", out)
	}
	press(m, "esc")
	// o sorts by caller, O reverses
	press(m, "o", "O")
	if got := m.depsPage().Edges(); got[0].Parent != "payments" {
		t.Errorf("sorted by caller, reversed: first is %v", got[0])
	}
	// enter opens the detail of the edge under the cursor
	press(m, "g", "enter")
	if m.mode != modeDetail || !strings.Contains(screen(m), "dependency payments → bank-api") {
		t.Errorf("enter should open the edge's detail:\n%s", screen(m))
	}
}

func TestDepsFromTracesKey(t *testing.T) {
	m := depsModel(t, 120, 30, &fakeTraceSource{deps: fixtureDeps()})
	press(m, ":")
	typeText(m, "traces")
	press(m, "enter")
	drain(m, m.buildActive())
	if !strings.Contains(screen(m), "D services graph") {
		t.Errorf("the Traces footer should offer D:\n%s", screen(m))
	}
	press(m, "D")
	if m.active != "deps" || len(m.depsPage().Edges()) != len(fixtureDeps()) {
		t.Fatalf("D from Traces: view %s, %d edges", m.active, len(m.depsPage().Edges()))
	}
	press(m, "esc")
	if m.active != "traces" {
		t.Errorf("esc should return to Traces, shows %s", m.active)
	}
}

func TestDepsNoSource(t *testing.T) {
	m := depsModel(t, 80, 24, nil)
	press(m, ":")
	typeText(m, "services")
	press(m, "enter")
	if out := screen(m); m.active != "deps" || !strings.Contains(out, "no trace source") {
		t.Errorf("without a trace source the view should say so:\n%s", out)
	}
}

// TestDepsStaleAndError opens the view (a graph), then runs two more
// loads and answers the second (an error) first, then the first (another
// graph): that graph is stale and dropped, the error shows sanitised on
// one line over the graph loaded at first.
func TestDepsStaleAndError(t *testing.T) {
	src := &fakeTraceSource{answers: []func() ([]traces.Dependency, error){
		func() ([]traces.Dependency, error) { return fixtureDeps(), nil },
		func() ([]traces.Dependency, error) { return fixtureDeps()[:1], nil },
		func() ([]traces.Dependency, error) {
			return nil, errors.New("jaeger: quota exceeded\n\x1b[2Jretrying")
		},
	}}
	m := depsModel(t, 120, 30, src)
	press(m, ":")
	typeText(m, "deps")
	press(m, "enter") // the first load
	p := m.depsPage()
	first := runBriefly(p.Refresh())
	second := runBriefly(p.Refresh())
	m.Update(second)
	m.Update(first)
	if got := p.Edges(); len(got) != len(fixtureDeps()) {
		t.Errorf("the stale answer was applied: %v", got)
	}
	out := screen(m)
	var errLine string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "quota exceeded") {
			errLine = l
		}
	}
	if !strings.Contains(errLine, "✗ service graph: jaeger: quota exceeded") || !strings.Contains(errLine, "retrying") {
		t.Errorf("the error should show on one line:\n%s", out)
	}
	if strings.ContainsRune(out, '\x1b') {
		t.Errorf("an escape sequence reached the screen")
	}
}

// TestDepsDemo checks the view over the demo's traces (the sim through
// traces.NewMemorySource, as the demo wires it) against the traces
// package's computation for the same traces.
func TestDepsDemo(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	all := s.Traces()
	src := traces.NewMemorySource(all)
	src.Now = func() time.Time { return frozen }
	m := newTestModel(t, snap, nil, 160, 48, func(d *deps) { d.traces = src })
	press(m, ":")
	typeText(m, "graph")
	press(m, "enter")

	// the traces that started within the view's lookback
	from, to := traces.Query{Lookback: pages.DepsLookback}.Window(frozen)
	var in []*traces.Trace
	for _, t := range all {
		start := t.Spans[0].Start
		for _, sp := range t.Spans {
			if sp.Start.Before(start) {
				start = sp.Start
			}
		}
		if !start.Before(from) && !start.After(to) {
			in = append(in, t)
		}
	}
	want := traces.Dependencies(in)
	if len(want) == 0 {
		t.Fatal("the demo's traces have no dependencies")
	}
	got := m.depsPage().Edges()
	key := func(d traces.Dependency) string {
		return fmt.Sprintf("%s→%s calls=%d errors=%d/%d", d.Parent, d.Child, d.Calls, d.Errors, d.SampledCalls)
	}
	wantSet := map[string]bool{}
	for _, d := range want {
		wantSet[key(d)] = true
	}
	if len(got) != len(want) {
		t.Errorf("%d edges shown, want %d", len(got), len(want))
	}
	for _, d := range got {
		if !wantSet[key(d)] {
			t.Errorf("edge %s is not in the traces package's graph", key(d))
		}
	}
	if testing.Verbose() {
		t.Log(screen(m))
	}
	// the screen shows every edge's numbers
	out := screen(m)
	for _, d := range want {
		if d.Errors > 0 && !strings.Contains(out, fmt.Sprintf("%d/%d", d.Errors, d.SampledCalls)) {
			t.Errorf("screen lacks %s's errors:\n%s", key(d), out)
		}
	}
}

// bigGraph is a service graph of n callers with fan callees each.
func bigGraph(n, fan int) []traces.Dependency {
	var ds []traces.Dependency
	for i := 0; i < n; i++ {
		for j := 1; j <= fan; j++ {
			calls := 10 + (i*7+j*13)%500
			errs := (i + j) % 7
			ds = append(ds, traces.Dependency{Parent: fmt.Sprintf("svc-%03d", i), Child: fmt.Sprintf("svc-%03d", (i+j)%n),
				Calls: calls, Errors: errs, SampledCalls: calls, ErrorRate: float64(errs) / float64(calls)})
		}
	}
	traces.SortDependencies(ds)
	return ds
}

// BenchmarkDepsFrame is one frame of the Services view (diagram and
// table) over a graph of 2,000 edges between 200 services, at 250x70
// (target < 10 ms, like every view).
func BenchmarkDepsFrame(b *testing.B) {
	snap, _ := demoSnapshot(b, sim.Options{})
	m := newTestModel(b, snap, nil, 250, 70, func(d *deps) { d.traces = &fakeTraceSource{deps: bigGraph(200, 10)} })
	drain(m, m.switchTo("deps"))
	if n := len(m.depsPage().Edges()); n != 2000 {
		b.Fatalf("%d edges shown", n)
	}
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

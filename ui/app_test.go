package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/components/table"
	"github.com/opsconsole/console/ui/pages"
	"github.com/opsconsole/console/ui/traceview"
)

func TestTreeCollapse(t *testing.T) {
	m := newTestModel(t, fixtureSnapshot(), nil, 120, 40)
	topo := m.byName["topology"].(*pages.Topology)
	rows := func() int { n, _ := rowCount(topo.Status()); return n }
	all := rows()
	// the first row is a region: collapsing it hides its subtree
	press(m, "space")
	collapsed := rows()
	if collapsed >= all {
		t.Fatalf("collapsing the first region: %d rows, before %d", collapsed, all)
	}
	if !strings.Contains(screen(m), "▸ region eu-west-1") {
		t.Errorf("collapsed region should show ▸:\n%s", screen(m))
	}
	press(m, "right")
	if rows() != all {
		t.Errorf("expanding again: %d rows, want %d", rows(), all)
	}
	// nodes start collapsed; → on a node shows its pods
	press(m, "/")
	typeText(m, "node-eu-west-1a-0")
	press(m, "enter")
	if !strings.Contains(screen(m), "node node-eu-west-1a-0") {
		t.Fatalf("filter did not keep the node:\n%s", screen(m))
	}
	press(m, "esc") // clear the filter
	if !topo.Focus("node", "node-eu-west-1a-0") {
		t.Fatal("focus on node failed")
	}
	before := rows()
	press(m, "right")
	if rows() <= before {
		t.Errorf("expanding a node should show its pods: %d rows, before %d", rows(), before)
	}
	press(m, "left")
	if rows() != before {
		t.Errorf("collapsing the node: %d rows, want %d", rows(), before)
	}
	press(m, "left") // on a collapsed node: go to the parent (the ASG)
	if sel, _ := topo.Selected(); !strings.HasPrefix(sel.Key, "asg/") {
		t.Errorf("left on a collapsed node should select its ASG, got %q", sel.Key)
	}
}

// rowCount parses "3/40" into 40.
func rowCount(pos string) (int, error) {
	var cur, n int
	_, err := fmtSscanf(pos, "%d/%d", &cur, &n)
	return n, err
}

func TestHostileStringsAreSanitised(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	inv := *snap.Inv
	inv.Pods = append([]providers.Pod(nil), inv.Pods...)
	inv.Pods[0].Name = "evil\x1b[2J\x1b]0;pwned\x07pod"
	inv.Pods[0].Reason = "Crash\x1b[31mLoop"
	inv.Events = append(inv.Events, providers.Event{Type: "Warning", Reason: "Bad\x1b[H", Object: "Pod/" + inv.Pods[0].Namespace + "/" + inv.Pods[0].Name, Message: "boom\x1b[2Jgone", Time: frozen})
	inv.Sources = []providers.SourceStatus{{Name: "kube\x1b[2J", Status: providers.StatusStale, UpdatedAt: frozen.Add(-45 * time.Second)}}
	snap = &providers.Snapshot{Version: 1, At: frozen, Inv: &inv}
	m := newTestModel(t, snap, s, 160, 48)
	press(m, ":")
	typeText(m, "pods")
	press(m, "enter", "enter") // open the detail of the first pod
	out := m.render()
	for _, bad := range []string{"\x1b[2J", "\x1b]0;", "\x07", "\x1b[H", "\x1b[31mLoop"} {
		if strings.Contains(out, bad) {
			t.Errorf("frame contains raw %q", bad)
		}
	}
	txt := screen(m)
	if !strings.Contains(txt, "evil\uFFFD[2J") || !strings.Contains(txt, "boom\uFFFD[2Jgone") {
		t.Errorf("sanitised name or event missing:\n%s", txt)
	}
	if !strings.Contains(txt, "STALE 45s") {
		t.Errorf("stale source should say STALE 45s:\n%s", txt)
	}
}

func TestPaletteAndBack(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 100, 30)
	for _, view := range []string{"pods", "nodes", "asg", "lb", "db", "traces", "actions"} {
		press(m, ":")
		typeText(m, view)
		press(m, "enter")
		if m.active != view {
			t.Fatalf(":%s shows %s", view, m.active)
		}
	}
	press(m, ":")
	typeText(m, "region eu-west-1")
	press(m, "enter")
	press(m, "tab") // actions → topology
	if m.active != "topology" || strings.Contains(screen(m), "us-east-1a") || !strings.Contains(screen(m), "region eu-west-1 ·") {
		t.Errorf("region eu-west-1 should hide us-east-1:\n%s", screen(m))
	}
	press(m, ":")
	typeText(m, "env prod")
	press(m, "enter")
	if !strings.Contains(screen(m), "needs a restart") {
		t.Errorf(":env should explain the restart:\n%s", screen(m))
	}
	m.d.envs = []string{"prod", "staging"}
	press(m, ":")
	typeText(m, "env nope")
	press(m, "enter")
	if !strings.Contains(screen(m), "unknown environment nope: prod, staging") {
		t.Errorf(":env with an unknown name should list the environments:\n%s", screen(m))
	}
	press(m, ":")
	typeText(m, "nonsense")
	press(m, "enter")
	if !strings.Contains(screen(m), "unknown command") {
		t.Errorf("bad command should be reported:\n%s", screen(m))
	}
	// esc walks back through the views
	press(m, "esc")
	if m.active != "actions" {
		t.Errorf("esc from topology should go back to actions, got %s", m.active)
	}
	press(m, "esc")
	if m.active != "traces" {
		t.Errorf("esc again should go back to traces, got %s", m.active)
	}
	press(m, "q")
	if !m.quit {
		t.Error("q should quit")
	}
}

func TestFilterInvertAndEsc(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 120, 40)
	press(m, ":")
	typeText(m, "pods")
	press(m, "enter")
	total, _ := rowCount(m.page().Status())
	press(m, "/")
	typeText(m, "frontend")
	kept, _ := rowCount(m.page().Status())
	press(m, "backspace")
	typeText(m, "d")
	if again, _ := rowCount(m.page().Status()); again != kept {
		t.Errorf("retyping the last letter: %d rows, want %d", again, kept)
	}
	press(m, "enter")
	press(m, "/")
	press(m, "ctrl+u")
	typeText(m, "!frontend")
	inverted, _ := rowCount(m.page().Status())
	if kept == 0 || kept+inverted != total {
		t.Errorf("frontend %d + !frontend %d != %d pods", kept, inverted, total)
	}
	press(m, "esc")
	if n, _ := rowCount(m.page().Status()); n != total || m.filterText() != "" {
		t.Errorf("esc should clear the filter: %d rows of %d", n, total)
	}
}

func TestActionFlow(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	ex := &fakeExec{}
	m := newTestModel(t, snap, s, 120, 40, func(d *deps) {
		d.exec = ex
		d.offerers = func() []actions.Offerer { return []actions.Offerer{fakeOfferer{}} }
	})
	press(m, ":")
	typeText(m, "pods")
	press(m, "enter", "a")
	if m.mode != modeMenu || len(m.flow.offers) != 1 || !strings.Contains(screen(m), "restart") {
		t.Fatalf("a on a pod should offer its deployment's restart:\n%s", screen(m))
	}
	press(m, "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "press y to confirm") || !strings.Contains(screen(m), "1 to restart") {
		t.Fatalf("after preview the plan and prompt show:\n%s", screen(m))
	}
	press(m, "y")
	if len(ex.started) != 1 || m.active != "actions" || !strings.Contains(screen(m), "⟳ running") {
		t.Fatalf("y should start the run and show the Actions view (started %v):\n%s", ex.started, screen(m))
	}
	press(m, "x")
	if r := ex.runs[0].(*fakeRun); r.cancels != 1 {
		t.Errorf("x should cancel the running run, cancels=%d", r.cancels)
	}

	// a destructive action needs the name typed; esc declines
	press(m, ":")
	typeText(m, "nodes")
	press(m, "enter", "a", "enter")
	if !strings.Contains(screen(m), "type ") {
		t.Fatalf("destructive prompt missing:\n%s", screen(m))
	}
	press(m, "y", "enter")
	if !strings.Contains(screen(m), "does not match") || len(ex.started) != 1 {
		t.Errorf("wrong confirmation must not start:\n%s", screen(m))
	}
	press(m, "esc")
	if m.mode != modeNormal || ex.declined != 1 {
		t.Errorf("esc should decline (declined=%d)", ex.declined)
	}

	// read-only: mutating actions greyed with the reason; choosing one
	// goes to the executor, which refuses (and audits) it
	ex.ro = true
	press(m, "a", "enter")
	if !strings.Contains(screen(m), "read-only: environment prod is read-only") || len(ex.refused) != 1 || m.mode != modeMenu {
		t.Errorf("read-only should be refused by the executor (refused %v):\n%s", ex.refused, screen(m))
	}
	press(m, "esc")

	// a failing preview is reported
	ex.ro, ex.prepareEr = false, errors.New("precondition failed: node gone")
	press(m, "a", "enter")
	if !strings.Contains(screen(m), "precondition failed") {
		t.Errorf("preview error should show:\n%s", screen(m))
	}
}

func TestOpenTraceAndJump(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 120, 40)
	press(m, ":")
	typeText(m, "traces")
	press(m, "enter", "enter")
	if m.mode != modeTrace || !strings.Contains(screen(m), "spans") {
		t.Fatalf("enter on a trace should open it:\n%s", screen(m))
	}
	pod := snap.Inv.Pods[5]
	_, cmd := m.Update(traceview.JumpMsg{Pod: pod.Name, Service: "x"}) // o on a span
	drain(m, cmd)
	if m.active != "topology" || m.mode != modeNormal {
		t.Fatalf("jump should open the topology, got %s", m.active)
	}
	if sel, ok := m.page().Selected(); !ok || !strings.HasSuffix(sel.Key, "/"+pod.Name) {
		t.Errorf("jump should select pod %s, got %q", pod.Name, sel.Key)
	}
}

func TestSortColumns(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 160, 48)
	press(m, ":")
	typeText(m, "nodes")
	press(m, "enter", "o") // by NAME ascending
	if !strings.Contains(screen(m), "NAME ▲") {
		t.Fatalf("sort marker missing:\n%s", screen(m))
	}
	names := func() []string {
		var out []string
		for _, r := range m.byName["nodes"].(interface{ Table() *table.Model }).Table().Rows() {
			out = append(out, r.Cells[0])
		}
		return out
	}
	asc := names()
	for i := 1; i < len(asc); i++ {
		if naturalOrder(asc[i], asc[i-1]) {
			t.Errorf("not ascending at %d: %q after %q", i, asc[i], asc[i-1])
		}
	}
	press(m, "O")
	desc := names()
	if !strings.Contains(screen(m), "NAME ▼") || desc[0] != asc[len(asc)-1] {
		t.Errorf("reverse sort: first %q, want %q", desc[0], asc[len(asc)-1])
	}
	// filtering keeps the sort order
	press(m, "/")
	typeText(m, "eu-west")
	f := names()
	for i := 1; i < len(f); i++ {
		if naturalOrder(f[i-1], f[i]) {
			t.Errorf("filtered rows lost the descending order: %q before %q", f[i-1], f[i])
		}
	}
}

// naturalOrder reports a < b in the pages' natural order.
func naturalOrder(a, b string) bool { return pages.NaturalLess(a, b) }

// TestNodeStatusWording: the Nodes view, its detail pane and the topology
// say a cordoned node's state in the same (kubectl's) words.
func TestNodeStatusWording(t *testing.T) {
	snap := fixtureSnapshot()
	inv := *snap.Inv
	inv.Nodes = append([]providers.Node(nil), inv.Nodes...)
	inv.Nodes[1].Unschedulable = true // node-us-east-1a-1
	snap = &providers.Snapshot{Version: 1, At: frozen, Inv: &inv}
	m := newTestModel(t, snap, nil, 200, 40)
	const want = "Ready,SchedulingDisabled"
	if !m.page().(pages.Focuser).Focus("node", "node-us-east-1a-1") {
		t.Fatal("no node-us-east-1a-1 in the topology")
	}
	if row := lineWith(screen(m), "node node-us-east-1a-1"); !strings.Contains(row, "! warn") || !strings.Contains(row, want) {
		t.Errorf("the topology should show the cordoned node as %s:\n%s", want, screen(m))
	}
	press(m, ":")
	typeText(m, "nodes")
	press(m, "enter")
	if !m.page().(pages.Focuser).Focus("node", "node-us-east-1a-1") || !strings.Contains(screen(m), "! "+want) {
		t.Errorf("the Nodes view should say %s:\n%s", want, screen(m))
	}
	press(m, "d")
	if out := screen(m); !strings.Contains(out, "status: ! warn ("+want+")") || strings.Contains(out, "Cordoned") {
		t.Errorf("the detail should say %s:\n%s", want, out)
	}
}

// lineWith returns the first line of s containing sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestTraceCommandTakesTheShortID: `:trace` accepts the 16-character id
// the Traces view shows (and any unique prefix of a listed id); a prefix
// of several listed ids is refused with a message, opening nothing.
func TestTraceCommandTakesTheShortID(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	want := snap.Inv.Traces[3].TraceID
	m := newTestModel(t, snap, s, 120, 40)
	press(m, ":")
	typeText(m, "trace "+traces.ShortID(want))
	press(m, "enter")
	if m.mode != modeTrace || !strings.Contains(screen(m), want) {
		t.Fatalf(":trace with the short id should open trace %s:\n%s", want, screen(m))
	}

	// a second listed trace sharing the short id makes it ambiguous
	twin := traces.ShortID(want) + strings.Repeat("0", 16)
	snap.Inv.Traces = append(snap.Inv.Traces, traces.TraceSummary{TraceID: twin})
	m = newTestModel(t, snap, s, 120, 40)
	press(m, ":")
	typeText(m, "trace "+traces.ShortID(want))
	press(m, "enter")
	if m.mode == modeTrace || !strings.Contains(screen(m), "ambiguous trace id: 2 traces start with") {
		t.Errorf("an ambiguous prefix should be refused with a message:\n%s", screen(m))
	}
}

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/ui/common"
)

// fakeStacks serves fixed stacks and summaries (goldens do not move) and
// records which summaries were asked for.
type fakeStacks struct {
	mu    sync.Mutex
	calls []string // "name" or "name+drift"
	fail  map[string]error
}

func fixtureStacks() terraform.Stacks {
	return terraform.Stacks{
		{Name: "workers", Dir: "/srv/infra/workers", Workspace: "prod",
			Targets: map[string]string{"asg/workers-1": "module.workers.aws_autoscaling_group.this", "node/node-us-east-1a-0": "module.workers.aws_instance.node[0]"}},
		{Name: "orders-db", Dir: "/srv/infra/orders-db",
			Targets: map[string]string{"database/orders-pg": "aws_rds_cluster.orders"}},
	}
}

func (f *fakeStacks) List() []*terraform.Stack { return fixtureStacks() }

func (f *fakeStacks) Summarize(_ context.Context, name string, drift bool) (terraform.Summary, error) {
	f.mu.Lock()
	call := name
	if drift {
		call += "+drift"
	}
	f.calls = append(f.calls, call)
	err := f.fail[name]
	f.mu.Unlock()
	if err != nil {
		return terraform.Summary{}, err
	}
	var sum terraform.Summary
	switch name {
	case "workers":
		sum = terraform.Summary{Stack: name, Dir: "/srv/infra/workers", Workspace: "prod", Serial: 42, Lineage: "5f1c-lineage",
			TerraformVersion: "1.9.8", LastApply: frozen.Add(-3 * time.Hour), Resources: []terraform.Resource{
				{Address: "module.workers.aws_autoscaling_group.this", Type: "aws_autoscaling_group", ID: "workers-1"},
				{Address: "module.workers.aws_instance.node[0]", Type: "aws_instance", ID: "i-000"},
				{Address: "module.workers.aws_launch_template.this", Type: "aws_launch_template", ID: "lt-0abc"},
			}}
		if drift {
			sum.Drift, sum.DriftChecked = []string{"module.workers.aws_autoscaling_group.this"}, true
		}
	case "orders-db":
		sum = terraform.Summary{Stack: name, Dir: "/srv/infra/orders-db", Serial: 7, Lineage: "9a2e-lineage",
			LastApply: frozen.Add(-50 * time.Hour), Resources: []terraform.Resource{
				{Address: "aws_rds_cluster.orders", Type: "aws_rds_cluster", ID: "orders-pg"},
			},
			Lock: &terraform.LockInfo{ID: "8c1d2e3f-lock", Operation: "OperationTypeApply", Who: "bob@ci-runner", Created: "2026-03-01 11:58:00 UTC"}}
		if drift {
			sum.Drift, sum.DriftChecked = []string{}, true
		}
	default:
		return sum, fmt.Errorf("no stack %q", name)
	}
	return sum, nil
}

func (f *fakeStacks) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func stacksModel(t *testing.T, w, h int, fs *fakeStacks) (*Model, *fakeExec) {
	t.Helper()
	ex := &fakeExec{}
	m := newTestModel(t, fixtureSnapshot(), nil, w, h, func(d *deps) {
		d.exec = ex
		d.stacks = fs
		d.offerers = func() []actions.Offerer { return []actions.Offerer{fixtureStacks()} }
	})
	return m, ex
}

func offerNames(m *Model) string {
	var out []string
	for _, o := range m.flow.offers {
		out = append(out, string(o.spec.Name))
	}
	return strings.Join(out, ",")
}

func TestStacksView(t *testing.T) {
	fs := &fakeStacks{}
	m, ex := stacksModel(t, 160, 40, fs)
	press(m, ":")
	typeText(m, "stacks")
	press(m, "enter")
	if m.active != "stacks" {
		t.Fatalf(":stacks shows %s", m.active)
	}
	got := strings.Join(fs.called(), ",")
	if got != "workers,orders-db" {
		t.Fatalf("opening the view read %q, want both summaries without drift", got)
	}
	out := screen(m)
	for _, want := range []string{"workers", "orders-db", "prod", "3h ago", "2d ago", "unknown", "locked by bob@ci-runner", "/srv/infra/workers"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	p := m.stacksPage()
	if sum, ok := p.Summary("workers"); !ok || len(sum.Resources) != 3 {
		t.Fatalf("workers summary %+v", sum)
	}

	// D computes the drift of the stack under the cursor, on demand
	press(m, "D")
	if got := fs.called(); got[len(got)-1] != "workers+drift" {
		t.Fatalf("D asked for %v", got)
	}
	if out := screen(m); !strings.Contains(out, "! 1 drifted") {
		t.Errorf("drift not shown:\n%s", out)
	}
	// a later summary of the same state keeps the drift found
	press(m, "ctrl+r")
	if out := screen(m); !strings.Contains(out, "! 1 drifted") || len(fs.called()) != 5 {
		t.Errorf("ctrl+r should re-read both summaries and keep the drift (calls %v):\n%s", fs.called(), out)
	}

	// a stale answer (an earlier round's) is dropped
	fs.mu.Lock()
	fs.fail = map[string]error{"workers": errors.New("stale round")}
	fs.mu.Unlock()
	var stale []tea.Msg
	for _, c := range runBriefly(p.Refresh()).(tea.BatchMsg) {
		stale = append(stale, runBriefly(c))
	}
	fs.mu.Lock()
	fs.fail = nil
	fs.mu.Unlock()
	press(m, "ctrl+r") // a later round
	for _, msg := range stale {
		m.Update(msg)
	}
	if sum, _ := p.Summary("workers"); len(sum.Resources) != 3 || strings.Contains(screen(m), "stale round") {
		t.Errorf("a stale summary was applied: %+v\n%s", sum, screen(m))
	}

	// the detail pane lists the resources and the targets
	press(m, "d")
	out = screen(m)
	for _, want := range []string{"terraform stack workers", "module.workers.aws_launch_template.this: lt-0abc",
		"asg/workers-1: module.workers.aws_autoscaling_group.this", "serial: 42"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	press(m, "esc")

	// a on the stack: plan, apply, teardown, recreate
	press(m, "a")
	if got := offerNames(m); got != "plan,apply,teardown,recreate" {
		t.Errorf("stack offers %q", got)
	}
	press(m, "esc")

	// space expands the stack into its resources; a on one offers rebuild
	press(m, "space", "down", "down")
	sel, _ := p.Selected()
	if sel.Key != "resource/workers/module.workers.aws_instance.node[0]" {
		t.Fatalf("cursor on %q", sel.Key)
	}
	press(m, "a")
	if got := offerNames(m); got != "rebuild" || !strings.Contains(screen(m), "rebuild via terraform (stack workers,") ||
		!strings.Contains(m.flow.offers[0].spec.Description, "rebuild via terraform (stack workers, module.workers.aws_instance.node[0])") {
		t.Errorf("resource offers %q:\n%s", got, screen(m))
	}
	press(m, "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "type module.workers.aws_instance.node[0] to confirm") {
		t.Fatalf("rebuild should ask for the address typed:\n%s", screen(m))
	}
	press(m, "esc")
	if ex.declined != 1 {
		t.Errorf("esc should decline, declined=%d", ex.declined)
	}

	// a locked stack also offers unlock
	press(m, "left", "G")
	press(m, "a")
	if got := offerNames(m); got != "plan,apply,teardown,recreate,unlock" {
		t.Errorf("locked stack offers %q", got)
	}
	press(m, "esc")

	// a stack whose summary fails says why
	fs.mu.Lock()
	fs.fail = map[string]error{"orders-db": errors.New("terraform init: backend unreachable")}
	fs.mu.Unlock()
	press(m, "ctrl+r")
	if out := screen(m); !strings.Contains(out, "✗ stack orders-db: terraform init: backend unreachable") {
		t.Errorf("summary error not shown:\n%s", out)
	}
}

// TestRebuildFromTopology: an object named in a stack's targets offers a
// rebuild through terraform, from any view.
func TestRebuildFromTopology(t *testing.T) {
	tests := []struct {
		view, focusKind, focusName string
		want                       string
	}{
		{"asg", "asg", "workers-1", "rebuild via terraform (stack workers, module.workers.aws_autoscaling_group.this)"},
		{"nodes", "node", "node-us-east-1a-0", "rebuild via terraform (stack workers, module.workers.aws_instance.node[0])"},
		{"db", "database", "orders-pg", "rebuild via terraform (stack orders-db, aws_rds_cluster.orders)"},
	}
	for _, tt := range tests {
		t.Run(tt.view, func(t *testing.T) {
			m, _ := stacksModel(t, 200, 40, &fakeStacks{})
			press(m, ":")
			typeText(m, tt.view)
			press(m, "enter")
			if f, ok := m.page().(interface{ Focus(kind, name string) bool }); !ok || !f.Focus(tt.focusKind, tt.focusName) {
				t.Fatalf("cannot focus %s/%s", tt.focusKind, tt.focusName)
			}
			press(m, "a")
			if !strings.Contains(offerNames(m), "rebuild") || !strings.Contains(screen(m), tt.want) {
				t.Errorf("offers %q:\n%s", offerNames(m), screen(m))
			}
		})
	}
	// an object no stack maps is offered nothing by terraform
	m, _ := stacksModel(t, 200, 40, &fakeStacks{})
	press(m, ":")
	typeText(m, "asg")
	press(m, "enter")
	m.page().(interface{ Focus(kind, name string) bool }).Focus("asg", "workers-2")
	press(m, "a")
	if len(m.flow.offers) != 0 {
		t.Errorf("workers-2 is in no stack's targets, offered %q", offerNames(m))
	}
}

// deniedAction is an action the user may not run (actions.Permitter).
type deniedAction struct {
	fakeAction
	reason string
}

func (d *deniedAction) Allowed() (bool, string) { return false, d.reason }

// permitOfferer offers, for deployments, a permitted restart and a scale
// RBAC forbids.
type permitOfferer struct{}

func (permitOfferer) Offer(r actions.Ref) []actions.Action {
	if r.Kind != "deployment" {
		return nil
	}
	return []actions.Action{
		&fakeAction{actions.Spec{Name: "restart", Target: r, Runner: "sim", Effect: actions.Mutating, Description: "rollout restart"}},
		&deniedAction{fakeAction{actions.Spec{Name: "scale", Target: r, Runner: "kubectl", Effect: actions.Mutating, Description: "scale"}},
			"not permitted by RBAC: may not patch deployments/scale"},
	}
}

func TestDeniedActionsGreyed(t *testing.T) {
	ex := &fakeExec{}
	m := newTestModel(t, fixtureSnapshot(), nil, 160, 40, func(d *deps) {
		d.exec = ex
		d.offerers = func() []actions.Offerer { return []actions.Offerer{permitOfferer{}} }
	})
	press(m, ":")
	typeText(m, "pods")
	press(m, "enter", "a")
	if len(m.flow.offers) != 2 || !m.flow.offers[0].allowed || m.flow.offers[1].allowed {
		t.Fatalf("offers %+v", m.flow.offers)
	}
	out := screen(m)
	if !strings.Contains(out, "✗ scale") || !strings.Contains(out, "not permitted by RBAC: may not patch deployments/scale") {
		t.Errorf("the denied action should be marked ✗ with the reason:\n%s", out)
	}
	if strings.Contains(out, "✗ restart") {
		t.Errorf("the permitted action is marked refused:\n%s", out)
	}
	press(m, "down", "enter")
	if m.mode != modeMenu || len(ex.refused) != 1 || !strings.Contains(screen(m), "not permitted by RBAC") {
		t.Errorf("choosing a denied action must be refused by the executor (refused %v):\n%s", ex.refused, screen(m))
	}
	press(m, "up", "enter")
	if m.mode != modeConfirm || len(ex.prepared) != 2 {
		t.Errorf("the permitted action should preview (prepared %v)", ex.prepared)
	}
}

// stacksGoldenModel is the golden model with the fixed stacks.
func stacksGoldenModel(t *testing.T) *Model {
	return goldenModel(t, func(d *deps) {
		d.stacks = &fakeStacks{}
		d.offerers = func() []actions.Offerer { return []actions.Offerer{fixtureStacks()} }
	})
}

// TestGoldenStacks renders the Stacks view (first stack expanded) at
// 80x24 and 160x48 (the body), and its detail pane at 160x48 (body and
// footer).
func TestGoldenStacks(t *testing.T) {
	cases := []struct {
		name   string
		size   [2]int
		detail bool
	}{
		{"stacks_80x24", [2]int{80, 24}, false},
		{"stacks_160x48", [2]int{160, 48}, false},
		{"stacks_detail_160x48", [2]int{160, 48}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := stacksGoldenModel(t)
			tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(c.size[0], c.size[1]))
			waitFor(t, tm, "topology", built("topology"))
			tm.Type(":stacks")
			tm.Send(enter())
			loaded := func(m *Model) bool {
				_, ok := m.stacksPage().Summary("orders-db")
				return built("stacks")(m) && !m.stacksPage().Loading() && ok
			}
			waitFor(t, tm, "the summaries", loaded)
			tm.Type(" ")
			want := func(m *Model) bool { return loaded(m) && m.stacksPage().Status() == "1/5" }
			if c.detail {
				waitFor(t, tm, "expanded", want)
				tm.Type("d")
				want = func(m *Model) bool { return m.mode == modeDetail }
			}
			out := waitFor(t, tm, c.name, want)
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			if n := strings.Count(out, "\n") + 1; n != c.size[1] {
				t.Errorf("frame has %d lines, want %d", n, c.size[1])
			}
			if c.detail {
				golden.RequireEqual(t, belowTabs(m, out))
			} else {
				golden.RequireEqual(t, body(m, out))
			}
		})
	}
}

// TestStacksNotReadWhileTerraformRuns: a stack a run of this console is
// applying is not summarised (no terraform init beside the apply).
func TestStacksNotReadWhileTerraformRuns(t *testing.T) {
	fs := &fakeStacks{}
	m, ex := stacksModel(t, 160, 40, fs)
	ex.runs = []common.Run{&fakeRun{id: "run1", spec: actions.Spec{Name: "rebuild", Runner: "terraform",
		Target: actions.Ref{Kind: "resource", Namespace: "workers", Name: "module.workers.aws_instance.node[0]"}},
		started: frozen, res: common.RunResult{Status: "running"}, updates: make(chan struct{}, 1), done: make(chan struct{})}}
	press(m, ":")
	typeText(m, "stacks")
	press(m, "enter")
	if got := strings.Join(fs.called(), ","); got != "orders-db" {
		t.Errorf("with a run on workers the view read %q, want only orders-db", got)
	}
	ex.runs[0].(*fakeRun).res.Status = "succeeded"
	press(m, "ctrl+r")
	if got := strings.Join(fs.called(), ","); got != "orders-db,workers,orders-db" {
		t.Errorf("after the run the view read %q", got)
	}
}

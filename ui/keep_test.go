package ui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
)

// blockingAction runs until it is cancelled.
type blockingAction struct{ fakeAction }

func (a *blockingAction) Run(ctx context.Context, _ actions.Plan, _ io.Writer) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestActionsKeepRunning: K in the Actions view marks the session's
// running run to keep running if the session ends, through the shared
// executor (the real actions.Session); the row and the message say so;
// in a local console K says it is a console serve choice.
func TestActionsKeepRunning(t *testing.T) {
	e, err := actions.NewExecutor(actions.Options{Env: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	alice := e.Session(actions.Principal{Who: "alice (key SHA256:a)", User: "alice", Role: actions.RoleOperator})
	r := startBlockingRun(t, alice)

	tests := []struct {
		name     string
		exec     Executor
		kept     bool
		contains []string
	}{
		{"local console", e, false, []string{"console serve choice"}},
		{"serve session", alice, true, []string{"running (kept)", "alice", "keeps running if you disconnect"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap, s := demoSnapshot(t, sim.Options{})
			m := newTestModel(t, snap, s, 160, 40, func(d *deps) { d.exec = execAdapter{tc.exec} })
			drain(m, m.switchTo("actions"))
			press(m, "K")
			if got := r.KeepsRunning(); got != tc.kept {
				t.Fatalf("KeepsRunning = %v, want %v", got, tc.kept)
			}
			out := screen(m)
			for _, want := range tc.contains {
				if !strings.Contains(out, want) {
					t.Errorf("the screen lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestActionsCancelOthersRun: in console serve, x on another user's run in
// the Actions view is refused through the executor (said in the footer, the
// run goes on); x on one's own run cancels it, named in the outcome.
func TestActionsCancelOthersRun(t *testing.T) {
	e, err := actions.NewExecutor(actions.Options{Env: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	alice := e.Session(actions.Principal{Who: "alice (key SHA256:a)", User: "alice", Role: actions.RoleOperator})
	bob := e.Session(actions.Principal{Who: "bob (key SHA256:b)", User: "bob", Role: actions.RoleOperator})
	r := startBlockingRun(t, alice)

	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 160, 40, func(d *deps) { d.exec = execAdapter{bob} })
	drain(m, m.switchTo("actions"))
	press(m, "x")
	if out := screen(m); !strings.Contains(out, "alice's run") {
		t.Errorf("the refusal is not said:\n%s", out)
	}
	select {
	case <-r.Done():
		t.Fatalf("bob's x stopped alice's run: %+v", r.Result())
	default:
	}

	m = newTestModel(t, snap, s, 160, 40, func(d *deps) { d.exec = execAdapter{alice} })
	drain(m, m.switchTo("actions"))
	press(m, "x")
	<-r.Done()
	if res := r.Result(); res.Status != actions.StatusCancelled || !strings.Contains(res.Error, "cancelled by alice") {
		t.Errorf("alice's x: %+v", res)
	}
}

// startBlockingRun starts, through s, a restart of deployment shop/web that
// runs until cancelled (cancelled at the end of the test).
func startBlockingRun(t *testing.T, s *actions.Session) *actions.Run {
	t.Helper()
	a := &blockingAction{fakeAction{actions.Spec{Name: "restart", Target: actions.Ref{Kind: "deployment", Namespace: "shop", Name: "web"}, Runner: "sim", Effect: actions.Mutating}}}
	p, err := s.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Cancel(); <-r.Done() })
	return r
}

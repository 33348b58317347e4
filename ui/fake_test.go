package ui

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/ui/common"
)

// fakeAction is an action that records what the executor did with it.
type fakeAction struct {
	spec actions.Spec
}

func (a *fakeAction) Spec() actions.Spec                           { return a.spec }
func (a *fakeAction) Check(context.Context) error                  { return nil }
func (a *fakeAction) Verify(context.Context) (bool, string, error) { return true, "ok", nil }
func (a *fakeAction) Preview(context.Context, io.Writer) (actions.Plan, error) {
	return actions.Plan{Summary: "1 to restart", Text: "restart " + a.spec.Target.String()}, nil
}
func (a *fakeAction) Run(context.Context, actions.Plan, io.Writer) error { return nil }

// fakeOfferer offers a restart for pods' deployments and a drain for nodes.
type fakeOfferer struct{}

func (fakeOfferer) Offer(r actions.Ref) []actions.Action {
	switch r.Kind {
	case "deployment":
		return []actions.Action{&fakeAction{actions.Spec{Name: "restart", Target: r, Runner: "sim", Effect: actions.Mutating, Description: "rollout restart " + r.String()}}}
	case "node":
		return []actions.Action{&fakeAction{actions.Spec{Name: "drain", Target: r, Runner: "sim", Effect: actions.Destructive, Description: "drain " + r.Name}}}
	}
	return nil
}

type fakePending struct{ a actions.Action }

func (p *fakePending) Spec() actions.Spec { return p.a.Spec() }
func (p *fakePending) Plan() actions.Plan {
	pl, _ := p.a.Preview(context.Background(), io.Discard)
	return pl
}
func (p *fakePending) Prompt() string {
	if p.a.Spec().Effect == actions.Destructive {
		return "type " + p.a.Spec().Target.Name + " to confirm"
	}
	return "press y to confirm"
}
func (p *fakePending) Matches(in string) bool {
	if p.a.Spec().Effect == actions.Destructive {
		return in == p.a.Spec().Target.Name
	}
	return in == "y"
}

// fakeRun is a run with fixed output.
type fakeRun struct {
	id      string
	spec    actions.Spec
	started time.Time
	lines   []string
	res     common.RunResult
	updates chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	cancels int
}

func (r *fakeRun) ID() string               { return r.id }
func (r *fakeRun) Spec() actions.Spec       { return r.spec }
func (r *fakeRun) Plan() actions.Plan       { return actions.Plan{Summary: "1 to restart"} }
func (r *fakeRun) Started() time.Time       { return r.started }
func (r *fakeRun) Lines() []string          { return r.lines }
func (r *fakeRun) Updates() <-chan struct{} { return r.updates }
func (r *fakeRun) Done() <-chan struct{}    { return r.done }
func (r *fakeRun) Result() common.RunResult { r.mu.Lock(); defer r.mu.Unlock(); return r.res }
func (r *fakeRun) Cancel()                  { r.mu.Lock(); r.cancels++; r.mu.Unlock() }

// fakeExec is an executor that records calls.
type fakeExec struct {
	mu        sync.Mutex
	ro        bool
	runs      []common.Run
	prepared  []string
	started   []string
	declined  int
	refused   []string
	prepareEr error
}

func (e *fakeExec) ReadOnly() (bool, string) { return e.ro, "environment prod is read-only" }

// Availability is the real executor's (no audit log, no runs), in the
// fake's read-only mode.
func (e *fakeExec) Availability(a actions.Action) (bool, string) {
	ro, why := e.ReadOnly()
	real, err := actions.NewExecutor(actions.Options{Env: "prod", ReadOnly: ro, ReadOnlyReason: why})
	if err != nil {
		return false, err.Error()
	}
	return real.Availability(a)
}

// Prepare records the attempt; like the real executor it refuses (and,
// there, audits) an action Availability says no to, before any preview.
func (e *fakeExec) Prepare(_ context.Context, a actions.Action, _ time.Time) (common.Pending, error) {
	ok, why := e.Availability(a)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.prepared = append(e.prepared, string(a.Spec().Name))
	if !ok {
		e.refused = append(e.refused, string(a.Spec().Name))
		return nil, fmt.Errorf("%w: %s", actions.ErrRefused, why)
	}
	if e.prepareEr != nil {
		return nil, e.prepareEr
	}
	return &fakePending{a}, nil
}
func (e *fakeExec) Start(p common.Pending, c string) (common.Run, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !p.Matches(c) {
		return nil, fmt.Errorf("%w: confirmation", actions.ErrRefused)
	}
	e.started = append(e.started, string(p.Spec().Name))
	r := &fakeRun{id: fmt.Sprintf("run%05d", len(e.runs)+1), spec: p.Spec(), started: frozen,
		lines: []string{"starting", "done"}, res: common.RunResult{Status: "running"},
		updates: make(chan struct{}, 1), done: make(chan struct{})}
	close(r.done) // the UI's listener returns at once in unit tests
	e.runs = append([]common.Run{r}, e.runs...)
	return r, nil
}
func (e *fakeExec) Decline(common.Pending) { e.mu.Lock(); e.declined++; e.mu.Unlock() }
func (e *fakeExec) Runs() []common.Run {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]common.Run(nil), e.runs...)
}

// sampleRuns returns an executor holding one finished and one running run.
func sampleRuns() *fakeExec {
	mk := func(id string, name actions.Verb, target, status string, d time.Duration, lines ...string) *fakeRun {
		return &fakeRun{id: id, spec: actions.Spec{Name: name, Runner: "sim", Effect: actions.Mutating,
			Target: actions.Ref{Kind: "deployment", Namespace: "shop", Name: target}},
			started: frozen.Add(-d), lines: lines, res: common.RunResult{Status: status, Duration: d},
			updates: make(chan struct{}, 1), done: make(chan struct{})}
	}
	return &fakeExec{runs: []common.Run{
		mk("a1b2c3d4e5", "restart", "checkout", "running", 4*time.Second, "rolling out checkout", "1 of 4 pods replaced"),
		mk("f6e5d4c3b2", "restart", "cart", "succeeded", 42*time.Second, "rolling out cart", "4 of 4 pods replaced", "verified: 4/4 ready"),
	}}
}

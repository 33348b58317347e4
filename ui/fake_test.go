package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
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

// second is the phrase of a second confirmation ("" for none).
func (p *fakePending) second() string {
	if sc, ok := p.a.(actions.SecondConfirmer); ok {
		return sc.SecondConfirmation()
	}
	return ""
}
func (p *fakePending) Prompts() []string {
	if s := p.second(); s != "" {
		return []string{p.Prompt(), "type " + s + " to confirm again"}
	}
	return []string{p.Prompt()}
}
func (p *fakePending) MatchesStep(i int, in string) bool {
	if i == 1 {
		return p.second() != "" && in == p.second()
	}
	return i == 0 && p.Matches(in)
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
func (e *fakeExec) Start(p common.Pending, c string, more ...string) (common.Run, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	answers := append([]string{c}, more...)
	if len(answers) != len(p.Prompts()) {
		return nil, fmt.Errorf("%w: confirmation", actions.ErrRefused)
	}
	for i, a := range answers {
		if !p.MatchesStep(i, a) {
			return nil, fmt.Errorf("%w: confirmation", actions.ErrRefused)
		}
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

// fakeKube is a KubeReader answering fixed text; it records what was read.
type fakeKube struct {
	cluster string
	read    []string // "describe pod ns/name", "yaml ..."
}

func (f *fakeKube) Context() string { return f.cluster }

func (f *fakeKube) Describe(_ context.Context, o providers.KubeObject) (string, error) {
	f.read = append(f.read, "describe "+o.Resource+" "+o.Namespace+"/"+o.Name)
	var b strings.Builder
	fmt.Fprintf(&b, "Name:         %s\nNamespace:    %s\nContainers:\n  app:\n    Image:   nginx\n", o.Name, o.Namespace)
	for i := range 40 {
		fmt.Fprintf(&b, "    Env%02d:   value\n", i)
	}
	b.WriteString("Events:\n  Type     Reason   Age  From     Message\n  Warning  BackOff  1m   kubelet  Back-off restarting failed container app\n")
	return b.String(), nil
}

func (f *fakeKube) YAML(_ context.Context, o providers.KubeObject) (string, error) {
	f.read = append(f.read, "yaml "+o.Resource+" "+o.Namespace+"/"+o.Name)
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + o.Name + "\n", nil
}

func (f *fakeKube) Events(context.Context, string) ([]providers.KubeEvent, error) {
	f.read = append(f.read, "events")
	at := func(m int) time.Time { return frozen.Add(-time.Duration(m) * time.Minute) }
	return []providers.KubeEvent{
		{Namespace: "shop", Kind: "Pod", Name: "web-7d9f-abcde", Type: "Normal", Reason: "Pulled", Message: "Container image \"nginx\" already present on machine", Source: "kubelet", Count: 1, First: at(30), Last: at(30)},
		{Namespace: "shop", Kind: "Pod", Name: "web-7d9f-abcde", Type: "Warning", Reason: "BackOff", Message: "Back-off restarting failed container app in pod web-7d9f-abcde", Source: "kubelet", Count: 12, First: at(29), Last: at(1)},
		{Namespace: "shop", Kind: "Deployment", Name: "web", Type: "Normal", Reason: "ScalingReplicaSet", Message: "Scaled up replica set web-7d9f to 3", Source: "deployment-controller", Count: 1, First: at(31), Last: at(31)},
		{Namespace: "", Kind: "Node", Name: "ip-10-0-1-10", Type: "Warning", Reason: "NodeNotReady", Message: "Node ip-10-0-1-10 status is now: NodeNotReady", Source: "node-controller", Count: 1, First: at(5), Last: at(5)},
		{Namespace: "billing", Kind: "Pod", Name: "invoice-0", Type: "Normal", Reason: "Started", Message: "Started container app", Source: "kubelet", Count: 1, First: at(2), Last: at(2)},
	}, nil
}

func (f *fakeKube) Resources(context.Context) ([]providers.KubeResource, error) {
	f.read = append(f.read, "resources")
	return []providers.KubeResource{
		{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments", Singular: "deployment", ShortNames: []string{"deploy"}, Namespaced: true, Verbs: []string{"get", "list", "watch"}},
		{Version: "v1", Kind: "PersistentVolumeClaim", Plural: "persistentvolumeclaims", Singular: "persistentvolumeclaim", ShortNames: []string{"pvc"}, Namespaced: true, Verbs: []string{"get", "list"}},
		{Version: "v1", Kind: "Service", Plural: "services", Singular: "service", ShortNames: []string{"svc"}, Namespaced: true, Verbs: []string{"get", "list"}},
		{Group: "stable.example.com", Version: "v1", Kind: "CronTab", Plural: "crontabs", Singular: "crontab", ShortNames: []string{"ct"}, Namespaced: true, Verbs: []string{"get", "list"}},
	}, nil
}

func (f *fakeKube) Table(_ context.Context, res, _ string) (*providers.KubeTable, error) {
	f.read = append(f.read, "table "+res)
	switch res {
	case "deploy", "deployments", "deployment", "deployments.apps":
		return &providers.KubeTable{
			Resource: providers.KubeResource{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments", Namespaced: true},
			Columns:  []providers.KubeColumn{{Name: "Name"}, {Name: "Ready"}, {Name: "Up-to-date"}, {Name: "Available"}, {Name: "Age"}, {Name: "Containers", Priority: 1}},
			Rows: []providers.KubeRow{
				{Namespace: "shop", Name: "web", Cells: []string{"web", "2/3", "3", "2", "31m", "app"}},
				{Namespace: "billing", Name: "invoice", Cells: []string{"invoice", "1/1", "1", "1", "4d", "app"}},
			},
		}, nil
	case "pvc", "persistentvolumeclaims":
		return &providers.KubeTable{
			Resource: providers.KubeResource{Version: "v1", Kind: "PersistentVolumeClaim", Plural: "persistentvolumeclaims", Namespaced: true},
			Columns:  []providers.KubeColumn{{Name: "Name"}, {Name: "Status"}, {Name: "Volume"}, {Name: "Capacity"}, {Name: "Access Modes"}, {Name: "StorageClass"}, {Name: "Age"}},
			Rows:     []providers.KubeRow{{Namespace: "billing", Name: "data-invoice-0", Cells: []string{"data-invoice-0", "Bound", "pvc-3f1c", "10Gi", "RWO", "gp3", "4d"}}},
		}, nil
	}
	return nil, fmt.Errorf("resource %q: the server doesn't have a resource type %q", res, res)
}

// Attach is the real executor's refusal when Availability says no; the
// fake runs nothing attached (tests of the shell use the real executor).
func (e *fakeExec) Attach(_ context.Context, a actions.Action, _ time.Time) (common.Attachment, error) {
	ok, why := e.Availability(a)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !ok {
		e.refused = append(e.refused, string(a.Spec().Name))
		return nil, fmt.Errorf("%w: %s", actions.ErrRefused, why)
	}
	return nil, fmt.Errorf("the fake executor runs nothing attached to the terminal")
}

// Ingresses implements providers.IngressReader: one Ingress with TLS, a
// default backend and two paths, one without class nor address.
func (f *fakeKube) Ingresses(context.Context, string) ([]providers.Ingress, error) {
	f.read = append(f.read, "ingresses")
	return []providers.Ingress{
		{Namespace: "shop", Name: "storefront", Class: "nginx", Address: []string{"203.0.113.20"}, TLS: true, Created: frozen.Add(-50 * 24 * time.Hour),
			Paths: []providers.IngressPath{{Default: true, Service: "web", Port: "80"},
				{Host: "shop.example.com", Path: "/cart", Service: "cart", Port: "http"},
				{Host: "shop.example.com", Path: "/checkout", Service: "checkout", Port: "80"}}},
		{Namespace: "shop", Name: "admin", Created: frozen.Add(-2 * time.Hour),
			Paths: []providers.IngressPath{{Path: "/", Service: "admin", Port: "8080"}}},
	}, nil
}

// Jobs implements providers.JobReader: a CronJob and its two Jobs (one
// complete, one failed), a Job of its own still running.
func (f *fakeKube) Jobs(context.Context, string) ([]providers.Job, error) {
	f.read = append(f.read, "jobs")
	at := func(d time.Duration) time.Time { return frozen.Add(-d) }
	return []providers.Job{
		{Namespace: "shop", Name: "nightly-report", CronJob: true, Schedule: "0 2 * * *", Active: 0, LastSchedule: at(3 * time.Hour), Created: at(30 * 24 * time.Hour)},
		{Namespace: "shop", Name: "nightly-report-2912", Owner: "nightly-report", Succeeded: 1, Complete: true, Start: at(3 * time.Hour), End: at(3*time.Hour - 95*time.Second), Created: at(3 * time.Hour)},
		{Namespace: "shop", Name: "nightly-report-2911", Owner: "nightly-report", Failed: 6, FailedReason: "BackoffLimitExceeded", Start: at(27 * time.Hour), End: time.Time{}, Created: at(27 * time.Hour)},
		{Namespace: "billing", Name: "migrate-v42", Completions: 3, Succeeded: 1, Active: 1, Start: at(10 * time.Minute), Created: at(10 * time.Minute)},
	}, nil
}

// ConfigMaps implements providers.ConfigMapReader: one ConfigMap used by
// two pods of the fixture (prod-us-east-1), with a value carrying a
// terminal escape and line breaks and a binary key, and one used by none.
func (f *fakeKube) ConfigMaps(context.Context, string) ([]providers.ConfigMap, error) {
	f.read = append(f.read, "configmaps")
	return []providers.ConfigMap{
		{Namespace: "shop", Name: "app-config", Created: frozen.Add(-3 * 24 * time.Hour), UsedBy: []string{"checkout-000", "web-001"},
			Keys: []providers.ConfigMapKey{{Name: "app.yaml", Size: 2048, Value: "log:\n  level: debug\x1b]52;c;evil\x07\n"},
				{Name: "greeting", Size: 5, Value: "hello"}, {Name: "logo.png", Size: 300, Binary: true}}},
		{Namespace: "shop", Name: "unused", Created: frozen.Add(-time.Hour), Keys: []providers.ConfigMapKey{{Name: "k", Size: 1, Value: "v"}}},
	}, nil
}

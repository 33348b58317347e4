package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// Options are what the interactive console runs with.
type Options struct {
	// Store is the started store of every source.
	Store *providers.Store
	// Executor runs every action (nil: actions unavailable): the
	// console's *actions.Executor, or one user's *actions.Session of a
	// shared executor (console serve).
	Executor Executor
	// Settings are the resolved settings (environment, demo, read-only).
	Settings config.Settings
	// TraceSource serves full traces (nil: traces cannot be opened).
	TraceSource traces.Source
	// Stacks are the environment's Terraform stacks (terraform.FromEnvironment):
	// the Stacks view reads their summaries, and they are an extra
	// actions.Offerer (stack actions, rebuild of a resource or of a
	// topology object their targets map).
	Stacks terraform.Stacks
	// Offerers are extra sources of actions besides the providers that
	// are Offerers themselves (and Stacks).
	Offerers []actions.Offerer
	// KubeContexts lists the kubeconfig's contexts and AddKube makes the
	// source of one more (:ctx NAME adds it to the store, started at
	// once); nil when there is no Kubernetes source.
	KubeContexts func() ([]string, error)
	AddKube      func(context string) (providers.Provider, error)
	// StartView is the view shown first (a name or palette alias, as
	// --view takes it; "" the first view).
	StartView string
	// LogLines bounds the logs view's buffer (0: podlog.DefaultLines).
	LogLines int
	// ProgramOptions are extra bubbletea options (tests: input/output).
	ProgramOptions []tea.ProgramOption
	// Program, when set, is called with the program before it runs
	// (console serve sends it the SSH session's window changes).
	Program func(*tea.Program)
	// ExecTerminal hands an attached action (a shell) its terminal (nil:
	// tea.Exec on the console's own). console serve gives the SSH
	// session's: tea.Exec still releases and takes back the session's
	// screen and keyboard, and the command it runs is relayed to the
	// session through a pty of its own.
	ExecTerminal func(tea.ExecCommand, tea.ExecCallback) tea.Cmd
	// User names the user of a shared console (console serve) and their
	// role, shown in the header ("" locally).
	User string
	// Presence is the session's handle on presenter mode (console serve:
	// PresenceHub.Session); nil locally, where :present and :follow say
	// they need console serve.
	Presence Presence
	// Builds, when set, shares the pages' built rows between the sessions
	// given the same cache (console serve): one immutable row slice per
	// view, snapshot version and scope; filters and cursors stay each
	// session's.
	Builds *pages.BuildCache
}

// Run opens the console and blocks until the user quits or ctx is done.
// The first frame is drawn as soon as the store's first snapshot arrives.
func Run(ctx context.Context, o Options) error {
	if o.Store == nil {
		return fmt.Errorf("ui: no store")
	}
	d := depsFrom(ctx, o)
	defer o.Store.Unsubscribe(d.snapshots)
	m := newModel(d)
	// Signals are the caller's (cmd/console traps SIGHUP, SIGTERM, SIGINT
	// and cancels ctx): the program then quits like q does, so the
	// terminal is restored (alt screen, mouse reporting, cursor) when it
	// is still there, and the caller cancels what still runs through
	// Executor.Shutdown.
	opts := append([]tea.ProgramOption{tea.WithoutSignalHandler()}, o.ProgramOptions...)
	p := tea.NewProgram(m, opts...)
	if o.Program != nil {
		o.Program(p)
	}
	stop := context.AfterFunc(ctx, p.Quit)
	defer stop()
	defer m.closePresence() // the followers are told the presenter left
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("ui: %w", err)
	}
	return nil
}

// depsFrom wires the options into the model's collaborators, subscribed
// to the store's snapshots.
func depsFrom(ctx context.Context, o Options) deps {
	d := staticDeps(ctx, o)
	d.snapshots = o.Store.Subscribe()
	d.initial = o.Store.Snapshot()
	if o.Builds != nil {
		d.latest = o.Store.Snapshot
	}
	d.tick = time.Second
	if o.User == "" {
		// The favourite namespaces are the local user's; a console serve
		// session keeps its own for the session only.
		d.statePath = statePathFor(o.Settings.AuditLog)
		d.state, d.stateErr = readState(d.statePath)
	}
	return d
}

// staticDeps wires the options into the model's collaborators, without
// the store's live snapshots or the clock's ticks (a snapshot export).
func staticDeps(ctx context.Context, o Options) deps {
	st := o.Store
	d := deps{
		ctx:     ctx,
		refresh: st.Refresh,
		offerers: func() []actions.Offerer {
			return actions.CatalogOf(st.Providers(), append(slices.Clone(o.Offerers), stacksOfferer(o.Stacks))...)
		},
		traces:    o.TraceSource,
		env:       o.Settings.Env.Name,
		startView: o.StartView,
		demo:      o.Settings.Demo,
		readOnly:  o.Settings.Env.ReadOnly,
		roReason:  "environment " + o.Settings.Env.Name + " is read-only",
		kube:      func() []providers.KubeReader { return kubeReaders(st.Providers()) },
		audit:     AuditFile(o.Settings.AuditLog),

		snapshotDir: snapshotDirFor(o.Settings.AuditLog),
		user:        o.User,
		presence:    o.Presence,
		builds:      o.Builds,

		execTerminal: o.ExecTerminal,
	}
	for name := range o.Settings.File.Environments {
		d.envs = append(d.envs, name)
	}
	sort.Strings(d.envs)
	if o.Executor != nil {
		d.exec = execAdapter{o.Executor}
	}
	d.kubeContexts = o.KubeContexts
	if add := o.AddKube; add != nil {
		d.addKube = func(name string) error {
			p, err := add(name)
			if err != nil {
				return err
			}
			return st.Add(p)
		}
	}
	if len(o.Stacks) > 0 {
		d.stacks = common.TerraformStacks(o.Stacks)
	}
	d.logs = kubeLogs{provs: st.Providers}
	d.logLines = o.LogLines
	return d
}

// kubeReaders are the sources that read Kubernetes objects on demand.
func kubeReaders(ps []providers.Provider) []providers.KubeReader {
	var out []providers.KubeReader
	for _, p := range ps {
		if r, ok := p.(providers.KubeReader); ok {
			out = append(out, r)
		}
		if rs, ok := p.(providers.KubeReaderSet); ok {
			out = append(out, rs.KubeReaders()...)
		}
	}
	return out
}

// AuditFile reads the audit log at path for the views (nil when path is
// empty: no audit log configured).
func AuditFile(path string) pages.AuditReader {
	if path == "" {
		return nil
	}
	return func(_ context.Context, since time.Time) ([]actions.AuditEntry, error) {
		es, _, err := actions.ReadAudit(path, 0)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(es, func(e actions.AuditEntry) bool { return e.Time.Before(since) }), nil
	}
}

// stacksOfferer is the stacks as an Offerer, nil when there are none.
func stacksOfferer(ss terraform.Stacks) actions.Offerer {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

// Executor is what the console runs actions through: *actions.Executor
// or *actions.Session.
type Executor interface {
	ReadOnly() (bool, string)
	Availability(a actions.Action) (bool, string)
	Prepare(ctx context.Context, a actions.Action, dataAt time.Time) (*actions.Pending, error)
	Start(p *actions.Pending, confirmation string, more ...string) (*actions.Run, error)
	Decline(p *actions.Pending)
	Runs() []*actions.Run
	Options() actions.Options
	Attach(ctx context.Context, a actions.Action, dataAt time.Time) (*actions.Attachment, error)
}

// execAdapter adapts an Executor to common.Executor.
type execAdapter struct{ e Executor }

// ReadOnly implements common.Executor.
func (a execAdapter) ReadOnly() (bool, string) { return a.e.ReadOnly() }

// Availability implements common.Executor.
func (a execAdapter) Availability(act actions.Action) (bool, string) { return a.e.Availability(act) }

// Prepare implements common.Executor.
func (a execAdapter) Prepare(ctx context.Context, act actions.Action, at time.Time) (common.Pending, error) {
	p, err := a.e.Prepare(ctx, act, at)
	if err != nil || p == nil {
		return nil, err
	}
	return p, nil
}

// Start implements common.Executor.
func (a execAdapter) Start(p common.Pending, confirmation string, more ...string) (common.Run, error) {
	ap, ok := p.(*actions.Pending)
	if !ok {
		return nil, fmt.Errorf("ui: foreign pending action %T", p)
	}
	r, err := a.e.Start(ap, confirmation, more...)
	if err != nil || r == nil {
		return nil, err
	}
	return runAdapter{r}, nil
}

// Attach implements common.Executor.
func (a execAdapter) Attach(ctx context.Context, act actions.Action, at time.Time) (common.Attachment, error) {
	att, err := a.e.Attach(ctx, act, at)
	if err != nil || att == nil {
		return nil, err
	}
	return attachAdapter{att}, nil
}

// attachAdapter adapts *actions.Attachment to common.Attachment.
type attachAdapter struct{ *actions.Attachment }

// Result implements common.Attachment.
func (a attachAdapter) Result() common.RunResult { return runResult(a.Attachment.Result()) }

// Decline implements common.Executor.
func (a execAdapter) Decline(p common.Pending) {
	if ap, ok := p.(*actions.Pending); ok {
		a.e.Decline(ap)
	}
}

// Runs implements common.Executor.
func (a execAdapter) Runs() []common.Run {
	rs := a.e.Runs()
	out := make([]common.Run, len(rs))
	for i, r := range rs {
		out[i] = runAdapter{r}
	}
	return out
}

// errLocalKeep is KeepRunning's answer outside console serve.
var errLocalKeep = fmt.Errorf("keep running if I disconnect is a console serve choice: a local console's runs are cancelled when it exits")

// KeepRunning implements common.Keeper for a console serve session.
func (a execAdapter) KeepRunning(r common.Run, on bool) error {
	s, ok := a.e.(*actions.Session)
	if !ok {
		return errLocalKeep
	}
	ra, ok := r.(runAdapter)
	if !ok {
		return fmt.Errorf("ui: foreign run %T", r)
	}
	return s.KeepRunning(ra.Run, on)
}

// CancelRun implements common.Canceller: through the session in console
// serve (its own runs, an admin's any), directly in a local console.
func (a execAdapter) CancelRun(r common.Run) error {
	ra, ok := r.(runAdapter)
	if !ok {
		return fmt.Errorf("ui: foreign run %T", r)
	}
	if s, ok := a.e.(*actions.Session); ok {
		return s.Cancel(ra.Run)
	}
	ra.Cancel()
	return nil
}

// PastRuns implements common.History: the audit log's attempts that ran
// or were cancelled, newest first.
func (a execAdapter) PastRuns(ctx context.Context, limit int) ([]common.PastRun, error) {
	path := a.e.Options().AuditPath
	if path == "" {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	es, _, err := actions.ReadAudit(path, 0)
	if err != nil {
		return nil, err
	}
	var out []common.PastRun
	for i := len(es) - 1; i >= 0 && len(out) < limit; i-- {
		e := es[i]
		switch e.Result {
		case actions.StatusSucceeded, actions.StatusFailed, actions.StatusCancelled, actions.StatusStarted, actions.StatusLeftRunning:
		default:
			continue // planned, refused: nothing ran
		}
		out = append(out, common.PastRun{ID: e.AuditID, At: e.Time, Who: e.Who, Action: e.Action, Target: e.Target,
			Runner: e.Runner, Plan: e.Plan.Summary, Finished: e.Result != actions.StatusStarted && e.Result != actions.StatusLeftRunning,
			Result: common.RunResult{Status: e.Result, Error: e.Error, Verified: e.Verified, Verify: e.Verify,
				Duration: time.Duration(e.DurationMS) * time.Millisecond}})
	}
	return out, nil
}

// Output implements common.History: the output kept with the audit id.
func (a execAdapter) Output(ctx context.Context, id string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := actions.ReadOutput(a.e.Options().AuditPath, id)
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"), nil
}

// runAdapter adapts *actions.Run to common.Run.
type runAdapter struct{ *actions.Run }

// Result implements common.Run.
func (r runAdapter) Result() common.RunResult { return runResult(r.Run.Result()) }

// runResult is the UI's view of an executor's result.
func runResult(res actions.Result) common.RunResult {
	return common.RunResult{Status: res.Status, Error: res.Error, Verified: res.Verified,
		Verify: res.VerifyMessage, Duration: res.Duration}
}

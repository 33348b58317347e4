package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Terminal is the user's terminal an Interactive action runs attached to.
type Terminal struct {
	In       io.Reader
	Out, Err io.Writer
	// Controlling says In is a terminal allocated for this run (console
	// serve: a pty on the bastion relaying an SSH session) that the
	// command takes as its controlling terminal in a session of its own:
	// the terminal's size changes then reach it as SIGWINCH and its
	// hang-up ends it. False: the console's own terminal, shared with the
	// console's process group.
	Controlling bool
}

// Interactive is implemented by actions that run attached to the user's
// terminal (a shell in a container). They go through the same guards as
// every action — read-only, the user's role, the action's permission
// (Permitter), the preconditions, an audit line when they start and one
// with their outcome — but through Executor.Attach, not Prepare/Start:
// opening one is the confirmation (what changes is typed by the user in
// it), and Prepare refuses them.
type Interactive interface {
	Action
	// Argv is the command run attached to the terminal, built apart from
	// running it (tests assert it exactly).
	Argv() []string
	// RunAttached runs Argv with the terminal until it exits or ctx is
	// done; it returns what the end means in words ("the shell exited
	// with status 0") or why it failed. Progress (not the terminal's
	// traffic, which is never recorded) goes to log.
	RunAttached(ctx context.Context, t Terminal, log io.Writer) (string, error)
}

// Attachment is an Interactive action that passed the guards, ready to run
// attached to the terminal. Its Run/SetStdin/SetStdout/SetStderr are what
// bubbletea's tea.Exec takes: the TUI releases the terminal, Run runs the
// action as a run of the executor (listed, cancelled by Shutdown, audited
// with its exit) and returns when it ends, and the TUI takes the terminal
// back.
type Attachment struct {
	e      *Executor
	id     string
	action Interactive
	spec   Spec
	plan   Plan
	dataAt time.Time
	at     time.Time
	term   Terminal

	mu   sync.Mutex
	used bool
	run  *Run
}

// Attach runs the guards an Interactive action goes through before it is
// handed the terminal: read-only, permission, role, the audit log, the
// data's age, its Check and its preview (the command, audited). A refusal
// is audited and returned wrapped in ErrRefused. dataAt is when the data
// it was chosen from was read (zero: not checked).
func (e *Executor) Attach(ctx context.Context, a Action, dataAt time.Time) (*Attachment, error) {
	return e.attachAs(ctx, Principal{}, a, dataAt)
}

func (e *Executor) attachAs(ctx context.Context, pr Principal, a Action, dataAt time.Time) (*Attachment, error) {
	start := time.Now()
	s := e.spec(a)
	s.Principal = pr
	id := newID()
	// Until the preview names it, the command is what the audit records.
	described := Plan{Summary: s.Description}
	e.mu.Lock()
	closed, closeWhy := e.closed, e.closeWhy
	if !closed {
		e.inflight.Add(1)
	}
	e.mu.Unlock()
	if closed {
		return nil, e.refuse(id, s, described, start, "%s %s: %v", s.Name, s.Target, closeWhy)
	}
	defer e.inflight.Done()
	ctx, stop := e.withBase(ctx)
	defer stop()
	why, err := e.preconditions(ctx, a, s, dataAt)
	if err != nil {
		aerr := e.record(id, s, described, Result{Status: statusFor(ctx, err), Error: err.Error(), Duration: time.Since(start)})
		return nil, withAudit(fmt.Errorf("%s %s: %w", s.Name, s.Target, err), aerr)
	}
	if why != "" {
		return nil, e.refuse(id, s, described, start, "%s %s: %s", s.Name, s.Target, why)
	}
	ia, ok := a.(Interactive)
	if !ok {
		return nil, e.refuse(id, s, described, start, "%s %s: does not run attached to a terminal", s.Name, s.Target)
	}
	plan, err := a.Preview(ctx, io.Discard)
	if err != nil {
		status := statusFor(ctx, err)
		if errors.Is(err, ErrRefused) {
			status = StatusRefused
		}
		aerr := e.record(id, s, described, Result{Status: status, Error: "preview: " + err.Error(), Duration: time.Since(start)})
		return nil, withAudit(fmt.Errorf("%s %s: preview: %w", s.Name, s.Target, err), aerr)
	}
	return &Attachment{e: e, id: id, action: ia, spec: s, plan: plan, dataAt: dataAt, at: start}, nil
}

// ID is the audit id the run will be recorded under.
func (at *Attachment) ID() string { return at.id }

// Spec describes the action.
func (at *Attachment) Spec() Spec { return at.spec }

// Plan is its preview (the command run).
func (at *Attachment) Plan() Plan { return at.plan }

// SetStdin sets the terminal's input.
func (at *Attachment) SetStdin(r io.Reader) { at.term.In = r }

// SetStdout sets the terminal's output.
func (at *Attachment) SetStdout(w io.Writer) { at.term.Out = w }

// SetStderr sets the terminal's error output.
func (at *Attachment) SetStderr(w io.Writer) { at.term.Err = w }

// SetControllingTerminal says the terminal set is one allocated for this
// run, to become the command's controlling terminal (Terminal.Controlling:
// console serve's pty for an SSH session).
func (at *Attachment) SetControllingTerminal(on bool) { at.term.Controlling = on }

// Run re-checks the preconditions, writes the "started" audit line (or
// does not run), runs the action attached to the terminal until it ends
// and writes its outcome (the exit). It returns nil when the run
// succeeded, else its error. An Attachment runs once.
func (at *Attachment) Run() error {
	at.mu.Lock()
	used := at.used
	at.used = true
	at.mu.Unlock()
	if used {
		return fmt.Errorf("%w: %s %s: this attachment already ran", ErrRefused, at.spec.Name, at.spec.Target)
	}
	p := &Pending{id: at.id, action: &attachedRun{Interactive: at.action, term: at.term}, spec: at.spec, plan: at.plan,
		dataAt: at.dataAt, prepared: at.at}
	r, err := at.e.start(at.e.base, p, nil)
	if err != nil {
		return err
	}
	at.mu.Lock()
	at.run = r
	at.mu.Unlock()
	<-r.Done()
	if res := r.Result(); res.Status != StatusSucceeded {
		return errors.New(res.Error)
	}
	return nil
}

// Result is the outcome of the run (Status "running" while it runs; zero
// before Run).
func (at *Attachment) Result() Result {
	at.mu.Lock()
	r := at.run
	at.mu.Unlock()
	if r == nil {
		return Result{}
	}
	return r.Result()
}

// attachedRun is an Interactive action run by the executor's run path with
// the terminal: Run is RunAttached, Verify reports how it ended.
type attachedRun struct {
	Interactive
	term Terminal
	mu   sync.Mutex
	end  string
}

// LockKey implements Locker: the action's own key ("" when it has none:
// keyOf then gives the key of an Interactive action).
func (a *attachedRun) LockKey() string {
	if l, ok := a.Interactive.(Locker); ok {
		return l.LockKey()
	}
	return ""
}

// onOwnTerminal counts the attached runs holding the console's own
// terminal now.
var onOwnTerminal atomic.Int32

// HoldsOwnTerminal reports whether an attached run holds the console's own
// terminal now (Terminal.Controlling false). Its command then shares the
// console's process group, the terminal's foreground, so a ctrl+c typed
// before the command puts the terminal in raw mode (kubectl exec still
// connecting, or hanging) raises SIGINT in both: it is the command's, which
// ends and is audited with how it ended, not a request to quit the console
// and cancel everything else it runs.
func HoldsOwnTerminal() bool { return onOwnTerminal.Load() > 0 }

// Run implements Action.
func (a *attachedRun) Run(ctx context.Context, _ Plan, out io.Writer) error {
	if !a.term.Controlling {
		onOwnTerminal.Add(1)
		defer onOwnTerminal.Add(-1)
	}
	end, err := a.RunAttached(ctx, a.term, out)
	a.mu.Lock()
	a.end = end
	a.mu.Unlock()
	return err
}

// Verify implements Action: how the attached command ended.
func (a *attachedRun) Verify(context.Context) (bool, string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return true, a.end, nil
}

// notAttached refuses an Interactive action on the Prepare/Start path.
const notAttached = "runs attached to a terminal: open it from the console (s on a pod), not as a background run"

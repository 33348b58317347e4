package common

import (
	"context"
	"io"
	"time"

	"github.com/opsconsole/console/actions"
)

// Executor is what the UI needs of actions.Executor (see the adapter in
// package ui); an interface so that views can be tested with a fake.
type Executor interface {
	// ReadOnly reports whether mutating actions are refused, and why.
	ReadOnly() (bool, string)
	// Availability reports whether the action may run now, and if not
	// why: the menu greys it out with this reason and refuses its key.
	Availability(a actions.Action) (bool, string)
	// Prepare runs the read-only steps (check, preview). Call from a tea.Cmd.
	Prepare(ctx context.Context, a actions.Action, dataAt time.Time) (Pending, error)
	// Start checks the confirmation (the answer to each of the pending
	// action's Prompts, more after the first) and runs in the background.
	// Call from a tea.Cmd.
	Start(p Pending, confirmation string, more ...string) (Run, error)
	// Decline records that the user declined a prepared action.
	Decline(p Pending)
	// Runs lists running and past runs, newest first.
	Runs() []Run
	// Attach runs the guards of an action that runs attached to the
	// terminal (actions.Interactive: a shell) and returns it ready to be
	// handed the terminal (tea.Exec), or the refusal, audited. Call from a
	// tea.Cmd.
	Attach(ctx context.Context, a actions.Action, dataAt time.Time) (Attachment, error)
}

// Attachment is an action ready to run attached to the terminal: what
// bubbletea's tea.Exec runs (actions.Attachment).
type Attachment interface {
	// ID is the audit id (and the run's id once it runs).
	ID() string
	Spec() actions.Spec
	Run() error
	SetStdin(io.Reader)
	SetStdout(io.Writer)
	SetStderr(io.Writer)
	// Result is the run's outcome once Run returned.
	Result() RunResult
}

// Pending is a prepared action waiting for confirmation.
type Pending interface {
	Spec() actions.Spec
	Plan() actions.Plan
	Prompt() string
	Matches(input string) bool
	// Prompts are the steps of the confirmation: one, or two for an
	// action that needs a second typed confirmation ("overwrite NAME").
	Prompts() []string
	// MatchesStep reports whether input confirms step i of Prompts.
	MatchesStep(i int, input string) bool
}

// RunResult is the outcome of a finished run.
type RunResult struct {
	Status   string // running, succeeded, failed, refused, cancelled
	Error    string
	Verified bool
	Verify   string
	Duration time.Duration
}

// Run is a started action.
type Run interface {
	ID() string
	Spec() actions.Spec
	Plan() actions.Plan
	Started() time.Time
	Lines() []string
	Updates() <-chan struct{}
	Cancel()
	Done() <-chan struct{}
	// Result is the outcome; Status is "running" until Done is closed.
	Result() RunResult
}

// Keeper is implemented by executors shared between sessions (console
// serve): the owner of a run chooses whether it keeps running when their
// session ends (the connection drops, they quit) instead of being
// cancelled; Close audits the choice.
type Keeper interface {
	// KeepRunning sets the choice for run r of this session; an error
	// when r is another session's or has ended, or the console is local.
	KeepRunning(r Run, on bool) error
}

// Canceller is implemented by executors shared between sessions (console
// serve): a run is cancelled on behalf of the session's user, who may
// cancel their own runs (an admin any), the refusal audited. Without it
// the view cancels the run directly (a local console: every run is the
// user's own).
type Canceller interface {
	CancelRun(r Run) error
}

// CancelRun cancels r on behalf of the user: through exec when it is a
// Canceller (console serve), else directly.
func CancelRun(exec Executor, r Run) error {
	if c, ok := exec.(Canceller); ok {
		return c.CancelRun(r)
	}
	r.Cancel()
	return nil
}

// Kept is implemented by runs that can be left running when their
// session ends (see Keeper).
type Kept interface {
	KeepsRunning() bool
}

// History is implemented by executors whose runs outlive the session:
// the audited attempts of earlier sessions and the output kept with
// their audit id. The Actions view lists them after the session's runs.
type History interface {
	// PastRuns lists the audited attempts that ran or were cancelled,
	// newest first, at most limit. Call from a tea.Cmd.
	PastRuns(ctx context.Context, limit int) ([]PastRun, error)
	// Output returns the output kept for the attempt audited as id, one
	// entry per line (fs.ErrNotExist when none was kept). Call from a
	// tea.Cmd.
	Output(ctx context.Context, id string) ([]string, error)
}

// PastRun is an audited attempt (see History).
type PastRun struct {
	ID       string // the audit id
	At       time.Time
	Who      string
	Action   string
	Target   string
	Runner   string
	Plan     string
	Result   RunResult
	Finished bool // false: the console stopped while it ran ("started" only)
}

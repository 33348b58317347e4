package terraform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers/schedule"
)

// Schedule is a stack's schedule (config `schedule:`): when it is torn
// down and recreated. The console does not run it: it shows it, brings the
// stack up or tears it down now through the executor, and records skips
// (docs/schedule.md).
type Schedule struct {
	Config config.StackSchedule
	Events []schedule.Event
	// Env is the environment the skips are recorded under.
	Env string
	// SkipsPath is the console's record of skipped occurrences
	// (schedule.SkipsPath of the audit log); "" refuses skip-teardown.
	SkipsPath string
	// AuditLog is where the last recreate is read from ("" none).
	AuditLog string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// NewSchedule builds a stack's schedule from its configuration (nil when
// it has none; an error for a bad recurrence or time zone); its skips are
// recorded beside auditLog, its last recreate read from it ("": neither).
func NewSchedule(c *config.StackSchedule, env, auditLog string) (*Schedule, error) {
	if c == nil {
		return nil, nil
	}
	events, err := schedule.StackEvents(c.Teardown, c.Recreate, c.TimeZone)
	if err != nil {
		return nil, err
	}
	sc := &Schedule{Config: *c, Events: events, Env: env}
	if auditLog != "" {
		sc.AuditLog, sc.SkipsPath = auditLog, schedule.SkipsPath(auditLog)
	}
	return sc, nil
}

func (sc *Schedule) now() time.Time {
	if sc.Now != nil {
		return sc.Now()
	}
	return time.Now()
}

// Skips reads the recorded skips of the stack.
func (sc *Schedule) Skips(stack string) ([]schedule.Skip, error) {
	if sc.SkipsPath == "" {
		return nil, nil
	}
	records, err := schedule.ReadSkips(sc.SkipsPath)
	if err != nil {
		return nil, err
	}
	return schedule.SkipsOf(records, sc.Env, stack), nil
}

// ScheduleStatus is the stack's schedule state at now (nil without a
// schedule); actual is whether it has resources (nil: unknown). It reads
// the skips file and the audit log (the last recreate): call it off the UI
// goroutine. An error (a file that cannot be read) comes with the status
// computed without it.
func (s *Stack) ScheduleStatus(now time.Time, actual *bool) (*schedule.Status, error) {
	if s.Schedule == nil {
		return nil, nil
	}
	skips, err := s.Schedule.Skips(s.Name)
	st := schedule.ForStack(s.Name, s.Schedule.Events, now, actual, skips)
	if s.Schedule.AuditLog != "" {
		entries, _, aerr := actions.ReadAudit(s.Schedule.AuditLog, 0)
		if aerr != nil && !errors.Is(aerr, fs.ErrNotExist) {
			err = errors.Join(err, aerr)
		}
		st.LastRecreate = schedule.LastRecreate(entries, s.Schedule.Env, s.Name)
	}
	if err != nil {
		st.Errors = append(st.Errors, err.Error())
	}
	return st, err
}

// BringUp returns the "bring-up" action of a scheduled stack: an apply
// (plan saved, then applied) that builds what a teardown destroyed, now,
// outside the schedule. Mutating (destructive when its plan destroys or
// replaces anything, as an apply).
func (s *Stack) BringUp() *Action {
	a := s.newAction(KindApply, "", "")
	a.name = actions.VerbBringUp
	return a
}

// SkipTeardown returns the action that skips the stack's next scheduled
// teardown: the occurrence is recorded in the console's skips file, and
// the console's views and `inventory --json` show the stack up until the
// teardown after it. The console does not run stack schedules: whatever
// runs them must read the skip (`schedules[].skipped`). Mutating.
func (s *Stack) SkipTeardown() actions.Action {
	k := &skipStack{stack: s}
	return &actions.Steps{Def: actions.Spec{
		Name: actions.VerbSkipTeardown, Target: actions.Ref{Kind: actions.KindStack, Name: s.Name}, Runner: "console",
		Effect: actions.Mutating, Timeout: time.Minute, Description: "skip the next scheduled teardown of stack " + s.Name,
	}, DoCheck: k.check, DoPreview: k.preview, DoRun: k.run, DoVerify: k.verify}
}

type skipStack struct {
	stack *Stack
	at    time.Time
}

func (k *skipStack) check(_ context.Context) error {
	sc := k.stack.Schedule
	if sc == nil {
		return fmt.Errorf("stack %s has no schedule", k.stack.Name)
	}
	if sc.SkipsPath == "" {
		return errors.New("no place to record the skip (the audit log's directory is not known)")
	}
	st, err := k.stack.ScheduleStatus(sc.now(), nil)
	if err != nil {
		return err
	}
	for _, e := range st.Events {
		if e.Name == schedule.EventTeardown && e.Next != nil {
			k.at = *e.Next
			return nil
		}
	}
	return fmt.Errorf("stack %s has no scheduled teardown ahead", k.stack.Name)
}

func (k *skipStack) describe() string {
	sc := k.stack.Schedule
	loc := time.UTC
	if len(sc.Events) > 0 && sc.Events[0].Loc != nil {
		loc = sc.Events[0].Loc
	}
	return fmt.Sprintf("skip stack %s's teardown at %s (%s UTC)", k.stack.Name,
		k.at.In(loc).Format("Mon 2006-01-02 15:04 MST"), k.at.UTC().Format("2006-01-02 15:04"))
}

func (k *skipStack) preview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
	if k.at.IsZero() {
		if err := k.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	text := k.describe() + "\nrecorded in " + k.stack.Schedule.SkipsPath +
		"\nthe console shows the stack up until the teardown after it; the console does not run stack schedules: what runs them must honour the skip (inventory --json: schedules[].skipped)"
	return actions.Plan{Summary: k.describe(), Text: text, Change: 1, Resources: []string{"stack/" + k.stack.Name}}, nil
}

func (k *skipStack) run(_ context.Context, _ actions.Plan, out io.Writer) error {
	sc := k.stack.Schedule
	rec := schedule.SkipRecord{Env: sc.Env, Stack: k.stack.Name, Event: schedule.EventTeardown, At: k.at, Recorded: sc.now().UTC()}
	if err := schedule.AddSkip(sc.SkipsPath, rec, sc.now()); err != nil {
		return err
	}
	fmt.Fprintln(out, "recorded: "+k.describe())
	return nil
}

func (k *skipStack) verify(_ context.Context) (bool, string, error) {
	skips, err := k.stack.Schedule.Skips(k.stack.Name)
	if err != nil {
		return false, "", err
	}
	for _, s := range skips {
		if s.Event == schedule.EventTeardown && s.At.Equal(k.at) {
			return true, "skip recorded for " + k.at.UTC().Format("2006-01-02 15:04") + " UTC", nil
		}
	}
	return false, "the skip is not in " + k.stack.Schedule.SkipsPath, nil
}

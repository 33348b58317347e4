package schedule

import (
	"fmt"
	"time"

	"github.com/opsconsole/console/providers"
)

// Kinds of scheduled objects (Status.Kind).
const (
	KindASG   = "asg"
	KindStack = "stack"
)

// Stack event names: a stack's schedule tears it down and recreates it.
const (
	EventTeardown = "teardown"
	EventRecreate = "recreate"
)

// Status is one scheduled object's schedule and its state at a time: an
// entry of `inventory --json`'s `schedules` (docs/inventory-json.md).
type Status struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Region   string `json:"region,omitempty"`
	TimeZone string `json:"time_zone"`
	// Word is the state: "up" or "down".
	Word string `json:"state"`
	State
	Events []EventInfo `json:"events"`
	// Errors name the events that could not be read (a bad recurrence or
	// time zone); those events are left out of the state.
	Errors []string `json:"errors"`
	// LastRecreate is the last recreate's duration against the target
	// (stacks; nil when none was audited).
	LastRecreate *Recreate `json:"last_recreate,omitempty"`
}

// EventInfo is one event of a schedule as shown.
type EventInfo struct {
	Name       string     `json:"name"`
	Recurrence string     `json:"recurrence,omitempty"`
	TimeZone   string     `json:"time_zone"`
	Up         bool       `json:"up"`
	Start      *time.Time `json:"start_time,omitempty"`
	End        *time.Time `json:"end_time,omitempty"`
	Desired    *int       `json:"desired,omitempty"`
	Min        *int       `json:"min,omitempty"`
	Max        *int       `json:"max,omitempty"`
	// Next is the event's next occurrence (nil: none).
	Next *time.Time `json:"next,omitempty"`
}

// ActionUp reports whether a scheduled action brings its group up: it is
// down when it leaves the group no instance (desired 0, or max 0), up
// otherwise.
func ActionUp(a providers.ScheduledAction) bool {
	if a.Desired != nil {
		return *a.Desired > 0
	}
	if a.Max != nil && *a.Max == 0 {
		return false
	}
	return true
}

// location loads a time zone name ("" is UTC).
func location(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", clip(name), err)
	}
	return loc, nil
}

// GroupEvents converts a group's scheduled actions into events; errs names
// those that could not be read.
func GroupEvents(actions []providers.ScheduledAction) (events []Event, errs []string) {
	for _, a := range actions {
		e := Event{Name: a.Name, Up: ActionUp(a)}
		if a.Start != nil {
			e.Start = *a.Start
		}
		if a.End != nil {
			e.End = *a.End
		}
		loc, err := location(a.TimeZone)
		if err != nil {
			errs = append(errs, a.Name+": "+err.Error())
			continue
		}
		e.Loc = loc
		if a.Recurrence != "" {
			if e.Cron, err = Parse(a.Recurrence); err != nil {
				errs = append(errs, a.Name+": "+err.Error())
				continue
			}
		}
		events = append(events, e)
	}
	return events, errs
}

// ForGroup returns an autoscaling group's schedule state at now, or nil
// when it has no scheduled action. The group is up when its desired
// capacity is above 0.
func ForGroup(g providers.AutoscalingGroup, now time.Time) *Status {
	if len(g.ScheduledActions) == 0 {
		return nil
	}
	events, errs := GroupEvents(g.ScheduledActions)
	actual := g.Desired > 0
	st := status(KindASG, g.Name, events, now, &actual, nil, errs)
	st.Region = g.Region
	for i := range st.Events {
		for _, a := range g.ScheduledActions {
			if a.Name == st.Events[i].Name {
				st.Events[i].Start, st.Events[i].End = a.Start, a.End
				st.Events[i].Desired, st.Events[i].Min, st.Events[i].Max = a.Desired, a.Min, a.Max
			}
		}
	}
	return st
}

// StackEvents builds a stack's events from its config: the teardown and
// recreate recurrences in the time zone ("" is UTC).
func StackEvents(teardown, recreate, tz string) ([]Event, error) {
	loc, err := location(tz)
	if err != nil {
		return nil, err
	}
	var events []Event
	for _, e := range []struct {
		name, expr string
		up         bool
	}{{EventRecreate, recreate, true}, {EventTeardown, teardown, false}} {
		if e.expr == "" {
			continue
		}
		c, err := Parse(e.expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		events = append(events, Event{Name: e.name, Cron: c, Loc: loc, Up: e.up})
	}
	return events, nil
}

// ForStack returns a stack's schedule state at now: actual is whether it
// has resources (nil: unknown, the schedule says), skips the occurrences
// the console was told to skip.
func ForStack(name string, events []Event, now time.Time, actual *bool, skips []Skip) *Status {
	return status(KindStack, name, events, now, actual, skips, nil)
}

func status(kind, name string, events []Event, now time.Time, actual *bool, skips []Skip, errs []string) *Status {
	st := &Status{Kind: kind, Name: name, TimeZone: "UTC", State: Compute(events, now, actual, skips), Events: []EventInfo{}, Errors: errs}
	if st.Errors == nil {
		st.Errors = []string{}
	}
	if len(events) > 0 && events[0].Loc != nil {
		st.TimeZone = events[0].Loc.String()
	}
	st.Word = "down"
	if st.Up {
		st.Word = "up"
	}
	for _, e := range events {
		info := EventInfo{Name: e.Name, Up: e.Up, TimeZone: "UTC"}
		if e.Loc != nil {
			info.TimeZone = e.Loc.String()
		}
		if e.Cron != nil {
			info.Recurrence = e.Cron.String()
		}
		if n, ok := nextNotSkipped(e, now, skips); ok {
			info.Next = &n
		}
		st.Events = append(st.Events, info)
	}
	return st
}

func nextNotSkipped(e Event, now time.Time, skips []Skip) (time.Time, bool) {
	t := now
	for range maxLookahead {
		n, ok := e.Next(t)
		if !ok {
			return n, false
		}
		skipped := false
		for _, s := range skips {
			skipped = skipped || (s.Event == e.Name && s.At.Equal(n))
		}
		if !skipped {
			return n, true
		}
		t = n
	}
	return time.Time{}, false
}

// Recreate is how long the last recreate of a stack took against a target
// (the seed's "entirely new infrastructure in 10 minutes").
type Recreate struct {
	AuditID  string        `json:"audit_id"`
	Action   string        `json:"action"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"duration_seconds"`
	Target   float64       `json:"target_seconds"`
	Within   bool          `json:"within_target"`
}

// RecreateTarget is the seed's target for recreating an environment.
const RecreateTarget = 10 * time.Minute

// Words says the recreate against its target: "last recreate 6m12s (target
// 10m: within)".
func (r Recreate) Words() string {
	verdict := "within"
	if !r.Within {
		verdict = "over by " + (r.Duration - time.Duration(r.Target*float64(time.Second))).Round(time.Second).String()
	}
	return fmt.Sprintf("last recreate %s (target %s: %s)", r.Duration.Round(time.Second), time.Duration(r.Target*float64(time.Second)), verdict)
}

// NextAction returns the scheduled action in direction up whose next
// occurrence after now is soonest, with that occurrence; ok is false when
// none is ahead.
func NextAction(list []providers.ScheduledAction, up bool, now time.Time) (providers.ScheduledAction, time.Time, bool) {
	events, _ := GroupEvents(list)
	var best providers.ScheduledAction
	var at time.Time
	for _, e := range events {
		n, ok := e.Next(now)
		if !ok || e.Up != up || (!at.IsZero() && !n.Before(at)) {
			continue
		}
		for _, a := range list {
			if a.Name == e.Name {
				best, at = a, n
			}
		}
	}
	return best, at, !at.IsZero()
}

package schedule

import (
	"fmt"
	"time"
)

// Event is one scheduled change of an object: an autoscaling group's
// scheduled action or a stack's teardown/recreate.
type Event struct {
	// Name is the scheduled action's name (teardown/recreate for a stack).
	Name string
	// Cron is the recurrence; nil for a one-off event at Start.
	Cron *Cron
	// Loc is the recurrence's time zone (nil: UTC).
	Loc *time.Location
	// Start: a one-off event's time; for a recurring event, no occurrence
	// before it (AWS runs the action at StartTime, then on the recurrence).
	Start time.Time
	// End: no occurrence after it (zero: none).
	End time.Time
	// Up is true when the event brings the object up (a desired capacity
	// above 0, a stack's recreate), false when it takes it down.
	Up bool
}

// Next returns the event's first occurrence strictly after t.
func (e Event) Next(t time.Time) (time.Time, bool) {
	var n time.Time
	switch {
	case e.Cron == nil:
		if e.Start.IsZero() || !e.Start.After(t) {
			return time.Time{}, false
		}
		n = e.Start
	case !e.Start.IsZero() && e.Start.After(t):
		n = e.Start // AWS performs the action at StartTime, then on the recurrence
	default:
		var ok bool
		if n, ok = e.Cron.Next(t, e.Loc); !ok {
			return time.Time{}, false
		}
	}
	if !e.End.IsZero() && n.After(e.End) {
		return time.Time{}, false
	}
	return n, true
}

// Prev returns the event's last occurrence at or before t. For a recurring
// event StartTime is not a bound into the past: AWS moves a recurring
// action's StartTime forward as it runs, so it says nothing about the past.
func (e Event) Prev(t time.Time) (time.Time, bool) {
	if !e.End.IsZero() && t.After(e.End) {
		t = e.End
	}
	if e.Cron == nil {
		if e.Start.IsZero() || e.Start.After(t) {
			return time.Time{}, false
		}
		return e.Start, true
	}
	return e.Cron.Prev(t, e.Loc)
}

// Occurrence is one event at one time.
type Occurrence struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
	Up    bool      `json:"up"`
}

// Skip is a skipped occurrence: the event named Event does not run At.
type Skip struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
}

// State is what a schedule says about an object at one time.
type State struct {
	// Up is the object's state: its actual state when known, else the
	// schedule's.
	Up bool `json:"up"`
	// Scheduled is what the schedule alone says (the direction of the last
	// occurrence); OutsideSchedule is true when the actual state differs.
	Scheduled       bool `json:"scheduled_up"`
	OutsideSchedule bool `json:"outside_schedule"`
	// Last is the last occurrence (nil: none yet).
	Last *Occurrence `json:"last,omitempty"`
	// Change is the next occurrence that changes the state (the next
	// down when up, the next up when down); nil when none is scheduled.
	Change *Occurrence `json:"next_change,omitempty"`
	// Next is the next occurrence of any event (nil: none).
	Next *Occurrence `json:"next,omitempty"`
	// Skipped are the skips still ahead (the occurrence is not counted).
	Skipped []Skip `json:"skipped"`
	// Text is the state in words ("down until Mon 07:00").
	Text string `json:"text"`
}

// maxLookahead bounds the occurrences scanned for the next change.
const maxLookahead = 64

// Compute returns the state at now. actual is the object's known state
// (nil: unknown, the schedule's is used); occurrences in skips do not count.
func Compute(events []Event, now time.Time, actual *bool, skips []Skip) State {
	skipped := func(name string, at time.Time) bool {
		for _, s := range skips {
			if s.Event == name && s.At.Equal(at) {
				return true
			}
		}
		return false
	}
	var st State
	for _, s := range skips {
		if s.At.After(now) {
			st.Skipped = append(st.Skipped, s)
		}
	}
	if st.Skipped == nil {
		st.Skipped = []Skip{}
	}
	// the last occurrence that was not skipped
	for _, e := range events {
		t := now
		for range maxLookahead {
			p, ok := e.Prev(t)
			if !ok {
				break
			}
			if skipped(e.Name, p) {
				t = p.Add(-time.Minute)
				continue
			}
			if st.Last == nil || p.After(st.Last.At) {
				st.Last = &Occurrence{Event: e.Name, At: p, Up: e.Up}
			}
			break
		}
	}
	st.Scheduled = st.Last == nil || st.Last.Up
	st.Up = st.Scheduled
	if actual != nil {
		st.Up = *actual
		st.OutsideSchedule = st.Last != nil && st.Up != st.Scheduled
	}
	// the next occurrences, in time order, skipping what is skipped
	cursor := make([]time.Time, len(events))
	for i := range cursor {
		cursor[i] = now
	}
	for range maxLookahead {
		best := -1
		var bestAt time.Time
		for i, e := range events {
			n, ok := e.Next(cursor[i])
			if ok && (best < 0 || n.Before(bestAt)) {
				best, bestAt = i, n
			}
		}
		if best < 0 {
			break
		}
		cursor[best] = bestAt
		e := events[best]
		if skipped(e.Name, bestAt) {
			continue
		}
		o := &Occurrence{Event: e.Name, At: bestAt, Up: e.Up}
		if st.Next == nil {
			st.Next = o
		}
		if e.Up != st.Up {
			st.Change = o
			break
		}
	}
	st.Text = st.words(now, events)
	return st
}

func (st State) words(now time.Time, events []Event) string {
	loc := time.UTC
	if len(events) > 0 && events[0].Loc != nil {
		loc = events[0].Loc
	}
	var s string
	switch {
	case st.Up && st.Change != nil:
		s = "up, tears down " + In(st.Change.At.Sub(now))
	case st.Up:
		s = "up, no teardown scheduled"
	case st.Change != nil:
		s = "down until " + When(st.Change.At, now, loc)
	default:
		s = "down, no bring-up scheduled"
	}
	if st.OutsideSchedule {
		s += " (off schedule)"
	}
	if len(st.Skipped) > 0 {
		s += fmt.Sprintf(" (%d skipped)", len(st.Skipped))
	}
	return s
}

// In says how far ahead d is: "in 45 min", "in 3 h", "in 4 d".
func In(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "in under a minute"
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("in %d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("in %d d", int(d/(24*time.Hour)))
	}
}

// When names a time ahead in loc: "Mon 07:00" within the next six days,
// else "Jan 2 07:00".
func When(t, now time.Time, loc *time.Location) string {
	lt := t.In(loc)
	if t.Sub(now) < 6*24*time.Hour {
		return lt.Format("Mon 15:04")
	}
	return lt.Format("Jan 2 15:04")
}

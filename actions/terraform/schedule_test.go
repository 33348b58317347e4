package terraform

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers/schedule"
)

// TestStackSchedule: a stack with a `schedule:` (teardown Friday 20:00,
// recreate Monday 07:00, Europe/Berlin) is offered bring-up and
// skip-teardown; teardown (destructive: the stack's name typed) and
// bring-up run through the executor with the lab's terraform
// (terraform_data); the skip is recorded and honoured in the state; the
// last recreate is read back from the audit log against the 10-minute
// target.
func TestStackSchedule(t *testing.T) {
	s := newStack(t, threeResources)
	e, auditPath := newExecutor(t, false)
	// Thursday 3 Dec 2026 12:00 UTC
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	sc, err := NewSchedule(&config.StackSchedule{Teardown: "0 20 * * FRI", Recreate: "0 7 * * MON", TimeZone: "Europe/Berlin"},
		"test", auditPath)
	if err != nil {
		t.Fatal(err)
	}
	sc.Now = func() time.Time { return clock }
	s.Schedule = sc

	as := Stacks{s}.Offer(actions.Ref{Kind: actions.KindStack, Name: "lab"})
	var verbs []string
	for _, a := range as {
		verbs = append(verbs, string(a.Spec().Name))
	}
	if strings.Join(verbs, ",") != "plan,apply,teardown,recreate,bring-up,skip-teardown" {
		t.Fatalf("offered %v", verbs)
	}
	if as := (Stacks{newStack(t, threeResources)}).Offer(actions.Ref{Kind: actions.KindStack, Name: "lab"}); len(as) != 4 {
		t.Errorf("a stack without a schedule offered %d actions", len(as))
	}

	// bring up (the state is empty: everything is created)
	up := s.BringUp()
	if up.Spec().Name != actions.VerbBringUp || !strings.HasPrefix(up.Spec().Description, "bring the stack up now: ") {
		t.Errorf("spec %+v", up.Spec())
	}
	res := mustSucceed(t, e, up)
	if res.Plan.Add != 3 || len(ids(t, s)) != 3 {
		t.Errorf("bring-up: plan %+v, state %v", res.Plan, ids(t, s))
	}
	yes := true
	st, err := s.ScheduleStatus(clock, &yes)
	if err != nil || st.Text != "up, tears down in 31 h" || st.Change == nil || !st.Change.At.Equal(time.Date(2026, 12, 4, 19, 0, 0, 0, time.UTC)) {
		t.Errorf("status %+v %v", st, err)
	}

	// skip the next teardown: recorded, shown
	skip := s.SkipTeardown()
	p, err := e.Prepare(context.Background(), skip, clock)
	if err != nil {
		t.Fatal(err)
	}
	if p.Plan().Summary != "skip stack lab's teardown at Fri 2026-12-04 20:00 CET (2026-12-04 19:00 UTC)" || p.Prompt() != "press y to confirm" ||
		!strings.Contains(p.Plan().Text, "does not run stack schedules") {
		t.Errorf("skip plan %+v prompt %q", p.Plan(), p.Prompt())
	}
	run, err := e.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	<-run.Done()
	if r := run.Result(); r.Status != actions.StatusSucceeded || !r.Verified {
		t.Fatalf("skip: %+v", r)
	}
	st, err = s.ScheduleStatus(clock, &yes)
	if err != nil || st.Text != "up, tears down in 8 d (1 skipped)" || len(st.Skipped) != 1 {
		t.Errorf("after the skip: %+v %v", st, err)
	}
	// a second skip skips the teardown after
	mustSucceed(t, e, s.SkipTeardown())
	if st, _ = s.ScheduleStatus(clock, &yes); st.Change == nil || !st.Change.At.Equal(time.Date(2026, 12, 18, 19, 0, 0, 0, time.UTC)) {
		t.Errorf("after two skips: %+v", st.Change)
	}

	// tear down now: destructive, the stack's name typed
	td := s.Teardown()
	p, err = e.Prepare(context.Background(), td, clock)
	if err != nil {
		t.Fatal(err)
	}
	if p.Prompt() != "type lab to confirm" {
		t.Errorf("teardown prompt %q", p.Prompt())
	}
	e.Decline(p)
	mustSucceed(t, e, s.Teardown())
	if len(ids(t, s)) != 0 {
		t.Errorf("after teardown: %v", ids(t, s))
	}
	no := false
	if st, _ = s.ScheduleStatus(clock, &no); st.Text != "down until Mon 07:00 (off schedule) (2 skipped)" {
		t.Errorf("torn down: %q", st.Text)
	}

	// the last recreate (the bring-up) against the 10-minute target
	mustSucceed(t, e, s.BringUp())
	entries := auditLines(t, auditPath)
	rc := schedule.LastRecreate(entries, "test", "lab")
	if rc == nil || rc.Action != "bring-up" || rc.Duration <= 0 || !rc.Within || rc.Target != 600 {
		t.Fatalf("last recreate %+v", rc)
	}
	last := entries[0]
	for _, en := range entries {
		if en.Action == "bring-up" && en.Time.After(last.Time) {
			last = en
		}
	}
	if rc.AuditID != last.AuditID || rc.Duration != time.Duration(last.DurationMS)*time.Millisecond {
		t.Errorf("last recreate %+v, want the newest bring-up %+v", rc, last)
	}
	if st, err := s.ScheduleStatus(clock, nil); err != nil || st.LastRecreate == nil || st.LastRecreate.AuditID != rc.AuditID {
		t.Errorf("the status's last recreate: %+v %v", st, err)
	}
	if w := rc.Words(); !strings.HasPrefix(w, "last recreate ") || !strings.HasSuffix(w, "(target 10m0s: within)") {
		t.Errorf("words %q", w)
	}
	// a skip without a place to record it is refused
	s.Schedule.SkipsPath = ""
	if r := e.Execute(context.Background(), s.SkipTeardown(), true, io.Discard); r.Status != actions.StatusRefused {
		t.Errorf("skip without a skips file: %+v", r)
	}
}

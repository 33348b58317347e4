package aws

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
)

func groupSizes(t *testing.T, ctx context.Context, m *lab.AWSEndpoint, region, name string) sizes {
	t.Helper()
	out, err := autoscaling.NewFromConfig(m.Config(ctx, region)).DescribeAutoScalingGroups(ctx,
		&autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("describe %s: %v", name, err)
	}
	g := out.AutoScalingGroups[0]
	return sizes{int(*g.MinSize), int(*g.DesiredCapacity), int(*g.MaxSize)}
}

func findGroup(inv *providers.Inventory, name string) *providers.AutoscalingGroup {
	for i := range inv.AutoscalingGroups {
		if inv.AutoscalingGroups[i].Name == name {
			return &inv.AutoscalingGroups[i]
		}
	}
	return nil
}

// TestScheduleAgainstMoto reads the lab's dev schedule (lab.SeedAWS puts
// the ASG's scheduled actions through the SDK), computes its state for a
// fixed clock, and runs bring-up, teardown and skip-teardown through the
// executor, checking the group's sizes and scheduled actions in moto.
func TestScheduleAgainstMoto(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 4*time.Minute)
	const region = "us-east-1"
	est, err := lab.SeedAWS(ctx, []sdkaws.Config{m.Config(ctx, region)}, lab.AWSSeedOptions{AZs: 1, InstancesPerAZ: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := est.Regions[0]
	// Saturday 5 Dec 2026 10:00 UTC: after Friday's 20:00 Berlin teardown,
	// before Monday's 07:00 bring-up (06:00 UTC).
	clock := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	p := newTestProvider(t, m, []string{region}, func(o *Options) { o.Now = func() time.Time { return clock } })
	inv, _, err := p.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g := findGroup(inv, r.ASG)
	if g == nil || len(g.ScheduledActions) != 2 {
		t.Fatalf("group %s: %+v", r.ASG, g)
	}
	down, up := g.ScheduledActions[0], g.ScheduledActions[1] // by name: weekday-up < weekend-down
	if up.Name != r.ScheduleUp {
		down, up = up, down
	}
	if up.Recurrence != lab.LabScheduleUp || up.TimeZone != lab.LabScheduleZone || up.Desired == nil || *up.Desired != r.ScheduleUpDesired ||
		up.Min == nil || *up.Min != 1 || down.Recurrence != lab.LabScheduleDown || down.Desired == nil || *down.Desired != 0 || down.Max != nil {
		t.Errorf("scheduled actions read: up %+v down %+v", up, down)
	}

	t.Run("state for a fixed clock", func(t *testing.T) {
		st := schedule.ForGroup(*g, clock) // the group runs 2 instances: up, outside its schedule
		if st.Word != "up" || !st.OutsideSchedule || st.Scheduled || st.Last == nil || st.Last.Event != r.ScheduleDown ||
			st.Change == nil || !st.Change.At.Equal(time.Date(2026, 12, 11, 19, 0, 0, 0, time.UTC)) {
			t.Errorf("state %+v", st)
		}
		if st.Text != "up, tears down in 6 d (off schedule)" {
			t.Errorf("text %q", st.Text)
		}
		down := *g
		down.Desired = 0
		if st := schedule.ForGroup(down, clock); st.Text != "down until Mon 07:00" || st.OutsideSchedule {
			t.Errorf("a group at 0 on Saturday: %q", st.Text)
		}
	})

	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	ex, err := actions.NewExecutor(actions.Options{Env: "test", AuditPath: audit, Identity: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	ref := actions.Ref{Kind: actions.KindASG, Region: region, Name: r.ASG}
	as := p.Offer(ref)
	for _, v := range []actions.Verb{actions.VerbBringUp, actions.VerbTeardown, actions.VerbSkipTeardown} {
		if offered(as, v) == nil {
			t.Fatalf("%s not offered on %s: %v", v, r.ASG, as)
		}
	}

	t.Run("teardown now: destructive, the down sizes", func(t *testing.T) {
		before := groupSizes(t, ctx, m, region, r.ASG)
		pend, err := ex.Prepare(ctx, offered(as, actions.VerbTeardown), clock)
		if err != nil {
			t.Fatal(err)
		}
		plan := pend.Plan()
		want := "UpdateAutoScalingGroup AutoScalingGroupName=" + r.ASG + " MinSize=0 MaxSize=" + strconv.Itoa(before.max) + " DesiredCapacity=0"
		if len(plan.Calls) != 1 || !strings.Contains(plan.Calls[0], want) || pend.Prompt() != "type "+r.ASG+" to confirm" ||
			plan.Summary != r.ASG+" desired "+strconv.Itoa(before.desired)+" → 0, min 0 → 0, max "+strconv.Itoa(before.max)+" → "+strconv.Itoa(before.max) {
			t.Errorf("plan %+v prompt %q", plan, pend.Prompt())
		}
		run, err := ex.Start(pend, r.ASG)
		if err != nil {
			t.Fatal(err)
		}
		if res := waitRun(t, ctx, run); res.Status != actions.StatusSucceeded || !res.Verified {
			t.Errorf("result %+v", res)
		}
		if got := groupSizes(t, ctx, m, region, r.ASG); got != (sizes{0, 0, before.max}) {
			t.Errorf("after teardown: %s", got)
		}
	})

	t.Run("bring up now: the next up action's sizes", func(t *testing.T) {
		res := ex.Execute(ctx, p.ScheduleSize(region, r.ASG, true), true, nil)
		n := r.ScheduleUpDesired
		if res.Status != actions.StatusSucceeded || !res.Verified || res.Plan.Summary != r.ASG+" desired 0 → "+strconv.Itoa(n)+", min 0 → 1, max "+strconv.Itoa(3*n)+" → "+strconv.Itoa(3*n) {
			t.Errorf("result %+v", res)
		}
		if got := groupSizes(t, ctx, m, region, r.ASG); got != (sizes{1, n, 3 * n}) {
			t.Errorf("after bring-up: %s", got)
		}
		// the scheduled actions are untouched
		inv, _, err := p.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g := findGroup(inv, r.ASG); g == nil || len(g.ScheduledActions) != 2 || g.ScheduledActions[0].Start != nil && g.ScheduledActions[0].Start.After(clock.Add(7*24*time.Hour)) {
			t.Errorf("scheduled actions after bring-up: %+v", g)
		}
	})

	t.Run("skip the next teardown", func(t *testing.T) {
		pend, err := ex.Prepare(ctx, p.SkipTeardown(region, r.ASG), clock)
		if err != nil {
			t.Fatal(err)
		}
		plan := pend.Plan()
		if !strings.Contains(plan.Calls[0], "PutScheduledUpdateGroupAction AutoScalingGroupName="+r.ASG+" ScheduledActionName="+r.ScheduleDown) ||
			!strings.Contains(plan.Calls[0], "StartTime=2026-12-18T19:00:00Z") || !strings.Contains(plan.Summary, "2026-12-11 19:00") {
			t.Errorf("plan %+v", plan)
		}
		run, err := ex.Start(pend, "y")
		if err != nil {
			t.Fatal(err)
		}
		if res := waitRun(t, ctx, run); res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.VerifyMessage, "2026-12-18 19:00") {
			t.Errorf("result %+v", res)
		}
		inv, _, err := p.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g := findGroup(inv, r.ASG)
		st := schedule.ForGroup(*g, clock)
		if st.Change == nil || !st.Change.At.Equal(time.Date(2026, 12, 18, 19, 0, 0, 0, time.UTC)) || st.Word != "up" {
			t.Errorf("after the skip: %+v", st)
		}
		for _, a := range g.ScheduledActions {
			if a.Name == r.ScheduleDown && (a.Recurrence != lab.LabScheduleDown || a.TimeZone != lab.LabScheduleZone || a.Desired == nil || *a.Desired != 0) {
				t.Errorf("the skipped action changed more than its start: %+v", a)
			}
		}
	})

	entries, _, err := actions.ReadAudit(audit, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range entries {
		seen[e.Action] = e.Result
	}
	for _, v := range []string{"teardown", "bring-up", "skip-teardown"} {
		if seen[v] != "succeeded" {
			t.Errorf("audit of %s: %q (%v)", v, seen[v], seen)
		}
	}
}

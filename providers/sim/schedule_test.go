package sim

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

func demoGroup(t *testing.T, s *Sim, name string) providers.AutoscalingGroup {
	t.Helper()
	for _, g := range providers.Merge(s.Snapshot()).AutoscalingGroups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no group %s", name)
	return providers.AutoscalingGroup{}
}

// TestDemoSchedule: the demo's scheduled group answers bring-up, teardown
// and skip-teardown through the executor, as AWS's does.
func TestDemoSchedule(t *testing.T) {
	s := newTest(t, Options{})
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	const name = "demo-use1-workers"
	ref := actions.Ref{Kind: actions.KindASG, Region: "us-east-1", Name: name}
	before := demoGroup(t, s, name)
	if len(before.ScheduledActions) != 2 {
		t.Fatalf("scheduled actions %+v", before.ScheduledActions)
	}
	if as := s.Offer(actions.Ref{Kind: actions.KindASG, Name: "demo-euw1-workers"}); offeredVerb(as, actions.VerbBringUp) {
		t.Error("a group without a schedule offered bring-up")
	}
	ctx := context.Background()

	td := offered(s, ref, actions.VerbTeardown)
	if td == nil || td.Spec().Effect != actions.Destructive {
		t.Fatalf("teardown %v", td)
	}
	res := ex.Execute(ctx, td, true, io.Discard)
	after := demoGroup(t, s, name)
	if res.Status != actions.StatusSucceeded || !res.Verified || after.Desired != 0 || after.Min != 0 || after.Max != before.Max {
		t.Fatalf("teardown: %+v, group %+v", res, after)
	}
	res = ex.Execute(ctx, offered(s, ref, actions.VerbBringUp), true, io.Discard)
	after = demoGroup(t, s, name)
	if res.Status != actions.StatusSucceeded || !res.Verified || after.Desired != before.Desired || after.Min != before.Min ||
		!strings.Contains(res.Plan.Summary, "desired 0 → ") {
		t.Fatalf("bring-up: %+v, group %+v", res, after)
	}
	res = ex.Execute(ctx, offered(s, ref, actions.VerbSkipTeardown), true, io.Discard)
	after = demoGroup(t, s, name)
	var start *time.Time
	for _, a := range after.ScheduledActions {
		if strings.HasSuffix(a.Name, "-weekend-down") {
			start = a.Start
		}
	}
	if res.Status != actions.StatusSucceeded || !res.Verified || start == nil || start.Before(time.Now().Add(7*24*time.Hour-time.Hour)) {
		t.Fatalf("skip: %+v, start %v", res, start)
	}
}

func offeredVerb(as []actions.Action, v actions.Verb) bool {
	for _, a := range as {
		if a.Spec().Name == v {
			return true
		}
	}
	return false
}

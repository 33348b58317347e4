package aws

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

func mustPreview(t testing.TB, ctx context.Context, a actions.Action) actions.Plan {
	t.Helper()
	if err := a.Check(ctx); err != nil {
		t.Fatalf("check %s: %v", a.Spec().Name, err)
	}
	plan, err := a.Preview(ctx, new(strings.Builder))
	if err != nil {
		t.Fatalf("preview %s: %v", a.Spec().Name, err)
	}
	return plan
}

func offered(as []actions.Action, name actions.Verb) actions.Action {
	for _, a := range as {
		if a.Spec().Name == name {
			return a
		}
	}
	return nil
}

func waitRun(t *testing.T, ctx context.Context, r *actions.Run) actions.Result {
	t.Helper()
	select {
	case <-r.Done():
		return r.Result()
	case <-ctx.Done():
		t.Fatalf("run %s did not finish", r.ID())
	}
	return actions.Result{}
}

func desiredOf(t *testing.T, ctx context.Context, m *lab.AWSEndpoint, region, name string) int {
	t.Helper()
	out, err := autoscaling.NewFromConfig(m.Config(ctx, region)).DescribeAutoScalingGroups(ctx,
		&autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("describe %s: %v", name, err)
	}
	return int(*out.AutoScalingGroups[0].DesiredCapacity)
}

// TestActionsThroughExecutor runs every AWS action through the executor:
// offer, preview, confirmation, run, verification and audit.
func TestActionsThroughExecutor(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 4*time.Minute)
	s := seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 3, Aurora: true, Bastion: true})["us-east-1"]
	p := newTestProvider(t, m, []string{"us-east-1"}, nil)
	if _, _, err := p.Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	ex, err := actions.NewExecutor(actions.Options{Env: "test", AuditPath: audit, Identity: "tester"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("offers", func(t *testing.T) {
		if as := p.Offer(actions.Ref{Kind: "instance", Region: "us-east-1", Name: s.Bastion}); len(as) != 0 {
			t.Errorf("bastion (no ASG) offered %d actions", len(as))
		}
		as := p.Offer(actions.Ref{Kind: "instance", Region: "us-east-1", Name: s.WebInstances[0]})
		if offered(as, ActTerminate) == nil || offered(as, ActTerminateDecrement) == nil || len(as) != 2 {
			t.Errorf("instance offers %v", as)
		}
		for _, a := range as {
			if a.Spec().Effect != actions.Destructive || a.Spec().Runner != "aws" {
				t.Errorf("%s: effect %s runner %s", a.Spec().Name, a.Spec().Effect, a.Spec().Runner)
			}
		}
		as = p.Offer(actions.Ref{Kind: "database", Region: "us-east-1", Name: "orders"})
		for _, n := range []actions.Verb{ActFailover, ActSnapshot, ActRestore} {
			if offered(as, n) == nil {
				t.Errorf("database offers lack %s", n)
			}
		}
		// the failover asks which reader becomes the writer: the readers, not the writer
		if fo := offered(as, ActFailover); fo != nil {
			ps := actions.ParamsOf(fo)
			var got []string
			for _, c := range ps[0].Choices {
				got = append(got, c.Value)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(s.Readers))
			if len(ps) != 1 || ps[0].Name != "member" || !slices.Equal(got, want) || !slices.Contains(want, ps[0].Value) {
				t.Errorf("failover parameters %+v, want the readers %v", ps, want)
			}
			if err := actions.SetParam(fo, "member", s.Writer); !errors.Is(err, actions.ErrBadParam) {
				t.Errorf("the writer was accepted as the failover's target: %v", err)
			}
			if err := actions.SetParam(fo, "member", s.Readers[0]); err != nil || !strings.HasSuffix(fo.Spec().Description, "promoting reader "+s.Readers[0]) {
				t.Errorf("choosing reader %s: %v, %q", s.Readers[0], err, fo.Spec().Description)
			}
		}
		if as := p.Offer(actions.Ref{Kind: "member", Namespace: "orders", Name: s.Writer}); len(as) != 0 {
			t.Errorf("the writer offered %d actions", len(as))
		}
		if as := p.Offer(actions.Ref{Kind: "pod", Name: "x"}); len(as) != 0 {
			t.Errorf("pod offered %d actions", len(as))
		}
	})

	t.Run("set desired capacity: preview, y, verify, audit", func(t *testing.T) {
		as := p.Offer(actions.Ref{Kind: "asg", Region: "us-east-1", Name: "web"})
		if len(as) != 1 {
			t.Fatalf("asg offers %d actions", len(as))
		}
		ps := actions.ParamsOf(as[0])
		if len(ps) != 1 || ps[0].Name != "desired" || ps[0].Current != "3" || ps[0].Value != "4" || ps[0].Min != 1 || ps[0].Max != 6 {
			t.Errorf("the desired capacity parameter: %+v", ps)
		}
		if err := actions.SetParam(as[0], "desired", "99"); !errors.Is(err, actions.ErrBadParam) {
			t.Errorf("a desired capacity above the group's max was accepted: %v", err)
		}
		a := as[0] // desired+1
		pend, err := ex.Prepare(ctx, a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		plan := pend.Plan()
		if plan.Summary != "web desired capacity 3 → 4" || len(plan.Calls) != 1 || !strings.Contains(plan.Calls[0], "SetDesiredCapacity") ||
			!strings.Contains(plan.Calls[0], "DesiredCapacity=4") || pend.Prompt() != "press y to confirm" {
			t.Errorf("plan %+v prompt %q", plan, pend.Prompt())
		}
		r, err := ex.Start(pend, "y")
		if err != nil {
			t.Fatal(err)
		}
		res := waitRun(t, ctx, r)
		if res.Status != actions.StatusSucceeded || !res.Verified || desiredOf(t, ctx, m, "us-east-1", "web") != 4 {
			t.Errorf("result %+v", res)
		}
		// Out of range: refused by Check.
		res = ex.Execute(ctx, p.SetDesiredCapacity("us-east-1", "web", 99), true, nil)
		if res.Status != actions.StatusRefused || !strings.Contains(res.Error, "outside") {
			t.Errorf("out of range: %+v", res)
		}
		// Declined: nothing changes.
		pend, err = ex.Prepare(ctx, p.SetDesiredCapacity("us-east-1", "web", 2), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ex.Decline(pend)
		if d := desiredOf(t, ctx, m, "us-east-1", "web"); d != 4 {
			t.Errorf("declined action changed desired to %d", d)
		}
	})

	t.Run("terminate keeps capacity", func(t *testing.T) {
		before := desiredOf(t, ctx, m, "us-east-1", "web")
		a := p.TerminateInstance("us-east-1", s.WebInstances[0], false)
		pend, err := ex.Prepare(ctx, a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if pend.Prompt() != "type "+s.WebInstances[0]+" to confirm" || !strings.Contains(pend.Plan().Calls[0], "ShouldDecrementDesiredCapacity=false") {
			t.Errorf("prompt %q plan %+v", pend.Prompt(), pend.Plan())
		}
		if _, err := ex.Start(pend, "y"); !errors.Is(err, actions.ErrRefused) {
			t.Fatalf("destructive action started with 'y': %v", err)
		}
		pend, err = ex.Prepare(ctx, a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, err := ex.Start(pend, s.WebInstances[0])
		if err != nil {
			t.Fatal(err)
		}
		res := waitRun(t, ctx, r)
		if res.Status != actions.StatusSucceeded || !res.Verified {
			t.Errorf("result %+v", res)
		}
		if d := desiredOf(t, ctx, m, "us-east-1", "web"); d != before {
			t.Errorf("desired %d → %d, want unchanged", before, d)
		}
	})

	t.Run("terminate and decrement", func(t *testing.T) {
		before := desiredOf(t, ctx, m, "us-east-1", "web")
		res := ex.Execute(ctx, p.TerminateInstance("us-east-1", s.WebInstances[1], true), true, nil)
		if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Summary, "→") {
			t.Errorf("result %+v", res)
		}
		if d := desiredOf(t, ctx, m, "us-east-1", "web"); d != before-1 {
			t.Errorf("desired %d → %d, want %d", before, d, before-1)
		}
	})

	t.Run("failover promotes the reader", func(t *testing.T) {
		target := s.Readers[1]
		as := p.Offer(actions.Ref{Kind: "member", Namespace: "orders", Name: target})
		if len(as) != 1 {
			t.Fatalf("member offers %d actions", len(as))
		}
		pend, err := ex.Prepare(ctx, as[0], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if pend.Prompt() != "type orders to confirm" || pend.Plan().Summary != "fail over orders: writer "+s.Writer+" → "+target {
			t.Errorf("prompt %q plan %+v", pend.Prompt(), pend.Plan())
		}
		r, err := ex.Start(pend, "orders")
		if err != nil {
			t.Fatal(err)
		}
		res := waitRun(t, ctx, r)
		if res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("result %+v", res)
		}
		out, err := rds.NewFromConfig(m.Config(ctx, "us-east-1")).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("orders")})
		if err != nil {
			t.Fatal(err)
		}
		for _, mem := range out.DBClusters[0].DBClusterMembers {
			if (*mem.DBInstanceIdentifier == target) != sdkaws.ToBool(mem.IsClusterWriter) {
				t.Errorf("member %s writer=%v after promoting %s", *mem.DBInstanceIdentifier, sdkaws.ToBool(mem.IsClusterWriter), target)
			}
		}
		// The inventory shows the new roles after a refresh.
		inv, _, err := p.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := findDB(inv, "us-east-1", "orders"); d == nil || d.Members[0].Name != target || d.Members[0].Role != providers.RolePrimary {
			t.Errorf("after failover: %+v", d)
		}
	})

	t.Run("snapshot and restore", func(t *testing.T) {
		snap := p.Snapshot("us-east-1", "orders", "orders-manual-1")
		res := ex.Execute(ctx, snap, true, nil)
		if res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("snapshot %+v", res)
		}
		// Taking the same snapshot again is refused by Check.
		if res := ex.Execute(ctx, p.Snapshot("us-east-1", "orders", "orders-manual-1"), true, nil); res.Status != actions.StatusRefused {
			t.Errorf("duplicate snapshot: %+v", res)
		}
		rest := p.Restore("us-east-1", "orders-manual-1", "orders-copy")
		res = ex.Execute(ctx, rest, true, nil)
		if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Calls[0], "RestoreDBClusterFromSnapshot") {
			t.Fatalf("restore %+v", res)
		}
		out, err := rds.NewFromConfig(m.Config(ctx, "us-east-1")).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("orders-copy")})
		if err != nil || len(out.DBClusters) != 1 || *out.DBClusters[0].Engine != "aurora-postgresql" {
			t.Errorf("restored cluster: %v %+v", err, out)
		}

		// A second snapshot; the restore offered on the database takes the
		// newest by default, and the older one can be chosen.
		if res := ex.Execute(ctx, p.Snapshot("us-east-1", "orders", "orders-manual-2"), true, nil); res.Status != actions.StatusSucceeded {
			t.Fatalf("second snapshot %+v", res)
		}
		inv, _, err := p.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d := findDB(inv, "us-east-1", "orders")
		if d == nil || len(d.Backups) < 2 || d.Backups[0].Kind == "" || !strings.HasPrefix(d.Backups[0].Location, "arn:") {
			t.Fatalf("orders backups: %+v", d)
		}
		// The storage type and the restorable window, as moto reports them.
		desc, err := rds.NewFromConfig(m.Config(ctx, "us-east-1")).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("orders")})
		if err != nil || len(desc.DBClusters) != 1 {
			t.Fatal(err)
		}
		cl := desc.DBClusters[0]
		if len(d.Volumes) != 1 || d.Volumes[0].Class != sdkaws.ToString(cl.StorageType) || d.Volumes[0].Class == "" {
			t.Errorf("orders volumes %+v, moto says StorageType %q", d.Volumes, sdkaws.ToString(cl.StorageType))
		}
		w := d.RestoreWindow
		if w == nil || !w.Earliest.Equal(*cl.EarliestRestorableTime) || w.Latest.Before(w.Earliest) {
			t.Fatalf("orders restore window %+v", w)
		}
		pick := func() *RestoreCluster {
			t.Helper()
			if _, _, err := p.Fetch(ctx); err != nil {
				t.Fatal(err)
			}
			r, ok := offered(p.Offer(actions.Ref{Kind: "database", Region: "us-east-1", Name: "orders"}), ActRestore).(*RestoreCluster)
			if !ok {
				t.Fatal("no restore offered on orders")
			}
			return r
		}
		r := pick()
		if r.Backup() != "orders-manual-2" {
			t.Errorf("default snapshot %q, want the newest", r.Backup())
		}
		// the form's and --backup's choices: the available snapshots, newest first
		ps := actions.ParamsOf(r)
		if len(ps) != 4 || len(ps[0].Choices) < 2 || ps[0].Choices[0].Value != "orders-manual-2" || ps[0].Value != "orders-manual-2" {
			t.Fatalf("the backup parameter %+v", ps)
		}
		// "at" bounded by the cluster's restorable window; "target" the
		// generated identifier, checked as one.
		if at := ps[1]; at.Name != "at" || at.Kind != actions.ParamTime || !at.Earliest.Equal(w.Earliest) || at.Latest.Before(w.Latest) {
			t.Errorf("the at parameter %+v, want the window %+v", at, w)
		}
		if tg := ps[2]; tg.Name != "target" || tg.Kind != actions.ParamName || tg.Value != r.Spec().Target.Name || tg.Current != "orders" {
			t.Errorf("the target parameter %+v", tg)
		}
		for v, want := range map[string]string{"orders": "is the live one", "Orders-Copy": "orders-copy already exists", "bad--name": "not a DB cluster identifier"} {
			if err := actions.SetParam(r, "target", v); !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), want) {
				t.Errorf("--target %s: %v, want %q", v, err, want)
			}
		}
		if err := actions.SetParam(r, "at", w.Earliest.Add(-time.Hour).Format(time.RFC3339)); !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), "before the earliest restorable time") {
			t.Errorf("--at before the window: %v", err)
		}
		if err := actions.SetParam(r, "backup", "orders-manual-9"); !errors.Is(err, actions.ErrBadParam) {
			t.Errorf("an unlisted snapshot was accepted: %v", err)
		}
		if err := r.SetTarget("bad--name"); err == nil {
			t.Error("SetTarget accepted an invalid identifier")
		}
		if err := errors.Join(r.SetBackup("orders-manual-1"), r.SetTarget("orders-from-1")); err != nil {
			t.Fatal(err)
		}
		res = ex.Execute(ctx, r, true, nil)
		if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Calls[0], "SnapshotIdentifier=orders-manual-1 DBClusterIdentifier=orders-from-1") {
			t.Fatalf("restore of the chosen snapshot %+v", res)
		}
		// A snapshot of another cluster is refused.
		r = pick()
		if err := r.SetBackup("orders-manual-1"); err != nil {
			t.Fatal(err)
		}
		r.a.source = "billing"
		if res := ex.Execute(ctx, r, true, nil); res.Status != actions.StatusRefused || !strings.Contains(res.Error, "not billing") {
			t.Errorf("snapshot of another cluster: %+v", res)
		}

		// Point in time: outside the window refused (before it, after it),
		// inside restored with RestoreDBClusterToPointInTime.
		for _, at := range []time.Time{w.Earliest.Add(-time.Hour), time.Now().Add(time.Hour)} {
			r = pick()
			if err := r.SetPointInTime(at); err != nil {
				t.Fatal(err)
			}
			if res := ex.Execute(ctx, r, true, nil); res.Status != actions.StatusRefused || !strings.Contains(res.Error, "outside the restorable window") {
				t.Errorf("restore to %v: %+v", at, res)
			}
		}
		r = pick()
		at := w.Earliest.Add(w.Latest.Sub(w.Earliest) / 2)
		if err := errors.Join(actions.SetParam(r, "at", at.Format(time.RFC3339Nano)), actions.SetParam(r, "target", "Orders-PITR")); err != nil {
			t.Fatal(err)
		}
		res = ex.Execute(ctx, r, true, nil)
		if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Calls[0], "RestoreDBClusterToPointInTime SourceDBClusterIdentifier=orders RestoreToTime="+at.UTC().Format(time.RFC3339)) {
			t.Fatalf("point-in-time restore %+v", res)
		}
		out, err = rds.NewFromConfig(m.Config(ctx, "us-east-1")).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("orders-pitr")})
		if err != nil || len(out.DBClusters) != 1 || sdkaws.ToString(out.DBClusters[0].Engine) != sdkaws.ToString(cl.Engine) {
			t.Errorf("point-in-time cluster: %v %+v", err, out)
		}

		// In place (moto): only with the second confirmation; the restored
		// cluster takes the name orders (another resource id, instances
		// like the live one's), the live one is kept renamed.
		client := rds.NewFromConfig(m.Config(ctx, "us-east-1"))
		before, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("orders")})
		if err != nil || len(before.DBClusters) != 1 {
			t.Fatalf("orders before the in-place restore: %v", err)
		}
		liveID, liveMembers := sdkaws.ToString(before.DBClusters[0].DbClusterResourceId), len(before.DBClusters[0].DBClusterMembers)
		if liveMembers == 0 {
			t.Fatal("the seeded orders cluster has no instance to carry over")
		}
		r = pick()
		if err := errors.Join(actions.SetParam(r, "backup", "orders-manual-1"), actions.SetParam(r, "into", "in-place")); err != nil {
			t.Fatal(err)
		}
		if res := ex.Execute(ctx, r, true, nil); res.Status != actions.StatusRefused {
			t.Fatalf("in place with --yes alone: %+v", res)
		}
		res = ex.ExecuteConfirmed(ctx, r, "overwrite orders", nil)
		if res.Status != actions.StatusSucceeded || !res.Verified || res.Target != "database/orders" {
			t.Fatalf("in place: %+v", res)
		}
		after, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String("orders")})
		if err != nil || len(after.DBClusters) != 1 || sdkaws.ToString(after.DBClusters[0].DbClusterResourceId) == liveID {
			t.Fatalf("orders after the in-place restore is still the live cluster: %v %+v", err, after)
		}
		if n := len(after.DBClusters[0].DBClusterMembers); n != liveMembers {
			t.Errorf("the restored orders has %d instances, the live one had %d", n, liveMembers)
		}
		kept, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String(r.a.kept)})
		if err != nil || len(kept.DBClusters) != 1 || sdkaws.ToString(kept.DBClusters[0].DbClusterResourceId) != liveID {
			t.Errorf("the live cluster is not kept as %s: %v %+v", r.a.kept, err, kept)
		}
	})

	t.Run("read-only refuses", func(t *testing.T) {
		ro, err := actions.NewExecutor(actions.Options{Env: "test", ReadOnly: true, AuditPath: audit})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ro.Prepare(ctx, p.SetDesiredCapacity("us-east-1", "web", 3), time.Now()); !errors.Is(err, actions.ErrRefused) {
			t.Errorf("read-only prepare: %v", err)
		}
	})

	t.Run("audit", func(t *testing.T) {
		entries, bad, err := actions.ReadAudit(audit, 0)
		if err != nil || bad != 0 {
			t.Fatalf("audit: %v (%d bad)", err, bad)
		}
		seen := map[actions.Verb]map[string]bool{}
		for _, e := range entries {
			v := actions.Verb(e.Action)
			if seen[v] == nil {
				seen[v] = map[string]bool{}
			}
			seen[v][e.Result] = true
			if e.Runner != "aws" || e.Env != "test" {
				t.Errorf("entry %+v", e)
			}
		}
		for _, want := range []struct {
			action actions.Verb
			result string
		}{
			{ActSetDesiredCapacity, actions.StatusSucceeded}, {ActSetDesiredCapacity, actions.StatusRefused}, {ActSetDesiredCapacity, actions.StatusCancelled},
			{ActTerminate, actions.StatusRefused}, {ActTerminate, actions.StatusSucceeded}, {ActTerminateDecrement, actions.StatusSucceeded},
			{ActFailover, actions.StatusSucceeded}, {ActSnapshot, actions.StatusSucceeded}, {ActRestore, actions.StatusSucceeded},
		} {
			if !seen[want.action][want.result] {
				t.Errorf("audit lacks %s %s (have %v)", want.action, want.result, seen)
			}
		}
	})
}

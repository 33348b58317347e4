package sim

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// TestThroughExecutor runs demo actions through the real executor, as the
// console does: the plan is audited, the run succeeds and is verified, a
// read-only executor refuses, and a failed precondition is a refusal.
func TestThroughExecutor(t *testing.T) {
	s := newTest(t, Options{})
	r := pickRefs(t, s)
	ctx := context.Background()
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}

	planned := ex.Execute(ctx, offered(s, r.replica, "promote"), false, &lines{})
	if planned.Status != actions.StatusPlanned || memberRole(s.Snapshot(), r.replica.Name) != providers.RoleReplica {
		t.Fatalf("without yes: %+v", planned)
	}

	out := &lines{}
	res := ex.Execute(ctx, offered(s, r.replica, "promote"), true, out)
	if res.Status != actions.StatusSucceeded || !res.Verified {
		t.Fatalf("promote: %+v\n%s", res, out)
	}
	if !strings.Contains(res.VerifyMessage, "primary") || memberRole(s.Snapshot(), r.replica.Name) != providers.RolePrimary {
		t.Errorf("after promote: %q, role %s", res.VerifyMessage, memberRole(s.Snapshot(), r.replica.Name))
	}

	// The old primary is now a replica; promoting the new primary is refused.
	s.mu.Lock()
	again := s.promote(r.replica)
	s.mu.Unlock()
	if res := ex.Execute(ctx, again, true, &lines{}); res.Status != actions.StatusRefused {
		t.Errorf("promote of the primary: %+v", res)
	}

	ro, err := actions.NewExecutor(actions.Options{Env: "demo", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if res := ro.Execute(ctx, offered(s, r.database, "backup"), true, &lines{}); res.Status != actions.StatusRefused {
		t.Errorf("backup in read-only mode: %+v", res)
	}
}

// TestStoreSeesActions runs the sim in a Store and checks that a demo
// action's change reaches the store's snapshots.
func TestStoreSeesActions(t *testing.T) {
	s := newTest(t, Options{Interval: 20 * time.Millisecond})
	r := pickRefs(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := providers.NewStore(s)
	st.Interval = 10 * time.Millisecond
	sub := st.Subscribe()
	st.Start(ctx)
	if snap := st.WaitReady(ctx); len(snap.Inv.Nodes) == 0 {
		t.Fatal("no nodes in the first snapshot")
	}
	a := offered(s, r.node, "cordon")
	if err := a.Run(ctx, mustPreview(t, a), &lines{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case snap := <-sub:
			if n := findNode(snap.Inv, r.node.Name); n != nil && n.Unschedulable {
				return
			}
		case <-deadline:
			t.Fatal("the store never saw the node cordoned")
		}
	}
}

// TestCancelledActionLeavesTruth cancels demo database actions midway
// through the executor: the target is left in a state the views tell
// truthfully (not "restoring" or "creating" for ever), the run says so and
// how to retry, and the same action is offered again and runs.
func TestCancelledActionLeavesTruth(t *testing.T) {
	s := newTest(t, Options{StepDelay: time.Hour})
	r := pickRefs(t, s)
	ctx := context.Background()
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	dbOf := func(name string) providers.Database {
		for _, db := range providers.Merge(s.Snapshot()).Databases {
			if db.Name == name {
				return db
			}
		}
		t.Fatalf("no database %s", name)
		return providers.Database{}
	}
	tests := []struct {
		name  string
		ref   actions.Ref
		verb  actions.Verb
		db    string
		check func(t *testing.T, db providers.Database, before []providers.Backup)
	}{
		{name: "restore", ref: r.database, verb: actions.VerbRestore, db: r.database.Name,
			check: func(t *testing.T, db providers.Database, _ []providers.Backup) {
				if db.Status != "available" {
					t.Errorf("status %q after a cancelled restore, want available", db.Status)
				}
			}},
		{name: "backup", ref: r.database, verb: actions.VerbBackup, db: r.database.Name,
			check: func(t *testing.T, db providers.Database, before []providers.Backup) {
				if len(db.Backups) != len(before)+1 {
					t.Fatalf("%d backups, want %d", len(db.Backups), len(before)+1)
				}
				last := db.Backups[len(db.Backups)-1]
				if last.Status != "failed" {
					t.Errorf("cancelled backup %s is %q, want failed", last.ID, last.Status)
				}
				if hasBackup(db, last.ID) || latestCompleted(db) == last.ID {
					t.Errorf("the cancelled backup %s is offered for a restore", last.ID)
				}
				if db.LastBackup.Equal(last.Time) {
					t.Errorf("the last backup is the cancelled one (%s)", db.LastBackup)
				}
			}},
		{name: "promote", ref: r.replica, verb: actions.VerbPromote, db: r.replica.Namespace,
			check: func(t *testing.T, db providers.Database, _ []providers.Backup) {
				if db.Status != "available" {
					t.Errorf("status %q after a cancelled failover, want available", db.Status)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.opts.StepDelay = time.Hour // no runner is active between runs
			before := dbOf(tt.db).Backups
			a := offered(s, tt.ref, tt.verb)
			if a == nil {
				t.Fatalf("%s not offered on %s", tt.verb, tt.ref)
			}
			p, err := ex.Prepare(ctx, a, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			confirm := "y"
			if p.Spec().Effect == actions.Destructive {
				confirm = p.Spec().Target.Name
			}
			run, err := ex.Start(p, confirm)
			if err != nil {
				t.Fatal(err)
			}
			for len(run.Lines()) == 0 { // the first step ran; the next waits an hour
				<-run.Updates()
			}
			run.Cancel()
			<-run.Done()
			res := run.Result()
			if res.Status != actions.StatusCancelled {
				t.Fatalf("result %+v", res)
			}
			out := strings.Join(run.Lines(), "\n")
			if !strings.Contains(out, "to retry") {
				t.Errorf("the run does not say what it left and how to retry:\n%s", out)
			}
			tt.check(t, dbOf(tt.db), before)

			// The way back: the same action is offered again and runs.
			s.opts.StepDelay = time.Millisecond
			again := offered(s, tt.ref, tt.verb)
			if again == nil {
				t.Fatalf("%s no longer offered after a cancelled run", tt.verb)
			}
			if res := ex.Execute(ctx, again, true, &lines{}); res.Status != actions.StatusSucceeded || !res.Verified {
				t.Fatalf("retry: %+v", res)
			}
		})
	}
}

// TestCancelledDrainLeavesTruth: a drain cancelled midway leaves the node
// cordoned (true) but no longer "draining" (nothing drains it), says so,
// and the drain is offered again.
func TestCancelledDrainLeavesTruth(t *testing.T) {
	s := newTest(t, Options{StepDelay: time.Hour})
	r := pickRefs(t, s)
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ex.Prepare(context.Background(), offered(s, r.node, actions.VerbDrain), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := ex.Start(p, r.node.Name)
	if err != nil {
		t.Fatal(err)
	}
	for len(run.Lines()) == 0 {
		<-run.Updates()
	}
	run.Cancel()
	<-run.Done()
	if res := run.Result(); res.Status != actions.StatusCancelled {
		t.Fatalf("result %+v", res)
	}
	var node providers.Node
	for _, n := range providers.Merge(s.Snapshot()).Nodes {
		if n.Name == r.node.Name {
			node = n
		}
	}
	if node.Draining || !node.Unschedulable {
		t.Errorf("node after a cancelled drain: draining %v, unschedulable %v", node.Draining, node.Unschedulable)
	}
	if out := strings.Join(run.Lines(), "\n"); !strings.Contains(out, "drain again to retry") {
		t.Errorf("the run does not say what it left:\n%s", out)
	}
	if offered(s, r.node, actions.VerbDrain) == nil {
		t.Error("drain not offered again")
	}
}

// TestWorkloadVerbsThroughExecutor: the demo's undo (a revision chosen,
// the pod template's diff in the plan), delete of a workload (its pods
// go) and a CronJob's suspend/resume, through the real executor.
func TestWorkloadVerbsThroughExecutor(t *testing.T) {
	s := newTest(t, Options{})
	r := pickRefs(t, s)
	ctx := context.Background()
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}

	undo := offered(s, r.deployment, "undo")
	ps := actions.ParamsOf(undo)
	if len(ps) != 1 || ps[0].Name != "revision" || ps[0].Value != "2" || ps[0].Current != "3" || len(ps[0].Choices) != 3 || ps[0].Choices[0].Unavailable == "" {
		t.Fatalf("revision parameter %+v", ps)
	}
	if err := actions.SetParam(undo, "revision", "1"); err != nil {
		t.Fatal(err)
	}
	out := &lines{}
	res := ex.Execute(ctx, undo, true, out)
	if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Text, "+  - image: registry.demo/"+r.deployment.Name+":1.5.0") {
		t.Fatalf("undo: %+v\n%s", res, out)
	}
	if ps := actions.ParamsOf(offered(s, r.deployment, "undo")); ps[0].Current != "4" || ps[0].Value != "3" {
		t.Errorf("after the undo to 1: revision parameter %+v, want revision 1 become the current 4", ps[0])
	}

	del := offered(s, r.statefulset, "delete")
	if del.Spec().Effect != actions.Destructive {
		t.Fatalf("delete effect %s", del.Spec().Effect)
	}
	res = ex.Execute(ctx, del, true, &lines{})
	if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Text, "garbage collector") {
		t.Fatalf("delete: %+v", res)
	}
	for _, w := range s.Snapshot().Workloads {
		if w.Kind == kindStatefulSet && w.Name == r.statefulset.Name && w.Namespace == r.statefulset.Namespace {
			t.Errorf("the deleted statefulset is still listed: %+v", w)
		}
	}
	for _, p := range s.Snapshot().Pods {
		if p.Owner == kindStatefulSet+"/"+r.statefulset.Name && p.Namespace == r.statefulset.Namespace {
			t.Errorf("a pod of the deleted statefulset is left: %s", p.Name)
		}
	}
	if as := s.Offer(r.statefulset); len(as) != 0 {
		t.Errorf("actions offered on a deleted statefulset: %s", names(as))
	}

	cj := actions.Ref{Kind: actions.KindCronJob, Cluster: "demo-use1", Namespace: "shop", Name: "nightly-report"}
	for _, verb := range []actions.Verb{actions.VerbSuspend, actions.VerbResume} {
		if res := ex.Execute(ctx, offered(s, cj, verb), true, &lines{}); res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("%s: %+v", verb, res)
		}
	}
}

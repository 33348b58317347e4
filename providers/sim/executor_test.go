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

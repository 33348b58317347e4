package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
)

// TestDemoStack runs the demo's built-in stack with the real terraform:
// written into a private directory beside the audit log, applied, one
// resource rebuilt (-replace) and the whole stack recreated, as a stand-up
// shows them; and offered to the demo's ASG as "rebuild via terraform".
func TestDemoStack(t *testing.T) {
	lab.RequireProgram(t, "terraform")
	dir := t.TempDir()
	s := config.Settings{Demo: true, AuditLog: filepath.Join(dir, "state", "audit.jsonl")}
	st, err := demoStack(s)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(st.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the stack directory %s: %v %v", st.Dir, fi, err)
	}
	if stacks := tuiStacks(s); len(stacks) != 1 || stacks[0].Name != demoStackName {
		t.Fatalf("the demo's stacks %v", stacks)
	}
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: s.AuditLog})
	if err != nil {
		t.Fatal(err)
	}
	ss := terraform.Stacks{st}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := func(ref actions.Ref, verb actions.Verb) actions.Result {
		t.Helper()
		a, err := actions.Catalog{ss}.Find(ref, verb)
		if err != nil {
			t.Fatal(err)
		}
		res := ex.Execute(ctx, a, true, io.Discard)
		if res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("%s %s: %+v", verb, ref, res)
		}
		return res
	}
	stack := actions.Ref{Kind: actions.KindStack, Name: demoStackName}
	if res := run(stack, actions.VerbApply); res.Plan.Add != 3 {
		t.Errorf("the first apply adds %d resources, want 3", res.Plan.Add)
	}
	if res := run(actions.Ref{Kind: actions.KindASG, Name: "demo-use1-workers"}, actions.VerbRebuild); res.Plan.Replace != 1 {
		t.Errorf("rebuild of the workers replaces %d, want 1", res.Plan.Replace)
	}
	if res := run(stack, actions.VerbRecreate); len(res.Plan.Resources) != 3 {
		t.Errorf("recreate: %+v", res.Plan)
	}
	// a second start keeps the state: the stack is not written over
	if _, err := demoStack(s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(st.Dir, "terraform.tfstate")); err != nil {
		t.Errorf("the state is gone: %v", err)
	}
}

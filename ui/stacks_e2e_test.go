package ui

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/ui/common"
)

// waitLong polls the running program until done holds, with deadline d
// (long enough for terraform); on a timeout the last screen seen is shown.
func waitLong(t *testing.T, tm *teatest.TestModel, what string, d time.Duration, done func(*Model) bool) string {
	t.Helper()
	last := "(the program never answered)"
	return lab.WaitFor(t, what, d, func() (bool, string) {
		ch := make(chan probeAnswer, 1)
		tm.Send(probeMsg{done: done, ch: ch})
		select {
		case a := <-ch:
			last = a.screen
			return a.ok, a.screen
		case <-time.After(time.Second):
			return false, last
		}
	})
}

// TestStacksRebuildWithTerraform drives the UI model against the real
// terraform binary: the Stacks view loads a stack of terraform_data
// resources, rebuild is chosen on one resource and confirmed by typing its
// address, the run streams in the Actions view and succeeds, and exactly
// that resource has a new id in the state.
func TestStacksRebuildWithTerraform(t *testing.T) {
	dir := lab.TerraformDir(t, map[string]string{"main.tf": `
resource "terraform_data" "a" { input = "a" }
resource "terraform_data" "b" { input = "b" }
resource "terraform_data" "c" { input = "c" }
`})
	for _, kv := range lab.TerraformEnv() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	stack := &terraform.Stack{Name: "lab", Dir: dir, Timeout: 5 * time.Minute, Grace: 30 * time.Second}
	stacks := terraform.Stacks{stack}
	ex, err := actions.NewExecutor(actions.Options{Env: "lab", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl"), Identity: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if res := ex.Execute(ctx, stack.Apply(), true, io.Discard); res.Status != actions.StatusSucceeded {
		t.Fatalf("initial apply: %s %s", res.Status, res.Error)
	}
	before := stateIDs(ctx, t, stack)
	if len(before) != 3 {
		t.Fatalf("state after apply: %v", before)
	}

	m := newModel(deps{ctx: ctx, initial: fixtureSnapshot(), env: "lab", exec: execAdapter{ex},
		stacks: common.TerraformStacks(stacks), offerers: func() []actions.Offerer { return []actions.Offerer{stacks} },
		tick: time.Second})
	tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(160, 48))
	waitFor(t, tm, "topology", built("topology"))
	tm.Type(":stacks")
	tm.Send(enter())
	out := waitLong(t, tm, "the summary", 2*time.Minute, func(m *Model) bool {
		_, ok := m.stacksPage().Summary("lab")
		return built("stacks")(m) && ok && !m.stacksPage().Loading()
	})
	if sum, _ := m.stacksPage().Summary("lab"); len(sum.Resources) != 3 {
		t.Fatalf("summary has %d resources, want 3:\n%s", len(sum.Resources), out)
	}
	if !strings.Contains(out, "unknown") || !strings.Contains(out, "ago") {
		t.Errorf("the row should show the last apply and drift unknown:\n%s", out)
	}

	// expand the stack, put the cursor on terraform_data.b, ask for its actions
	tm.Type(" jj")
	waitFor(t, tm, "the cursor on terraform_data.b", func(m *Model) bool {
		sel, ok := m.page().Selected()
		return ok && sel.Key == "resource/lab/terraform_data.b"
	})
	tm.Type("a")
	waitFor(t, tm, "the offers", func(m *Model) bool { return m.mode == modeMenu && !m.flow.loading })
	if got := offerNames(m); got != "rebuild" {
		t.Fatalf("resource offers %q", got)
	}
	tm.Send(enter())
	out = waitLong(t, tm, "the plan", 3*time.Minute, func(m *Model) bool { return m.mode == modeConfirm || m.flow.err != "" })
	if !strings.Contains(out, "0 to add, 0 to change, 0 to destroy, 1 to replace") || !strings.Contains(out, "type terraform_data.b to confirm") {
		t.Fatalf("the plan and the prompt should show:\n%s", out)
	}
	tm.Type("terraform_data.b")
	tm.Send(enter())
	out = waitLong(t, tm, "the run to finish", 3*time.Minute, func(m *Model) bool {
		rs := ex.Runs()
		return m.active == "actions" && len(rs) == 2 && rs[0].Spec().Name == "rebuild" && rs[0].Result().Status != actions.StatusRunning
	})
	res := ex.Runs()[0].Result()
	if res.Status != actions.StatusSucceeded || !res.Verified {
		t.Fatalf("rebuild: %s %q verified=%v (%s)\n%s", res.Status, res.Error, res.Verified, res.VerifyMessage, out)
	}
	if !strings.Contains(strings.Join(ex.Runs()[0].Lines(), "\n"), "Apply complete") {
		t.Errorf("the apply log was not streamed: %q", ex.Runs()[0].Lines())
	}
	// the Stacks view re-reads the state after a terraform run
	waitLong(t, tm, "the summaries re-read", 2*time.Minute, func(m *Model) bool {
		sum, ok := m.stacksPage().Summary("lab")
		if !ok || m.stacksPage().Loading() {
			return false
		}
		for _, r := range sum.Resources {
			if r.Address == "terraform_data.b" {
				return r.ID != before["terraform_data.b"]
			}
		}
		return false
	})
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	after := stateIDs(ctx, t, stack)
	if after["terraform_data.b"] == before["terraform_data.b"] || after["terraform_data.b"] == "" {
		t.Errorf("terraform_data.b kept its id %q", before["terraform_data.b"])
	}
	for _, addr := range []string{"terraform_data.a", "terraform_data.c"} {
		if after[addr] != before[addr] {
			t.Errorf("%s changed id: %q → %q", addr, before[addr], after[addr])
		}
	}
}

func stateIDs(ctx context.Context, t *testing.T, s *terraform.Stack) map[string]string {
	t.Helper()
	rs, err := s.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rs {
		out[r.Address] = r.ID
	}
	return out
}

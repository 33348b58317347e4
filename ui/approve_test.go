package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
)

// runAll runs cmd and returns the messages it (and its batches) gives
// at once; a command that waits is not run (waiting: the caller runs it
// when its answer exists).
func runAll(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := runBriefly(cmd)
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runAll(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// TestSecondPersonApproval: in console serve (sessions of one executor
// with approvals on), an operator's confirmed delete waits for approval
// (nothing runs); a viewer's A is refused with the reason (greyed in the
// help); the requester's own other session has nothing to approve; an
// admin sees the notice, opens the request with A, reads the same
// preview and approves it by typing the name: the run starts, the
// requester's session says who approved. A rejected request does not
// run; a withdrawn one is gone.
func TestSecondPersonApproval(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	e, err := actions.NewExecutor(actions.Options{Env: "demo", ApprovalExpiry: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	session := func(who, user string, role actions.Role) *Model {
		ss := e.Session(actions.Principal{Who: who, User: user, Role: role})
		return newTestModel(t, snap, s, 140, 40, func(d *deps) {
			d.ctx = ctx
			d.exec = execAdapter{ss}
			d.user = user + " (" + role.String() + ")"
			d.offerers = func() []actions.Offerer { return []actions.Offerer{s} }
		})
	}
	alice := session("alice (key SHA256:a)", "alice", actions.RoleOperator)
	alice2 := session("alice (key SHA256:a2)", "alice", actions.RoleAdmin)
	carol := session("carol (key SHA256:c)", "carol", actions.RoleAdmin)
	vic := session("vic (key SHA256:v)", "vic", actions.RoleViewer)
	carolWatch := carol.watchApprovals()

	// alice asks to delete a pod: it waits for a second person
	request := func() (string, tea.Cmd) {
		t.Helper()
		before := len(e.Runs())
		press(alice, ":")
		typeText(alice, "pods")
		press(alice, "enter")
		sel, ok := alice.page().Selected()
		if !ok || len(sel.Refs) == 0 || sel.Refs[0].Kind != actions.KindPod {
			t.Fatalf("no pod selected: %+v", sel)
		}
		name := sel.Refs[0].Name
		press(alice, "ctrl+d")
		typeText(alice, name)
		var wait tea.Cmd
		for _, msg := range runAll(alice.handleKey(keyMsg("enter"))) {
			if rm, ok := msg.(requestedMsg); ok {
				_, wait = alice.Update(rm)
			}
		}
		if alice.mode != modeAwait || !strings.Contains(screen(alice), "waiting for a second person's approval") || wait == nil {
			t.Fatalf("alice's delete does not wait for approval (mode %v):\n%s", alice.mode, screen(alice))
		}
		if len(e.Runs()) != before {
			t.Fatal("the delete ran without approval")
		}
		return name, wait
	}
	name, aliceWait := request()

	// vic (viewer): A refused with the reason, greyed in the help
	press(vic, "A")
	if vic.mode != modeNormal || !strings.Contains(vic.msg, "approving a destructive action needs operator or admin") {
		t.Fatalf("vic's A: mode %v, %q", vic.mode, vic.msg)
	}
	press(vic, "?")
	if out := screen(vic); !strings.Contains(out, "approve another's action ✗") {
		t.Fatalf("A is not greyed in vic's help:\n%s", out)
	}
	// alice in another session (same person): nothing to approve
	press(alice2, "A")
	if alice2.mode != modeNormal || !strings.Contains(alice2.msg, "no request waits for your approval") {
		t.Fatalf("alice approves her own request: mode %v, %q", alice2.mode, alice2.msg)
	}

	// carol (admin): the notice, the same preview, a typed approval
	carol.Update(runBriefly(carolWatch))
	if out := screen(carol); !strings.Contains(out, "1 TO APPROVE (A)") || !strings.Contains(out, "alice asks a second person to approve delete") {
		t.Fatalf("carol sees no notice:\n%s", out)
	}
	press(carol, "A")
	out := screen(carol)
	if carol.mode != modeApprove || !strings.Contains(out, "Approve? alice (key SHA256:a) asks for delete") || !strings.Contains(out, "plan:") ||
		!strings.Contains(out, "type "+name+" to approve, or reject to reject") {
		t.Fatalf("carol's review:\n%s", out)
	}
	typeText(carol, "x"+name)
	press(carol, "enter")
	if carol.mode != modeApprove || !strings.Contains(screen(carol), "confirmation does not match") || len(e.Runs()) != 0 {
		t.Fatalf("a wrong name approved:\n%s", screen(carol))
	}
	for range len("x" + name) {
		press(carol, "backspace")
	}
	typeText(carol, name)
	press(carol, "enter")
	runs := e.Runs()
	if len(runs) != 1 || runs[0].Spec().Principal.User != "alice" || runs[0].Spec().ApprovedBy != "carol (key SHA256:c)" {
		t.Fatalf("runs after carol's approval: %v\n%s", runs, screen(carol))
	}
	if carol.mode == modeApprove || !strings.Contains(carol.msg, "approved: delete on") {
		t.Fatalf("carol after approving: mode %v, %q", carol.mode, carol.msg)
	}
	<-runs[0].Done()
	alice.Update(runBriefly(aliceWait))
	if alice.mode == modeAwait || !strings.Contains(alice.msg, "approved by carol (key SHA256:c): started delete") {
		t.Fatalf("alice after the approval: mode %v, %q", alice.mode, alice.msg)
	}

	// rejected: nothing runs, alice is told
	press(alice, "esc")
	press(alice, "down")
	_, aliceWait = request()
	press(carol, "A")
	typeText(carol, "reject")
	press(carol, "enter")
	alice.Update(runBriefly(aliceWait))
	if len(e.Runs()) != 1 || !strings.Contains(alice.msg, "not run:") || !strings.Contains(alice.msg, "rejected by carol") {
		t.Fatalf("after the rejection: %d runs, alice: %q", len(e.Runs()), alice.msg)
	}

	// withdrawn by alice (esc): the request is gone
	press(alice, "down")
	_, _ = request()
	press(alice, "esc")
	if alice.mode != modeNormal || !strings.Contains(alice.msg, "request withdrawn") {
		t.Fatalf("esc while waiting: mode %v, %q", alice.mode, alice.msg)
	}
	if got := len(carol.decidable()); got != 0 {
		t.Fatalf("%d requests wait after alice withdrew", got)
	}
	if len(e.Runs()) != 1 {
		t.Fatal("a withdrawn request ran")
	}
}

// TestApproveLocal: a local console's A says approvals are a console
// serve feature (greyed in the help with the reason).
func TestApproveLocal(t *testing.T) {
	m := demoModel(t, 120, 40)
	press(m, "A")
	if m.mode != modeNormal || !strings.Contains(m.msg, "console serve feature") {
		t.Fatalf("local A: mode %v, %q", m.mode, m.msg)
	}
}

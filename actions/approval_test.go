package actions

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for approvals' expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// approvalSetup is an executor with approvals on (10m, a test clock),
// and alice (operator) asking to delete deployment shop/web.
func approvalSetup(t *testing.T) (*Executor, string, *testClock, *Session, *fakeAction, *Approval) {
	t.Helper()
	e, path := newTestExecutor(t, Options{Env: "prod", ApprovalExpiry: 10 * time.Minute})
	clock := &testClock{t: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)}
	e.now = clock.now
	alice := e.Session(Principal{Who: "alice (key SHA256:a)", User: "alice", Role: RoleOperator})
	a := newFake(Destructive, "web")
	a.spec.Name = "delete"
	if ok, why := alice.Availability(a); !ok {
		t.Fatalf("an operator's destructive action is not offered with approvals on: %s", why)
	}
	p, err := alice.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !alice.NeedsApproval(p) {
		t.Fatal("NeedsApproval = false for an operator's destructive action")
	}
	req, err := alice.Request(p, "web")
	if err != nil {
		t.Fatal(err)
	}
	return e, path, clock, alice, a, req
}

// auditFor is the audit lines of id.
func auditFor(t *testing.T, path, id string) []AuditEntry {
	t.Helper()
	var out []AuditEntry
	for _, en := range readAudit(t, path) {
		if en.AuditID == id {
			out = append(out, en)
		}
	}
	return out
}

// TestApprovalDecisions: an operator's destructive action runs only when
// another person (operator or admin, another user) approves it by typing
// the target's name before it expires; every other decision is refused
// (audited under the decider's name) or ends the request without a run.
func TestApprovalDecisions(t *testing.T) {
	tests := []struct {
		name string
		// act decides on req (the approver's session made from who).
		who     Principal
		prepare func(e *Executor, clock *testClock, alice *Session, req *Approval)
		confirm string
		reject  bool
		// runs: the action ran; refused: the decision was refused.
		runs, refused bool
		why           string // in the refusal
		status        string // the request's last audit line (under its id)
		approver      string // who approved the run (default who)
	}{
		{name: "admin approves", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			confirm: "web", runs: true, status: StatusSucceeded},
		{name: "other operator approves", who: Principal{Who: "bob (key SHA256:b)", User: "bob", Role: RoleOperator},
			confirm: "web", runs: true, status: StatusSucceeded},
		{name: "same identity, another key and session", who: Principal{Who: "alice (key SHA256:a2)", User: "alice", Role: RoleAdmin},
			confirm: "web", refused: true, why: "own request", status: StatusAwaitingApproval},
		{name: "viewer", who: Principal{Who: "vic (key SHA256:v)", User: "vic", Role: RoleViewer},
			confirm: "web", refused: true, why: "needs operator or admin", status: StatusAwaitingApproval},
		{name: "wrong confirmation", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			confirm: "we", refused: true, why: "not confirmed", status: StatusAwaitingApproval},
		{name: "expired", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			prepare: func(_ *Executor, c *testClock, _ *Session, _ *Approval) { c.add(10 * time.Minute) },
			confirm: "web", refused: true, why: "expired", status: StatusCancelled},
		{name: "rejected, then approved", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			prepare: func(e *Executor, _ *testClock, _ *Session, req *Approval) {
				bob := e.Session(Principal{Who: "bob (key SHA256:b)", User: "bob", Role: RoleOperator})
				if err := bob.Reject(req); err != nil {
					panic(err)
				}
			},
			confirm: "web", refused: true, why: "rejected by bob", status: StatusRejected},
		{name: "withdrawn, then approved", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			prepare: func(_ *Executor, _ *testClock, alice *Session, req *Approval) {
				if err := alice.Withdraw(req); err != nil {
					panic(err)
				}
			},
			confirm: "web", refused: true, why: "withdrawn", status: StatusCancelled},
		{name: "requester's session ended", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			prepare: func(_ *Executor, _ *testClock, alice *Session, _ *Approval) {
				if _, err := alice.Close(context.Background(), "the SSH session of alice ended (SIGHUP)"); err != nil {
					panic(err)
				}
			},
			confirm: "web", refused: true, why: "cancelled", status: StatusCancelled},
		{name: "approved twice", who: Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin},
			prepare: func(e *Executor, _ *testClock, _ *Session, req *Approval) {
				bob := e.Session(Principal{Who: "bob (key SHA256:b)", User: "bob", Role: RoleOperator})
				r, err := bob.Approve(req, "web")
				if err != nil {
					panic(err)
				}
				<-r.Done()
			},
			confirm: "web", runs: true, refused: true, why: "approved by bob", status: StatusSucceeded, approver: "bob (key SHA256:b)"},
		{name: "viewer rejects", who: Principal{Who: "vic (key SHA256:v)", User: "vic", Role: RoleViewer},
			reject: true, refused: true, why: "needs operator or admin", status: StatusAwaitingApproval},
		{name: "operator rejects", who: Principal{Who: "bob (key SHA256:b)", User: "bob", Role: RoleOperator},
			reject: true, status: StatusRejected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, path, clock, alice, a, req := approvalSetup(t)
			if tc.prepare != nil {
				tc.prepare(e, clock, alice, req)
			}
			s := e.Session(tc.who)
			var err error
			var r *Run
			if tc.reject {
				err = s.Reject(req)
			} else {
				r, err = s.Approve(req, tc.confirm)
			}
			if tc.refused {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.why) {
					t.Fatalf("decision = %v, want a refusal saying %q", err, tc.why)
				}
				// refused, and audited under the decider's name
				found := false
				for _, en := range readAudit(t, path) {
					if en.Who == tc.who.Who && en.Result == StatusRefused && strings.Contains(en.Error, tc.why) && en.RequestedBy == "alice (key SHA256:a)" {
						found = true
					}
				}
				if !found {
					t.Fatalf("the refusal is not audited under %s: %+v", tc.who.Who, readAudit(t, path))
				}
			} else if err != nil {
				t.Fatalf("decision: %v", err)
			}
			if r != nil {
				<-r.Done()
				if got, want := r.Spec().Principal.User, "alice"; got != want {
					t.Fatalf("the run is %s's, want the requester's", got)
				}
			}
			if _, runs := a.counts(); (runs == 1) != tc.runs {
				t.Fatalf("the action ran %d times, want ran=%v", runs, tc.runs)
			}
			lines := auditFor(t, path, req.ID())
			if last := lines[len(lines)-1]; last.Result != tc.status {
				t.Fatalf("last audit line of the request = %+v, want %s", last, tc.status)
			}
			if lines[0].Result != StatusAwaitingApproval || lines[0].Who != "alice (key SHA256:a)" {
				t.Fatalf("the request's first line = %+v", lines[0])
			}
			if tc.runs {
				// the approval under the approver, then the run (its started line,
				// replaced by its outcome) under the
				// requester, naming the approver
				approver := tc.who.Who
				if tc.approver != "" {
					approver = tc.approver
				}
				var approved, started bool
				for _, en := range lines {
					approved = approved || en.Result == StatusApproved && en.Who == approver && en.RequestedBy == "alice (key SHA256:a)"
					started = started || (en.Result == StatusStarted || en.Result == StatusSucceeded) && en.Who == "alice (key SHA256:a)" && en.ApprovedBy == approver
				}
				if !approved || !started {
					t.Fatalf("the audit does not name both: %+v", lines)
				}
			}
			if tc.status == StatusRejected {
				if last := lines[len(lines)-1]; last.Who != "bob (key SHA256:b)" {
					t.Fatalf("the rejection is not under bob's name: %+v", last)
				}
			}
			select {
			case <-req.Done():
				if tc.status == StatusAwaitingApproval {
					t.Fatal("a refused decision ended the request")
				}
			default:
				if tc.status != StatusAwaitingApproval {
					t.Fatal("the request did not end")
				}
			}
		})
	}
}

// TestApprovalStartRefused: a pending action that needs approval is
// refused by Start (no run without an approval, audited with the
// reason); with approvals off an operator's destructive action is refused
// at Prepare as before, and an admin's runs without approval.
func TestApprovalStartRefused(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod", ApprovalExpiry: time.Minute})
	alice := e.Session(Principal{Who: "alice", User: "alice", Role: RoleOperator})
	a := newFake(Destructive, "web")
	p, err := alice.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Start(p, "web"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "second person's approval") {
		t.Fatalf("Start = %v, want refused: needs approval", err)
	}
	if _, runs := a.counts(); runs != 0 {
		t.Fatal("the action ran without approval")
	}
	if last := readAudit(t, path); last[len(last)-1].Result != StatusRefused {
		t.Fatalf("not audited: %+v", last)
	}
	if ok, _ := alice.MayApprove(); !ok {
		t.Fatal("an operator may not approve")
	}
	vic := e.Session(Principal{Who: "vic", User: "vic", Role: RoleViewer})
	if ok, why := vic.MayApprove(); ok || !strings.Contains(why, "viewer") {
		t.Fatalf("a viewer MayApprove = %v %q", ok, why)
	}

	off, _ := newTestExecutor(t, Options{Env: "prod"})
	op := off.Session(Principal{Who: "alice", User: "alice", Role: RoleOperator})
	if ok, why := op.Availability(newFake(Destructive, "web")); ok || !strings.Contains(why, "needs admin") {
		t.Fatalf("approvals off: Availability = %v %q", ok, why)
	}
	if ok, why := op.MayApprove(); ok || !strings.Contains(why, "off") {
		t.Fatalf("approvals off: MayApprove = %v %q", ok, why)
	}
	admin := e.Session(Principal{Who: "carol", User: "carol", Role: RoleAdmin})
	pa, err := admin.Prepare(context.Background(), newFake(Destructive, "api"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if admin.NeedsApproval(pa) {
		t.Fatal("an admin's destructive action needs approval")
	}
	r, err := admin.Start(pa, "api")
	if err != nil {
		t.Fatal(err)
	}
	<-r.Done()
}

// TestApprovalNotices: ApprovalsChanged wakes the sessions when a request
// is made and when it ends; Approvals lists it while it waits; the
// requester alone withdraws it; Shutdown cancels it.
func TestApprovalNotices(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod", ApprovalExpiry: time.Hour})
	alice := e.Session(Principal{Who: "alice", User: "alice", Role: RoleOperator})
	bob := e.Session(Principal{Who: "bob", User: "bob", Role: RoleOperator})
	changed := e.ApprovalsChanged()
	p, err := alice.Prepare(context.Background(), newFake(Destructive, "web"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := alice.Request(p, "web")
	if err != nil {
		t.Fatal(err)
	}
	<-changed // closed by the request (a test deadline catches a miss)
	if got := bob.Approvals(); len(got) != 1 || got[0] != req {
		t.Fatalf("bob's Approvals = %v", got)
	}
	if ok, _ := bob.CanDecide(req); !ok {
		t.Fatal("bob may not decide alice's request")
	}
	if err := bob.Withdraw(req); !errors.Is(err, ErrRefused) {
		t.Fatalf("bob withdraws alice's request: %v", err)
	}
	if _, err := alice.Request(p, "web"); !errors.Is(err, ErrRefused) {
		t.Fatalf("the same confirmation requested twice: %v", err)
	}
	changed = e.ApprovalsChanged()
	if n, err := e.Shutdown(context.Background(), "SIGTERM"); n != 1 || err != nil {
		t.Fatalf("Shutdown = %d, %v", n, err)
	}
	<-changed
	<-req.Done()
	if _, err := req.Outcome(); !errors.Is(err, ErrNotApproved) {
		t.Fatalf("outcome after shutdown = %v", err)
	}
	if len(bob.Approvals()) != 0 {
		t.Fatal("a cancelled request is still listed")
	}
	lines := auditFor(t, path, req.ID())
	if last := lines[len(lines)-1]; last.Result != StatusCancelled || !strings.Contains(last.Error, "awaiting approval") {
		t.Fatalf("last line = %+v", last)
	}
}

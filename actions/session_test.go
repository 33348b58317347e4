package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSessionRoles: a viewer runs only safe actions, an operator mutating
// ones, destructive ones need an admin; a refusal is audited under the
// user's name with the reason Availability gave.
func TestSessionRoles(t *testing.T) {
	tests := []struct {
		role   Role
		effect Effect
		ok     bool
	}{
		{RoleViewer, Safe, true},
		{RoleViewer, Mutating, false},
		{RoleViewer, Destructive, false},
		{RoleOperator, Mutating, true},
		{RoleOperator, Destructive, false},
		{RoleAdmin, Destructive, true},
	}
	for _, tc := range tests {
		t.Run(tc.role.String()+"_"+tc.effect.String(), func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod"})
			s := e.Session(Principal{Who: "alice (key SHA256:x)", User: "alice", Role: tc.role})
			a := newFake(tc.effect, "web")
			ok, why := s.Availability(a)
			if ok != tc.ok {
				t.Fatalf("Availability = %v %q, want %v", ok, why, tc.ok)
			}
			p, err := s.Prepare(context.Background(), a, time.Time{})
			if !tc.ok {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), why) {
					t.Fatalf("Prepare = %v, want the refusal %q", err, why)
				}
				es := readAudit(t, path)
				if len(es) != 1 || es[0].Who != "alice (key SHA256:x)" || es[0].Result != StatusRefused {
					t.Fatalf("audit = %+v", es)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			conf := "y"
			if tc.effect == Destructive {
				conf = "web"
			}
			r, err := s.Start(p, conf)
			if err != nil {
				t.Fatal(err)
			}
			<-r.Done()
			es := readAudit(t, path)
			if last := es[len(es)-1]; last.Who != "alice (key SHA256:x)" || last.Result != StatusSucceeded {
				t.Fatalf("audit = %+v", es)
			}
		})
	}
}

// TestSessionClose: closing a session cancels its own run (audited
// cancelled, under its user) and leaves another session's run going.
func TestSessionClose(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	alice := e.Session(Principal{Who: "alice", User: "alice", Role: RoleOperator})
	bob := e.Session(Principal{Who: "bob", User: "bob", Role: RoleOperator})
	start := func(s *Session, name string) *Run { return startBlocking(t, s, name) }
	ra, rb := start(alice, "web"), start(bob, "api")
	n, err := alice.Close(context.Background(), "the SSH session dropped")
	if n != 1 || err != nil {
		t.Fatalf("Close = %d, %v", n, err)
	}
	<-ra.Done()
	if res := ra.Result(); res.Status != StatusCancelled || !strings.Contains(res.Error, "SSH session dropped") {
		t.Fatalf("alice's run: %+v", res)
	}
	select {
	case <-rb.Done():
		t.Fatal("bob's run was stopped by alice's session closing")
	default:
	}
	if _, err := alice.Prepare(context.Background(), newFake(Safe, "x"), time.Time{}); !errors.Is(err, ErrRefused) {
		t.Fatalf("Prepare after Close = %v", err)
	}
	found := false
	for _, en := range readAudit(t, path) {
		if en.Who == "alice" && en.Result == StatusCancelled && en.Target == "deployment/shop/web" {
			found = true
		}
	}
	if !found {
		t.Fatalf("alice's cancelled run not audited: %+v", readAudit(t, path))
	}
	rb.Cancel()
	<-rb.Done()
}

// TestSessionKeepRunning: a run its owner marked to keep running goes on
// when the session closes, audited "left running" under the owner's name
// with the reason; the owner's other run is cancelled; another session
// may not make the choice; the run's outcome then replaces the record.
func TestSessionKeepRunning(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	alice := e.Session(Principal{Who: "alice (key SHA256:a)", User: "alice", Role: RoleOperator})
	bob := e.Session(Principal{Who: "bob", User: "bob", Role: RoleOperator})
	start := func(s *Session, name string) *Run { return startBlocking(t, s, name) }
	kept, dropped := start(alice, "web"), start(alice, "api")
	if err := bob.KeepRunning(kept, true); !errors.Is(err, ErrRefused) {
		t.Fatalf("bob chose for alice's run: %v", err)
	}
	if err := alice.KeepRunning(kept, true); err != nil || !kept.KeepsRunning() {
		t.Fatalf("KeepRunning = %v (keeps %v)", err, kept.KeepsRunning())
	}
	n, err := alice.Close(context.Background(), "the SSH session of alice ended (SIGHUP)")
	if n != 1 || err != nil {
		t.Fatalf("Close = %d, %v", n, err)
	}
	<-dropped.Done()
	if res := dropped.Result(); res.Status != StatusCancelled {
		t.Fatalf("the run not kept: %+v", res)
	}
	select {
	case <-kept.Done():
		t.Fatalf("the kept run stopped: %+v", kept.Result())
	default:
	}
	if !slices.Contains(bob.Runs(), kept) {
		t.Fatal("the kept run is not listed to the other session")
	}
	left := func() *AuditEntry {
		for _, en := range readAudit(t, path) {
			if en.AuditID == kept.ID() {
				return &en
			}
		}
		return nil
	}
	if en := left(); en == nil || en.Result != StatusLeftRunning || en.Who != "alice (key SHA256:a)" ||
		!strings.Contains(en.Error, "left running after disconnect: the SSH session of alice ended") {
		t.Fatalf("the kept run's audit entry = %+v", en)
	}
	kept.Cancel()
	<-kept.Done()
	if en := left(); en == nil || en.Result != StatusCancelled {
		t.Fatalf("the kept run's outcome did not replace its record: %+v", en)
	}
	if err := alice.KeepRunning(kept, true); !errors.Is(err, ErrRefused) {
		t.Fatalf("KeepRunning on an ended run = %v", err)
	}
}

// startBlocking starts, through s, a mutating run on deployment name
// that blocks until cancelled, once it runs.
func startBlocking(t *testing.T, s *Session, name string) *Run {
	t.Helper()
	a := newFake(Mutating, name)
	a.block, a.started = true, make(chan struct{})
	p, err := s.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	<-a.started
	return r
}

// TestSessionCancel: a user cancels their own run, an admin anyone's, and
// the outcome names who cancelled; an operator's or a viewer's cancel of
// another user's run is refused, audited under their name, and the run
// goes on.
func TestSessionCancel(t *testing.T) {
	tests := []struct {
		name   string
		who    Principal
		own    bool
		wantOK bool
	}{
		{"owner", Principal{Who: "alice (key SHA256:a)", User: "alice", Role: RoleOperator}, true, true},
		{"admin", Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleAdmin}, false, true},
		{"other operator", Principal{Who: "bob (key SHA256:b)", User: "bob", Role: RoleOperator}, false, false},
		{"viewer", Principal{Who: "vic (key SHA256:v)", User: "vic", Role: RoleViewer}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod"})
			alice := e.Session(Principal{Who: "alice (key SHA256:a)", User: "alice", Role: RoleOperator})
			r := startBlocking(t, alice, "web")
			t.Cleanup(func() { r.Cancel(); <-r.Done() })
			s := alice
			if !tc.own {
				s = e.Session(tc.who)
			}
			err := s.Cancel(r)
			if !tc.wantOK {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "alice's run") {
					t.Fatalf("Cancel = %v, want a refusal naming alice's run", err)
				}
				select {
				case <-r.Done():
					t.Fatalf("the run stopped: %+v", r.Result())
				default:
				}
				var refused bool
				for _, en := range readAudit(t, path) {
					refused = refused || (en.Who == tc.who.Who && en.Result == StatusRefused && strings.Contains(en.Error, "cancel of run "+r.ID()))
				}
				if !refused {
					t.Fatalf("the refused cancel is not audited under %s: %+v", tc.who.Who, readAudit(t, path))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			<-r.Done()
			if res := r.Result(); res.Status != StatusCancelled || !strings.Contains(res.Error, "cancelled by "+tc.who.Who) {
				t.Fatalf("result = %+v, want cancelled by %s", res, tc.who.Who)
			}
		})
	}
}

package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// fakeShell is an Interactive action: RunAttached echoes the terminal's
// input to its output and ends with its status, or waits for ctx.
type fakeShell struct {
	fakeAction
	exit    int
	fail    error
	running chan struct{}
	// sawControlling, when set, records Terminal.Controlling.
	sawControlling *bool
	// holdsOwn records HoldsOwnTerminal while it runs.
	holdsOwn bool
}

func newFakeShell() *fakeShell {
	f := &fakeShell{fakeAction: fakeAction{
		spec: Spec{Name: VerbShell, Target: Ref{Kind: KindPod, Cluster: "lab", Namespace: "shop", Name: "web-1"}, Runner: "fake",
			Effect: Mutating, Description: "shell in container app of pod shop/web-1 (context lab): kubectl exec -it web-1 -c app"},
		plan: Plan{Summary: "shell in container app of pod shop/web-1 (context lab)"},
	}}
	return f
}

func (f *fakeShell) Argv() []string { return []string{"kubectl", "exec", "-it", "web-1", "-c", "app"} }

func (f *fakeShell) RunAttached(ctx context.Context, t Terminal, log io.Writer) (string, error) {
	fmt.Fprintln(log, "$ kubectl exec -it web-1 -c app (attached to the terminal)")
	if f.sawControlling != nil {
		*f.sawControlling = t.Controlling
	}
	f.holdsOwn = HoldsOwnTerminal()
	if f.block {
		close(f.running)
		<-ctx.Done()
		return "", ctx.Err()
	}
	b, _ := io.ReadAll(t.In)
	fmt.Fprintf(t.Out, "echo: %s", b)
	if f.fail != nil {
		return "", f.fail
	}
	return fmt.Sprintf("the shell exited with status %d", f.exit), nil
}

// TestAttachRunsOnTheTerminal: an attached action gets the terminal, is a
// run of the executor while it runs, and is audited: started, then its
// outcome with how it ended, the plan naming the container.
func TestAttachRunsOnTheTerminal(t *testing.T) {
	tests := []struct {
		name       string
		exit       int
		fail       error
		wantStatus string
		wantText   string
	}{
		{"exit 0", 0, nil, StatusSucceeded, "the shell exited with status 0"},
		{"exit 3 in the shell", 3, nil, StatusSucceeded, "the shell exited with status 3"},
		{"kubectl failed", 0, errors.New("kubectl exec: exit status 1: error: unable to upgrade connection"), StatusFailed, "unable to upgrade connection"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "lab", Identity: "alice"})
			a := newFakeShell()
			a.exit, a.fail = tc.exit, tc.fail
			at, err := e.Attach(context.Background(), a, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			at.SetStdin(strings.NewReader("ls\n"))
			at.SetStdout(&out)
			at.SetStderr(io.Discard)
			err = at.Run()
			if (err == nil) != (tc.wantStatus == StatusSucceeded) {
				t.Fatalf("Run = %v, want status %s", err, tc.wantStatus)
			}
			if out.String() != "echo: ls\n" {
				t.Errorf("the terminal got %q", out.String())
			}
			// the console's own terminal: its SIGINT is the shell's while it runs
			if !a.holdsOwn || HoldsOwnTerminal() {
				t.Errorf("HoldsOwnTerminal %v while the shell ran, %v after; want true, false", a.holdsOwn, HoldsOwnTerminal())
			}
			res := at.Result()
			if res.Status != tc.wantStatus || !strings.Contains(res.VerifyMessage+res.Error, tc.wantText) {
				t.Errorf("result = %+v, want %s with %q", res, tc.wantStatus, tc.wantText)
			}
			es, _, err := ReadAudit(path, 0)
			if err != nil || len(es) != 1 {
				t.Fatalf("audit = %+v, %v", es, err)
			}
			got := es[0]
			if got.Who != "alice" || got.Action != "shell" || got.Target != "pod/shop/web-1" || got.Result != tc.wantStatus ||
				!strings.Contains(got.Plan.Summary, "container app") || !strings.Contains(got.Verify+got.Error, tc.wantText) {
				t.Errorf("audit entry = %+v", got)
			}
			if runs := e.Runs(); len(runs) != 1 || runs[0].ID() != at.ID() {
				t.Errorf("runs = %v, want the attached run", runs)
			}
			if err := at.Run(); !errors.Is(err, ErrRefused) {
				t.Errorf("a second Run = %v, want a refusal", err)
			}
		})
	}
}

// TestAttachRefusals: read-only mode, a viewer, a session with no terminal
// to hand over (SetTerminal not called) and the Prepare path refuse an attached action, each with
// its reason, each audited; Availability says the same reason first.
func TestAttachRefusals(t *testing.T) {
	t.Run("read-only", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod", ReadOnly: true})
		a := newFakeShell()
		ok, why := e.Availability(a)
		if ok || !strings.Contains(why, "read-only") {
			t.Fatalf("Availability = %v %q", ok, why)
		}
		_, err := e.Attach(context.Background(), a, time.Time{})
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), why) {
			t.Fatalf("Attach = %v, want the refusal %q", err, why)
		}
		es := readAudit(t, path)
		if len(es) != 1 || es[0].Result != StatusRefused || !strings.Contains(es[0].Plan.Summary, "container app") {
			t.Fatalf("audit = %+v", es)
		}
		if _, runs := a.counts(); runs != 0 {
			t.Errorf("ran %d times", runs)
		}
	})
	t.Run("viewer", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		s := e.Session(Principal{Who: "bob (key SHA256:y)", User: "bob", Role: RoleViewer})
		ok, why := s.Availability(newFakeShell())
		if ok || !strings.Contains(why, "bob is viewer") {
			t.Fatalf("Availability = %v %q", ok, why)
		}
		_, err := s.Attach(context.Background(), newFakeShell(), time.Time{})
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), why) {
			t.Fatalf("Attach = %v", err)
		}
		if es := readAudit(t, path); len(es) != 1 || es[0].Who != "bob (key SHA256:y)" || es[0].Result != StatusRefused {
			t.Fatalf("audit = %+v", es)
		}
	})
	t.Run("operator in a session without a terminal", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		s := e.Session(Principal{Who: "carol", User: "carol", Role: RoleOperator})
		if ok, why := s.Availability(newFakeShell()); ok || why != NoTerminal {
			t.Fatalf("Availability = %v %q, want %q", ok, why, NoTerminal)
		}
		if _, err := s.Attach(context.Background(), newFakeShell(), time.Time{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), NoTerminal) {
			t.Fatalf("Attach = %v", err)
		}
		if es := readAudit(t, path); len(es) != 1 || es[0].Who != "carol" || es[0].Result != StatusRefused {
			t.Fatalf("audit = %+v", es)
		}
	})
	t.Run("prepare", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		res := e.Execute(context.Background(), newFakeShell(), true, io.Discard)
		if res.Status != StatusRefused || !strings.Contains(res.Error, "attached to a terminal") {
			t.Fatalf("Execute = %+v", res)
		}
		if es := readAudit(t, path); len(es) != 1 || es[0].Result != StatusRefused {
			t.Fatalf("audit = %+v", es)
		}
	})
	t.Run("not interactive", func(t *testing.T) {
		e, _ := newTestExecutor(t, Options{Env: "prod"})
		if _, err := e.Attach(context.Background(), newFake(Mutating, "web"), time.Time{}); !errors.Is(err, ErrRefused) {
			t.Fatalf("Attach of a background action = %v", err)
		}
	})
}

// TestSessionAttach: a console serve session with a terminal (an SSH
// session's pty) hands it to an operator's shell: the run is audited under
// the user's name and key, gets the terminal as its controlling terminal
// when told so, and the session's Close (the connection dropped) cancels
// it, audited with the reason; a viewer of the same session kind is
// refused with the role's reason, audited.
func TestSessionAttach(t *testing.T) {
	t.Run("operator runs", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		s := e.Session(Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleOperator})
		s.SetTerminal(true)
		a := newFakeShell()
		a.sawControlling = new(bool)
		if ok, why := s.Availability(a); !ok {
			t.Fatalf("Availability = %q", why)
		}
		at, err := s.Attach(context.Background(), a, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		at.SetStdin(strings.NewReader("id\n"))
		at.SetStdout(&out)
		at.SetStderr(io.Discard)
		at.SetControllingTerminal(true)
		if err := at.Run(); err != nil {
			t.Fatal(err)
		}
		if out.String() != "echo: id\n" || !*a.sawControlling || a.holdsOwn {
			t.Errorf("the terminal got %q, controlling %v, holds the console's own terminal %v", out.String(), *a.sawControlling, a.holdsOwn)
		}
		es := readAudit(t, path)
		if len(es) != 1 || es[0].Who != "carol (key SHA256:c)" || es[0].Result != StatusSucceeded || es[0].Verify != "the shell exited with status 0" {
			t.Fatalf("audit = %+v", es)
		}
	})
	t.Run("viewer refused", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		s := e.Session(Principal{Who: "bob (key SHA256:b)", User: "bob", Role: RoleViewer})
		s.SetTerminal(true)
		ok, why := s.Availability(newFakeShell())
		if ok || why != "role: bob is viewer in prod; shell needs operator" {
			t.Fatalf("Availability = %v %q", ok, why)
		}
		a := newFakeShell()
		if _, err := s.Attach(context.Background(), a, time.Time{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), why) {
			t.Fatalf("Attach = %v", err)
		}
		if es := readAudit(t, path); len(es) != 1 || es[0].Who != "bob (key SHA256:b)" || es[0].Result != StatusRefused {
			t.Fatalf("audit = %+v", es)
		}
		if _, runs := a.counts(); runs != 0 {
			t.Errorf("ran %d times", runs)
		}
	})
	t.Run("the session closing ends it", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		s := e.Session(Principal{Who: "carol (key SHA256:c)", User: "carol", Role: RoleOperator})
		s.SetTerminal(true)
		a := newFakeShell()
		a.block, a.running = true, make(chan struct{})
		at, err := s.Attach(context.Background(), a, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- at.Run() }()
		<-a.running
		n, err := s.Close(context.Background(), "the SSH session of carol ended (SIGHUP)")
		if err != nil || n != 1 {
			t.Fatalf("Close = %d, %v", n, err)
		}
		if err := <-done; err == nil {
			t.Fatal("Run returned nil after the session closed")
		}
		es := readAudit(t, path)
		if len(es) != 1 || es[0].Who != "carol (key SHA256:c)" || es[0].Result != StatusCancelled || !strings.Contains(es[0].Error, "the SSH session of carol ended (SIGHUP)") {
			t.Fatalf("audit = %+v", es)
		}
		if _, err := s.Attach(context.Background(), newFakeShell(), time.Time{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "closed") {
			t.Fatalf("Attach after Close = %v", err)
		}
	})
}

// TestAttachShutdown: the console quitting (or its terminal closing) ends
// an attached run through the executor like any other, audited cancelled.
func TestAttachShutdown(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "lab"})
	a := newFakeShell()
	a.block, a.running = true, make(chan struct{})
	at, err := e.Attach(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- at.Run() }()
	<-a.running
	if ok, why := e.Availability(newFakeShell()); ok || !strings.Contains(why, "already running") {
		t.Errorf("a second shell in the same container: %v %q", ok, why)
	}
	forward := newFake(Mutating, "web-1")
	forward.spec.Target = a.spec.Target // a port-forward to the same pod
	if ok, why := e.Availability(forward); !ok {
		t.Errorf("a background run is not held up by the shell: %q", why)
	}
	n, err := e.Shutdown(context.Background(), "test")
	if err != nil || n != 1 {
		t.Fatalf("Shutdown = %d, %v", n, err)
	}
	if err := <-done; err == nil {
		t.Fatal("Run returned nil after a shutdown")
	}
	es := readAudit(t, path)
	if len(es) != 1 || es[0].Result != StatusCancelled {
		t.Fatalf("audit = %+v", es)
	}
}

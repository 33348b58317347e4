package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAction records calls; its behaviour is set per test.
type fakeAction struct {
	spec      Spec
	checkErr  error
	plan      Plan
	runErr    error
	block     bool // Run waits for ctx
	started   chan struct{}
	verifyOK  bool
	verifyMsg string // default "target in the intended state"
	verifyErr error

	mu     sync.Mutex
	checks int
	runs   int
}

func (f *fakeAction) Spec() Spec { return f.spec }
func (f *fakeAction) Check(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	return f.checkErr
}
func (f *fakeAction) Preview(_ context.Context, out io.Writer) (Plan, error) {
	fmt.Fprintln(out, "previewing")
	return f.plan, nil
}
func (f *fakeAction) Run(ctx context.Context, _ Plan, out io.Writer) error {
	f.mu.Lock()
	f.runs++
	f.mu.Unlock()
	fmt.Fprintln(out, "line one")
	fmt.Fprint(out, "partial \x1b[31mred\x1b[0m")
	if f.block {
		if f.started != nil {
			close(f.started)
		}
		<-ctx.Done()
		return ctx.Err()
	}
	return f.runErr
}
func (f *fakeAction) Verify(context.Context) (bool, string, error) {
	if f.verifyMsg == "" {
		return f.verifyOK, "target in the intended state", f.verifyErr
	}
	return f.verifyOK, f.verifyMsg, f.verifyErr
}

func (f *fakeAction) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks, f.runs
}

func newFake(effect Effect, name string) *fakeAction {
	return &fakeAction{
		spec:     Spec{Name: "restart", Target: Ref{Kind: "deployment", Namespace: "shop", Name: name}, Runner: "fake", Effect: effect},
		plan:     Plan{Summary: "1 to change", Change: 1, Resources: []string{"deployment/" + name}},
		verifyOK: true,
	}
}

func newTestExecutor(t *testing.T, o Options) (*Executor, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "console", "audit.jsonl")
	o.AuditPath = path
	e, err := NewExecutor(o)
	if err != nil {
		t.Fatal(err)
	}
	return e, path
}

func readAudit(t *testing.T, path string) []AuditEntry {
	t.Helper()
	es, bad, err := ReadAudit(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Fatalf("%d malformed audit lines", bad)
	}
	return es
}

func TestExecuteStatuses(t *testing.T) {
	tests := []struct {
		name       string
		readOnly   bool
		effect     Effect
		yes        bool
		checkErr   error
		runErr     error
		wantStatus string
		wantRuns   int
		wantRefuse bool
	}{
		{name: "no yes plans only", effect: Destructive, wantStatus: StatusPlanned},
		{name: "yes runs", effect: Mutating, yes: true, wantStatus: StatusSucceeded, wantRuns: 1},
		{name: "destructive with yes runs", effect: Destructive, yes: true, wantStatus: StatusSucceeded, wantRuns: 1},
		{name: "read-only refuses mutating", readOnly: true, effect: Mutating, yes: true, wantStatus: StatusRefused, wantRefuse: true},
		{name: "read-only allows safe", readOnly: true, effect: Safe, yes: true, wantStatus: StatusSucceeded, wantRuns: 1},
		{name: "failed check refuses", effect: Mutating, yes: true, checkErr: errors.New("deployment not found"), wantStatus: StatusRefused, wantRefuse: true},
		{name: "failed run", effect: Mutating, yes: true, runErr: errors.New("exit status 1"), wantStatus: StatusFailed, wantRuns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod", ReadOnly: tt.readOnly, Identity: "alice"})
			a := newFake(tt.effect, "web")
			a.checkErr, a.runErr = tt.checkErr, tt.runErr
			var progress bytes.Buffer
			res := e.Execute(context.Background(), a, tt.yes, &progress)
			if res.Status != tt.wantStatus {
				t.Fatalf("status %q (error %q), want %q", res.Status, res.Error, tt.wantStatus)
			}
			if _, runs := a.counts(); runs != tt.wantRuns {
				t.Errorf("runs = %d, want %d", runs, tt.wantRuns)
			}
			if tt.wantRefuse && !strings.Contains(res.Error, "refused") {
				t.Errorf("refusal error %q lacks the reason prefix", res.Error)
			}
			if tt.readOnly && tt.wantRefuse && !strings.Contains(res.Error, "read-only") {
				t.Errorf("read-only refusal %q does not say why", res.Error)
			}
			es := readAudit(t, path)
			if len(es) != 1 {
				t.Fatalf("%d audit lines, want 1", len(es))
			}
			got := es[0]
			if got.Result != tt.wantStatus || got.Who != "alice" || got.Env != "prod" || got.Action != "restart" ||
				got.Target != "deployment/shop/web" || got.AuditID == "" {
				t.Errorf("audit entry %+v", got)
			}
			if res.AuditID != got.AuditID {
				t.Errorf("result audit id %q != audit line %q", res.AuditID, got.AuditID)
			}
			if tt.wantStatus == StatusSucceeded {
				if !res.Verified || !got.Verified {
					t.Errorf("not verified: %+v", res)
				}
				if !strings.Contains(progress.String(), "line one") || !strings.Contains(progress.String(), "partial red") {
					t.Errorf("output not streamed (or not sanitised): %q", progress.String())
				}
			}
		})
	}
}

func TestAuditFileModes(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "dev"})
	e.Execute(context.Background(), newFake(Mutating, "web"), false, io.Discard)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("audit file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("audit dir mode %v, want 0700", di.Mode().Perm())
	}
}

func TestInteractiveFlow(t *testing.T) {
	tests := []struct {
		name    string
		effect  Effect
		input   string
		wantErr bool
		prompt  string
	}{
		{name: "destructive needs the name", effect: Destructive, input: "web", prompt: "type web to confirm"},
		{name: "destructive refuses y", effect: Destructive, input: "y", wantErr: true, prompt: "type web to confirm"},
		{name: "destructive refuses a prefix", effect: Destructive, input: "we", wantErr: true, prompt: "type web to confirm"},
		{name: "mutating takes y", effect: Mutating, input: "y", prompt: "press y to confirm"},
		{name: "mutating refuses n", effect: Mutating, input: "n", wantErr: true, prompt: "press y to confirm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod"})
			a := newFake(tt.effect, "web")
			p, err := e.Prepare(context.Background(), a, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if p.Prompt() != tt.prompt {
				t.Errorf("prompt %q, want %q", p.Prompt(), tt.prompt)
			}
			r, err := e.Start(p, tt.input)
			if tt.wantErr {
				refusedUnrun(t, err, a, path)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			<-r.Done()
			if res := r.Result(); res.Status != StatusSucceeded {
				t.Fatalf("result %+v", res)
			}
			if checks, _ := a.counts(); checks != 2 {
				t.Errorf("Check called %d times, want 2 (before preview and before run)", checks)
			}
			lines := r.Lines()
			if len(lines) < 2 || lines[0] != "line one" {
				t.Errorf("lines %q", lines)
			}
			if runs := e.Runs(); len(runs) != 1 || runs[0] != r {
				t.Errorf("Runs() = %v", runs)
			}
			// A confirmation is used once.
			if _, err := e.Start(p, tt.input); !errors.Is(err, ErrRefused) {
				t.Errorf("second Start with the same pending: %v", err)
			}
		})
	}
}

func TestDeclineIsAudited(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	p, err := e.Prepare(context.Background(), newFake(Destructive, "db"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e.Decline(p)
	e.Decline(p) // once only
	es := readAudit(t, path)
	if len(es) != 1 || es[0].Result != StatusCancelled {
		t.Fatalf("audit %+v", es)
	}
}

func TestPreconditionsRecheckedBeforeRun(t *testing.T) {
	e, _ := newTestExecutor(t, Options{Env: "prod"})
	a := newFake(Mutating, "web")
	p, err := e.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.checkErr = errors.New("deployment web is gone")
	a.mu.Unlock()
	if _, err := e.Start(p, "y"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("want refusal naming the failed precondition, got %v", err)
	}
}

func TestStaleDataRefused(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod", MaxDataAge: time.Minute})
	_, err := e.Prepare(context.Background(), newFake(Mutating, "web"), time.Now().Add(-time.Hour))
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "old") {
		t.Fatalf("want stale-data refusal, got %v", err)
	}
	if es := readAudit(t, path); len(es) != 1 || es[0].Result != StatusRefused {
		t.Errorf("audit %+v", es)
	}
}

func TestOneRunPerTargetAndCancel(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	a := newFake(Mutating, "web")
	a.block = true
	a.started = make(chan struct{})
	p, err := e.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	<-a.started
	if e.Running(a) != r {
		t.Error("Running does not report the run")
	}
	// A second action on the same target is refused while the first runs.
	if _, err := e.Prepare(context.Background(), newFake(Mutating, "web"), time.Time{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("want already-running refusal, got %v", err)
	}
	// Another target is fine.
	if _, err := e.Prepare(context.Background(), newFake(Mutating, "api"), time.Time{}); err != nil {
		t.Fatalf("other target: %v", err)
	}
	if r.Result().Status != StatusRunning {
		t.Errorf("status while running: %q", r.Result().Status)
	}
	r.Cancel()
	<-r.Done()
	if res := r.Result(); res.Status != StatusCancelled {
		t.Fatalf("result after cancel %+v", res)
	}
	es := readAudit(t, path)
	var results []string
	for _, x := range es {
		results = append(results, x.Result)
	}
	if strings.Join(results, ",") != "refused,cancelled" {
		t.Errorf("audit results %v, want refused then cancelled", results)
	}
	if e.Running(a) != nil {
		t.Error("target still marked running")
	}
}

func TestTimeout(t *testing.T) {
	e, _ := newTestExecutor(t, Options{Env: "prod"})
	a := newFake(Mutating, "web")
	a.block = true
	a.spec.Timeout = 50 * time.Millisecond
	res := e.Execute(context.Background(), a, true, io.Discard)
	if res.Status != StatusFailed || !strings.Contains(res.Error, "timed out") {
		t.Fatalf("result %+v", res)
	}
}

func TestExecuteCancelledByContext(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	a := newFake(Mutating, "web")
	a.block = true
	a.started = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-a.started; cancel() }()
	res := e.Execute(ctx, a, true, io.Discard)
	if res.Status != StatusCancelled {
		t.Fatalf("result %+v", res)
	}
	if es := readAudit(t, path); len(es) != 1 || es[0].Result != StatusCancelled {
		t.Errorf("audit %+v", es)
	}
}

func TestAuditRedactsSecrets(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	a := newFake(Mutating, "web")
	a.runErr = errors.New("connect failed: password=topsecret123")
	e.Execute(context.Background(), a, true, io.Discard)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "topsecret123") {
		t.Fatalf("secret in audit log: %s", b)
	}
}

func TestConcurrentAppendsStayWellFormed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const n = 40
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := l.Append(AuditEntry{AuditID: fmt.Sprint(i), Action: "x", Plan: PlanSummary{Summary: strings.Repeat("y", 5000)}}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	es, bad, err := ReadAudit(path, 0)
	if err != nil || bad != 0 || len(es) != n {
		t.Fatalf("read %d entries, %d bad, err %v", len(es), bad, err)
	}
	last, _, err := ReadAudit(path, 5)
	if err != nil || len(last) != 5 || last[4].AuditID != es[n-1].AuditID {
		t.Fatalf("limit: %d entries, err %v", len(last), err)
	}
}

// TestVerificationDecidesTheOutcome: a run whose verification found the
// intended state not reached is failed (saying what is missing) in the
// result, the run's lines and the audit; one that could not be verified is
// succeeded but not verified; only a passed verification is "verified".
func TestVerificationDecidesTheOutcome(t *testing.T) {
	tests := []struct {
		name         string
		ok           bool
		msg          string
		err          error
		wantStatus   string
		wantVerified bool
		wantMessage  string
		wantError    string
	}{
		{name: "reached", ok: true, msg: "3 of 3 pods ready", wantStatus: StatusSucceeded, wantVerified: true,
			wantMessage: "3 of 3 pods ready"},
		{name: "not reached fails the run", ok: false, msg: "2 of 3 updated replicas are available",
			wantStatus: StatusFailed, wantMessage: "2 of 3 updated replicas are available",
			wantError: "verification failed: 2 of 3 updated replicas are available"},
		{name: "not reached without a message still fails", ok: false, msg: "", wantStatus: StatusFailed,
			wantMessage: "the intended state was not reached", wantError: "verification failed: the intended state was not reached"},
		{name: "ok with an error is not verified", ok: true, msg: "x", err: errors.New("connection refused"),
			wantStatus: StatusSucceeded, wantMessage: "could not verify: connection refused"},
		{name: "could not verify", ok: false, err: errors.New("connection refused"), wantStatus: StatusSucceeded,
			wantMessage: "could not verify: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod", Identity: "alice"})
			a := newFake(Mutating, "web")
			a.verifyOK, a.verifyErr = tt.ok, tt.err
			a.verifyMsg = tt.msg
			if tt.msg == "" && tt.err == nil {
				a.verifyMsg = " " // an empty message from Verify
			}
			var progress bytes.Buffer
			res := e.Execute(context.Background(), a, true, &progress)
			if res.Status != tt.wantStatus || res.Verified != tt.wantVerified || res.Error != tt.wantError {
				t.Fatalf("result status %q verified %v error %q, want %q %v %q",
					res.Status, res.Verified, res.Error, tt.wantStatus, tt.wantVerified, tt.wantError)
			}
			if strings.TrimSpace(res.VerifyMessage) != tt.wantMessage {
				t.Errorf("verify message %q, want %q", res.VerifyMessage, tt.wantMessage)
			}
			if !strings.Contains(progress.String(), "verify: "+strings.TrimSpace(tt.wantMessage)) {
				t.Errorf("the run's output does not say the verification: %q", progress.String())
			}
			es := readAudit(t, path)
			if len(es) != 1 {
				t.Fatalf("%d audit entries, want 1", len(es))
			}
			got := es[0]
			if got.Result != tt.wantStatus || got.Verified != tt.wantVerified ||
				strings.TrimSpace(got.Verify) != tt.wantMessage || got.Error != tt.wantError {
				t.Errorf("audit entry result %q verified %v verify %q error %q", got.Result, got.Verified, got.Verify, got.Error)
			}
		})
	}
}

// secretAction prints a secret in its output.
type secretAction struct{ *fakeAction }

func (s secretAction) Run(ctx context.Context, _ Plan, out io.Writer) error {
	for i := range maxLines + 10 {
		fmt.Fprintf(out, "line %d\n", i)
	}
	fmt.Fprintln(out, "connecting with password=hunter2 to the primary")
	return nil
}

// TestRunOutputKeptInFull: the whole output of a run (more than the lines
// kept in memory) is saved with its audit id, 0600, redacted.
func TestRunOutputKeptInFull(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod", Identity: "alice"})
	res := e.Execute(context.Background(), secretAction{newFake(Mutating, "web")}, true, io.Discard)
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	p, err := OutputPath(path, res.AuditID)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept output %s: %v %v, want 0600", p, fi, err)
	}
	b, err := ReadOutput(path, res.AuditID)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if !strings.HasPrefix(out, "line 0\n") || !strings.Contains(out, fmt.Sprintf("line %d\n", maxLines+9)) {
		t.Errorf("output not kept in full (%d bytes, starts %q)", len(out), out[:min(len(out), 20)])
	}
	if strings.Contains(out, "hunter2") || !strings.Contains(out, "password=") {
		t.Errorf("secret not redacted: %q", out[max(0, len(out)-200):])
	}
	if !strings.Contains(out, "verify: target in the intended state") {
		t.Errorf("the verification is not in the kept output")
	}
	if _, err := ReadOutput(path, "../audit"); err == nil {
		t.Error("a path outside the output directory was read")
	}
}

// refusedUnrun checks an unconfirmed Start: refused, nothing ran, one
// refusal audited.
func refusedUnrun(t *testing.T, err error, a *fakeAction, path string) {
	t.Helper()
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("want ErrRefused, got %v", err)
	}
	if _, runs := a.counts(); runs != 0 {
		t.Error("ran without confirmation")
	}
	if es := readAudit(t, path); len(es) != 1 || es[0].Result != StatusRefused {
		t.Errorf("audit %+v", es)
	}
}

// twoStep is a destructive action that needs a second typed confirmation.
type twoStep struct{ *fakeAction }

func (twoStep) SecondConfirmation() string { return "overwrite web" }

// TestSecondConfirmation: an action with a second confirmation runs only
// when both answers match, in order (interactive and Execute); every
// other answer is refused, audited, and nothing runs.
func TestSecondConfirmation(t *testing.T) {
	tests := []struct {
		name    string
		answers []string
		ok      bool
	}{
		{"name then phrase", []string{"web", "overwrite web"}, true},
		{"name only", []string{"web"}, false},
		{"phrase only", []string{"overwrite web"}, false},
		{"swapped", []string{"overwrite web", "web"}, false},
		{"wrong phrase", []string{"web", "overwrite"}, false},
		{"extra answer", []string{"web", "overwrite web", "y"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod"})
			a := twoStep{newFake(Destructive, "web")}
			p, err := e.Prepare(context.Background(), a, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(p.Prompts(), " | "); got != "type web to confirm | type overwrite web to confirm again" {
				t.Errorf("prompts %q", got)
			}
			if p.MatchesStep(1, "web") || !p.MatchesStep(1, "overwrite web") || p.MatchesStep(2, "overwrite web") {
				t.Error("MatchesStep")
			}
			r, err := e.Start(p, tt.answers[0], tt.answers[1:]...)
			if !tt.ok {
				refusedUnrun(t, err, a.fakeAction, path)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			<-r.Done()
			if res := r.Result(); res.Status != StatusSucceeded {
				t.Fatalf("result %+v", res)
			}
		})
	}
	t.Run("execute", func(t *testing.T) {
		e, path := newTestExecutor(t, Options{Env: "prod"})
		a := twoStep{newFake(Destructive, "web")}
		var out strings.Builder
		if res := e.Execute(context.Background(), a, true, &out); res.Status != StatusRefused || !strings.Contains(res.Error, `"overwrite web"`) {
			t.Errorf("--yes alone: %+v", res)
		}
		if res := e.ExecuteConfirmed(context.Background(), a, "overwrite", io.Discard); res.Status != StatusRefused {
			t.Errorf("a wrong phrase: %+v", res)
		}
		if _, runs := a.counts(); runs != 0 {
			t.Fatal("ran without the second confirmation")
		}
		if res := e.ExecuteConfirmed(context.Background(), a, "overwrite web", io.Discard); res.Status != StatusSucceeded {
			t.Errorf("both confirmations: %+v", res)
		}
		if es := readAudit(t, path); len(es) != 3 || es[0].Result != StatusRefused || es[1].Result != StatusRefused || es[2].Result != StatusSucceeded {
			t.Errorf("audit %+v", es)
		}
	})
}

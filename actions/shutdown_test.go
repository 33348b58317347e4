package actions

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawAudit returns the audit file's lines as written (no collapsing).
func rawAudit(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

// discardingAction is a fakeAction that records Discard calls.
type discardingAction struct {
	*fakeAction
	mu        sync.Mutex
	discarded int
}

func (d *discardingAction) Discard() {
	d.mu.Lock()
	d.discarded++
	d.mu.Unlock()
}

func (d *discardingAction) discards() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.discarded
}

func TestShutdownCancelsEveryAttempt(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})

	// Two runs in progress, one started by Start and one by Execute.
	a := newFake(Mutating, "web")
	a.block, a.started = true, make(chan struct{})
	p, err := e.Prepare(context.Background(), a, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	b := newFake(Mutating, "api")
	b.block, b.started = true, make(chan struct{})
	resc := make(chan Result, 1)
	go func() { resc <- e.Execute(context.Background(), b, true, io.Discard) }()
	// One action waiting for its confirmation, holding a saved plan.
	c := &discardingAction{fakeAction: newFake(Mutating, "db")}
	pc, err := e.Prepare(context.Background(), c, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	<-a.started
	<-b.started

	n, err := e.Shutdown(context.Background(), "SIGTERM")
	if err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n != 3 {
		t.Errorf("Shutdown cancelled %d attempts, want 3 (two runs, one pending)", n)
	}
	for _, res := range []Result{r.Result(), <-resc} {
		if res.Status != StatusCancelled || !strings.Contains(res.Error, "SIGTERM") {
			t.Errorf("run result %+v, want cancelled naming SIGTERM", res)
		}
	}
	if c.discards() != 1 {
		t.Errorf("the pending action's plan was discarded %d times, want 1", c.discards())
	}
	// One entry per attempt, each cancelled with the reason; the raw file
	// holds the two runs' "started" records too.
	es := readAudit(t, path)
	if len(es) != 3 {
		t.Fatalf("%d audit entries, want 3: %+v", len(es), es)
	}
	for _, x := range es {
		if x.Result != StatusCancelled || !strings.Contains(x.Error, "SIGTERM") {
			t.Errorf("audit entry %+v, want cancelled with the reason", x)
		}
	}
	if raw := rawAudit(t, path); len(raw) != 5 {
		t.Errorf("%d raw audit lines, want 5 (2 started + 3 outcomes)", len(raw))
	}

	// After Shutdown nothing new starts, and the refusal says why.
	if _, err := e.Prepare(context.Background(), newFake(Mutating, "other"), time.Time{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("Prepare after Shutdown: %v", err)
	}
	if _, err := e.Start(pc, "y"); err == nil {
		t.Error("a pending action declined by Shutdown started")
	}
	if runs := e.Active(); len(runs) != 0 {
		t.Errorf("%d runs still active", len(runs))
	}
}

// stubbornAction ignores cancellation until released.
type stubbornAction struct {
	*fakeAction
	release chan struct{}
}

func (s *stubbornAction) Run(ctx context.Context, _ Plan, _ io.Writer) error {
	close(s.started)
	<-s.release
	return ctx.Err()
}

func TestShutdownAuditsARunThatDoesNotStop(t *testing.T) {
	e, path := newTestExecutor(t, Options{Env: "prod"})
	a := &stubbornAction{fakeAction: newFake(Mutating, "web"), release: make(chan struct{})}
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
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time to wait at all
	n, err := e.Shutdown(ctx, "SIGHUP")
	if n != 1 || err == nil || !strings.Contains(err.Error(), "had not stopped") {
		t.Errorf("Shutdown = %d, %v; want 1 and a run that had not stopped", n, err)
	}
	es := readAudit(t, path)
	if len(es) != 1 || es[0].Result != StatusCancelled || !strings.Contains(es[0].Error, "not stopped in time") {
		t.Fatalf("audit %+v", es)
	}
	// When the run finally ends it writes no second outcome.
	close(a.release)
	<-r.Done()
	if raw := rawAudit(t, path); len(raw) != 2 {
		t.Errorf("raw audit %q, want started + one outcome", raw)
	}
}

func TestAuditFailsClosed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	path := filepath.Join(dir, "audit.jsonl")
	e, err := NewExecutor(Options{Env: "prod", AuditPath: path, Identity: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	// The log becomes unwritable: a directory where the file should be.
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	a := newFake(Destructive, "web")
	res := e.Execute(context.Background(), a, true, io.Discard)
	if res.Status != StatusRefused || !strings.Contains(res.Error, "audit") {
		t.Errorf("result %+v, want refused because of the audit log", res)
	}
	if _, runs := a.counts(); runs != 0 {
		t.Errorf("the action ran %d times with no audit log", runs)
	}

	// The log breaks between the preview and the run: the run is refused
	// before it changes anything.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	b := newFake(Mutating, "api")
	p, err := e.Prepare(context.Background(), b, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Start(p, "y"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "audit log") {
		t.Errorf("Start with a broken audit log: %v", err)
	}
	if _, runs := b.counts(); runs != 0 {
		t.Errorf("the action ran %d times with no audit record", runs)
	}
	if e.Running(b) != nil {
		t.Error("the refused run still holds its target")
	}
}

func TestAuditPermissionsTightened(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "audit.jsonl")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // past the umask
		t.Fatal(err)
	}
	if _, err := OpenAuditLog(path); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

func TestParseAuditReadsPastBadLines(t *testing.T) {
	good := `{"audit_id":"a1","result":"started","action":"apply"}` + "\n" +
		`{"audit_id":"b2","result":"refused","action":"drain"}` + "\n"
	tests := []struct {
		name    string
		in      string
		wantIDs string
		wantRes string
		wantBad int
	}{
		{name: "started then outcome", in: good + `{"audit_id":"a1","result":"succeeded"}` + "\n", wantIDs: "b2,a1", wantRes: "refused,succeeded"},
		{name: "lone started", in: good, wantIDs: "a1,b2", wantRes: "started,refused"},
		{name: "bad json", in: "{not json\n" + good, wantIDs: "a1,b2", wantRes: "started,refused", wantBad: 1},
		{name: "no id", in: `{"result":"succeeded"}` + "\n" + good, wantIDs: "a1,b2", wantRes: "started,refused", wantBad: 1},
		{name: "line over 4 MiB", in: `{"audit_id":"x","error":"` + strings.Repeat("A", 5<<20) + "\"}\n" + good, wantIDs: "a1,b2", wantRes: "started,refused", wantBad: 1},
		{name: "no final newline", in: strings.TrimSuffix(good, "\n"), wantIDs: "a1,b2", wantRes: "started,refused"},
		{name: "crlf", in: strings.ReplaceAll(good, "\n", "\r\n"), wantIDs: "a1,b2", wantRes: "started,refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, bad, err := ParseAudit(strings.NewReader(tt.in), 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids, res []string
			for _, e := range es {
				ids = append(ids, e.AuditID)
				res = append(res, e.Result)
			}
			if strings.Join(ids, ",") != tt.wantIDs || strings.Join(res, ",") != tt.wantRes || bad != tt.wantBad {
				t.Errorf("got ids %v results %v bad %d; want %s / %s / %d", ids, res, bad, tt.wantIDs, tt.wantRes, tt.wantBad)
			}
		})
	}
}

// FuzzParseAudit: no audit file, however broken, makes ParseAudit fail or
// panic; every entry it returns has an id and no id has two entries
// unless an outcome followed a lone "started".
func FuzzParseAudit(f *testing.F) {
	f.Add([]byte(`{"audit_id":"a1","result":"started"}` + "\n" + `{"audit_id":"a1","result":"cancelled"}` + "\n"))
	f.Add([]byte("{not json\n\n\r\n" + `{"audit_id":"","result":"x"}`))
	f.Add([]byte(`{"audit_id":"a","time":"not a time","plan":{"resources":[1,2]}}`))
	f.Add([]byte("\xff\xfe\x00{\"audit_id\":\"\u202e\"}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, limit := range []int{0, 1, 3} {
			es, bad, err := ParseAudit(bytes.NewReader(b), limit)
			if err != nil {
				t.Fatalf("ParseAudit: %v", err)
			}
			if bad < 0 || (limit > 0 && len(es) > limit) {
				t.Fatalf("%d entries (limit %d), %d bad", len(es), limit, bad)
			}
			for _, e := range es {
				if e.AuditID == "" {
					t.Fatalf("entry without an id: %+v", e)
				}
			}
		}
	})
}

// FuzzRedact: redaction never panics, and what it redacts stays redacted
// (applying it twice changes nothing more).
func FuzzRedact(f *testing.F) {
	f.Add(`var.db_password is "Sup3rS3cret-pw"`)
	f.Add(`{"password": "x\"y"} redis://:p@h --token abc`)
	f.Add("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Fatalf("Redact is not stable: %q → %q → %q", s, once, twice)
		}
	})
}

package terraform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// requireTerraform skips (or, in CI, fails) without a terraform binary.
func requireTerraform(t *testing.T) {
	t.Helper()
	lab.RequireProgram(t, "terraform")
	t.Setenv("TF_IN_AUTOMATION", "1")
	t.Setenv("TF_PLUGIN_CACHE_DIR", "")
	t.Setenv("CHECKPOINT_DISABLE", "1")
}

const threeResources = `
resource "terraform_data" "a" { input = "a" }
resource "terraform_data" "b" { input = "b" }
resource "terraform_data" "c" { input = "c" }
`

func newStack(t *testing.T, mainTF string) *Stack {
	t.Helper()
	requireTerraform(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(mainTF), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Stack{Name: "lab", Dir: dir, Grace: time.Minute, Timeout: 5 * time.Minute}
}

func newExecutor(t *testing.T, readOnly bool) (*actions.Executor, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	e, err := actions.NewExecutor(actions.Options{Env: "test", ReadOnly: readOnly, AuditPath: path, Identity: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	return e, path
}

func ids(t *testing.T, s *Stack) map[string]string {
	t.Helper()
	rs, err := s.Resources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rs {
		m[r.Address] = r.ID
	}
	return m
}

func mustSucceed(t *testing.T, e *actions.Executor, a actions.Action) actions.Result {
	t.Helper()
	var out bytes.Buffer
	res := e.Execute(context.Background(), a, true, &out)
	if res.Status != actions.StatusSucceeded {
		t.Fatalf("%s: status %s, error %q\n%s", a.Spec().Name, res.Status, res.Error, out.String())
	}
	return res
}

func auditLines(t *testing.T, path string) []actions.AuditEntry {
	t.Helper()
	es, bad, err := actions.ReadAudit(path, 0)
	if err != nil || bad != 0 {
		t.Fatalf("audit: %d bad lines, err %v", bad, err)
	}
	for _, e := range es {
		if e.AuditID == "" || e.Time.IsZero() || e.Who != "tester" || e.Env != "test" || e.Action == "" || e.Result == "" {
			t.Errorf("incomplete audit entry %+v", e)
		}
	}
	return es
}

func TestRebuildReplacesOnlyTheTarget(t *testing.T) {
	s := newStack(t, threeResources)
	s.Targets = map[string]string{"asg/workers": "terraform_data.b"}
	e, auditPath := newExecutor(t, false)
	mustSucceed(t, e, s.Apply())
	before := ids(t, s)
	if len(before) != 3 {
		t.Fatalf("state after apply: %v", before)
	}

	// Without --yes: the plan, nothing changed.
	planOnly := s.Rebuild("asg/workers")
	res := e.Execute(context.Background(), planOnly, false, io.Discard)
	if planOnly.planPath != "" {
		t.Errorf("saved plan %s kept after a plan-only run", planOnly.planPath)
	}
	if res.Status != actions.StatusPlanned || res.Plan.Replace != 1 || len(res.Plan.Resources) != 1 || res.Plan.Resources[0] != "terraform_data.b" {
		t.Fatalf("plan-only result %+v", res)
	}
	if got := ids(t, s); got["terraform_data.b"] != before["terraform_data.b"] {
		t.Fatal("a plan-only rebuild changed the state")
	}

	a := s.Rebuild("asg/workers")
	if sp := a.Spec(); sp.Effect != actions.Destructive || sp.Target.Name != "workers" {
		t.Errorf("rebuild spec %+v", sp)
	}
	res = mustSucceed(t, e, a)
	if !res.Verified {
		t.Errorf("not verified: %s", res.VerifyMessage)
	}
	after := ids(t, s)
	for addr, id := range before {
		changed := after[addr] != id
		if want := addr == "terraform_data.b"; changed != want {
			t.Errorf("%s: id changed=%v, want %v (before %s after %s)", addr, changed, want, id, after[addr])
		}
	}
	es := auditLines(t, auditPath)
	var results []string
	for _, x := range es {
		results = append(results, x.Action+":"+x.Result)
	}
	if strings.Join(results, ",") != "apply:succeeded,rebuild:planned,rebuild:succeeded" {
		t.Errorf("audit %v", results)
	}
	if es[2].Plan.Replace != 1 || es[2].Target != "asg/lab/workers" {
		t.Errorf("rebuild audit entry %+v", es[2])
	}
}

func TestRebuildUnknownAddressRefused(t *testing.T) {
	s := newStack(t, threeResources)
	e, _ := newExecutor(t, false)
	mustSucceed(t, e, s.Apply())
	res := e.Execute(context.Background(), s.Rebuild("terraform_data.nope"), true, io.Discard)
	if res.Status != actions.StatusRefused || !strings.Contains(res.Error, "not in the state") {
		t.Fatalf("result %+v", res)
	}
}

func TestTeardownDestroysAll(t *testing.T) {
	s := newStack(t, threeResources)
	e, _ := newExecutor(t, false)
	mustSucceed(t, e, s.Apply())
	res := mustSucceed(t, e, s.Teardown())
	if res.Plan.Destroy != 3 || !res.Verified {
		t.Errorf("teardown result %+v", res)
	}
	if got := ids(t, s); len(got) != 0 {
		t.Errorf("resources left: %v", got)
	}
}

func TestRecreateBringsBackTheSameAddressesWithNewIDs(t *testing.T) {
	s := newStack(t, threeResources)
	e, _ := newExecutor(t, false)
	mustSucceed(t, e, s.Apply())
	before := ids(t, s)
	var out bytes.Buffer
	res := e.Execute(context.Background(), s.Recreate(), true, &out)
	if res.Status != actions.StatusSucceeded || !res.Verified {
		t.Fatalf("recreate %+v\n%s", res, out.String())
	}
	if !strings.Contains(out.String(), "recreate: done in") {
		t.Errorf("no elapsed time in output:\n%s", out.String())
	}
	after := ids(t, s)
	if len(after) != len(before) {
		t.Fatalf("before %v after %v", before, after)
	}
	for addr, id := range before {
		if nid, ok := after[addr]; !ok || nid == id {
			t.Errorf("%s: before %s after %q", addr, id, nid)
		}
	}
}

func TestFailedApplyReportedStateIntact(t *testing.T) {
	// b's precondition depends on a's id, unknown at plan time: the plan
	// succeeds, the apply creates a and fails on b.
	s := newStack(t, `
resource "terraform_data" "a" { input = "a" }
resource "terraform_data" "b" {
  input = "b"
  lifecycle {
    precondition {
      condition     = terraform_data.a.id == "never"
      error_message = "b needs a to be never"
    }
  }
}
`)
	e, _ := newExecutor(t, false)
	res := e.Execute(context.Background(), s.Apply(), true, io.Discard)
	if res.Status != actions.StatusFailed || !strings.Contains(res.Error, "precondition") || !strings.Contains(res.Error, "b needs a to be never") {
		t.Fatalf("result %+v", res)
	}
	got := ids(t, s)
	if _, ok := got["terraform_data.a"]; !ok || len(got) != 1 {
		t.Fatalf("state after failed apply: %v", got)
	}
	// The state is usable and unlocked: a summary works.
	sum, err := s.Summarize(context.Background(), true, io.Discard)
	if err != nil {
		t.Fatalf("summary after failure: %v", err)
	}
	if sum.Serial == 0 || sum.Lineage == "" || len(sum.Resources) != 1 || sum.Lock != nil || sum.LastApply.IsZero() || !sum.DriftChecked {
		t.Errorf("summary %+v", sum)
	}
}

func TestReadOnlyRefuses(t *testing.T) {
	s := newStack(t, threeResources)
	e, auditPath := newExecutor(t, true)
	for _, a := range []*Action{s.Apply(), s.Rebuild("terraform_data.a"), s.Teardown(), s.Recreate(), s.Unlock("x")} {
		res := e.Execute(context.Background(), a, true, io.Discard)
		if res.Status != actions.StatusRefused || !strings.Contains(res.Error, "read-only") {
			t.Errorf("%s: %+v", a.Kind(), res)
		}
	}
	// A plan is safe and runs in read-only mode.
	res := e.Execute(context.Background(), s.Plan(), false, io.Discard)
	if res.Status != actions.StatusPlanned || res.Plan.Add != 3 {
		t.Errorf("plan in read-only: %+v", res)
	}
	if got := ids(t, s); len(got) != 0 {
		t.Errorf("read-only run changed the state: %v", got)
	}
	if es := auditLines(t, auditPath); len(es) != 6 {
		t.Errorf("%d audit lines, want 6", len(es))
	}
}

const slowStack = `
resource "terraform_data" "fast" { input = "fast" }
resource "terraform_data" "slow" {
  input = "slow"
  provisioner "local-exec" { command = "sleep 300" }
}
`

// startSlowApply starts an apply that blocks in a local-exec sleep while
// holding the state lock, and waits until the sleep runs.
func startSlowApply(t *testing.T, s *Stack) *actions.Run {
	t.Helper()
	e, _ := newExecutor(t, false)
	p, err := e.Prepare(context.Background(), s.Apply(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Cancel(); <-r.Done() })
	lab.WaitFor(t, "the apply in its sleep, holding the state lock", 2*time.Minute, func() (bool, string) {
		select {
		case <-r.Done():
			t.Fatalf("apply ended early: %+v\n%s", r.Result(), strings.Join(r.Lines(), "\n"))
		default:
		}
		out := strings.Join(r.Lines(), "\n")
		return strings.Contains(out, `Executing: ["/bin/sh" "-c" "sleep 300"]`) && s.LocalLock() != nil, out
	})
	return r
}

func TestHeldStateLockIsReported(t *testing.T) {
	s := newStack(t, slowStack)
	startSlowApply(t, s)
	held := s.LocalLock()

	// Another console (another executor) tries to plan and rebuild.
	e2, auditPath := newExecutor(t, false)
	res := e2.Execute(context.Background(), s.Teardown(), true, io.Discard)
	if res.Status != actions.StatusRefused {
		t.Fatalf("teardown under a held lock: %+v", res)
	}
	for _, want := range []string{"locked", held.ID, held.Who, "OperationTypeApply", "unlock"} {
		if !strings.Contains(res.Error, want) {
			t.Errorf("lock error %q lacks %q", res.Error, want)
		}
	}
	es := auditLines(t, auditPath)
	if len(es) != 1 || es[0].Result != actions.StatusRefused {
		t.Errorf("audit %+v", es)
	}
	// Unlocking a different lock ID is refused.
	res = e2.Execute(context.Background(), s.Unlock("not-the-id"), true, io.Discard)
	if res.Status != actions.StatusRefused {
		t.Errorf("unlock of a wrong id: %+v", res)
	}
}

// terraformProcsIn lists live processes whose working directory is dir.
func terraformProcsIn(dir string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || cwd != dir {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		st := string(stat)
		if i := strings.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, strconv.Itoa(pid)+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	return out
}

func TestCancelStopsTerraformCleanly(t *testing.T) {
	s := newStack(t, slowStack)
	r := startSlowApply(t, s)
	r.Cancel()
	select {
	case <-r.Done():
	case <-time.After(2 * time.Minute):
		t.Fatal("run did not stop after cancel")
	}
	if res := r.Result(); res.Status != actions.StatusCancelled {
		t.Errorf("result %+v", res)
	}
	lab.WaitFor(t, "no process left in "+s.Dir, 30*time.Second, func() (bool, string) {
		left := terraformProcsIn(s.Dir)
		return len(left) == 0, fmt.Sprint(left)
	})
	// The state is not corrupted and not locked: a plan works and the
	// resource that finished is recorded.
	e, _ := newExecutor(t, false)
	res := e.Execute(context.Background(), s.Plan(), false, io.Discard)
	if res.Status != actions.StatusPlanned {
		t.Fatalf("plan after cancel: %+v", res)
	}
	if s.LocalLock() != nil {
		t.Error("lock info left behind")
	}
}

func TestParseLockError(t *testing.T) {
	text := `
Error: Error acquiring the state lock

Error message: resource temporarily unavailable
Lock Info:
  ID:        03afbe72-f769-0f16-e3c3-cf374d6fbbb2
  Path:      terraform.tfstate
  Operation: OperationTypeApply
  Who:       alice@laptop
  Version:   1.11.4
  Created:   2026-11-27 11:14:42.15044432 +0000 UTC
  Info:      
`
	l, ok := ParseLockError(text)
	if !ok {
		t.Fatal("not recognised")
	}
	want := LockInfo{ID: "03afbe72-f769-0f16-e3c3-cf374d6fbbb2", Path: "terraform.tfstate", Operation: "OperationTypeApply",
		Who: "alice@laptop", Version: "1.11.4", Created: "2026-11-27 11:14:42.15044432 +0000 UTC"}
	if l != want {
		t.Errorf("got %+v want %+v", l, want)
	}
	httpText := `Error: Error acquiring the state lock

Error message: HTTP remote state already locked:
ID=0d7c1a52-1111-2222-3333-444455556666
Lock Info:
  ID:        1e1940cf-8ce9-3c7c-2503-2e09cfb6d9c1
  Operation: OperationTypePlan
  Who:       me@here
`
	if l, ok := ParseLockError(httpText); !ok || l.ID != "0d7c1a52-1111-2222-3333-444455556666" || l.Who == "me@here" {
		t.Errorf("http backend lock parsed as %+v", l)
	}
	if _, ok := ParseLockError("Error: something else"); ok {
		t.Error("non-lock error recognised as a lock")
	}
	err := classify(errors.New(text))
	if !errors.Is(err, actions.ErrRefused) {
		t.Errorf("lock error is not a refusal: %v", err)
	}
}

func TestErrorLines(t *testing.T) {
	text := `Error: Resource precondition failed

  on main.tf line 6, in resource "terraform_data" "b":
   6:       condition     = terraform_data.a.id == "nope"
    ├────────────────
    │ terraform_data.a.id is "471fb2de"

a must be nope
`
	if got := errorLines(text); got != "Error: Resource precondition failed: a must be nope" {
		t.Errorf("errorLines = %q", got)
	}
}

func TestWorkspaceAndVarFiles(t *testing.T) {
	s := newStack(t, `
variable "who" { type = string }
resource "terraform_data" "w" { input = var.who }
output "who" { value = terraform_data.w.output }
`)
	vars := filepath.Join(t.TempDir(), "dev.tfvars")
	if err := os.WriteFile(vars, []byte(`who = "dev-team"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.VarFiles = []string{vars}
	s.Workspace = "dev"
	for _, args := range [][]string{{"init", "-input=false"}, {"workspace", "new", "dev"}, {"workspace", "select", "default"}} {
		cmd := exec.Command("terraform", args...)
		cmd.Dir = s.Dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("terraform %v: %v\n%s", args, err, out)
		}
	}
	e, _ := newExecutor(t, false)
	res := mustSucceed(t, e, s.Apply())
	if res.Plan.Add != 1 {
		t.Errorf("plan %+v", res.Plan)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "terraform.tfstate.d", "dev", "terraform.tfstate")); err != nil {
		t.Errorf("state not in the dev workspace: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "terraform.tfstate")); err == nil {
		t.Error("the default workspace got a state")
	}
	sum, err := s.Summarize(context.Background(), false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Resources) != 1 || sum.LastApply.IsZero() || sum.Workspace != "dev" || sum.DriftChecked {
		t.Errorf("summary %+v", sum)
	}
}

// TestStaleLocalLockInfoIsNotALock leaves the lock info of a crashed run
// next to a local state: terraform ignores it, so the console neither
// reports a lock nor lets anyone "unlock" it.
func TestStaleLocalLockInfoIsNotALock(t *testing.T) {
	s := newStack(t, threeResources)
	e, _ := newExecutor(t, false)
	mustSucceed(t, e, s.Apply())
	info := `{"ID":"5e1f0000-dead-beef-0000-000000000001","Operation":"OperationTypeApply","Who":"bob@crashed","Version":"1.11.4","Created":"2026-11-27T10:00:00Z","Path":"terraform.tfstate"}`
	if err := os.WriteFile(filepath.Join(s.Dir, ".terraform.tfstate.lock.info"), []byte(info), 0o600); err != nil {
		t.Fatal(err)
	}
	if l := s.LocalLock(); l != nil {
		t.Fatalf("stale info reported as a lock: %+v", l)
	}
	res := e.Execute(context.Background(), s.Unlock("5e1f0000-dead-beef-0000-000000000001"), true, io.Discard)
	if res.Status != actions.StatusRefused || !strings.Contains(res.Error, "not locked") {
		t.Errorf("unlock of a stale local lock: %+v", res)
	}
	mustSucceed(t, e, s.Rebuild("terraform_data.a"))
}

// httpStateServer is a Terraform "http" backend: state under GET/POST,
// locks under LOCK/UNLOCK, answering 423 with the holder when locked.
type httpStateServer struct {
	mu    sync.Mutex
	state []byte
	lock  []byte
}

func (h *httpStateServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	switch r.Method {
	case http.MethodGet:
		if h.state == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write(h.state)
	case http.MethodPost:
		h.state = body
	case http.MethodDelete:
		h.state = nil
	case "LOCK":
		if h.lock != nil {
			w.WriteHeader(http.StatusLocked)
			_, _ = w.Write(h.lock)
			return
		}
		h.lock = body
	case "UNLOCK":
		// A force-unlock sends no body; a normal unlock sends the lock info.
		h.lock = nil
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (h *httpStateServer) locked() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lock != nil
}

// TestRemoteLockReportedAndUnlocked uses the built-in http backend: a dead
// client's lock is reported with its holder, an apply is refused, the
// explicit unlock releases it, and the apply then works.
func TestRemoteLockReportedAndUnlocked(t *testing.T) {
	srv := &httpStateServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	s := newStack(t, `
terraform {
  backend "http" {
    address        = "`+ts.URL+`/state"
    lock_address   = "`+ts.URL+`/state"
    unlock_address = "`+ts.URL+`/state"
  }
}
`+threeResources)
	e, _ := newExecutor(t, false)
	mustSucceed(t, e, s.Apply())
	if s.Backend() != "http" {
		t.Fatalf("backend %q", s.Backend())
	}
	srv.mu.Lock()
	srv.lock = []byte(`{"ID":"0d7c1a52-1111-2222-3333-444455556666","Operation":"OperationTypeApply","Info":"","Who":"carol@ci-runner-7","Version":"1.11.4","Created":"2026-11-27T09:58:00Z","Path":""}`)
	srv.mu.Unlock()

	res := e.Execute(context.Background(), s.Teardown(), true, io.Discard)
	if res.Status != actions.StatusRefused {
		t.Fatalf("teardown under a held lock: %+v", res)
	}
	// The http backend names the holder only by its ID.
	if !strings.Contains(res.Error, "0d7c1a52-1111-2222-3333-444455556666") || strings.Contains(res.Error, "OperationTypePlan") {
		t.Errorf("lock error %q: want the holder's ID, not our own attempted lock", res.Error)
	}
	if !srv.locked() {
		t.Fatal("the console released a lock on its own")
	}
	// Plan only: nothing released.
	if res := e.Execute(context.Background(), s.Unlock("0d7c1a52-1111-2222-3333-444455556666"), false, io.Discard); res.Status != actions.StatusPlanned || !srv.locked() {
		t.Fatalf("plan-only unlock %+v (locked %v)", res, srv.locked())
	}
	res = mustSucceed(t, e, s.Unlock("0d7c1a52-1111-2222-3333-444455556666"))
	if !res.Verified || srv.locked() {
		t.Errorf("unlock %+v (locked %v)", res, srv.locked())
	}
	mustSucceed(t, e, s.Teardown())
	if got := ids(t, s); len(got) != 0 {
		t.Errorf("resources left: %v", got)
	}
}

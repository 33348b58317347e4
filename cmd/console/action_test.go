package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
)

// cli runs the console in-process with an isolated config and state
// directory and returns exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("TF_IN_AUTOMATION", "1")
	t.Setenv("TF_PLUGIN_CACHE_DIR", "")
	return dir
}

func needTerraform(t *testing.T) {
	t.Helper()
	lab.RequireProgram(t, "terraform")
}

func decodeResult(t *testing.T, out string) actionJSON {
	t.Helper()
	var r actionJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return r
}

func TestActionTerraformCLI(t *testing.T) {
	needTerraform(t)
	dir := isolate(t)
	stack := filepath.Join(dir, "stacks", "lab")
	if err := os.MkdirAll(stack, 0o755); err != nil {
		t.Fatal(err)
	}
	main := "resource \"terraform_data\" \"a\" { input = \"a\" }\nresource \"terraform_data\" \"b\" { input = \"b\" }\n"
	if err := os.WriteFile(filepath.Join(stack, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "console.yaml")
	conf := "default_env: dev\nenvironments:\n  dev:\n    terraform:\n      - name: lab\n        dir: stacks/lab\n        targets:\n          asg/workers: terraform_data.b\n  prod:\n    readonly: true\n    terraform:\n      - name: lab\n        dir: stacks/lab\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		status string
		check  func(t *testing.T, r actionJSON)
	}{
		{"plan by directory", []string{"action", "plan", "--stack", stack, "--json"}, 0, "planned", func(t *testing.T, r actionJSON) {
			if r.Plan.Add != 2 || len(r.Plan.Resources) != 2 || r.AuditID == "" {
				t.Errorf("%+v", r)
			}
		}},
		{"apply without --yes changes nothing", []string{"--config", cfg, "action", "apply", "--stack", "lab", "--json"}, 0, "planned", nil},
		{"apply", []string{"--config", cfg, "action", "apply", "--stack", "lab", "--yes", "--json"}, 0, "succeeded", func(t *testing.T, r actionJSON) {
			if !r.Verified {
				t.Errorf("not verified: %+v", r)
			}
		}},
		{"rebuild via target key", []string{"--config", cfg, "action", "rebuild", "--stack", "lab", "--target", "asg/workers", "--yes", "--json"}, 0, "succeeded", func(t *testing.T, r actionJSON) {
			if r.Plan.Replace != 1 || r.Plan.Resources[0] != "terraform_data.b" || r.Target != "asg/lab/workers" {
				t.Errorf("%+v", r)
			}
		}},
		{"read-only environment refuses", []string{"--config", cfg, "--env", "prod", "action", "teardown", "--stack", "lab", "--yes", "--json"}, 3, "refused", func(t *testing.T, r actionJSON) {
			if !strings.Contains(r.Error, "read-only") {
				t.Errorf("%+v", r)
			}
		}},
		{"--readonly refuses", []string{"--config", cfg, "--readonly", "action", "recreate", "--stack", "lab", "--yes", "--json"}, 3, "refused", nil},
		{"unknown address refused", []string{"--config", cfg, "action", "rebuild", "--stack", "lab", "--target", "terraform_data.zz", "--yes", "--json"}, 3, "refused", nil},
		{"teardown", []string{"--config", cfg, "action", "teardown", "--stack", "lab", "--yes", "--json"}, 0, "succeeded", func(t *testing.T, r actionJSON) {
			if r.Plan.Destroy != 2 || !r.Verified {
				t.Errorf("%+v", r)
			}
		}},
	}
	attempts := 0
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, out, errOut := cli(t, st.args...)
			attempts++
			if code != st.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, st.code, out, errOut)
			}
			r := decodeResult(t, out)
			if r.Status != st.status {
				t.Fatalf("status %q, want %q: %+v", r.Status, st.status, r)
			}
			if st.check != nil {
				st.check(t, r)
			}
		})
	}

	// Bad usage: exit 2, nothing audited.
	for _, args := range [][]string{
		{"--config", cfg, "action", "rebuild", "--stack", "lab", "--yes"},
		{"--config", cfg, "action", "apply", "--stack", "nope"},
		{"--config", cfg, "action", "unlock", "--stack", "lab"},
		{"action", "plan"},
		{"action", "restart", "web"},
		{"action", "cordon", "pod/x"},
		{"action", "scale", "deployment/web"},
	} {
		if code, _, errOut := cli(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}

	// The audit log has one well-formed line per attempt.
	code, out, errOut := cli(t, "--config", cfg, "audit", "--json", "--limit", "0")
	if code != 0 {
		t.Fatalf("audit: exit %d: %s", code, errOut)
	}
	var es []actions.AuditEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("audit JSON: %v\n%s", err, out)
	}
	if len(es) != attempts {
		t.Fatalf("%d audit entries for %d attempts", len(es), attempts)
	}
	for _, e := range es {
		if e.AuditID == "" || e.Who == "" || e.Action == "" || e.Result == "" || e.Time.IsZero() {
			t.Errorf("incomplete entry %+v", e)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "state", "console", "audit.jsonl"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit file: %v %v", fi, err)
	}
	code, out, _ = cli(t, "--config", cfg, "audit", "--limit", "2")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "teardown") {
		t.Errorf("audit table (exit %d):\n%s", code, out)
	}
}

func TestActionDemoCLI(t *testing.T) {
	isolate(t)
	code, out, errOut := cli(t, "--demo", "--context", "demo-use1", "action", "restart", "deployment/checkout", "-n", "shop", "--yes", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if r := decodeResult(t, out); r.Status != "succeeded" || !r.Verified || r.Action != "restart" {
		t.Errorf("%+v", r)
	}
	// Without --yes: the plan only, exit 0.
	code, out, _ = cli(t, "--demo", "--context", "demo-use1", "action", "restart", "deployment/checkout", "-n", "shop")
	if code != 0 || !strings.Contains(out, "planned") {
		t.Errorf("plan only: exit %d: %s", code, out)
	}
	code, _, errOut = cli(t, "--demo", "--context", "demo-use1", "action", "cordon", "node/nope")
	if code != 3 || !strings.Contains(errOut, "no node nope in the demo estate") {
		t.Errorf("unknown node: exit %d: %s", code, errOut)
	}
	code, _, errOut = cli(t, "--demo", "--readonly", "--context", "demo-use1", "action", "restart", "deployment/checkout", "-n", "shop", "--yes")
	if code != 3 || !strings.Contains(errOut, "read-only") {
		t.Errorf("read-only demo: exit %d: %s", code, errOut)
	}
}

func TestIdentityNamesKubeUserAndAWSProfile(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	conf := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: admin
  user: {token: secret-token-value}
contexts:
- name: lab
  context: {cluster: c, user: admin}
current-context: lab
`
	if err := os.WriteFile(kc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var s config.Settings
	s.Env.Kube = []config.KubeCluster{{Kubeconfig: kc, Context: "lab"}}
	s.Env.AWS.Profile = "prod"
	got := identity(s)
	if !strings.HasPrefix(got, actions.CurrentUser()+" (") || !strings.Contains(got, "kube lab:admin") || !strings.Contains(got, "aws profile prod") {
		t.Errorf("identity = %q", got)
	}
	if strings.Contains(got, "secret-token-value") {
		t.Errorf("identity leaks the token: %q", got)
	}
}

// lockedBuffer is a goroutine-safe buffer.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestActionInterruptCancels sends SIGINT (ctrl+c) to the console while
// terraform runs a long apply: terraform stops, the command exits 4
// (cancelled) with status cancelled, and the attempt is audited.
func TestActionInterruptCancels(t *testing.T) {
	needTerraform(t)
	isolate(t)
	stack := t.TempDir()
	main := "resource \"terraform_data\" \"slow\" {\n  input = \"x\"\n  provisioner \"local-exec\" { command = \"sleep 300\" }\n}\n"
	if err := os.WriteFile(filepath.Join(stack, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"action", "apply", "--stack", stack, "--yes", "--json"}, strings.NewReader(""), &stdout, &stderr)
	}()
	lab.WaitFor(t, "the apply blocked in its provisioner", 2*time.Minute, func() (bool, string) {
		select {
		case code := <-done:
			t.Fatalf("exited %d before the apply blocked:\n%s", code, stderr.String())
		default:
		}
		return strings.Contains(stderr.String(), `"sleep 300"`), stderr.String()
	})
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("console did not stop after SIGINT")
	}
	if code != exitCancelled {
		t.Errorf("exit %d, want %d", code, exitCancelled)
	}
	if r := decodeResult(t, stdout.String()); r.Status != "cancelled" || !strings.Contains(r.Error, "SIGINT") {
		t.Errorf("result %+v", r)
	}
	_, out, _ := cli(t, "audit", "--json")
	var es []actions.AuditEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil || len(es) != 1 || es[0].Result != "cancelled" {
		t.Errorf("audit %v %s", err, out)
	}
}

// TestActionKubectlCLI drives kubectl actions from the command line
// against a real kube-apiserver.
func TestActionKubectlCLI(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	isolate(t)
	k := lab.Kube(t)
	ctx := context.Background()
	if _, err := k.Client().CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := []string{"--kubeconfig", k.Kubeconfig, "--context", "lab", "action"}
	code, out, errOut := cli(t, append(base, "cordon", "node/n1", "--json")...)
	if code != 0 || decodeResult(t, out).Status != "planned" {
		t.Fatalf("plan only: exit %d\n%s\n%s", code, out, errOut)
	}
	if n, _ := k.Client().CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{}); n.Spec.Unschedulable {
		t.Fatal("a plan-only cordon changed the node")
	}
	code, out, errOut = cli(t, append(base, "cordon", "node/n1", "--yes", "--json")...)
	if r := decodeResult(t, out); code != 0 || r.Status != "succeeded" || !r.Verified {
		t.Fatalf("cordon: exit %d %+v\n%s", code, r, errOut)
	}
	if n, _ := k.Client().CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{}); !n.Spec.Unschedulable {
		t.Error("node not cordoned")
	}
	code, _, errOut = cli(t, append(base, "drain", "node/missing", "--yes")...)
	if code != 3 || !strings.Contains(errOut, "not found") {
		t.Errorf("missing node: exit %d: %s", code, errOut)
	}
	code, _, errOut = cli(t, append([]string{"--readonly"}, append(base, "uncordon", "node/n1", "--yes")...)...)
	if code != 3 || !strings.Contains(errOut, "read-only") {
		t.Errorf("read-only: exit %d: %s", code, errOut)
	}
}

func TestActionStateCLI(t *testing.T) {
	needTerraform(t)
	isolate(t)
	stack := t.TempDir()
	if err := os.WriteFile(filepath.Join(stack, "main.tf"), []byte(`resource "terraform_data" "a" { input = "a" }`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli(t, "action", "apply", "--stack", stack, "--yes"); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, "action", "state", "--stack", stack, "--drift", "--json")
	if code != 0 {
		t.Fatalf("state: exit %d: %s", code, errOut)
	}
	var sum struct {
		Resources []struct {
			Address string `json:"address"`
			ID      string `json:"id"`
		} `json:"resources"`
		Serial       int      `json:"serial"`
		Drift        []string `json:"drift"`
		DriftChecked bool     `json:"drift_checked"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(sum.Resources) != 1 || sum.Resources[0].Address != "terraform_data.a" || sum.Resources[0].ID == "" ||
		sum.Serial == 0 || !sum.DriftChecked || len(sum.Drift) != 0 {
		t.Errorf("summary %+v", sum)
	}
	// Reading the state is not an action: nothing more is audited.
	_, out, _ = cli(t, "audit", "--json")
	var es []actions.AuditEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil || len(es) != 1 {
		t.Errorf("audit after state: %v %s", err, out)
	}
}

func TestActionDoOfferedCLI(t *testing.T) {
	isolate(t)
	code, out, errOut := cli(t, "--demo", "action", "do", "promote", "member/sessions-redis-1", "-n", "sessions-redis", "--yes", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if r := decodeResult(t, out); r.Status != "succeeded" || !r.Verified || r.Action != "promote" {
		t.Errorf("%+v", r)
	}
	if code, _, errOut = cli(t, "--demo", "action", "do", "explode", "asg/demo-use1-workers"); code != 3 || !strings.Contains(errOut, "set-desired") {
		t.Errorf("unsupported verb: exit %d: %s", code, errOut)
	}
	if code, _, _ = cli(t, "--demo", "action", "do", "promote", "nokind"); code != 2 {
		t.Errorf("bad ref: exit %d", code)
	}
	// Every attempt is audited, even the refusal of a verb no source offers.
	_, out, _ = cli(t, "audit", "--json")
	var es []actions.AuditEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	last := es[0] // newest first
	if last.Action != "explode" || last.Result != actions.StatusRefused || !strings.Contains(last.Error, "set-desired") {
		t.Errorf("the refused attempt is not the last audit line: %+v", last)
	}
	// The older spellings are aliases of the one verb per meaning; the
	// result carries the verb.
	for _, tc := range []struct {
		alias, ref string
		want       actions.Verb
	}{
		{"failover", "database/payments-aurora", actions.VerbPromote},
		{"snapshot", "database/payments-aurora", actions.VerbBackup},
		{"set-desired", "asg/demo-use1-workers", actions.VerbSetDesiredCapacity},
	} {
		code, out, errOut := cli(t, "--demo", "action", "do", tc.alias, tc.ref, "--json")
		if r := decodeResult(t, out); code != 0 || r.Status != actions.StatusPlanned || r.Action != tc.want {
			t.Errorf("do %s %s: exit %d, %+v\n%s", tc.alias, tc.ref, code, r, errOut)
		}
	}
}

// TestAuditShowPrintsKeptOutput: a run's full output is kept with its audit
// id (0600, next to the audit log) and `audit show` prints it, by the id or
// a unique prefix of it; an unknown id is bad input (exit 2).
func TestAuditShowPrintsKeptOutput(t *testing.T) {
	dir := isolate(t)
	code, out, errOut := cli(t, "--demo", "--context", "demo-use1", "action", "restart", "deployment/checkout", "-n", "shop", "--yes", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	r := decodeResult(t, out)
	fi, err := os.Stat(filepath.Join(dir, "state", "console", "output", r.AuditID+".log"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept output: %v %v, want 0600", fi, err)
	}
	code, out, errOut = cli(t, "--demo", "audit", "show", r.AuditID[:8])
	if code != 0 {
		t.Fatalf("audit show: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"restart", "succeeded", r.AuditID, "output:", "verify: " + r.VerifyMessage} {
		if !strings.Contains(out, want) {
			t.Errorf("audit show lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut = cli(t, "--demo", "audit", "show", "ffffffffffffffff"); code != 2 || !strings.Contains(errOut, "no audit entry") {
		t.Errorf("unknown id: exit %d: %s", code, errOut)
	}
}

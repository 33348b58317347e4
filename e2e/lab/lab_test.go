package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func clientFromKubeconfig(t *testing.T, path string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path},
		&clientcmd.ConfigOverrides{CurrentContext: KubeContext}).ClientConfig()
	if err != nil {
		t.Fatalf("load kubeconfig %s: %v", path, err)
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client from %s: %v", path, err)
	}
	return c
}

func TestKube(t *testing.T) {
	t.Parallel()
	k := Kube(t)
	ctx := t.Context()

	admin := clientFromKubeconfig(t, k.Kubeconfig)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "lab-node-1", Labels: map[string]string{"topology.kubernetes.io/zone": "us-east-1a"}}}
	if _, err := admin.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node: %v", err)
	}
	got, err := k.Client().CoreV1().Nodes().Get(ctx, "lab-node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node: %v", err)
	}
	if z := got.Labels["topology.kubernetes.io/zone"]; z != "us-east-1a" {
		t.Errorf("zone label = %q, want us-east-1a", z)
	}

	// A restricted user reads its namespace but not nodes or other namespaces.
	user := clientFromKubeconfig(t, k.User(t, "alice", []string{"shop"}))
	if _, err := user.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("alice lists pods in shop: %v", err)
	}
	if _, err := user.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("alice lists nodes: err = %v, want forbidden", err)
	}
	if _, err := user.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("alice lists pods in kube-system: err = %v, want forbidden", err)
	}
	nobody := clientFromKubeconfig(t, k.User(t, "nobody", nil))
	if _, err := nobody.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("nobody lists pods in shop: err = %v, want forbidden", err)
	}
	reader, err := k.CreateUser(ctx, UserSpec{Name: "reader", Nodes: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clientFromKubeconfig(t, reader).CoreV1().Nodes().Get(ctx, "lab-node-1", metav1.GetOptions{}); err != nil {
		t.Errorf("reader gets node: %v", err)
	}

	// kubectl works with the admin kubeconfig.
	if kubectl, err := lookPath("kubectl"); err == nil {
		out, err := runEnv(ctx, "", k.Env(), kubectl, "get", "node", "lab-node-1", "-o", "name")
		if err != nil || strings.TrimSpace(out) != "node/lab-node-1" {
			t.Errorf("kubectl get node: %v: %q", err, out)
		}
	}

	// Stop and restart the apiserver: same address, same data.
	k.Stop()
	if _, err := k.Client().CoreV1().Nodes().Get(ctx, "lab-node-1", metav1.GetOptions{}); err == nil {
		t.Errorf("get node with the apiserver stopped: no error")
	}
	k.Restart(t)
	if _, err := admin.CoreV1().Nodes().Get(ctx, "lab-node-1", metav1.GetOptions{}); err != nil {
		t.Errorf("get node after restart: %v", err)
	}
}

func TestMoto(t *testing.T) {
	t.Parallel()
	a := Moto(t)
	out, err := ec2.NewFromConfig(a.Config(t.Context(), "eu-west-1")).DescribeRegions(t.Context(), &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Fatalf("DescribeRegions: %v", err)
	}
	found := false
	for _, r := range out.Regions {
		if r.RegionName != nil && *r.RegionName == "eu-west-1" {
			found = true
		}
	}
	if !found {
		t.Errorf("eu-west-1 not among %d regions", len(out.Regions))
	}
	env := strings.Join(a.Env(), " ")
	if !strings.Contains(env, "AWS_ENDPOINT_URL="+a.URL) {
		t.Errorf("Env() = %s, want AWS_ENDPOINT_URL=%s", env, a.URL)
	}
}

func TestJaeger(t *testing.T) {
	t.Parallel()
	j := Jaeger(t)
	ctx := t.Context()
	// Send one span over OTLP/HTTP (JSON) and find its service in the query API.
	now := time.Now()
	body := fmt.Sprintf(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"lab-checkout"}}]},
"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /cart","kind":2,
"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}`, now.Add(-time.Second).UnixNano(), now.UnixNano())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+j.OTLPHTTP+"/v1/traces", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("OTLP export: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("OTLP export: %s", resp.Status)
	}
	var services []string
	err = waitFor(ctx, nil, func(ctx context.Context) error {
		services, err = jaegerServices(ctx, j.QueryHTTP)
		if err != nil {
			return err
		}
		for _, s := range services {
			if s == "lab-checkout" {
				return nil
			}
		}
		return fmt.Errorf("services = %v", services)
	})
	if err != nil {
		t.Fatalf("service lab-checkout never listed: %v", err)
	}
}

func jaegerServices(ctx context.Context, queryHTTP string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+queryHTTP+"/api/services", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Data []string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode /api/services: %w", err)
	}
	return out.Data, nil
}

func TestRedis(t *testing.T) {
	t.Parallel()
	r := Redis(t, 2, 3)
	ctx := t.Context()
	info, err := r.Do(ctx, r.Primary, "INFO", "replication")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, "role:master") {
		t.Errorf("primary INFO lacks role:master:\n%s", info)
	}
	for _, rep := range r.Replicas {
		_, port, _ := strings.Cut(rep, ":")
		if !strings.Contains(info, "port="+port) {
			t.Errorf("primary INFO does not list replica %s:\n%s", rep, info)
		}
		ri, err := r.Do(ctx, rep, "INFO", "replication")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ri, "role:slave") || !strings.Contains(ri, "master_link_status:up") {
			t.Errorf("replica %s INFO:\n%s", rep, ri)
		}
	}
	addr, err := r.Do(ctx, r.Sentinels[0], "SENTINEL", "GET-MASTER-ADDR-BY-NAME", r.Master)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(addr), ":"); got != r.Primary {
		t.Errorf("sentinel master address = %q, want %s", got, r.Primary)
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	c := Postgres(t, 2)
	ctx := t.Context()
	out, err := c.Query(ctx, c.Primary, "SELECT count(*) FROM pg_stat_replication")
	if err != nil {
		t.Fatal(err)
	}
	if out != "2" {
		t.Errorf("pg_stat_replication rows = %q, want 2", out)
	}
	names, err := c.Query(ctx, c.Primary, "SELECT application_name FROM pg_stat_replication ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	if names != "postgres-replica-1\npostgres-replica-2" {
		t.Errorf("replica names = %q", names)
	}
	for _, r := range c.Replicas {
		rec, err := c.Query(ctx, r, "SELECT pg_is_in_recovery()")
		if err != nil {
			t.Fatal(err)
		}
		if rec != "t" {
			t.Errorf("replica %s in recovery = %q, want t", r, rec)
		}
	}
	// Promotion turns a replica into a primary.
	if err := c.Kill(c.Primary); err != nil {
		t.Fatal(err)
	}
	if err := c.Promote(ctx, c.Replicas[0]); err != nil {
		t.Fatal(err)
	}
	rec, err := c.Query(ctx, c.Replicas[0], "SELECT pg_is_in_recovery()")
	if err != nil {
		t.Fatal(err)
	}
	if rec != "f" {
		t.Errorf("promoted replica in recovery = %q, want f", rec)
	}
	if !strings.Contains(c.ConnString(c.Primary), c.Primary) {
		t.Errorf("ConnString(%s) = %s", c.Primary, c.ConnString(c.Primary))
	}
}

func TestTerraform(t *testing.T) {
	t.Parallel()
	dir := TerraformDir(t, LabStack)
	ctx := t.Context()
	if out, err := TerraformInit(ctx, dir); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, err := TerraformRun(ctx, dir, "apply", "-auto-approve", "-input=false", "-no-color", "-var", "desired_capacity=5")
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "2 added") {
		t.Errorf("apply output lacks '2 added':\n%s", out)
	}
	val, err := TerraformRun(ctx, dir, "output", "-raw", "desired_capacity")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(val) != "5" {
		t.Errorf("output desired_capacity = %q, want 5", val)
	}
	if _, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err != nil {
		t.Errorf("no state file: %v", err)
	}
}

// recordingTB records what Require asks of a test.
type recordingTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordingTB) Helper()                        {}
func (r *recordingTB) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recordingTB) Skipf(format string, a ...any)  { r.skip = fmt.Sprintf(format, a...) }

func TestRequire(t *testing.T) {
	failure := &StartError{Component: "widget", Err: fmt.Errorf("widget %w", ErrMissing), Log: "log line one\nlog line two", LogPath: "/tmp/widget.log"}
	tests := []struct {
		name      string
		ci        string
		err       error
		wantFatal []string // substrings; nil: no failure
		wantSkip  string   // exact; "": no skip
	}{
		{name: "no error in CI", ci: "true", err: nil},
		{name: "no error outside CI", ci: "", err: nil},
		{name: "CI fails with the log", ci: "true", err: failure, wantFatal: []string{"widget could not start", "widget not installed", "log line one", "log line two"}},
		{name: "outside CI skips with one line", ci: "", err: failure, wantSkip: "lab: widget unavailable: widget: widget not installed"},
		{name: "CI=false skips", ci: "false", err: failure, wantSkip: "lab: widget unavailable: widget: widget not installed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recordingTB{TB: t}
			Require(r, "widget", tc.err)
			if r.skip != tc.wantSkip {
				t.Errorf("skip = %q, want %q", r.skip, tc.wantSkip)
			}
			if tc.wantFatal == nil && r.fatal != "" {
				t.Errorf("unexpected failure %q", r.fatal)
			}
			for _, w := range tc.wantFatal {
				if !strings.Contains(r.fatal, w) {
					t.Errorf("failure %q lacks %q", r.fatal, w)
				}
			}
		})
	}
}

func TestStartErrorCarriesLog(t *testing.T) {
	err := startErr("thing", errors.New("boom"), filepath.Join(t.TempDir(), "missing.log"))
	if !errors.Is(err, err.Err) || !strings.Contains(err.Error(), "thing: boom") {
		t.Errorf("error = %v", err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "x.log")
	if err := os.WriteFile(log, []byte("starting\nbind: address already in use\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startErr("x", errors.New("exited"), log)
	if !strings.Contains(e.Error(), "address already in use") {
		t.Errorf("error lacks log tail: %v", e)
	}
	if !portInUse(log) {
		t.Errorf("portInUse = false for a log with EADDRINUSE")
	}
}

func TestRepoRootAndBin(t *testing.T) {
	root := RepoRoot()
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot() = %s has no go.mod: %v", root, err)
	}
	if got, want := Bin("jaeger"), filepath.Join(root, ".cache", "bin", "jaeger"); got != want {
		t.Errorf("Bin = %s, want %s", got, want)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"go.yaml.in/yaml/v3"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/e2e/workload"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

// labWait bounds every wait of the lab end-to-end test: generous, since the
// machine is shared and the components are real.
const labWait = lab.Wait

// labRegions are the seeded AWS regions.
var labRegions = []string{"us-east-1", "eu-west-1"}

// labEstate is what the lab end-to-end test started and seeded.
type labEstate struct {
	kube   *lab.KubeCluster
	moto   *lab.AWSEndpoint
	jaeger *lab.JaegerServer
	aws    *lab.AWSEstate
	kubeSt *lab.KubeEstate
	// origin is where the error fault's origin (db) ran: a seeded pod in
	// namespace shop, its node and zone.
	originPod, originNode, originZone string
	// errTrace is the trace of the order with the error fault.
	errTrace string
}

// startLab starts kube-apiserver, moto and Jaeger in parallel (the lab rule
// applies: skip outside CI, fail in CI) and stops them at cleanup.
func startLab(t *testing.T, ctx context.Context) *labEstate {
	t.Helper()
	e := &labEstate{}
	var (
		wg                       sync.WaitGroup
		kubeErr, motoErr, jaeErr error
	)
	kubeDir, motoDir, jaeDir := t.TempDir(), t.TempDir(), t.TempDir()
	wg.Add(3)
	go func() { defer wg.Done(); e.kube, kubeErr = lab.StartKube(ctx, kubeDir) }()
	go func() { defer wg.Done(); e.moto, motoErr = lab.StartMoto(ctx, motoDir) }()
	go func() { defer wg.Done(); e.jaeger, jaeErr = lab.StartJaeger(ctx, jaeDir) }()
	wg.Wait()
	// Register every started component's stop before Require can end the test.
	if kubeErr == nil {
		t.Cleanup(e.kube.Close)
	}
	if motoErr == nil {
		t.Cleanup(e.moto.Close)
	}
	if jaeErr == nil {
		t.Cleanup(e.jaeger.Close)
	}
	lab.Require(t, "kube-apiserver", kubeErr)
	lab.Require(t, "moto_server", motoErr)
	lab.Require(t, "jaeger", jaeErr)
	return e
}

// seed seeds AWS (two regions) and Kubernetes (a node per ASG instance,
// carrying its provider id), then runs the workload with the error fault
// and one healthy order; the workload's db service claims to run in a
// seeded pod of namespace shop, on that pod's node.
func (e *labEstate) seed(t *testing.T, ctx context.Context) {
	t.Helper()
	var cfgs []aws.Config
	for _, r := range labRegions {
		cfgs = append(cfgs, e.moto.Config(ctx, r))
	}
	var err error
	if e.aws, err = lab.SeedAWS(ctx, cfgs, lab.AWSSeedOptions{}); err != nil {
		t.Fatalf("seed AWS: %v", err)
	}
	if e.kubeSt, err = lab.SeedKube(ctx, e.kube.Client(), e.aws.Instances(), lab.KubeSeedOptions{Namespaces: []string{"shop", "payments"}, Replicas: 3}); err != nil {
		t.Fatalf("seed kube: %v", err)
	}
	// The origin's pod: a healthy seeded pod in shop (the workload's namespace).
	for _, ref := range e.kubeSt.Pods {
		ns, name, _ := strings.Cut(ref, "/")
		if ns != "shop" || slices.Contains(e.kubeSt.Unhealthy, ref) {
			continue
		}
		pod, err := e.kube.Client().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get seeded pod %s: %v", ref, err)
		}
		node, err := e.kube.Client().CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get node %s of pod %s: %v", pod.Spec.NodeName, ref, err)
		}
		e.originPod, e.originNode, e.originZone = name, node.Name, node.Labels["topology.kubernetes.io/zone"]
		break
	}
	if e.originPod == "" {
		t.Fatalf("no healthy pod seeded in shop: %+v", e.kubeSt)
	}

	w, err := workload.Start(ctx, workload.Config{OTLPEndpoint: e.jaeger.OTLPGRPC, Places: map[string]workload.Place{
		"db": {Pod: e.originPod, Node: e.originNode, Zone: e.originZone, Host: e.originNode},
	}})
	if err != nil {
		t.Fatalf("workload: %v", err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Close(cctx)
	})
	res, err := w.Request(ctx, workload.FaultError)
	if err != nil {
		t.Fatalf("workload error order: %v", err)
	}
	if res.Status < 500 {
		t.Fatalf("the error fault answered %d, want a 5xx", res.Status)
	}
	e.errTrace = res.TraceID
	if _, err := w.Request(ctx, workload.FaultNone); err != nil {
		t.Fatalf("workload healthy order: %v", err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatalf("workload flush: %v", err)
	}
	// Wait until Jaeger holds every span of the error trace.
	c, err := jaeger.Dial(e.jaeger.QueryGRPC)
	if err != nil {
		t.Fatalf("dial jaeger: %v", err)
	}
	defer c.Close()
	wctx, cancel := context.WithTimeout(ctx, labWait)
	defer cancel()
	if _, err := workload.WaitStored(wctx, c, e.errTrace, workload.Spans(workload.FaultError)); err != nil {
		t.Fatal(err)
	}
}

// writeConfig writes a console config for the lab (like e2e/cmd/lab's
// .lab/console.yaml) and returns its path.
func (e *labEstate) writeConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := map[string]any{
		"default_env": "lab",
		"audit_log":   filepath.Join(dir, "audit.jsonl"),
		"environments": map[string]any{"lab": map[string]any{
			"regions": labRegions,
			"aws":     map[string]any{"endpoint_url": e.moto.URL},
			"kube":    []any{map[string]any{"kubeconfig": e.kube.Kubeconfig, "context": lab.KubeContext}},
			"jaeger":  e.jaeger.QueryGRPC,
		}},
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("encode config: %v", err)
	}
	if _, err := config.Parse(data); err != nil {
		t.Fatalf("the test's config does not parse: %v\n%s", err, data)
	}
	path := filepath.Join(dir, "console.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// buildConsole builds the binary into dir.
func buildConsole(dir string) (string, error) {
	bin := filepath.Join(dir, "console")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// startInTmux runs bin with args in a tmux server of its own (w x h) with
// extra environment; the returned function waits for its exit status.
func startInTmux(t *testing.T, bin string, w, h int, extraEnv []string, args ...string) (*tmuxSession, func() string) {
	t.Helper()
	dir := filepath.Dir(bin)
	env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"), "TERM=xterm-256color")
	env = append(env, extraEnv...)
	s := &tmuxSession{t: t, socket: fmt.Sprintf("console-lab-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), env: env}
	t.Cleanup(func() {
		cmd := exec.Command("tmux", "-L", s.socket, "kill-server")
		cmd.Env = env
		_ = cmd.Run()
	})
	exitFile := filepath.Join(dir, "exit")
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	shell := fmt.Sprintf("cd %s && %s %s 2>%s/stderr; echo EXIT=$? > %s; sleep 120", dir, bin, strings.Join(quoted, " "), dir, exitFile)
	s.run("new-session", "-d", "-s", "console", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "sh", "-c", shell)
	wait := func() string {
		t.Helper()
		var status string
		lab.WaitFor(t, "the console's exit", labWait, func() (bool, string) {
			b, err := os.ReadFile(exitFile)
			status = strings.TrimSpace(string(b))
			if err == nil && strings.Contains(status, "EXIT=") {
				return true, status
			}
			return false, "screen:\n" + s.capture()
		})
		return status
	}
	return s, wait
}

// waitUntil polls the screen until ok holds (deadline labWait) and returns
// that screen. A capture can catch tmux half-way through a frame (it draws
// what it has read of the program's output), so the screen returned is one
// that a second capture found unchanged: what the caller then reads of it
// beyond ok is the whole frame.
func (s *tmuxSession) waitUntil(what string, ok func(scr string) bool) string {
	s.t.Helper()
	return lab.WaitFor(s.t, what, labWait, func() (bool, string) {
		scr := s.capture()
		if !ok(scr) {
			return false, scr
		}
		again := s.capture()
		return again == scr, again
	})
}

// waitAll polls the screen until every want is on it.
func (s *tmuxSession) waitAll(what string, want ...string) string {
	s.t.Helper()
	return s.waitUntil(what, func(scr string) bool {
		for _, w := range want {
			if !strings.Contains(scr, w) {
				return false
			}
		}
		return true
	})
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.run(append([]string{"send-keys", "-t", "console"}, keys...)...)
}

// lineWith returns the first screen line holding every part ("" if none).
func lineWith(scr string, parts ...string) string {
	for _, l := range strings.Split(scr, "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(l, p) {
				ok = false
				break
			}
		}
		if ok {
			return l
		}
	}
	return ""
}

// selectedLine returns the table row under the cursor (drawn "▸ " first).
func selectedLine(scr string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(l, "▸ ") {
			return l
		}
	}
	return ""
}

// treeColumn is the column (in runes) where a topology row's name starts,
// after the cursor marker, the indentation and the fold marker: deeper rows
// start further right (-1 for an empty line).
func treeColumn(line string) int {
	for i, r := range []rune(line) {
		if i >= 2 && r != ' ' && r != '▸' && r != '▾' {
			return i
		}
	}
	return -1
}

// originRE reads the error origin line of the trace view's report.
var originRE = regexp.MustCompile(`error origin: (\S+) (.+?) — .*\(span ([0-9a-f]+),`)

// TestTUILabEndToEnd runs the real binary in tmux against the lab's real
// components: kube-apiserver (nodes carrying the provider ids of the ASG
// instances), moto (two regions), and Jaeger fed by the repository's
// workload with the error fault injected. It walks the topology (region →
// zone → subnet → ASG → node), the load balancers, the databases, the
// traces, opens the error trace, finds the error origin, jumps to the pod
// that ran it and quits; then `console trace show --json` must name the same
// origin.
func TestTUILabEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver, moto and Jaeger and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	began := time.Now()
	// The context bounds the lab's start (three components at once, each
	// with its own bound, lab.StartTimeout) and its seeding on a loaded
	// machine: generous.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Build the binary while the lab starts.
	dir := t.TempDir()
	var (
		bin      string
		buildErr error
		built    = make(chan struct{})
	)
	go func() { defer close(built); bin, buildErr = buildConsole(dir) }()
	e := startLab(t, ctx)
	e.seed(t, ctx)
	<-built
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	cfgPath := e.writeConfig(t, dir)
	t.Logf("lab up, seeded and binary built in %v", time.Since(began).Round(time.Millisecond))

	r0 := e.aws.Regions[0] // us-east-1
	var node lab.SeededInstance
	for _, in := range e.aws.Instances() {
		if in.Region == r0.Region {
			node = in
			break
		}
	}
	regionInstances := 0 // the ASG's instances in r0, each a Ready node
	for _, list := range r0.Instances {
		regionInstances += len(list)
	}
	s, wait := startInTmux(t, bin, 160, 48, e.moto.Env(), "--config", cfgPath)

	// Topology: AWS and Kubernetes joined, every source answered.
	s.waitAll("the topology with AWS and the kube nodes", "[Topology]", "region us-east-1", "region eu-west-1", "asg "+r0.ASG, "read-write")
	s.keys(":region "+r0.Region, "Enter")
	want := []struct{ what, text string }{
		{"region", "region " + r0.Region},
		{"zone", "zone " + node.AZ},
		{"public subnet", "(" + r0.PublicSubnets[node.AZ] + ")"},
		{"private subnet", "(" + r0.PrivateSubnets[node.AZ] + ")"},
		{"ASG", "asg " + r0.ASG},
		{"node", "node " + node.NodeName()},
	}
	texts := make([]string, len(want))
	for i, w := range want {
		texts[i] = w.text
	}
	scr := s.waitUntil("the region's tree down to the node", func(scr string) bool {
		for _, w := range texts {
			if !strings.Contains(scr, w) {
				return false
			}
		}
		return !strings.Contains(scr, "region eu-west-1")
	})
	for _, k := range []struct {
		row  string
		kind string
	}{{want[2].text, "public"}, {want[3].text, "private"}} {
		if l := lineWith(scr, k.row); !strings.Contains(l, "subnet ") || !strings.Contains(l, k.kind+" ") {
			t.Errorf("the %s subnet %s is not shown as a %s subnet: %q", k.kind, k.row, k.kind, l)
		}
	}
	// The tree: each level sits in its parent's subtree (below it, indented
	// deeper, with no row in between at the parent's depth or above): the
	// node under the ASG, under the private subnet, under the zone, under
	// the region; the public subnet under the zone too.
	lines := strings.Split(scr, "\n")
	rowAfter := func(text string, from int) int { // a table row (not the header) holding text
		for i := max(from, 0); i < len(lines); i++ {
			if l := lines[i]; (strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "▸ ")) && strings.Contains(l, text) {
				return i
			}
		}
		return -1
	}
	under := func(parent, child int) bool {
		if parent < 0 || child <= parent {
			return false
		}
		pc := treeColumn(lines[parent])
		for i := parent + 1; i <= child; i++ {
			if treeColumn(lines[i]) <= pc {
				return false
			}
		}
		return true
	}
	rows := make([]int, len(want))
	rows[0] = rowAfter(want[0].text, 0)
	rows[1] = rowAfter(want[1].text, rows[0])
	rows[2] = rowAfter(want[2].text, rows[1])
	rows[3] = rowAfter(want[3].text, rows[1])
	rows[4] = rowAfter(want[4].text, rows[3])
	rows[5] = rowAfter(want[5].text, rows[4])
	for _, pc := range [][2]int{{0, 1}, {1, 2}, {1, 3}, {3, 4}, {4, 5}} {
		if !under(rows[pc[0]], rows[pc[1]]) {
			t.Errorf("the %s (row %d) is not under the %s (row %d):\n%s", want[pc[1]].what, rows[pc[1]], want[pc[0]].what, rows[pc[0]], scr)
		}
	}
	// The ASG's row is healthy (its instances are Ready nodes).
	if l := lineWith(scr, want[4].text); !strings.Contains(l, "✓") {
		t.Errorf("the ASG row is not healthy: %q", l)
	}

	// ASGs: the group counts its instances that are Ready nodes (the join).
	s.keys(":asg", "Enter")
	scr = s.waitAll(":asg", "[ASGs]", "READY", "▸ "+r0.ASG)
	asgRow := regexp.MustCompile(`(\d+)/(\d+)/(\d+)\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(lineWith(scr, "▸ "+r0.ASG))
	if want := fmt.Sprint(regionInstances); asgRow == nil || asgRow[1] != want || asgRow[4] != want || asgRow[5] != want {
		t.Errorf("the ASG row should show desired, in service and Ready nodes %s (DES/MIN/MAX IN SVC READY): %q", want, lineWith(scr, "▸ "+r0.ASG))
	}

	// Load balancers: the ALB with its target health.
	// (ARN arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID)
	lbName := strings.Split(r0.LoadBalancer, "/")[2]
	targets := regionInstances
	s.keys(":lb", "Enter")
	scr = s.waitAll(":lb", "[LBs]", lbName, "TARGETS")
	lbLine := lineWith(scr, "▸ "+lbName)
	if want := fmt.Sprintf("%d/%d", targets, targets); !strings.Contains(lbLine, want) || !strings.Contains(lbLine, "application") {
		t.Errorf("the ALB row does not show an application LB with target health %s (the ASG's instances): %q", want, lbLine)
	}

	// From the alarm in ALARM (the ALB's 5xx count) to the ALB it watches.
	s.keys(":alarms", "Enter")
	s.waitAll(":alarms", "[Alarms]", r0.AlarmFiring)
	s.keys("/"+r0.AlarmFiring, "Enter")
	s.waitUntil("the firing alarm selected", func(scr string) bool {
		l := selectedLine(scr)
		return strings.Contains(l, r0.AlarmFiring) && strings.Contains(l, "ALARM")
	})
	s.keys("Enter")
	s.waitUntil("the ALB the alarm watches", func(scr string) bool {
		return strings.Contains(scr, "[LBs]") && strings.Contains(selectedLine(scr), lbName)
	})
	// and on to a node behind it (a target's instance is a kube node)
	s.keys("Enter")
	scr = s.waitUntil("a node behind the ALB", func(scr string) bool {
		return strings.Contains(scr, "[Nodes]") && strings.Contains(scr, "behind load balancer "+lbName)
	})
	behind := strings.Fields(strings.TrimPrefix(selectedLine(scr), "▸ "))[0]
	// and to the pods on that node, only those
	s.keys("Enter")
	scr = s.waitUntil("the pods on the node", func(scr string) bool {
		return strings.Contains(scr, "[Pods]") && strings.Contains(selectedLine(scr), behind)
	})
	for _, l := range strings.Split(scr, "\n") {
		if (strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "▸ ")) && strings.Contains(l, "Running") && !strings.Contains(l, behind) {
			t.Errorf("a pod on another node is listed under node %s: %q", behind, l)
		}
	}
	// From the CloudFront distribution: the chain down to the nodes behind
	// its ALB (d), then the ALB itself (enter).
	s.keys(":edge", "Enter")
	s.waitAll(":edge", "[Edge]", r0.Distribution)
	s.keys("/"+r0.Distribution, "Enter")
	s.waitUntil("the distribution selected", func(scr string) bool { return strings.Contains(selectedLine(scr), r0.Distribution) })
	s.keys("d")
	s.waitAll("the distribution's chain down to the nodes", "load balancer", lbName, "target group", "→ node ")
	s.keys("Escape")
	// (wait for the pane to close: an Escape followed at once by enter
	// reads as alt+enter)
	s.waitUntil("the detail closed", func(scr string) bool {
		return !strings.Contains(scr, "esc back") && strings.Contains(selectedLine(scr), r0.Distribution)
	})
	s.keys("Enter")
	s.waitUntil("the ALB behind the distribution", func(scr string) bool {
		return strings.Contains(scr, "[LBs]") && strings.Contains(selectedLine(scr), lbName)
	})

	// Databases: the Aurora cluster with its primary and replicas.
	s.keys(":db", "Enter")
	scr = s.waitAll(":db", "[DBs]", r0.DBCluster, "● primary", "○ replica")
	if !strings.Contains(scr, r0.DBInstances[0]) {
		t.Errorf("the Aurora members are not listed (want %v):\n%s", r0.DBInstances, scr)
	}

	// Traces: the error trace is listed; open it.
	short := e.errTrace[:16]
	s.keys(":traces", "Enter")
	scr = s.waitAll(":traces", "[Traces]", short)
	if l := lineWith(scr, short); !strings.Contains(l, "✗") || !strings.Contains(l, "frontend") {
		t.Errorf("the error trace's row does not show its errors and root service: %q", l)
	}
	s.keys("/"+short, "Enter")
	s.waitUntil("the trace filtered", func(scr string) bool { return strings.HasPrefix(selectedLine(scr), "▸ "+short) })
	s.keys("Enter")
	scr = s.waitAll("the trace view's report", "error origin:", "trace "+e.errTrace)
	originLine := lineWith(scr, "error origin:")
	m := originRE.FindStringSubmatch(originLine)
	if m == nil {
		t.Fatalf("no error origin in the report:\n%s", scr)
	}
	tuiService, tuiOperation, tuiSpan := m[1], m[2], m[3]
	if tuiService != "db" || tuiOperation != "INSERT payments" {
		t.Errorf("the report names the origin %s %q, want db \"INSERT payments\" (the fault's failing query)", tuiService, tuiOperation)
	}

	// Navigate to the origin span with n (the origin starts selected, so n
	// moves on to the next error first), with the detail pane open.
	s.keys("d")
	onOrigin := func(scr string) bool {
		return strings.Contains(scr, tuiService+" "+tuiOperation+"  span "+tuiSpan+"  parent")
	}
	s.waitUntil("the detail pane on the origin", onOrigin)
	errRE := regexp.MustCompile(`error (\d+) of (\d+)`)
	last := ""
	for step := 0; ; step++ {
		s.keys("n")
		scr = s.waitUntil("the next error", func(scr string) bool {
			m := errRE.FindStringSubmatch(scr)
			return m != nil && (m[0] != last || m[2] == "1")
		})
		last = errRE.FindString(scr)
		if onOrigin(scr) {
			break
		}
		if step > 30 {
			t.Fatalf("n never reached the origin span %s; screen:\n%s", tuiSpan, scr)
		}
	}
	if !strings.Contains(scr, "pod "+e.originPod+"  node "+e.originNode) {
		t.Errorf("the origin span's detail does not name the seeded pod %s on node %s:\n%s", e.originPod, e.originNode, scr)
	}

	// o: the topology opens on the pod that ran it, selected.
	s.keys("o")
	scr = s.waitUntil("the topology focused on the origin's pod", func(scr string) bool {
		return strings.Contains(scr, "[Topology]") && strings.Contains(selectedLine(scr), e.originPod)
	})
	if !strings.Contains(scr, "jumped to pod "+e.originPod) {
		t.Errorf("no jump message for pod %s:\n%s", e.originPod, scr)
	}
	// The pod sits under its node, under the node's ASG.
	lines = strings.Split(scr, "\n") // (rowAfter and under read lines)
	podRow := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "▸ ") })
	nodeRow := rowAfter("node "+e.originNode, 0)
	groupRow := nodeRow - 1 // the node's parent: the nearest row above it, less indented
	for nodeRow >= 0 && groupRow >= 0 && treeColumn(lines[groupRow]) >= treeColumn(lines[nodeRow]) {
		groupRow--
	}
	if !under(nodeRow, podRow) || groupRow < 0 || !strings.Contains(lines[groupRow], "asg ") {
		t.Errorf("the pod %s is not shown under its node %s under an ASG:\n%s", e.originPod, e.originNode, scr)
	}

	// From there, the actions that fix it: the pod's and its deployment's.
	deployment := ""
	for _, d := range e.kubeSt.Deployments {
		if ns, name, _ := strings.Cut(d, "/"); ns == "shop" && strings.HasPrefix(e.originPod, name+"-") {
			deployment = "deployment/" + d
		}
	}
	s.keys("a")
	scr = s.waitAll("the pod's actions", "Actions for pod/shop/"+e.originPod, "restart")
	if l := lineWith(scr, "restart"); deployment == "" || !strings.Contains(l, deployment) {
		t.Errorf("no restart of the pod's deployment %q offered: %q", deployment, l)
	}
	s.keys("Escape")
	// (wait for the menu to close: an Escape followed at once by q reads as alt+q)
	s.waitUntil("the actions menu closed", func(scr string) bool {
		return !strings.Contains(scr, "Actions for") && strings.Contains(selectedLine(scr), e.originPod)
	})

	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		stderr, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		t.Fatalf("console exited with %s; stderr: %s\nscreen:\n%s", got, stderr, s.capture())
	}

	// The subcommand, through the same config, names the same origin.
	code, out, errs := runConsole(t, "--config", cfgPath, "trace", "show", e.errTrace, "--json")
	if code != 0 {
		t.Fatalf("trace show: exit %d: %s", code, errs)
	}
	var rep traces.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("trace show JSON: %v\n%s", err, out)
	}
	o := rep.ErrorOrigin
	if o == nil {
		t.Fatalf("trace show found no error origin:\n%s", out)
	}
	if o.Service != tuiService || o.Operation != tuiOperation || o.SpanID != tuiSpan {
		t.Errorf("trace show names the origin %s %q span %s; the TUI showed %s %q span %s", o.Service, o.Operation, o.SpanID, tuiService, tuiOperation, tuiSpan)
	}
	if o.Message == "" || !strings.Contains(originLine, "— "+o.Message) || len(o.Chain) < 2 || o.Chain[0] != o.SpanID ||
		!strings.Contains(originLine, fmt.Sprintf("%d hops to the root", len(o.Chain)-1)) {
		t.Errorf("trace show's origin message %q / chain %v do not match the TUI's report line %q", o.Message, o.Chain, originLine)
	}
	if !slices.ContainsFunc(rep.Locations, func(l traces.Location) bool {
		return l.SpanID == o.SpanID && l.Pod == e.originPod && l.Node == e.originNode
	}) {
		t.Errorf("trace show locates no origin span %s on pod %s node %s: %+v", o.SpanID, e.originPod, e.originNode, rep.Locations)
	}
	t.Logf("lab end-to-end in %v", time.Since(began).Round(time.Millisecond))
}

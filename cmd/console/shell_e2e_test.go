package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIShellAndForwardEndToEnd runs the real binary in tmux against the
// lab's API server and kubelet (pods really run as local processes; exec
// and port-forward are served through the API server as by a kubelet):
// s on a pod with two containers asks which, hands the terminal to
// `kubectl exec -it` in it, a command's output shows, exit gives the
// console back redrawn, and the audit log names the pod, the container
// and the exit. F forwards a local port to the pod's HTTP port, :pf lists
// it with its local address, an HTTP GET through it answers, x stops it
// (audited cancelled). With --readonly, s is refused with the reason
// (the offers greyed with it), audited, and the help says why.
func TestTUIShellAndForwardEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and the kubelet, runs the binary")
	}
	lab.RequireProgram(t, "kubectl")
	python := lab.RequireProgram(t, "python3")
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	port, err := lab.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pods, err := lab.RunDeployment(ctx, k.Client(), lab.RunSpec{Namespace: "shop", Name: "web", Nodes: kl.Nodes,
		Containers: []corev1.Container{
			{Name: "app", Command: []string{"sh", "-c", "while :; do sleep 1; done"}},
			{Name: "http", Command: []string{python, "-m", "http.server", strconv.Itoa(port), "--bind", "127.0.0.1"},
				Ports: []corev1.ContainerPort{{ContainerPort: int32(port)}},
				ReadinessProbe: &corev1.Probe{PeriodSeconds: 1,
					ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	pod := pods[0]
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(filepath.Dir(bin), "state", "console", "audit.jsonl")
	s, wait := startInTmux(t, bin, 120, 30, nil, "--kubeconfig", k.Kubeconfig, "--view", "pods")
	s.waitAll("the pod running", "[Pods]", pod, "Running")
	s.keys("/"+pod, "Enter")
	s.waitAll("the filter", pod, "1/1")

	// s: two containers, a choice; the first is the shell's
	s.keys("s")
	s.waitAll("the choice of container", "shell: pod shop/"+pod, "container app of pod", "container http of pod")
	s.keys("Enter")
	s.waitUntil("the shell's prompt, the console gone", shellPrompt)
	// A SIGINT to the console while the shell holds its terminal (what a
	// ctrl+c typed before kubectl takes the raw mode raises in both) is
	// the shell's: the console neither quits nor cancels the shell.
	if err := syscall.Kill(pidOf(t, bin), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	s.keys("echo shell-marker-$((40+2)) in $PWD", "Enter")
	s.waitAll("the command's output in the shell", "shell-marker-42 in ")
	s.keys("exit", "Enter")
	scr := s.waitAll("the console back, redrawn", "[Pods]", "RESTARTS", pod, "ended: the shell exited with status 0")
	if strings.Contains(scr, "shell-marker") {
		t.Errorf("the shell's lines are still on the screen:\n%s", scr)
	}
	// the keyboard is the console's again: the filter opens and closes
	s.keys("/")
	s.waitAll("the filter prompt", "/"+pod)
	s.keys("Enter")

	var shell actions.AuditEntry
	waitAudit(t, auditPath, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.Action == "shell" && e.Result != actions.StatusStarted {
				shell = e
				return true
			}
		}
		return false
	})
	if shell.Result != actions.StatusSucceeded || shell.Target != "pod/shop/"+pod || shell.Who == "" ||
		!strings.Contains(shell.Plan.Summary, "shell in container app of pod shop/"+pod+" (context lab)") ||
		shell.Verify != "the shell exited with status 0" {
		t.Errorf("shell audit = %+v", shell)
	}

	// kubectl port-forward ends at the first connection the pod refuses:
	// forward once the server listens (its readiness probe passed).
	lab.WaitFor(t, "the pod ready", lab.Wait, func() (bool, string) { return lab.PodsReady(context.Background(), k.Client(), "shop", pod) })
	// F: the forward's ports asked (the pod's port by default), previewed, confirmed
	s.keys("F")
	s.waitAll("the forward's form", "Pod port", strconv.Itoa(port))
	s.keys("Enter")
	s.waitAll("the forward's preview", "port-forward", "press y to confirm")
	s.keys("y")
	s.waitAll("the forward started", "started port-forward on pod/shop/"+pod)
	s.keys(":pf", "Enter")
	local := regexp.MustCompile(`127\.0\.0\.1:(\d+)`)
	scr = s.waitUntil("the forward listed with its local address", func(scr string) bool {
		return strings.Contains(scr, "[Forwards]") && strings.Contains(lineWith(scr, "shop/"+pod), strconv.Itoa(port)) &&
			local.MatchString(lineWith(scr, "shop/"+pod))
	})
	addr := local.FindString(lineWith(scr, "shop/"+pod))
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET through the forward %s: %v", addr, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Directory listing") {
		t.Fatalf("GET through the forward: %d %q", resp.StatusCode, body)
	}
	s.keys("x")
	s.waitAll("the forward stopped", "No port-forward running")
	var fwd actions.AuditEntry
	waitAudit(t, auditPath, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.Action == "port-forward" && e.Result != actions.StatusStarted {
				fwd = e
				return true
			}
		}
		return false
	})
	if fwd.Result != actions.StatusCancelled || fwd.Target != "pod/shop/"+pod || !strings.Contains(fwd.Error, "cancelled by the user") ||
		!strings.Contains(fwd.Plan.Summary, "port "+strconv.Itoa(port)) {
		t.Errorf("port-forward audit = %+v", fwd)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Errorf("the forward %s still answers after x", addr)
	}
	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}

	// read-only: s is greyed with the reason in the help, and refused
	ro, roWait := startInTmux(t, bin, 120, 30, nil, "--kubeconfig", k.Kubeconfig, "--view", "pods", "--readonly")
	ro.waitAll("the pod", "[Pods]", pod, "READ-ONLY")
	ro.keys("/"+pod, "Enter")
	ro.waitAll("the filter", pod, "1/1")
	ro.keys("?")
	ro.waitAll("the help saying why s is disabled", "shell ✗", "read-only: environment")
	ro.keys("Escape")
	ro.waitAll("the help closed", "RESTARTS")
	ro.keys("s")
	ro.waitAll("the refusal", "refused", "read-only")
	if scr := ro.capture(); !strings.Contains(scr, "[Pods]") {
		t.Errorf("the terminal was handed over in read-only mode:\n%s", scr)
	}
	waitAudit(t, auditPath, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.Action == "shell" && e.Result == actions.StatusRefused && strings.Contains(e.Error, "read-only") &&
				strings.Contains(e.Plan.Summary, "of pod shop/"+pod) {
				return true
			}
		}
		return false
	})
	ro.keys("Escape")
	ro.waitAll("the menu closed", "RESTARTS")
	ro.keys("q")
	if got := roWait(); got != "EXIT=0" {
		t.Fatalf("read-only console exited with %s", got)
	}
}

// waitAudit waits (waitFor) until ok holds of the audit log's entries;
// on a timeout the entries it last read are logged.
func waitAudit(t *testing.T, path string, ok func([]actions.AuditEntry) bool) {
	t.Helper()
	var es []actions.AuditEntry
	defer func() {
		if t.Failed() {
			t.Logf("the audit log %s has %+v", path, es)
		}
	}()
	waitFor(t, "the audit log "+path+" to hold the entry", func() bool {
		es, _, _ = actions.ReadAudit(path, 0)
		return ok(es)
	})
}

// pidOf is the process running the executable bin (the console in tmux).
func pidOf(t *testing.T, bin string) int {
	t.Helper()
	ds, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && exe == bin {
			return pid
		}
	}
	t.Fatalf("no process runs %s", bin)
	return 0
}

package lab

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestMain lets the test binary serve as a container's program: with
// LAB_TEST_SERVE=<port> it answers HTTP on 127.0.0.1:<port> (for the
// port-forward test) instead of running the tests.
func TestMain(m *testing.M) {
	if port := os.Getenv("LAB_TEST_SERVE"); port != "" {
		fmt.Println("serving on", port)
		err := http.ListenAndServe("127.0.0.1:"+port, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "hello from %s\n", os.Getenv("POD_NAME"))
		}))
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// waitPod polls a pod until ok accepts it (the kubelet reports state changes
// within a second or two; the deadline is generous for a loaded machine).
func waitPod(t *testing.T, c kubernetes.Interface, ns, name, what string, ok func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var last *corev1.Pod
	WaitFor(t, fmt.Sprintf("pod %s/%s: %s", ns, name, what), 90*time.Second, func() (bool, string) {
		p, err := c.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		last = p
		return ok(p), fmt.Sprintf("status %+v", p.Status)
	})
	return last
}

func running(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Running != nil
}

func logsOf(t *testing.T, c kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions) string {
	t.Helper()
	b, err := c.CoreV1().Pods(ns).GetLogs(pod, opts).DoRaw(t.Context())
	if err != nil {
		t.Fatalf("logs of %s/%s (%+v): %v: %s", ns, pod, opts, err, b)
	}
	return string(b)
}

func TestKubelet(t *testing.T) {
	k := Kube(t)
	kl := k.Kubelet(t, "lab-kubelet-0", "lab-kubelet-1")
	c := k.Client()
	ctx := t.Context()

	// A Deployment of two pods that log, one on each node.
	pods, err := RunDeployment(ctx, c, RunSpec{Namespace: "shop", Name: "logger", Replicas: 2, Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "logger", Image: "lab/sh", Command: []string{"sh", "-c",
			`i=0; while :; do echo "line $i from $POD_NAME"; i=$((i+1)); sleep 0.1; done`}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		waitPod(t, c, "shop", p, "Running", running)
	}
	for _, p := range pods {
		waitLogs(t, c, "shop", p, &corev1.PodLogOptions{}, "line 2 from "+p)
		// Timestamps and tail, as kubectl asks for them.
		one := int64(1)
		out := logsOf(t, c, "shop", p, &corev1.PodLogOptions{Timestamps: true, TailLines: &one})
		fields := strings.Fields(out)
		if strings.Count(out, "\n") != 1 || len(fields) < 2 {
			t.Fatalf("tail 1 with timestamps = %q", out)
		}
		if _, err := time.Parse(time.RFC3339Nano, fields[0]); err != nil {
			t.Errorf("timestamp of %q: %v", out, err)
		}
	}
	// Follow: lines keep arriving on one stream.
	rc, err := c.CoreV1().Pods("shop").GetLogs(pods[0], &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	sc := bufio.NewScanner(rc)
	seen := 0
	for sc.Scan() && seen < 40 {
		seen++
	}
	rc.Close()
	if seen < 40 {
		t.Errorf("follow read %d lines, want 40 (%v)", seen, sc.Err())
	}

	// A container that crashes: restarted with back-off, its previous run's
	// lines and exit code kept.
	crash, err := RunDeployment(ctx, c, RunSpec{Namespace: "shop", Name: "crasher", Nodes: kl.Nodes[:1],
		Containers: []corev1.Container{{Name: "app", Image: "lab/sh", Command: []string{"sh", "-c",
			`echo "starting"; echo "panic: lost connection to db" >&2; exit 3`}}}})
	if err != nil {
		t.Fatal(err)
	}
	sawBackOff := false
	p := waitPod(t, c, "shop", crash[0], "2 restarts", func(p *corev1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		cs := p.Status.ContainerStatuses[0]
		if cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" {
			sawBackOff = true
		}
		return cs.RestartCount >= 2 && sawBackOff
	})
	last := p.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if last == nil || last.ExitCode != 3 || last.Reason != "Error" {
		t.Errorf("last state = %+v, want terminated with exit code 3", p.Status.ContainerStatuses[0].LastTerminationState)
	}
	if prev := logsOf(t, c, "shop", crash[0], &corev1.PodLogOptions{Previous: true}); !strings.Contains(prev, "panic: lost connection to db") {
		t.Errorf("previous logs = %q", prev)
	}

	kubectl := RequireProgram(t, "kubectl")
	// exec runs in the container's directory with its environment, and the
	// exit code comes back.
	out, err := runEnv(ctx, "", k.Env(), kubectl, "exec", "-n", "shop", pods[0], "--", "sh", "-c", `echo "in $POD_NAME"; pwd`)
	if err != nil || !strings.Contains(out, "in "+pods[0]) || !strings.Contains(out, kl.Dir) {
		t.Errorf("kubectl exec = %q, %v", out, err)
	}
	if _, err := runEnv(ctx, "", k.Env(), kubectl, "exec", "-n", "shop", pods[0], "--", "sh", "-c", "exit 7"); err == nil || !strings.Contains(err.Error(), "exit code 7") {
		t.Errorf("kubectl exec exit 7: err = %v", err)
	}

	// port-forward reaches the container's port.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := RunDeployment(ctx, c, RunSpec{Namespace: "shop", Name: "server", Nodes: kl.Nodes[1:],
		Containers: []corev1.Container{{Name: "http", Image: "lab/test", Command: []string{self},
			Env:   []corev1.EnvVar{{Name: "LAB_TEST_SERVE", Value: strconv.Itoa(port)}},
			Ports: []corev1.ContainerPort{{ContainerPort: int32(port)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	waitPod(t, c, "shop", srv[0], "Running", running)
	waitLogs(t, c, "shop", srv[0], &corev1.PodLogOptions{}, "serving on")
	body := portForwardGet(t, kubectl, k.Env(), "shop", srv[0], port)
	if body != "hello from "+srv[0]+"\n" {
		t.Errorf("through port-forward: %q", body)
	}

	// Deleting a pod stops its process and the pod goes away.
	if err := c.CoreV1().Pods("shop").Delete(ctx, pods[1], metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, "pod "+pods[1]+" gone after delete", 60*time.Second, func() (bool, string) {
		p, err := c.CoreV1().Pods("shop").Get(ctx, pods[1], metav1.GetOptions{})
		if err != nil {
			return apierrors.IsNotFound(err), err.Error()
		}
		return false, fmt.Sprintf("still present: %+v", p.Status)
	})
}

// waitLogs polls the logs until they contain want.
func waitLogs(t *testing.T, c kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions, want string) {
	t.Helper()
	WaitFor(t, fmt.Sprintf("the logs of %s/%s to contain %q", ns, pod, want), 60*time.Second, func() (bool, string) {
		b, err := c.CoreV1().Pods(ns).GetLogs(pod, opts).DoRaw(t.Context())
		return err == nil && strings.Contains(string(b), want), fmt.Sprintf("%q (%v)", b, err)
	})
}

// portForwardGet runs kubectl port-forward to the pod's port and makes one
// HTTP request through it.
func portForwardGet(t *testing.T, kubectl string, env []string, ns, pod string, port int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, "port-forward", "-n", ns, "pod/"+pod, fmt.Sprintf(":%d", port))
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// "Forwarding from 127.0.0.1:43121 -> 8080"
	sc := bufio.NewScanner(stdout)
	local := ""
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Forwarding from 127.0.0.1:"); ok {
			local, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if local == "" {
		t.Fatalf("kubectl port-forward printed no local port (%v)", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + net.JoinHostPort("127.0.0.1", local) + "/")
	if err != nil {
		t.Fatalf("GET through port-forward: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

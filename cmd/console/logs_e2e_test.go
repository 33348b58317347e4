package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
)

// TestTUILogsEndToEnd runs the real binary in tmux against the lab's API
// server and kubelet: l on a pod follows its logs live, L on it follows
// its Deployment's pods merged (each line labelled with its pod), / finds
// a line, esc goes back to the Pods view.
func TestTUILogsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and the kubelet, runs the binary")
	}
	k := lab.Kube(t)
	kl := k.Kubelet(t, "lab-kubelet-0", "lab-kubelet-1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pods, err := lab.RunDeployment(ctx, k.Client(), lab.RunSpec{Namespace: "shop", Name: "web", Replicas: 2, Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "web", Command: []string{"sh", "-c",
			`i=0; while :; do echo "tick $i of $POD_NAME"; i=$((i+1)); sleep 0.2; done`}}}})
	if err != nil {
		t.Fatal(err)
	}
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 120, 30, nil, "--kubeconfig", k.Kubeconfig, "--view", "pods")
	s.waitScreen("the pods", "[Pods]", pods[0], pods[1])

	s.run("send-keys", "-t", "console", "/"+pods[0], "Enter")
	s.waitScreen("the filter", pods[0], "1/1")
	s.run("send-keys", "-t", "console", "l")
	scr := s.waitScreen("the pod's logs", "Logs pod shop/"+pods[0], "following", "of "+pods[0])
	// followed live: lines written after the view opened arrive
	first := lastTick(scr)
	s.waitUntil("later lines", func(scr string) bool { return lastTick(scr) >= first+5 })

	s.run("send-keys", "-t", "console", "/", "tick 1", "Enter")
	s.waitScreen("the search", "match /tick 1")
	s.run("send-keys", "-t", "console", "Escape")
	s.waitScreen("the Pods view again", "[Pods]", "RESTARTS")

	// L: the Deployment's pods merged, each line labelled with its pod
	s.run("send-keys", "-t", "console", "L")
	s.waitUntil("both pods' lines", func(scr string) bool {
		return strings.Contains(scr, "Logs deployment shop/web") &&
			strings.Contains(scr, pods[0]+" tick") && strings.Contains(scr, pods[1]+" tick")
	})
	s.run("send-keys", "-t", "console", "Escape")
	s.waitScreen("the Pods view again", "[Pods]", "RESTARTS")

	s.run("send-keys", "-t", "console", "q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

// lastTick is the highest "tick N" on the screen (-1: none).
func lastTick(scr string) int {
	best := -1
	for _, line := range strings.Split(scr, "\n") {
		_, rest, ok := strings.Cut(line, "tick ")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, " ")
		if n, err := strconv.Atoi(num); err == nil && n > best {
			best = n
		}
	}
	return best
}

// TestTUIPreviousLogsEndToEnd runs the real binary in tmux against the lab's
// API server and kubelet: a pod whose first run prints a crash line and
// exits non-zero is restarted by the kubelet; its second run keeps serving.
// l on the pod follows the current run (no crash line), p shows the
// previous container's lines (the crash line, none of the current run's),
// p again follows the current run.
func TestTUIPreviousLogsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and the kubelet, runs the binary")
	}
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	c := k.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The container's working directory outlives its runs: the first run
	// leaves a marker there, crashes; every later run serves.
	const crash = "panic: assignment to entry in nil map (checkout crash marker)"
	pods, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "checkout", Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "app", Command: []string{"sh", "-c",
			`if [ -e crashed-once ]; then i=0; while :; do echo "serving $i"; i=$((i+1)); sleep 0.2; done; fi
touch crashed-once; echo "first run starting"; echo "` + crash + `" >&2; exit 2`}}}})
	if err != nil {
		t.Fatal(err)
	}
	pod := pods[0]
	// The second run is up: what l follows from now on is that run alone.
	lab.WaitFor(t, "the pod's second run running", lab.Wait, func() (bool, string) {
		p, err := c.CoreV1().Pods("shop").Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		st := p.Status.ContainerStatuses
		return len(st) == 1 && st[0].RestartCount >= 1 && st[0].State.Running != nil, fmt.Sprintf("%+v", p.Status)
	})

	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 120, 30, nil, "--kubeconfig", k.Kubeconfig, "--view", "pods")
	s.waitScreen("the pod", "[Pods]", pod)
	s.keys("/"+pod, "Enter")
	s.waitScreen("the filter", pod, "1/1")
	s.keys("l")
	scr := s.waitUntil("the current run's lines", func(scr string) bool {
		return strings.Contains(scr, "Logs pod shop/"+pod) && strings.Contains(scr, "following") && strings.Contains(scr, "serving ")
	})
	if strings.Contains(scr, crash) || strings.Contains(scr, "first run starting") {
		t.Fatalf("the current run's logs show the previous run's lines:\n%s", scr)
	}

	s.keys("p")
	scr = s.waitUntil("the previous container's crash line", func(scr string) bool {
		return strings.Contains(scr, "previous container") && strings.Contains(scr, crash) && strings.Contains(scr, "first run starting")
	})
	if strings.Contains(scr, "serving ") {
		t.Fatalf("the previous container's logs show the current run's lines:\n%s", scr)
	}

	s.keys("p")
	s.waitUntil("the current run followed again", func(scr string) bool {
		return strings.Contains(scr, "following") && strings.Contains(scr, "serving ") && !strings.Contains(scr, crash)
	})
	s.keys("Escape")
	s.waitScreen("the Pods view again", "[Pods]", "RESTARTS")
	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

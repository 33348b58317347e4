package podlogs_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers/kube/podlogs"
)

// collector gathers delivered batches until a condition holds.
type collector struct {
	mu      sync.Mutex
	lines   []podlogs.Line
	batches int
	sorted  bool
	changed chan struct{}
}

func newCollector() *collector { return &collector{sorted: true, changed: make(chan struct{}, 1)} }

func (c *collector) deliver(ls []podlogs.Line) {
	c.mu.Lock()
	c.lines = append(c.lines, ls...)
	c.batches++
	if !slices.IsSortedFunc(ls, func(a, b podlogs.Line) int { return a.Time.Compare(b.Time) }) {
		c.sorted = false
	}
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// waitUntil waits (generously: the machine is shared) until ok holds.
func (c *collector) waitUntil(t *testing.T, what string, ok func([]podlogs.Line) bool) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		c.mu.Lock()
		done := ok(c.lines)
		n := len(c.lines)
		c.mu.Unlock()
		if done {
			return
		}
		select {
		case <-c.changed:
		case <-time.After(time.Second):
		case <-deadline:
			t.Fatalf("%s: not reached after 90 s (%d lines)", what, n)
		}
	}
}

func count(ls []podlogs.Line, pod, substr string) int {
	n := 0
	for _, l := range ls {
		if l.Pod == pod && strings.Contains(l.Text, substr) {
			n++
		}
	}
	return n
}

func waitRestarts(t *testing.T, c kubernetes.Interface, ns, pod string, n int32) {
	t.Helper()
	lab.WaitFor(t, fmt.Sprintf("pod %s/%s: %d restarts", ns, pod, n), 90*time.Second, func() (bool, string) {
		p, err := c.CoreV1().Pods(ns).Get(t.Context(), pod, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].RestartCount >= n, fmt.Sprintf("status %+v", p.Status)
	})
}

// TestStreamAgainstKubelet reads logs through the real API server from the
// lab's kubelet: a Deployment's pods merged, a crash loop followed across
// its runs, the previous run, a tail.
func TestStreamAgainstKubelet(t *testing.T) {
	k := lab.Kube(t)
	kl := k.Kubelet(t, "lab-kubelet-0", "lab-kubelet-1")
	c := k.Client()
	ctx := t.Context()

	pods, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "web", Replicas: 2, Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "web", Command: []string{"sh", "-c",
			`i=0; while :; do echo "$POD_NAME line $i"; i=$((i+1)); sleep 0.05; done`}}}})
	if err != nil {
		t.Fatal(err)
	}
	crash, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "crasher", Nodes: kl.Nodes[:1],
		Containers: []corev1.Container{{Name: "app", Command: []string{"sh", "-c",
			`echo "run starting"; echo "panic: boom trace_id=4bf92f3577b34da6a3ce929d0e0e4736" >&2; exit 2`}}}})
	if err != nil {
		t.Fatal(err)
	}

	// The whole Deployment, followed: both pods' lines, each batch in time order.
	sctx, cancel := context.WithCancel(ctx)
	col := newCollector()
	done := make(chan error, 1)
	go func() {
		done <- podlogs.Stream(sctx, c, podlogs.Request{Follow: true, Tail: -1,
			Targets: []podlogs.Target{{Namespace: "shop", Pod: pods[0]}, {Namespace: "shop", Pod: pods[1]}}}, col.deliver)
	}()
	col.waitUntil(t, "20 lines of each pod", func(ls []podlogs.Line) bool {
		return count(ls, pods[0], pods[0]+" line") >= 20 && count(ls, pods[1], pods[1]+" line") >= 20
	})
	cancel()
	if err := <-done; err != nil && err != context.Canceled {
		t.Errorf("stream: %v", err)
	}
	col.mu.Lock()
	if !col.sorted {
		t.Error("a delivered batch was not in time order")
	}
	for _, l := range col.lines {
		if l.Err != nil {
			t.Errorf("stream error: %v", l.Err)
		} else if l.Container != "web" || l.Time.IsZero() {
			t.Errorf("line %+v: want container web and a timestamp", l)
		}
	}
	col.mu.Unlock()

	// A crash loop followed: the stream is re-opened for each new run.
	sctx, cancel = context.WithCancel(ctx)
	col = newCollector()
	go func() {
		done <- podlogs.Stream(sctx, c, podlogs.Request{Follow: true, Tail: -1,
			Targets: []podlogs.Target{{Namespace: "shop", Pod: crash[0]}}}, col.deliver)
	}()
	col.waitUntil(t, "three runs of the crashing container", func(ls []podlogs.Line) bool {
		return count(ls, crash[0], "run starting") >= 3
	})
	cancel()
	if err := <-done; err != nil && err != context.Canceled {
		t.Errorf("stream: %v", err)
	}

	// Previous: the last run's lines; a tail of 2 lines.
	waitRestarts(t, c, "shop", crash[0], 1)
	col = newCollector()
	if err := podlogs.Stream(ctx, c, podlogs.Request{Previous: true, Tail: -1,
		Targets: []podlogs.Target{{Namespace: "shop", Pod: crash[0], Container: "app"}}}, col.deliver); err != nil {
		t.Fatal(err)
	}
	if count(col.lines, crash[0], "panic: boom") != 1 {
		t.Errorf("previous run's lines = %+v", col.lines)
	}
	col = newCollector()
	if err := podlogs.Stream(ctx, c, podlogs.Request{Tail: 2, Targets: []podlogs.Target{{Namespace: "shop", Pod: pods[0]}}}, col.deliver); err != nil {
		t.Fatal(err)
	}
	if len(col.lines) != 2 {
		t.Errorf("tail 2 = %d lines", len(col.lines))
	}

	// A pod that does not exist: one error line, no hang.
	col = newCollector()
	_ = podlogs.Stream(ctx, c, podlogs.Request{Tail: -1, Targets: []podlogs.Target{{Namespace: "shop", Pod: "nope"}}}, col.deliver)
	if len(col.lines) != 1 || col.lines[0].Err == nil {
		t.Errorf("missing pod: %+v", col.lines)
	}
}

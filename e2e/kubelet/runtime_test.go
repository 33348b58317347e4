package main

import (
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestStatusPushesKeepTheirOrder: virtual-kubelet keeps the last status a
// provider pushes. The first push of a two-container pod (one container
// running, the other still creating) is made slow here; the push for the
// second container's start must still arrive after it, so what the pod
// controller keeps is both containers running, never the stale one.
func TestStatusPushesKeepTheirOrder(t *testing.T) {
	rt, err := newRuntime(t.TempDir(), "127.0.0.1", time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var last *corev1.Pod
	calls, received := 0, 0
	rt.notify["n1"] = func(p *corev1.Pod) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			time.Sleep(300 * time.Millisecond) // the first push is overtaken unless pushes are ordered
		}
		mu.Lock()
		last = p
		received++
		mu.Unlock()
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u1"},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{
			{Name: "a", Command: []string{"sleep", "30"}},
			{Name: "b", Command: []string{"sleep", "30"}},
		}}}
	if err := rt.create(pod); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.delete(pod) })

	running := func(p *corev1.Pod) bool {
		if p == nil || len(p.Status.ContainerStatuses) != 2 {
			return false
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Running == nil {
				return false
			}
		}
		return true
	}
	// One push per container start, and none while they run: wait for
	// both to be received.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := received
		mu.Unlock()
		if n >= 2 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if received < 2 {
		t.Fatalf("%d status pushes received, want one per container start", received)
	}
	if !running(last) {
		t.Errorf("the pod controller keeps a stale status: %+v", last.Status.ContainerStatuses)
	}
}

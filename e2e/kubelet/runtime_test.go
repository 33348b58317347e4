package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
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

// TestReadinessProbes: a running container with a readiness probe is not
// ready until its probe passes, and is no longer ready once it fails
// FailureThreshold times; one without a probe is ready as soon as it runs.
// Each kind of probe the lab runs is tried against something the test
// turns on and off: a listening socket, an HTTP server's answer, a file an
// exec probe tests.
func TestReadinessProbes(t *testing.T) {
	type switcher struct {
		probe corev1.ProbeHandler
		pass  func(bool) // make the probe pass (true) or fail (false)
		port  int32      // the container's port named "web", if the probe names it
	}
	cases := map[string]func(t *testing.T) switcher{
		"tcpSocket": func(t *testing.T) switcher {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close() // nothing listens until the probe must pass
			_, port, _ := net.SplitHostPort(addr)
			p, _ := strconv.Atoi(port)
			var mu sync.Mutex
			var open net.Listener
			t.Cleanup(func() {
				if open != nil {
					open.Close()
				}
			})
			return switcher{probe: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("web")}},
				port: int32(p),
				pass: func(on bool) {
					mu.Lock()
					defer mu.Unlock()
					if on {
						if open, err = net.Listen("tcp", addr); err != nil {
							t.Fatal(err)
						}
						return
					}
					open.Close()
					open = nil
				}}
		},
		"httpGet": func(t *testing.T) switcher {
			var ok atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/healthz" || !ok.Load() {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}))
			t.Cleanup(srv.Close)
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			p, _ := strconv.Atoi(port)
			return switcher{probe: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt(p)}},
				pass: ok.Store}
		},
		"exec": func(t *testing.T) switcher {
			flag := filepath.Join(t.TempDir(), "ready")
			return switcher{probe: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-e", flag}}},
				pass: func(on bool) {
					if on {
						if err := os.WriteFile(flag, nil, 0o644); err != nil {
							t.Fatal(err)
						}
						return
					}
					_ = os.Remove(flag)
				}}
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			sw := setup(t)
			rt, err := newRuntime(t.TempDir(), "127.0.0.1", time.Second, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var last *corev1.Pod
			rt.notify["n1"] = func(p *corev1.Pod) {
				mu.Lock()
				last = p
				mu.Unlock()
			}
			c := corev1.Container{Name: "probed", Command: []string{"sleep", "60"},
				ReadinessProbe: &corev1.Probe{ProbeHandler: sw.probe, PeriodSeconds: 1, FailureThreshold: 1}}
			if sw.port != 0 {
				c.Ports = []corev1.ContainerPort{{Name: "web", ContainerPort: sw.port}}
			}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u-" + types.UID(name)},
				Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{c,
					{Name: "plain", Command: []string{"sleep", "60"}}}}}
			if err := rt.create(pod); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rt.delete(pod) })

			// state is what the last push says: both running, which ready, the pod's Ready condition.
			state := func() string {
				mu.Lock()
				defer mu.Unlock()
				if last == nil || len(last.Status.ContainerStatuses) != 2 {
					return "no full status yet"
				}
				s := ""
				for _, cs := range last.Status.ContainerStatuses {
					s += fmt.Sprintf("%s running=%t ready=%t; ", cs.Name, cs.State.Running != nil, cs.Ready)
				}
				for _, cd := range last.Status.Conditions {
					if cd.Type == corev1.PodReady {
						s += "pod Ready=" + string(cd.Status)
					}
				}
				return s
			}
			notReady := "probed running=true ready=false; plain running=true ready=true; pod Ready=False"
			ready := "probed running=true ready=true; plain running=true ready=true; pod Ready=True"
			waitState := func(want string) {
				t.Helper()
				var got string
				for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if got = state(); got == want {
						return
					}
				}
				t.Fatalf("status = %q, want %q", got, want)
			}
			waitState(notReady)
			// Two periods with the probe failing: still not ready.
			time.Sleep(2500 * time.Millisecond)
			if got := state(); got != notReady {
				t.Fatalf("with the probe failing, status = %q, want %q", got, notReady)
			}
			sw.pass(true)
			waitState(ready)
			sw.pass(false)
			waitState(notReady)
		})
	}
}

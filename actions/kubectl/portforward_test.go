package kubectl

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

func TestPortForwardArgv(t *testing.T) {
	a := PortForward(Target{Kubeconfig: "/k", Context: "lab", Namespace: "shop", Name: "web-1"}, 8080)
	want := "kubectl --kubeconfig /k --context lab --namespace shop port-forward --address 127.0.0.1 pod/web-1 :8080"
	if got := strings.Join(a.Argv(), " "); got != want {
		t.Errorf("argv = %q, want %q", got, want)
	}
	if err := a.SetParam("local", "9000"); err != nil {
		t.Fatal(err)
	}
	if got := a.Argv()[len(a.Argv())-1]; got != "9000:8080" {
		t.Errorf("with local 9000: %q", got)
	}
	if s := a.Spec(); s.Effect != actions.Mutating || s.Name != actions.VerbPortForward || s.Target.Kind != actions.KindPod {
		t.Errorf("spec = %+v", s)
	}
	sa := PortForwardService(Target{Kubeconfig: "/k", Context: "lab", Namespace: "shop", Name: "web"}, 80)
	want = "kubectl --kubeconfig /k --context lab --namespace shop port-forward --address 127.0.0.1 svc/web :80"
	if got := strings.Join(sa.Argv(), " "); got != want {
		t.Errorf("service argv = %q, want %q", got, want)
	}
	if s := sa.Spec(); s.Target.Kind != KindService || s.Target.Name != "web" {
		t.Errorf("service spec = %+v", s)
	}
	if ps := sa.Params(); ps[0].Title != "Service port" {
		t.Errorf("service params = %+v", ps)
	}
}

// TestPortForwardThroughExecutor forwards to a pod that really runs (the
// lab's kubelet) through the executor: the forward answers, its run stops
// when cancelled, and the audit log has the attempt and the outcome with
// the pod and the port.
func TestPortForwardThroughExecutor(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	python := lab.RequireProgram(t, "python3")
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	ctx := context.Background()
	port, err := lab.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pods, err := lab.RunDeployment(ctx, k.Client(), lab.RunSpec{Namespace: "shop", Name: "web", Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "web", Command: []string{python, "-m", "http.server", strconv.Itoa(port), "--bind", "127.0.0.1"},
			Ports: []corev1.ContainerPort{{ContainerPort: int32(port)}},
			ReadinessProbe: &corev1.Probe{PeriodSeconds: 1,
				ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// kubectl port-forward ends at the first connection the pod refuses
	// ("lost connection to pod"): forward once the server listens, which
	// its readiness probe tells, as an engineer would wait for READY.
	lab.WaitFor(t, "the pod ready", lab.Wait, func() (bool, string) { return lab.PodsReady(ctx, k.Client(), "shop", pods...) })
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	e, err := actions.NewExecutor(actions.Options{Env: "lab", AuditPath: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	forward(t, e, PortForward(Target{Kubeconfig: k.Kubeconfig, Context: "lab", Namespace: "shop", Name: pods[0]}, port))

	// A service in front of the pods: kubectl picks a running pod by the
	// selector and maps the service's port to its target port.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Port: 8080, TargetPort: intstr.FromInt32(int32(port))}}}}
	if _, err := k.Client().CoreV1().Services("shop").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sa := PortForwardService(Target{Kubeconfig: k.Kubeconfig, Context: "lab", Namespace: "shop", Name: "web"}, 8080)
	if s := sa.Spec(); s.Target.Kind != KindService || !strings.Contains(s.Description, "svc/web :8080") {
		t.Errorf("service forward spec = %+v", s)
	}
	forward(t, e, sa)
	audit, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"port-forward"`, pods[0], "port " + strconv.Itoa(port), `"cancelled"`, "service shop/web port 8080"} {
		if !strings.Contains(string(audit), want) {
			t.Errorf("audit log lacks %s:\n%s", want, audit)
		}
	}
}

// forward runs a through e until an HTTP GET through the forward answers
// (the pod's server may still be starting: retried), then cancels it and
// checks it stopped as cancelled.
func forward(t *testing.T, e *actions.Executor, a *PortForwardAction) {
	t.Helper()
	p, err := e.Prepare(context.Background(), a, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Start(p, "y")
	if err != nil {
		t.Fatal(err)
	}
	// The local port, from kubectl's "Forwarding from 127.0.0.1:PORT -> ..."
	// line; the pod's server may still be starting: retry the request.
	var body string
	lab.WaitFor(t, "an answer through the forward", 90*time.Second, func() (bool, string) {
		for _, l := range r.Lines() {
			if rest, ok := strings.CutPrefix(l, "Forwarding from 127.0.0.1:"); ok {
				local, _, _ := strings.Cut(rest, " ")
				resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://127.0.0.1:" + local + "/")
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						body = string(b)
					}
				}
				break
			}
		}
		return body != "", "run output:\n" + strings.Join(r.Lines(), "\n")
	})
	if !strings.Contains(body, "Directory listing") {
		t.Fatalf("no answer through the forward; run output:\n%s", strings.Join(r.Lines(), "\n"))
	}
	r.Cancel()
	select {
	case <-r.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the forward did not stop when cancelled")
	}
	if st := r.Result().Status; st != actions.StatusCancelled {
		t.Errorf("status = %s, want cancelled", st)
	}
}

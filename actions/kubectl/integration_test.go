package kubectl

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// TestAgainstAPIServer runs every action (the restart in
// TestRestartVerifiesRollout) through the executor against a
// real kube-apiserver (no kubelet: verification reads the objects).
func TestAgainstAPIServer(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	k := lab.Kube(t)
	ctx := context.Background()
	c := k.Client()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppsV1().Deployments("shop").Create(ctx, testDeployment("web", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
	if _, err := c.CoreV1().Pods("shop").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	e, err := actions.NewExecutor(actions.Options{Env: "lab", AuditPath: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	conn := Target{Kubeconfig: k.Kubeconfig, Context: "lab", Namespace: "shop"}
	with := func(kind actions.Kind, name string) Target { x := conn; x.Kind, x.Name = kind, name; return x }

	tests := []struct {
		name   string
		a      *Action
		status string
		check  func(t *testing.T)
	}{
		{"scale", Scale(with("deployment", "web"), 3), actions.StatusSucceeded, func(t *testing.T) {
			d, _ := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
			if *d.Spec.Replicas != 3 {
				t.Errorf("replicas %d", *d.Spec.Replicas)
			}
		}},
		{"cordon", Cordon(with("node", "n1")), actions.StatusSucceeded, func(t *testing.T) {
			n, _ := c.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
			if !n.Spec.Unschedulable {
				t.Error("node schedulable")
			}
		}},
		{"uncordon", Uncordon(with("node", "n1")), actions.StatusSucceeded, func(t *testing.T) {
			n, _ := c.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
			if n.Spec.Unschedulable {
				t.Error("node unschedulable")
			}
		}},
		{"drain empty node", Drain(with("node", "n1"), 0), actions.StatusSucceeded, nil},
		{"delete pod", DeletePod(with("pod", "web-1")), actions.StatusSucceeded, nil},
		{"missing deployment refused", Restart(with("deployment", "nope")), actions.StatusRefused, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Without --yes nothing changes; the server dry run is the plan.
			planned := e.Execute(ctx, tt.a, false, io.Discard)
			if tt.status == actions.StatusRefused {
				if planned.Status != actions.StatusRefused || !strings.Contains(planned.Error, "not found") {
					t.Fatalf("result %+v", planned)
				}
				return
			}
			if planned.Status != actions.StatusPlanned || !strings.Contains(planned.Plan.Summary, "server dry run") {
				t.Fatalf("plan-only result %+v", planned)
			}
			res := e.Execute(ctx, tt.a, true, io.Discard)
			if res.Status != tt.status || !res.Verified {
				t.Fatalf("result %+v", res)
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
	es, bad, err := actions.ReadAudit(auditPath, 0)
	if err != nil || bad != 0 || len(es) != 2*(len(tests)-1)+1 {
		t.Errorf("audit: %d entries, %d bad, err %v", len(es), bad, err)
	}

	// A user without rights is refused (no permission), and nothing changes.
	t.Run("no permission refused", func(t *testing.T) {
		kc := k.User(t, "nobody", nil)
		a := Scale(Target{Kubeconfig: kc, Namespace: "shop", Kind: "deployment", Name: "web"}, 9)
		res := e.Execute(ctx, a, true, io.Discard)
		if res.Status != actions.StatusRefused || !strings.Contains(strings.ToLower(res.Error), "forbidden") {
			t.Fatalf("result %+v", res)
		}
		d, _ := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
		if *d.Spec.Replicas == 9 {
			t.Error("a refused scale changed the deployment")
		}
	})
}

// TestRestartVerifiesRollout: a restart is verified only when the rollout
// completed as kubectl rollout status decides. The lab runs no controllers,
// so the test plays the deployment controller: once it sees the restart
// (a new generation) it writes the status the case describes.
func TestRestartVerifiesRollout(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	k := lab.Kube(t)
	ctx := context.Background()
	c := k.Client()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	e, err := actions.NewExecutor(actions.Options{Env: "lab", AuditPath: auditPath})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		status     func(gen int64) appsv1.DeploymentStatus
		wantStatus string
		wantMsg    string
	}{
		{"all replicas updated and available", func(gen int64) appsv1.DeploymentStatus {
			return lab.RolledOut(gen, 3)
		}, actions.StatusSucceeded, "rolled out: 3 of 3 updated replicas are available"},
		{"2 of 3 pods ready", func(gen int64) appsv1.DeploymentStatus {
			return appsv1.DeploymentStatus{ObservedGeneration: gen, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2}
		}, actions.StatusFailed, "2 of 3 updated replicas are available"},
		{"old replica left", func(gen int64) appsv1.DeploymentStatus {
			return appsv1.DeploymentStatus{ObservedGeneration: gen, Replicas: 4, UpdatedReplicas: 3, ReadyReplicas: 4, AvailableReplicas: 4}
		}, actions.StatusFailed, "1 old replicas are pending termination"},
		{"controller never observed it", func(gen int64) appsv1.DeploymentStatus {
			return appsv1.DeploymentStatus{ObservedGeneration: gen - 1, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3}
		}, actions.StatusFailed, "has not observed the restart"},
		{"progress deadline exceeded", func(gen int64) appsv1.DeploymentStatus {
			return appsv1.DeploymentStatus{ObservedGeneration: gen, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
				Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse,
					Reason: "ProgressDeadlineExceeded", LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now()}}}
		}, actions.StatusFailed, "exceeded its progress deadline"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("web-%d", i)
			if _, err := c.AppsV1().Deployments("shop").Create(ctx, testDeployment(name, 3), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			wrote := k.PlayRollout(t, "shop", name, tt.status)
			a := Restart(Target{Kubeconfig: k.Kubeconfig, Context: "lab", Namespace: "shop", Kind: "deployment", Name: name}).
				WaitRollout(3 * time.Second)
			res := e.Execute(ctx, a, true, io.Discard)
			if err := <-wrote; err != nil {
				t.Fatalf("write status: %v", err)
			}
			if res.Status != tt.wantStatus || !strings.Contains(res.VerifyMessage, tt.wantMsg) {
				t.Fatalf("result status %q verified %v verify %q error %q", res.Status, res.Verified, res.VerifyMessage, res.Error)
			}
			if res.Verified != (tt.wantStatus == actions.StatusSucceeded) {
				t.Errorf("verified %v for status %s", res.Verified, res.Status)
			}
			if tt.wantStatus == actions.StatusFailed && !strings.Contains(res.Error, "verification failed: ") {
				t.Errorf("error %q does not say the verification failed", res.Error)
			}
			es, _, err := actions.ReadAudit(auditPath, 0)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(es, func(x actions.AuditEntry) bool { return x.AuditID == res.AuditID })
			if i < 0 || es[i].Result != tt.wantStatus || es[i].Verified != res.Verified || !strings.Contains(es[i].Verify, tt.wantMsg) {
				t.Errorf("audit entry of %s: %+v", res.AuditID, es)
			}
		})
	}
}

// testDeployment is a deployment shop/NAME of replicas nginx pods.
func testDeployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
}

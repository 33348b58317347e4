package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIDeleteTypedConfirmation runs the real binary in tmux at 80x24
// against a real kube-apiserver: ctrl+d on a Deployment of the
// Deployments view (:deploy) shows the delete's server dry run and
// cascade, refuses y, and deletes on the name typed; the attempt is
// audited.
func TestTUIDeleteTypedConfirmation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	lab.RequireProgram(t, "kubectl")
	k := lab.Kube(t)
	ctx := context.Background()
	c := k.Client()
	if _, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "web", Replicas: 2, Nodes: []string{"n-unused"},
		Containers: []corev1.Container{{Name: "web", Command: []string{"sleep", "3600"}}}}); err != nil {
		t.Fatal(err)
	}
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := startInTmux(t, bin, 80, 24, nil, "--kubeconfig", k.Kubeconfig, "--context", lab.KubeContext, "--view", "pods")
	s.waitAll("the pods", "[Pods]", "web-")
	s.keys(":deploy", "Enter")
	s.waitAll("the deployments", "[Deploy]", "UP-TO-DATE", " web ")
	s.keys("C-d")
	s.waitAll("the delete's preview", "delete deployment/shop/web", "server dry run", "cascade", "type web to confirm")
	s.keys("y", "Enter")
	s.waitAll("y refused", "confirmation does not match")
	if _, err := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Fatalf("the deployment went on y: %v", err)
	}
	s.keys("BSpace", "web", "Enter")
	s.waitAll("the delete done", "delete on deployment/shop/web: succeeded")
	if _, err := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment after the delete: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(bin), "state", "console", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var last actions.AuditEntry
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Action != "delete" || last.Result != actions.StatusSucceeded || last.Effect != "destructive" {
		t.Errorf("audit: %v %+v", err, last)
	}
}

package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// TestServeApprovalAgainstKube: console serve (in this process) against
// the lab's API server and kubelet, real OpenSSH clients in tmux. alice
// (operator) deletes a pod with ctrl+d and confirms it: the delete waits
// for a second person and the pod stays on the API server, untouched,
// until carol (admin) approves it from her own session; then kubectl
// deletes it and the API server no longer has it. The audit names both.
func TestServeApprovalAgainstKube(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and the kubelet, runs ssh clients in tmux")
	}
	lab.RequireProgram(t, "kubectl")
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pods, err := lab.RunDeployment(ctx, k.Client(), lab.RunSpec{Namespace: "shop", Name: "approve", Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "app", Command: []string{"sh", "-c", "while :; do sleep 1; done"}}}})
	if err != nil {
		t.Fatal(err)
	}
	pod := pods[0]
	f := startServeEnv(t, "lab", fmt.Sprintf("    kube:\n      - kubeconfig: %s\n        context: %s\n", k.Kubeconfig, lab.KubeContext))
	alice := f.connect("alice", 120, 30)
	carol := f.connect("carol", 160, 40)
	carol.waitAll("carol's console", "carol (admin)", "[Topology]")
	alice.waitAll("alice's console", "alice (operator)", "[Topology]")
	alice.keys(":pods", "Enter")
	alice.waitAll("the pod running", "[Pods]", pod, "Running")
	alice.keys("/"+pod, "Enter")
	alice.waitAll("the filter", pod, "1/1")

	alice.keys("C-d")
	scr := alice.waitAll("alice's delete preview", "[destructive]", " to confirm: ")
	if m := regexp.MustCompile(`type (\S+) to confirm: `).FindStringSubmatch(scr); m == nil || m[1] != pod {
		t.Fatalf("the typed confirmation does not ask for %s:\n%s", pod, scr)
	}
	alice.keys("-l", pod)
	alice.keys("Enter")
	alice.waitAll("alice's request waiting", "waiting for a second person's approval", "esc withdraws")
	var id string
	waitAudit(t, f.audit, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.Action == "delete" && e.Result == actions.StatusAwaitingApproval && strings.HasPrefix(e.Who, "alice (key SHA256:") {
				id = e.AuditID
				return true
			}
		}
		return false
	})
	// Nothing ran: the pod is on the API server and not being deleted.
	if p, err := k.Client().CoreV1().Pods("shop").Get(ctx, pod, metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("the pod before any approval: %v (deleting: %v)", err, p != nil && p.DeletionTimestamp != nil)
	}

	carol.waitAll("carol's notice", "1 TO APPROVE (A)")
	carol.keys("A")
	carol.waitAll("carol's review", "Approve? alice (key SHA256:", "asks for delete", pod)
	carol.keys("-l", pod)
	carol.keys("Enter")

	waitFor(t, "the pod gone from the API server", func() bool {
		_, err := k.Client().CoreV1().Pods("shop").Get(ctx, pod, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	f.checkApproved(id, pod)
	alice.waitAll("alice's run and its approver", "[Actions]", "delete pod/", "succeeded", "(approved by carol (key SHA256:")
}

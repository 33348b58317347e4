package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// TestSignalsCancelRealDrain runs the real binary's `action drain --yes`
// against the lab's kube-apiserver. The lab has no kubelet, so an evicted
// pod stays Terminating and kubectl drain waits for it: the run is
// blocked in kubectl, as a drain of a slow-to-stop workload is. SIGHUP
// (the SSH session dropping), SIGTERM and SIGINT must each cancel it
// through the executor: the console exits with status 4, no kubectl is
// left, and the audit holds one cancelled outcome (after its started
// line). The node stays cordoned, as kubectl leaves it; the console shows
// it cordoned and offers uncordon.
func TestSignalsCancelRealDrain(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	if testing.Short() {
		t.Skip("starts kube-apiserver and runs the binary")
	}
	k := lab.Kube(t)
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := k.Client()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	yes := true
	for i, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			node := fmt.Sprintf("drain-%d", i)
			if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			// Two pods of a ReplicaSet (so drain needs no --force) bound to the node.
			for j := range 2 {
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-web-%d", node, j), Namespace: "shop",
						OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: types.UID("rs-web-1"), Controller: &yes}}},
					Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
				}
				if _, err := c.CoreV1().Pods("shop").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			cmd := exec.Command(bin, "--kubeconfig", k.Kubeconfig, "--context", "lab", "action", "drain", "node/"+node, "--yes", "--json")
			cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
				"XDG_RUNTIME_DIR="+filepath.Join(dir, "run"))
			var stdout, stderr lockedBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			// Blocked: both pods evicted (Terminating) and kubectl still running.
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lab.WaitFor(t, "kubectl drain blocked on the evicted pods", 3*time.Minute, func() (bool, string) {
				select {
				case err := <-exited:
					t.Fatalf("console exited (%v) before kubectl drain blocked:\n%s", err, stderr.String())
				default:
				}
				pods, err := c.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
				terminating := 0
				if err == nil {
					for _, p := range pods.Items {
						if p.DeletionTimestamp != nil {
							terminating++
						}
					}
				}
				return terminating == 2 && len(procsMatching("drain "+node, "\x00")) > 0,
					fmt.Sprintf("%d pods terminating (list error %v)\n%s", terminating, err, stderr.String())
			})

			signalCancels(t, cmd, exited, sig, &stderr)
			noneLeft(t, "after "+sig.String(), "drain "+node, "\x00")
			audit := filepath.Join(dir, "state", "console", "audit.jsonl")
			auditCancelledOnce(t, audit, sig)
			var res actionJSON
			if err := json.Unmarshal([]byte(stdout.String()), &res); err != nil || res.Status != actions.StatusCancelled {
				t.Errorf("result on stdout: %v %s", err, stdout.String())
			}
			// The state kubectl leaves: cordoned, the evicted pods Terminating.
			if n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); err != nil || !n.Spec.Unschedulable {
				t.Errorf("node after a cancelled drain: %v (want it still cordoned, as kubectl leaves it)", err)
			}
		})
	}
}

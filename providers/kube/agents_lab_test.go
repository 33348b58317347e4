package kube_test

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// TestAgentsAgainstKubelet: two kubelet nodes of a real API server, one
// tainted dedicated=db:NoSchedule. fluentd tolerates nothing, so it must
// run only on the untainted node, where its pod really runs; node-exporter
// tolerates every taint, so it must run on both, and its pod is missing
// from the tainted node: a missing agent once the grace has passed, a
// waiting one (the node was just created) within it. A DaemonSet whose
// node selector matches no node must run nowhere.
func TestAgentsAgainstKubelet(t *testing.T) {
	k := lab.Kube(t)
	kl := k.Kubelet(t, "agent-a", "agent-b")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := k.Client()
	if err := ensureNS(ctx, c, "logging"); err != nil {
		t.Fatal(err)
	}
	// The API server taints a new node not-ready:NoSchedule; the node
	// lifecycle controller (the lab has no controller-manager) removes it
	// once the node is Ready: do what it does, and taint agent-b.
	for i, name := range kl.Nodes {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error { // the kubelet writes the node too
			n, err := c.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			n.Spec.Taints = slices.DeleteFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeNotReady })
			if i == 1 {
				n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
			}
			_, err = c.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	fluentd := runDaemonSet(ctx, t, c, "fluentd", nil, nil)
	exporter := runDaemonSet(ctx, t, c, "node-exporter", []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, nil)
	runDaemonSet(ctx, t, c, "db-agent", nil, map[string]string{"role": "db"})
	// the pods the DaemonSet controller would have made (the lab has none)
	for _, ds := range []*appsv1.DaemonSet{fluentd, exporter} {
		runDaemonPod(ctx, t, c, ds, kl.Nodes[0])
	}

	agentsOf := func(inv *providers.Inventory, node string) []providers.Agent {
		for _, n := range inv.Nodes {
			if n.Name == node {
				return n.Agents
			}
		}
		return nil
	}
	// Past the grace (1 ms): the missing pod is a problem.
	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, AgentGrace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	u := waitUpdate(t, runProvider(t, p), 2*time.Minute, "agent-a's agents ready", func(u providers.Update) bool {
		if u.Inventory == nil || u.Progress != nil {
			return false
		}
		as := agentsOf(u.Inventory, kl.Nodes[0])
		return len(as) == 2 && as[0].Ready && as[1].Ready
	})
	a, bAgents := agentsOf(u.Inventory, kl.Nodes[0]), agentsOf(u.Inventory, kl.Nodes[1])
	if a[0].DaemonSet != "logging/fluentd" || a[1].DaemonSet != "logging/node-exporter" || a[0].Status != providers.AgentReady || a[0].Pod == "" {
		t.Errorf("agent-a: %+v, want fluentd and node-exporter ready", a)
	}
	if len(bAgents) != 1 || bAgents[0].DaemonSet != "logging/node-exporter" || bAgents[0].Status != providers.AgentMissing || bAgents[0].Pod != "" {
		t.Errorf("agent-b (tainted, not tolerated by fluentd): %+v, want node-exporter missing only", bAgents)
	}
	if got := providers.AgentsSummary(bAgents); got != "0/1" {
		t.Errorf("agent-b's summary %q, want 0/1", got)
	}

	// Within the default grace the nodes were just created: waiting.
	p2, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext})
	if err != nil {
		t.Fatal(err)
	}
	u = waitUpdate(t, runProvider(t, p2), 2*time.Minute, "agent-b's agents", func(u providers.Update) bool {
		return u.Inventory != nil && u.Progress == nil && len(agentsOf(u.Inventory, kl.Nodes[1])) == 1
	})
	if w := agentsOf(u.Inventory, kl.Nodes[1])[0]; w.Status != providers.AgentWaiting || w.Why == "" {
		t.Errorf("a node just created should wait, not be a problem: %+v", w)
	}
}

// runDaemonSet creates a DaemonSet in logging with the tolerations and
// node selector, its status as the controller would write it after a
// finished rollout.
func runDaemonSet(ctx context.Context, t *testing.T, c kubernetes.Interface, name string, tol []corev1.Toleration, sel map[string]string) *appsv1.DaemonSet {
	t.Helper()
	labels := map[string]string{"app": name}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "logging", Name: name},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				NodeSelector: sel, Tolerations: tol,
				Containers: []corev1.Container{{Name: name, Image: "lab.local/process", Command: []string{"sleep", "3600"}}}}}}}
	ds, err := c.AppsV1().DaemonSets("logging").Create(ctx, ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Status = appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: 1, UpdatedNumberScheduled: 1, CurrentNumberScheduled: 1}
	if ds, err = c.AppsV1().DaemonSets("logging").UpdateStatus(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ds
}

// runDaemonPod creates ds's pod bound to node, owned by ds.
func runDaemonPod(ctx context.Context, t *testing.T, c kubernetes.Interface, ds *appsv1.DaemonSet, node string) {
	t.Helper()
	yes := true
	spec := *ds.Spec.Template.Spec.DeepCopy()
	spec.NodeName = node
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ds.Namespace, Name: ds.Name + "-" + node, Labels: ds.Spec.Template.Labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: ds.Name, UID: ds.UID, Controller: &yes}}},
		Spec: spec}
	if _, err := c.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

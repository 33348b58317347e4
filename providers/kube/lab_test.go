package kube_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// seedNode creates a Ready node with zone/region/instance-type labels and an
// AWS provider id.
func seedNode(ctx context.Context, c kubernetes.Interface, name, zone, instance string) (*corev1.Node, error) {
	region := zone[:len(zone)-1]
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			kube.LabelZone: zone, kube.LabelRegion: region, kube.LabelInstanceType: "m5.large",
			"kubernetes.io/hostname": name,
		}},
		Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/%s", zone, instance)},
	}
	n, err := c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", name, err)
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
	if n, err = c.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		return nil, fmt.Errorf("node %s status: %w", name, err)
	}
	return n, nil
}

// seedDeployment creates a Deployment and the ReplicaSet it owns (there is
// no controller-manager in the lab), with the given status counts.
func seedDeployment(ctx context.Context, c kubernetes.Interface, ns, name string, replicas int32) (*appsv1.Deployment, *appsv1.ReplicaSet, error) {
	labels := map[string]string{"app": name}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}
	d, err := c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("create deployment %s: %w", name, err)
	}
	d.Status = appsv1.DeploymentStatus{Replicas: replicas, ReadyReplicas: replicas, UpdatedReplicas: replicas, AvailableReplicas: replicas}
	if d, err = c.AppsV1().Deployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		return nil, nil, fmt.Errorf("deployment %s status: %w", name, err)
	}
	yes := true
	rsLabels := map[string]string{"app": name, "pod-template-hash": "5d8f9c"}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-5d8f9c", Labels: rsLabels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: d.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: rsLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: rsLabels}, Spec: tmpl.Spec}}}
	if rs, err = c.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		return nil, nil, fmt.Errorf("create replicaset %s: %w", name, err)
	}
	return d, rs, nil
}

// seedPod creates a running, ready pod bound to node and owned by owner
// (a ReplicaSet, or nil for a bare pod). Grace period 0 and no finalizers
// so that deleting it removes it at once (there is no kubelet).
func seedPod(ctx context.Context, c kubernetes.Interface, ns, name, node string, owner *appsv1.ReplicaSet) (*corev1.Pod, error) {
	zero := int64(0)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{}},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: &zero,
			Containers: []corev1.Container{{Name: "app", Image: "nginx", Env: []corev1.EnvVar{{Name: "MODE", Value: "test"}}}}}}
	if owner != nil {
		yes := true
		for k, v := range owner.Spec.Template.Labels {
			p.Labels[k] = v
		}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: owner.Name, UID: owner.UID, Controller: &yes}}
	}
	p, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create pod %s/%s: %w", ns, name, err)
	}
	now := metav1.Now()
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.1.0.1", StartTime: &now,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, Image: "nginx", ImageID: "nginx@sha256:0",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}}
	if p, err = c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		return nil, fmt.Errorf("pod %s/%s status: %w", ns, name, err)
	}
	return p, nil
}

func ensureNS(ctx context.Context, c kubernetes.Interface, ns string) error {
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// runProvider runs p until the test ends and returns its updates.
func runProvider(t *testing.T, p providers.Provider) <-chan providers.Update {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan providers.Update, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Run(ctx, ch); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ch
}

// waitUpdate reads updates until cond holds or the deadline passes.
func waitUpdate(t *testing.T, ch <-chan providers.Update, deadline time.Duration, what string, cond func(providers.Update) bool) providers.Update {
	t.Helper()
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	var last providers.Update
	for {
		select {
		case u := <-ch:
			last = u
			if cond(u) {
				return u
			}
		case <-timer.C:
			desc := "no update"
			if last.Err != nil {
				desc = "last error: " + last.Err.Error()
			} else if last.Inventory != nil {
				desc = fmt.Sprintf("last update: %d nodes, %d pods", len(last.Inventory.Nodes), len(last.Inventory.Pods))
			}
			t.Fatalf("no update with %s within %s (%s)", what, deadline, desc)
		}
	}
}

func findPod(inv *providers.Inventory, ns, name string) *providers.Pod {
	for i := range inv.Pods {
		if inv.Pods[i].Namespace == ns && inv.Pods[i].Name == name {
			return &inv.Pods[i]
		}
	}
	return nil
}

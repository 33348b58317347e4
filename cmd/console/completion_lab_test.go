package main

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
)

// TestCompletionKubeLab completes contexts, namespaces and objects from a
// real kube-apiserver (the lab's).
func TestCompletionKubeLab(t *testing.T) {
	k := lab.Kube(t)
	isolate(t)
	// The cap is for a shell waiting; a loaded test machine may need longer
	// for the first LIST, and the test checks the names, not the time.
	defer func(d time.Duration) { completionTimeout = d }(completionTimeout)
	completionTimeout = time.Minute
	ctx := t.Context()
	c := k.Client()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ip-10-0-9-9"}}
	if _, err := c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "cart"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "cart"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "cart", Image: "cart"}}}}}}
	if _, err := c.AppsV1().Deployments("shop").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "cart-0"},
		Spec: corev1.PodSpec{NodeName: "ip-10-0-9-9", Containers: []corev1.Container{{Name: "cart", Image: "cart"}}}}
	if _, err := c.CoreV1().Pods("shop").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kc := []string{"--kubeconfig", k.Kubeconfig, "--context", lab.KubeContext}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--kubeconfig", k.Kubeconfig, "--context", ""}, []string{lab.KubeContext}},
		{append(kc, "action", "cordon", "ip-"), []string{}},
		{append(kc, "action", "cordon", "node/ip-10-0-9"), []string{"node/ip-10-0-9-9"}},
		{append(kc, "action", "restart", "-n", "shop", ""), []string{"deployment/cart"}},
		{append(kc, "action", "delete", "-n", "sh"), []string{"shop"}},
		{append(kc, "action", "delete", "-n", "shop", "pod/"), []string{"pod/cart-0"}},
	}
	for _, tc := range tests {
		got := complete(t, tc.args...)
		if got == nil {
			got = []string{}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
}

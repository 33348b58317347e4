package kube_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// TestConfigMapsUsedByLab: against a real API server, the ConfigMaps
// view's USED BY comes from the pod informer once it has its first list
// (the view then lists no pod, however many there are) and follows a pod
// created since; before that (a provider not yet running) it is read
// with a LIST of the namespace's pods. Both answers agree, and a pod
// taking a Secret of the same name is not a user.
func TestConfigMapsUsedByLab(t *testing.T) {
	k := lab.Kube(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := k.Client()
	if err := ensureNS(ctx, c, "shop"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().ConfigMaps("shop").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "app-config"},
		Data: map[string]string{"mode": "prod"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ref := corev1.LocalObjectReference{Name: "app-config"}
	pod := func(name string, spec corev1.PodSpec) {
		t.Helper()
		spec.NodeName = "n-unused"
		if len(spec.Containers) == 0 {
			spec.Containers = []corev1.Container{{Name: "app", Image: "nginx"}}
		}
		if _, err := c.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}, Spec: spec},
			metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pod("by-volume", corev1.PodSpec{Volumes: []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref}}}}})
	pod("by-env", corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx",
		EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref}}}}}})
	pod("by-secret", corev1.PodSpec{Volumes: []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: "app-config"}}}}})

	usedBy := func(p *kube.Provider) []string {
		t.Helper()
		cms, err := p.ConfigMaps(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		for _, cm := range cms {
			if cm.Name == "app-config" {
				return cm.UsedBy
			}
		}
		t.Fatalf("app-config not listed: %+v", cms)
		return nil
	}
	podLists := func() int64 {
		_, by := listCount(ctx, c)
		return by["pods"]
	}
	want := []string{"by-env", "by-volume"}

	// Not running: the pods are listed.
	idle, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext})
	if err != nil {
		t.Fatal(err)
	}
	before := podLists()
	if got := usedBy(idle); !slices.Equal(got, want) {
		t.Errorf("used by (listed) %q, want %q", got, want)
	}
	if n := podLists() - before; n < 1 {
		t.Errorf("%d pod LISTs for the view of a provider without informers, want the namespace's pods listed", n)
	}

	// Running, first lists done: from the informer, no LIST.
	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext})
	if err != nil {
		t.Fatal(err)
	}
	ch := runProvider(t, p)
	waitUpdate(t, ch, time.Minute, "the complete view", func(u providers.Update) bool { return u.Inventory != nil && u.Progress == nil })
	before = podLists()
	if got := usedBy(p); !slices.Equal(got, want) {
		t.Errorf("used by (informer) %q, want %q", got, want)
	}
	if n := podLists() - before; n != 0 {
		t.Errorf("%d pod LISTs for the view with the informer's first list done, want none", n)
	}
	pod("by-key", corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx",
		Env: []corev1.EnvVar{{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref, Key: "mode"}}}}}}})
	want = []string{"by-env", "by-key", "by-volume"}
	lab.WaitFor(t, "the new pod among the users", lab.Wait, func() (bool, string) {
		got := usedBy(p)
		return slices.Equal(got, want), "used by " + fmt.Sprint(got)
	})
}

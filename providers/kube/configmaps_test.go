package kube

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

// TestConfigMapUsedBy: every way a pod references a ConfigMap counts it
// once; a pod of another namespace, or one that references a Secret (or
// a ConfigMap) of another name, does not.
func TestConfigMapUsedBy(t *testing.T) {
	pod := func(ns, name string, spec corev1.PodSpec) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
	}
	ref := corev1.LocalObjectReference{Name: "app-config"}
	vol := func(s corev1.VolumeSource) []corev1.Volume { return []corev1.Volume{{Name: "v", VolumeSource: s}} }
	ctr := func(c corev1.Container) []corev1.Container { return []corev1.Container{c} }
	cases := []struct {
		name string
		pod  corev1.Pod
		uses bool
	}{
		{"configMap volume", pod("shop", "p", corev1.PodSpec{Volumes: vol(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref}})}), true},
		{"projected source", pod("shop", "p", corev1.PodSpec{Volumes: vol(corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "other"}}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: ref}}}}})}), true},
		{"envFrom configMapRef", pod("shop", "p", corev1.PodSpec{Containers: ctr(corev1.Container{EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref}}}})}), true},
		{"env configMapKeyRef in an init container", pod("shop", "p", corev1.PodSpec{InitContainers: ctr(corev1.Container{Env: []corev1.EnvVar{{Name: "X",
			ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref, Key: "k"}}}}})}), true},
		{"every way at once counts once", pod("shop", "p", corev1.PodSpec{
			Volumes: vol(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref}}),
			Containers: ctr(corev1.Container{EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref}}},
				Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref, Key: "k"}}}}})}), true},
		{"same name, other namespace", pod("billing", "p", corev1.PodSpec{Volumes: vol(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref}})}), false},
		{"a Secret of the same name", pod("shop", "p", corev1.PodSpec{
			Volumes: vol(corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "app-config"}}),
			Containers: ctr(corev1.Container{EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: ref}}},
				Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref, Key: "k"}}}}})}), false},
		{"another ConfigMap", pod("shop", "p", corev1.PodSpec{Volumes: vol(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "app-config-old"}}})}), false},
		{"no volumes nor env", pod("shop", "p", corev1.PodSpec{Containers: ctr(corev1.Container{Name: "app"})}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			users := map[cmRef][]string{}
			addConfigMapUsers(users, []corev1.Pod{c.pod})
			cms := []providers.ConfigMap{{Namespace: "shop", Name: "app-config"}, {Namespace: "shop", Name: "unused"}}
			setUsedBy(cms, users)
			var want []string
			if c.uses {
				want = []string{"p"}
			}
			if !reflect.DeepEqual(cms[0].UsedBy, want) || cms[1].UsedBy != nil {
				t.Errorf("used by %q (and unused by %q), want %q", cms[0].UsedBy, cms[1].UsedBy, want)
			}
		})
	}
	t.Run("several pods, sorted", func(t *testing.T) {
		users := map[cmRef][]string{}
		v := vol(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref}})
		addConfigMapUsers(users, []corev1.Pod{pod("shop", "web-2", corev1.PodSpec{Volumes: v}), pod("shop", "web-1", corev1.PodSpec{Volumes: v}),
			pod("ops", "web-0", corev1.PodSpec{Volumes: v})})
		cms := []providers.ConfigMap{{Namespace: "shop", Name: "app-config"}, {Namespace: "ops", Name: "app-config"}}
		setUsedBy(cms, users)
		if want := []string{"web-1", "web-2"}; !reflect.DeepEqual(cms[0].UsedBy, want) {
			t.Errorf("shop/app-config used by %q, want %q", cms[0].UsedBy, want)
		}
		if want := []string{"web-0"}; !reflect.DeepEqual(cms[1].UsedBy, want) {
			t.Errorf("ops/app-config used by %q, want %q", cms[1].UsedBy, want)
		}
	})
}

// TestConvertConfigMap: data keys then binary keys, each sorted, with
// their sizes; a value kept only up to MaxConfigMapValue bytes.
func TestConvertConfigMap(t *testing.T) {
	yes := true
	long := strings.Repeat("x", providers.MaxConfigMapValue+10)
	got := convertConfigMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "app"}, Immutable: &yes,
		Data:       map[string]string{"b.yaml": "b: 1\n", "a.conf": long},
		BinaryData: map[string][]byte{"logo.png": make([]byte, 300)}})
	want := providers.ConfigMap{Namespace: "shop", Name: "app", Immutable: true, Keys: []providers.ConfigMapKey{
		{Name: "a.conf", Size: len(long), Value: long[:providers.MaxConfigMapValue]},
		{Name: "b.yaml", Size: 5, Value: "b: 1\n"},
		{Name: "logo.png", Size: 300, Binary: true}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("convert:\n got %+v\nwant %+v", got, want)
	}
	if n := got.Size(); n != len(long)+5+300 {
		t.Errorf("size %d, want %d", n, len(long)+5+300)
	}
}

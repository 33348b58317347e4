package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// TestInventoryKube runs `console inventory --json --kubeconfig K --context
// lab` against a real kube-apiserver and checks the nodes and pods.
func TestInventoryKube(t *testing.T) {
	k := lab.Kube(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no user config file
	ctx := t.Context()
	c := k.Client()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ip-10-0-3-7", Labels: map[string]string{"topology.kubernetes.io/zone": "eu-west-1c"}},
		Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-1c/i-0cafe0000000001"}}
	if _, err := c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "api-0"},
		Spec: corev1.PodSpec{NodeName: "ip-10-0-3-7", Containers: []corev1.Container{{Name: "api", Image: "api",
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/srv"}}}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-api-0"}}}}}}
	if _, err := c.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	class := "standard"
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "data-api-0"},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}}}}
	if _, err := c.CoreV1().PersistentVolumeClaims("default").Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	code := run([]string{"inventory", "--json", "--kubeconfig", k.Kubeconfig, "--context", lab.KubeContext}, strings.NewReader(""), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var inv providers.Inventory
	if err := json.Unmarshal(stdout.Bytes(), &inv); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, stdout.String())
	}
	if len(inv.Sources) != 1 || inv.Sources[0].Name != "kube:lab" || inv.Sources[0].Status != providers.StatusOK {
		t.Errorf("sources = %+v", inv.Sources)
	}
	if len(inv.Nodes) != 1 || inv.Nodes[0].Zone != "eu-west-1c" || inv.Nodes[0].InstanceID != "i-0cafe0000000001" || inv.Nodes[0].Pods != 1 {
		t.Errorf("nodes = %+v", inv.Nodes)
	}
	if len(inv.Pods) != 1 || inv.Pods[0].Name != "api-0" || inv.Pods[0].Node != "ip-10-0-3-7" || inv.Pods[0].Cluster != "lab" {
		t.Errorf("pods = %+v", inv.Pods)
	}
	// The API server's own Service, and the claim with its pod, in the
	// documented snake_case keys; a Service without ports or external
	// addresses has [] (never null).
	compact := strings.Join(strings.Fields(stdout.String()), "")
	for _, want := range []string{`"volume_claims":[{"namespace":"default","name":"data-api-0","cluster":"lab","phase":"Pending","storage_class":"standard","capacity_gib":2,"request_gib":2,"volume":"","access_modes":["ReadWriteOnce"]`,
		`"pods":["api-0"],"mount_path":"/srv","used_gib":0,"usage_known":false`, `"services":[{"namespace":"default","name":"kubernetes","cluster":"lab","type":"ClusterIP"`, `"external":[]`} {
		if !strings.Contains(compact, want) {
			t.Errorf("the JSON lacks %s:\n%s", want, stdout.String())
		}
	}

	// A context that is not in the kubeconfig is bad input: exit 2.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"inventory", "--kubeconfig", k.Kubeconfig, "--context", "nope"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("unknown context: exit %d (%s)", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `context "nope" not found`) {
		t.Errorf("stderr = %q", stderr.String())
	}
}

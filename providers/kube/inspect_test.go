package kube_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// secretValue is a Secret's value that must never be shown.
const secretValue = "s3cr3t-hunter2"

// crdGVR is the CustomResourceDefinition resource (no typed client needed).
var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// createCronTabCRD creates the CronTab CRD of the Kubernetes docs (short
// name ct) and one CronTab in ns, and waits until the CRD is served.
func createCronTabCRD(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns string) {
	t.Helper()
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "crontabs.stable.example.com"},
		"spec": map[string]any{
			"group": "stable.example.com", "scope": "Namespaced",
			"names": map[string]any{"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": []any{"ct"}},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "properties": map[string]any{
					"spec": map[string]any{"type": "object", "properties": map[string]any{
						"cronSpec": map[string]any{"type": "string"}, "image": map[string]any{"type": "string"}}}}}},
				"additionalPrinterColumns": []any{map[string]any{"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"}}}},
		},
	}}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	gvr := schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stable.example.com/v1", "kind": "CronTab",
		"metadata": map[string]any{"name": "nightly", "namespace": ns},
		"spec":     map[string]any{"cronSpec": "0 3 * * *", "image": "backup"},
	}}
	lab.WaitFor(t, "the CRD served (create a CronTab)", 60*time.Second, func() (bool, string) {
		_, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
		return err == nil, fmt.Sprint(err)
	})
}

// TestInspectLab reads objects on demand from a real API server: describe
// (pod, node, deployment, secret, a custom resource), YAML (no
// managedFields, a Secret's values hidden), events of every type,
// discovery with a CRD, and server-side tables.
func TestInspectLab(t *testing.T) {
	k := lab.Kube(t)
	ctx := t.Context()
	c := k.Client()
	if err := ensureNS(ctx, c, "shop"); err != nil {
		t.Fatal(err)
	}
	node, err := seedNode(ctx, c, "ip-10-0-1-10", "us-east-1a", "i-0aaa000000000001")
	if err != nil {
		t.Fatal(err)
	}
	node.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "shop", Effect: corev1.TaintEffectNoSchedule}}
	if node, err = c.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	node.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")}
	node.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3900m"), corev1.ResourceMemory: resource.MustParse("15Gi"), corev1.ResourcePods: resource.MustParse("110")}
	if _, err = c.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, rs, err := seedDeployment(ctx, c, "shop", "web", 1)
	if err != nil {
		t.Fatal(err)
	}
	pod, err := seedPod(ctx, c, "shop", "web-5d8f9c-0", "ip-10-0-1-10", rs)
	if err != nil {
		t.Fatal(err)
	}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-5d8f9c-0.oom"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: pod.Name, UID: pod.UID},
		Type:           corev1.EventTypeWarning, Reason: "BackOff", Message: "Back-off restarting failed container app",
		Count: 7, FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Source: corev1.EventSource{Component: "kubelet"}}
	if _, err := c.CoreV1().Events("shop").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	normal := ev.DeepCopy()
	normal.Name, normal.Type, normal.Reason, normal.Message, normal.Count = "web-5d8f9c-0.pulled", corev1.EventTypeNormal, "Pulled", "Container image already present", 1
	if _, err := c.CoreV1().Events("shop").Create(ctx, normal, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A Secret created as `kubectl apply` does: its values are also in the
	// last-applied annotation.
	enc := base64.StdEncoding.EncodeToString([]byte(secretValue))
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db-creds", Annotations: map[string]string{
		corev1.LastAppliedConfigAnnotation: `{"apiVersion":"v1","data":{"password":"` + enc + `"},"kind":"Secret"}`}},
		Data: map[string][]byte{"password": []byte(secretValue), "user": []byte("shop")}}
	if _, err := c.CoreV1().Secrets("shop").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(k.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}

	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext})
	if err != nil {
		t.Fatal(err)
	}
	obj := func(res, ns, name string) providers.KubeObject {
		return providers.KubeObject{Cluster: "lab", Resource: res, Namespace: ns, Name: name}
	}
	noSecret := func(t *testing.T, s string) {
		t.Helper()
		if strings.Contains(s, secretValue) || strings.Contains(s, enc) {
			t.Errorf("a Secret's value is shown:\n%s", s)
		}
	}

	describeCases := []struct {
		name string
		o    providers.KubeObject
		want []string
	}{
		{"pod", obj("pod", "shop", pod.Name), []string{"Name:", pod.Name, "Node:", "ip-10-0-1-10", "Containers:", "Image:", "nginx",
			"State:", "Running", "Conditions:", "QoS Class:", "BestEffort", "Events:", "BackOff", "Back-off restarting failed container app", "Pulled"}},
		{"node by short name", obj("no", "", "ip-10-0-1-10"), []string{"Capacity:", "Allocatable:", "3900m", "Conditions:", "KubeletReady",
			"Taints:", "dedicated=shop:NoSchedule", "Allocated resources:", "shop", pod.Name}},
		{"deployment", obj("deploy", "shop", "web"), []string{"Replicas:", "1 desired", "Selector:", "app=web", "StrategyType:"}},
		{"secret", obj("secrets", "shop", "db-creds"), []string{"Type:", "password:", "14 bytes", "user:"}},
	}
	for _, tc := range describeCases {
		t.Run("describe "+tc.name, func(t *testing.T) {
			out, err := p.Describe(ctx, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("describe %s: no %q in\n%s", tc.name, w, out)
				}
			}
			noSecret(t, out)
		})
	}

	t.Run("yaml without managedFields", func(t *testing.T) {
		out, err := p.YAML(ctx, obj("po", "shop", pod.Name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "managedFields") {
			t.Errorf("managedFields shown:\n%s", out)
		}
		for _, w := range []string{"kind: Pod", "name: " + pod.Name, "nodeName: ip-10-0-1-10", "image: nginx"} {
			if !strings.Contains(out, w) {
				t.Errorf("no %q in\n%s", w, out)
			}
		}
	})
	t.Run("yaml of a secret hides its values", func(t *testing.T) {
		out, err := p.YAML(ctx, obj("secret", "shop", "db-creds"))
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, out)
		for _, w := range []string{"password: '<hidden: 14 bytes>'", "user: '<hidden: 4 bytes>'", "<hidden: repeats the values>"} {
			if !strings.Contains(out, w) {
				t.Errorf("no %q in\n%s", w, out)
			}
		}
	})
	t.Run("unknown resource", func(t *testing.T) {
		if _, err := p.YAML(ctx, obj("nosuchkind", "shop", "x")); err == nil || !strings.Contains(err.Error(), "nosuchkind") {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("events of every type", func(t *testing.T) {
		evs, err := p.Events(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range evs {
			if e.Name == pod.Name && e.Kind == "Pod" {
				types = append(types, e.Type)
				if e.Type == "Warning" && (e.Count != 7 || e.Reason != "BackOff" || e.Source != "kubelet" || e.Last.IsZero()) {
					t.Errorf("event %+v", e)
				}
			}
		}
		slices.Sort(types)
		if !slices.Equal(types, []string{"Normal", "Warning"}) {
			t.Errorf("event types of the pod %v, want Normal and Warning", types)
		}
	})

	t.Run("server-side table", func(t *testing.T) {
		tb, err := p.Table(ctx, "deploy", "shop")
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range tb.Columns {
			cols = append(cols, c.Name)
		}
		if !slices.Contains(cols, "Ready") || !slices.Contains(cols, "Up-to-date") || tb.Resource.Kind != "Deployment" || !tb.Resource.Namespaced {
			t.Errorf("columns %v resource %+v", cols, tb.Resource)
		}
		if len(tb.Rows) != 1 || tb.Rows[0].Name != "web" || tb.Rows[0].Namespace != "shop" || tb.Rows[0].Cells[1] != "1/1" {
			t.Errorf("rows %+v", tb.Rows)
		}
	})

	t.Run("CRD through discovery", func(t *testing.T) {
		// discovery read before the CRD exists: the new kind is found after
		if _, err := p.Resources(ctx); err != nil {
			t.Fatal(err)
		}
		createCronTabCRD(ctx, t, dyn, "shop")
		res, err := p.Resources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(res, func(r providers.KubeResource) bool { return r.Kind == "CronTab" })
		if i < 0 || res[i].Name() != "crontabs.stable.example.com" || !slices.Contains(res[i].ShortNames, "ct") || !res[i].Namespaced {
			t.Fatalf("CronTab not discovered as expected (index %d)", i)
		}
		for _, name := range []string{"ct", "crontab", "crontabs", "crontabs.stable.example.com"} {
			tb, err := p.Table(ctx, name, "")
			if err != nil {
				t.Fatalf("table %s: %v", name, err)
			}
			if len(tb.Rows) != 1 || tb.Rows[0].Name != "nightly" || !slices.Contains(tb.Rows[0].Cells, "0 3 * * *") {
				t.Errorf("table %s: columns %+v rows %+v", name, tb.Columns, tb.Rows)
			}
		}
		out, err := p.Describe(ctx, obj("ct", "shop", "nightly"))
		if err != nil || !strings.Contains(out, "Cron Spec:") || !strings.Contains(out, "0 3 * * *") {
			t.Errorf("describe CronTab: %v\n%s", err, out)
		}
	})
}

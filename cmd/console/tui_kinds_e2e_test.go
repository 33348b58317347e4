package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/e2e/lab"
)

// kindsSecret is a Secret's value that must never reach the screen.
const kindsSecret = "s3cr3t-hunter2"

// seedKindsPod creates namespace ns, a node and a running pod on it, and
// a warning event about the pod.
func seedKindsPod(ctx context.Context, t *testing.T, c kubernetes.Interface, ns, node, pod string) {
	t.Helper()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	zero := int64(0)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pod},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	p, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pod + ".backoff"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod, UID: p.UID},
		Type:           corev1.EventTypeWarning, Reason: "BackOff", Message: "Back-off restarting failed container app",
		Count: 3, FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now()}
	if _, err := c.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// mergedKubeconfig writes one kubeconfig with a context per cluster.
func mergedKubeconfig(t *testing.T, path string, clusters map[string]*lab.KubeCluster, current string) {
	t.Helper()
	if err := lab.WriteMergedKubeconfig(path, clusters, current); err != nil {
		t.Fatal(err)
	}
}

// TestTUIKubeInspectAndContexts runs the real binary in tmux against two
// real kube-apiservers: describe (d) and YAML (y) of a pod, the Events
// view, a Secret's YAML with its values hidden, then :ctx adds the second
// cluster alongside and switches between them, and :ns narrows the pods.
func TestTUIKubeInspectAndContexts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two kube-apiservers and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	// The context bounds the start of two API servers and their seeding on
	// a loaded machine (each component has its own bound, lab.StartTimeout).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var (
		wg       sync.WaitGroup
		ka, kb   *lab.KubeCluster
		ea, eb   error
		da, dbir = t.TempDir(), t.TempDir()
	)
	wg.Add(2)
	go func() { defer wg.Done(); ka, ea = lab.StartKube(ctx, da) }()
	go func() { defer wg.Done(); kb, eb = lab.StartKube(ctx, dbir) }()
	wg.Wait()
	if ea == nil {
		t.Cleanup(ka.Close)
	}
	if eb == nil {
		t.Cleanup(kb.Close)
	}
	lab.Require(t, "kube-apiserver", ea)
	lab.Require(t, "kube-apiserver", eb)
	seedKindsPod(ctx, t, ka.Client(), "shop", "node-a", "web-0")
	seedKindsPod(ctx, t, kb.Client(), "billing", "node-b", "invoice-0")
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db-creds"}, Data: map[string][]byte{"password": []byte(kindsSecret)}}
	if _, err := ka.Client().CoreV1().Secrets("shop").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	mergedKubeconfig(t, kubeconfig, map[string]*lab.KubeCluster{"lab-a": ka, "lab-b": kb}, "lab-a")

	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 120, 40, nil, "--kubeconfig", kubeconfig, "--view", "pods")
	s.waitAll("the pods of lab-a", "[Pods]", "web-0", "ctx lab-a ns all")

	// describe and YAML of the pod, read on demand
	s.keys("/web-0", "Enter", "d")
	s.waitAll("the describe of web-0", "describe pod shop/web-0", "QoS Class:", "BackOff", "Back-off restarting failed container app")
	s.keys("/", "nginx", "Enter")
	s.waitAll("the search in describe", "match 1/")
	s.keys("q") // q closes the viewer (esc too; a lone Escape from tmux can be read as a prefix)
	s.waitUntil("back to the pods", func(scr string) bool { return !strings.Contains(scr, "describe pod") })
	s.keys("y")
	scr := s.waitAll("the YAML of web-0", "yaml pod shop/web-0", "kind: Pod")
	if strings.Contains(scr, "managedFields") {
		t.Errorf("managedFields shown:\n%s", scr)
	}
	s.keys("q")

	// the Events view; a Secret through the Kinds view, its value hidden
	s.keys(":events", "Enter")
	s.waitAll("the events", "[Events]", "! Warning", "Pod/web-0", "BackOff")
	s.keys(":secrets", "Enter")
	s.waitAll("the secrets", "db-creds", "Opaque")
	s.keys("/db-creds", "Enter", "y")
	scr = s.waitAll("the Secret's YAML", "kind: Secret", "<hidden: 14 bytes>")
	if strings.Contains(scr, kindsSecret) {
		t.Fatalf("a Secret's value is on the screen:\n%s", scr)
	}
	s.keys("q")

	// :ctx adds lab-b alongside and shows it, without a restart
	s.keys(":pods", "Enter", "/", "C-u", "Enter") // the Pods filter typed above cleared
	s.keys(":ctx", "Enter")
	s.waitAll("the contexts", "contexts: lab-a", "lab-b")
	s.keys(":ctx lab-b", "Enter")
	scr = s.waitAll("the pods of lab-b", "ctx lab-b", "invoice-0", "kube:lab-b")
	if strings.Contains(scr, "web-0") {
		t.Errorf("lab-a's pod shown in context lab-b:\n%s", scr)
	}
	s.keys(":ctx lab-a", "Enter")
	s.waitUntil("the pods of lab-a again", func(scr string) bool {
		return strings.Contains(scr, "ctx lab-a") && strings.Contains(scr, "web-0") && !strings.Contains(scr, "invoice-0")
	})
	// every context, then one namespace
	s.keys(":ctx all", "Enter", ":ns billing", "Enter")
	s.waitUntil("the billing namespace", func(scr string) bool {
		return strings.Contains(scr, "ns billing") && strings.Contains(scr, "invoice-0") && !strings.Contains(scr, "web-0")
	})
	s.keys("0")
	s.waitAll("every namespace", "ns all", "invoice-0", "web-0")

	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

package kube_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// TestLab runs the provider against a real kube-apiserver + etcd (token
// auth, RBAC). The subtests share one cluster; the API server restart runs
// last.
func TestLab(t *testing.T) {
	k := lab.Kube(t)
	ctx := t.Context()
	c := k.Client()

	// Three nodes over two zones; a deployment with its ReplicaSet and three
	// pods; a bare pod; a second namespace for the RBAC test.
	nodes := []struct{ name, zone, id string }{
		{"ip-10-0-1-10", "us-east-1a", "i-0aaa000000000001"},
		{"ip-10-0-1-11", "us-east-1a", "i-0aaa000000000002"},
		{"ip-10-0-2-10", "us-east-1b", "i-0bbb000000000001"},
	}
	for _, n := range nodes {
		if _, err := seedNode(ctx, c, n.name, n.zone, n.id); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{"shop", "team-a", "team-b"} {
		if err := ensureNS(ctx, c, ns); err != nil {
			t.Fatal(err)
		}
	}
	_, rs, err := seedDeployment(ctx, c, "shop", "web", 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, node := range []string{"ip-10-0-1-10", "ip-10-0-1-10", "ip-10-0-2-10"} {
		if _, err := seedPod(ctx, c, "shop", fmt.Sprintf("web-5d8f9c-%d", i), node, rs); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := seedPod(ctx, c, "shop", "debug", "ip-10-0-1-11", nil); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"team-a", "team-b"} {
		if _, err := seedPod(ctx, c, ns, ns+"-worker", "ip-10-0-1-11", nil); err != nil {
			t.Fatal(err)
		}
	}

	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, HealthInterval: 500 * time.Millisecond, RequestTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "kube:lab" || p.Kind() != "kube" {
		t.Fatalf("name %q kind %q", p.Name(), p.Kind())
	}
	updates := runProvider(t, p)

	t.Run("inventory join", func(t *testing.T) {
		// The complete view: a partial one (Progress set, sent while the
		// first lists arrive) may hold every pod before the Deployments.
		u := waitUpdate(t, updates, 30*time.Second, "the complete view with all 6 pods", func(u providers.Update) bool {
			return u.Inventory != nil && u.Progress == nil && len(u.Inventory.Pods) == 6 && len(u.Inventory.Nodes) == 3
		})
		inv := providers.Merge(u.Inventory)
		perZone := map[string]int{}
		for _, n := range inv.Nodes {
			perZone[n.Zone]++
			if n.Region != "us-east-1" || n.InstanceType != "m5.large" || !n.Ready || n.Unschedulable || n.Cluster != "lab" {
				t.Errorf("node %+v", n)
			}
			if !strings.HasPrefix(n.InstanceID, "i-0") {
				t.Errorf("node %s instance id %q", n.Name, n.InstanceID)
			}
		}
		if perZone["us-east-1a"] != 2 || perZone["us-east-1b"] != 1 {
			t.Errorf("nodes per zone = %v", perZone)
		}
		podsPerNode := map[string]int{}
		for _, n := range inv.Nodes {
			podsPerNode[n.Name] = n.Pods
		}
		want := map[string]int{"ip-10-0-1-10": 2, "ip-10-0-1-11": 3, "ip-10-0-2-10": 1}
		for n, w := range want {
			if podsPerNode[n] != w {
				t.Errorf("pods on %s = %d, want %d", n, podsPerNode[n], w)
			}
		}
		if len(inv.Zones) != 2 || len(inv.Regions) != 1 || inv.Regions[0].Name != "us-east-1" {
			t.Errorf("zones %v regions %v", inv.Zones, inv.Regions)
		}
		web := findPod(inv, "shop", "web-5d8f9c-0")
		if web == nil || web.Owner != "Deployment/web" || web.Phase != "Running" || !web.Ready || web.Node != "ip-10-0-1-10" {
			t.Errorf("web pod = %+v", web)
		}
		if d := findPod(inv, "shop", "debug"); d == nil || d.Owner != "" {
			t.Errorf("bare pod = %+v", d)
		}
		var wl *providers.Workload
		for i := range inv.Workloads {
			if inv.Workloads[i].Name == "web" {
				wl = &inv.Workloads[i]
			}
		}
		if wl == nil || wl.Kind != "Deployment" || wl.Desired != 3 || wl.Ready != 3 {
			t.Errorf("workload = %+v", wl)
		}
		if len(inv.Hidden) != 0 {
			t.Errorf("admin sees hidden entries: %v", inv.Hidden)
		}
		// The topology tree puts the nodes under their zones.
		tree := providers.BuildTopology(inv)
		if got := countKind(tree, providers.KindNode); got != 3 {
			t.Errorf("topology has %d nodes", got)
		}
	})

	t.Run("watch update: crash loop and warning event", func(t *testing.T) {
		pod, err := c.CoreV1().Pods("shop").Get(ctx, "web-5d8f9c-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pod.Status.ContainerStatuses[0].Ready = false
		pod.Status.ContainerStatuses[0].RestartCount = 4
		pod.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s restarting failed container"}}
		pod.Status.Conditions[0].Status = corev1.ConditionFalse
		if _, err := c.CoreV1().Pods("shop").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-5d8f9c-1.backoff"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-5d8f9c-1"},
			Reason:         "BackOff", Message: "Back-off restarting failed container \x1b[2J", Type: corev1.EventTypeWarning,
			LastTimestamp: metav1.Now(), FirstTimestamp: metav1.Now(), Count: 4}
		if _, err := c.CoreV1().Events("shop").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		normal := ev.DeepCopy()
		normal.Name, normal.Type, normal.Reason = "web-5d8f9c-1.pulled", corev1.EventTypeNormal, "Pulled"
		if _, err := c.CoreV1().Events("shop").Create(ctx, normal, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		u := waitUpdate(t, updates, 10*time.Second, "the crash loop and its event", func(u providers.Update) bool {
			if u.Inventory == nil {
				return false
			}
			p := findPod(u.Inventory, "shop", "web-5d8f9c-1")
			return p != nil && p.Reason == "CrashLoopBackOff" && len(u.Inventory.Events) > 0
		})
		p := findPod(u.Inventory, "shop", "web-5d8f9c-1")
		if p.Ready || p.Restarts != 4 {
			t.Errorf("crashing pod = %+v", p)
		}
		if len(u.Inventory.Events) != 1 {
			t.Fatalf("events = %+v (only warnings are watched)", u.Inventory.Events)
		}
		e := u.Inventory.Events[0]
		if e.Reason != "BackOff" || e.Object != "Pod/shop/web-5d8f9c-1" || strings.Contains(e.Message, "\x1b") {
			t.Errorf("event = %+v", e)
		}
	})

	t.Run("rbac restricted user", func(t *testing.T) {
		kc := k.User(t, "alice", []string{"team-a"})
		ap, err := kube.New(kube.Options{Kubeconfig: kc, Context: lab.KubeContext, Namespaces: []string{"team-a"}})
		if err != nil {
			t.Fatal(err)
		}
		au := runProvider(t, ap)
		u := waitUpdate(t, au, 30*time.Second, "alice's view", func(u providers.Update) bool {
			return u.Inventory != nil && u.Progress == nil && len(u.Inventory.Pods) > 0
		})
		inv := u.Inventory
		if len(inv.Pods) != 1 || inv.Pods[0].Namespace != "team-a" {
			t.Errorf("alice sees pods %+v, want only team-a's", inv.Pods)
		}
		if len(inv.Nodes) != 0 {
			t.Errorf("alice sees nodes %+v", inv.Nodes)
		}
		hidden := map[string]string{}
		for _, h := range inv.Hidden {
			hidden[h.What] = h.Reason
			if h.Source != "kube:lab" {
				t.Errorf("hidden entry source %q", h.Source)
			}
		}
		if !strings.Contains(hidden["nodes"], "forbidden") {
			t.Errorf("no hidden entry for nodes: %v", inv.Hidden)
		}
		if r := hidden["pods in other namespaces"]; !strings.Contains(r, "team-a") {
			t.Errorf("no hidden entry for pods in other namespaces: %v", inv.Hidden)
		}
	})

	t.Run("nobody: no rights at all", func(t *testing.T) {
		kc := k.User(t, "nobody", nil)
		np, err := kube.New(kube.Options{Kubeconfig: kc, Context: lab.KubeContext})
		if err != nil {
			t.Fatal(err)
		}
		u := waitUpdate(t, runProvider(t, np), 30*time.Second, "the complete view", func(u providers.Update) bool { return u.Inventory != nil && u.Progress == nil })
		if len(u.Inventory.Pods) != 0 || len(u.Inventory.Nodes) != 0 || len(u.Inventory.Hidden) == 0 {
			t.Errorf("nobody's view: %d pods, %d nodes, hidden %v", len(u.Inventory.Pods), len(u.Inventory.Nodes), u.Inventory.Hidden)
		}
	})

	t.Run("kubectl actions offered and run through the executor", func(t *testing.T) {
		testActions(t, k, p, updates)
	})

	t.Run("api server restart", func(t *testing.T) {
		rp, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, HealthInterval: 500 * time.Millisecond, RequestTimeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		st := providers.NewStore(rp)
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		st.Start(sctx)
		ok := waitSnap(t, st, 30*time.Second, "ok with pods", func(s *providers.Snapshot) bool {
			return s.Inv.Sources[0].Status == providers.StatusOK && len(s.Inv.Pods) > 0
		})
		k.Stop()
		stale := waitSnap(t, st, 30*time.Second, "stale source", func(s *providers.Snapshot) bool {
			return s.Inv.Sources[0].Status == providers.StatusStale
		})
		// The last data is kept, with the time of the last good update.
		src := stale.Inv.Sources[0]
		if len(stale.Inv.Pods) != len(ok.Inv.Pods) || src.Error == "" || !src.UpdatedAt.Equal(ok.Inv.Sources[0].UpdatedAt) {
			t.Errorf("stale snapshot: %d pods, source %+v", len(stale.Inv.Pods), src)
		}
		// A provider started while the API server is down reports an error
		// (the source never had data) and starts by itself once it is back.
		late, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, RequestTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		lateUpdates := runProvider(t, late)
		waitUpdate(t, lateUpdates, 30*time.Second, "an error while the API server is down", func(u providers.Update) bool { return u.Err != nil })
		k.Restart(t)
		waitUpdate(t, lateUpdates, 60*time.Second, "a view once the API server is back", func(u providers.Update) bool {
			return u.Inventory != nil && len(u.Inventory.Pods) == len(ok.Inv.Pods)
		})
		// Changes made after the restart arrive through the resumed watches.
		if _, err := seedPod(ctx, c, "shop", "after-restart", "ip-10-0-2-10", nil); err != nil {
			t.Fatal(err)
		}
		waitSnap(t, st, 60*time.Second, "recovery with the new pod", func(s *providers.Snapshot) bool {
			return s.Inv.Sources[0].Status == providers.StatusOK && findPod(s.Inv, "shop", "after-restart") != nil
		})
	})
}

func waitSnap(t *testing.T, st *providers.Store, deadline time.Duration, what string, cond func(*providers.Snapshot) bool) *providers.Snapshot {
	t.Helper()
	ch := st.Subscribe()
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	for {
		s := st.Snapshot()
		if cond(s) {
			return s
		}
		select {
		case <-ch:
		case <-timer.C:
			src := s.Inv.Sources[0]
			t.Fatalf("no snapshot with %s within %s (source %s %s, %d pods)", what, deadline, src.Status, src.Error, len(s.Inv.Pods))
		}
	}
}

func countKind(nodes []*providers.TreeNode, kind string) int {
	n := 0
	for _, c := range nodes {
		if c.Kind == kind {
			n++
		}
		n += countKind(c.Children, kind)
	}
	return n
}

package kube_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// offered finds the offered action with the given verb (and, for scale, the
// description fragment).
func offered(t *testing.T, as []actions.Action, verb actions.Verb, frag string) actions.Action {
	t.Helper()
	var names []string
	for _, a := range as {
		s := a.Spec()
		names = append(names, string(s.Name)+" ("+s.Description+")")
		if s.Name == verb && strings.Contains(s.Description, frag) {
			return a
		}
	}
	t.Fatalf("no %s %s offered; offered: %v", verb, frag, names)
	return nil
}

func permitted(a actions.Action) (bool, string) {
	if pm, ok := a.(kube.Permitter); ok {
		return pm.Allowed()
	}
	return true, ""
}

// testActions offers the kubectl actions through the provider, previews each
// with the server dry run (nothing changes) and runs it through the
// executor, then checks the effect in the API server and in the provider's
// live view.
func testActions(t *testing.T, k *lab.KubeCluster, p *kube.Provider, updates <-chan providers.Update) {
	lab.RequireProgram(t, "kubectl")
	ctx := t.Context()
	c := k.Client()
	if err := ensureNS(ctx, c, "ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := seedNode(ctx, c, "ip-10-0-9-9", "us-east-1c", "i-0ccc000000000009"); err != nil {
		t.Fatal(err)
	}
	_, rs, err := seedDeployment(ctx, c, "ops", "api", 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := seedPod(ctx, c, "ops", fmt.Sprintf("api-5d8f9c-%d", i), "ip-10-0-9-9", rs); err != nil {
			t.Fatal(err)
		}
	}
	// A DaemonSet pod on the node: drain ignores it (--ignore-daemonsets).
	dsLabels := map[string]string{"app": "agent"}
	ds, err := c.AppsV1().DaemonSets("ops").Create(ctx, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "agent"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: dsLabels}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: dsLabels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "agent"}}}}}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	zero := int64(0)
	yes := true
	dsPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "agent-x1", Labels: dsLabels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", UID: ds.UID, Controller: &yes}}},
		Spec: corev1.PodSpec{NodeName: "ip-10-0-9-9", TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{Name: "agent", Image: "agent"}}}}
	if _, err := c.CoreV1().Pods("ops").Create(ctx, dsPod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := seedPod(ctx, c, "ops", "scratch", "ip-10-0-1-11", nil); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, updates, 10*time.Second, "the ops objects", func(u providers.Update) bool {
		if u.Inventory == nil || findPod(u.Inventory, "ops", "scratch") == nil {
			return false
		}
		for _, w := range u.Inventory.Workloads {
			if w.Namespace == "ops" && w.Name == "api" {
				return true
			}
		}
		return false
	})

	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	e, err := actions.NewExecutor(actions.Options{Env: "lab", AuditPath: audit})
	if err != nil {
		t.Fatal(err)
	}
	// run previews a (nothing changes), then runs it with confirmation.
	run := func(t *testing.T, a actions.Action, unchanged func() bool) actions.Result {
		t.Helper()
		if ok, why := permitted(a); !ok {
			t.Fatalf("%s not permitted for admin: %s", a.Spec().Name, why)
		}
		var out bytes.Buffer
		plan := e.Execute(ctx, a, false, &out)
		if plan.Status != actions.StatusPlanned || !strings.Contains(plan.Plan.Summary, "dry run") {
			t.Fatalf("dry run: %+v\n%s", plan, out.String())
		}
		if unchanged != nil && !unchanged() {
			t.Fatalf("the dry run of %s changed the cluster", a.Spec().Name)
		}
		out.Reset()
		res := e.Execute(ctx, a, true, &out)
		if res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("run: %+v\n%s", res, out.String())
		}
		return res
	}
	deploy := func() *appsv1.Deployment {
		d, err := c.AppsV1().Deployments("ops").Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	node := func() *corev1.Node {
		n, err := c.CoreV1().Nodes().Get(ctx, "ip-10-0-9-9", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	depRef := actions.Ref{Kind: "deployment", Cluster: "lab", Namespace: "ops", Name: "api"}
	nodeRef := actions.Ref{Kind: "node", Cluster: "lab", Name: "ip-10-0-9-9"}

	t.Run("offers only for its own objects", func(t *testing.T) {
		if as := p.Offer(actions.Ref{Kind: "node", Name: "elsewhere"}); len(as) != 0 {
			t.Errorf("offered %d actions for a node of another cluster", len(as))
		}
		if as := p.Offer(actions.Ref{Kind: "node", Cluster: "other", Name: "ip-10-0-9-9"}); len(as) != 0 {
			t.Errorf("offered %d actions for another context", len(as))
		}
		if as := p.Offer(actions.Ref{Kind: "node", Name: "ip-10-0-9-9"}); len(as) != 3 {
			t.Errorf("offered %d actions for its node without cluster, want cordon, drain and delete", len(as))
		}
	})
	t.Run("restart", func(t *testing.T) {
		a := offered(t, p.Offer(depRef), "restart", "")
		// No controller runs in the lab: play the rollout the restart is verified by.
		replicas := *deploy().Spec.Replicas
		wrote := k.PlayRollout(t, "ops", "api", func(gen int64) appsv1.DeploymentStatus { return lab.RolledOut(gen, replicas) })
		defer func() {
			if err := <-wrote; err != nil {
				t.Error(err)
			}
		}()
		run(t, a, func() bool { return deploy().Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" })
		if deploy().Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
			t.Error("no restartedAt annotation after the restart")
		}
	})
	t.Run("scale", func(t *testing.T) {
		a := offered(t, p.Offer(depRef), "scale", "--replicas=4")
		if ps := actions.ParamsOf(a); len(ps) != 1 || ps[0].Name != "replicas" || ps[0].Current != "3" || ps[0].Value != "4" {
			t.Errorf("scale parameters %+v, want replicas now 3, 4 chosen", ps)
		}
		if err := actions.SetParam(a, "replicas", "-1"); !errors.Is(err, actions.ErrBadParam) {
			t.Errorf("negative replicas accepted: %v", err)
		}
		if err := actions.SetParam(a, "replicas", "2"); err != nil || !strings.Contains(a.Spec().Description, "--replicas=2") {
			t.Fatalf("replicas 2: %v, %q", err, a.Spec().Description)
		}
		run(t, a, func() bool { return *deploy().Spec.Replicas == 3 })
		if r := *deploy().Spec.Replicas; r != 2 {
			t.Errorf("replicas = %d, want 2", r)
		}
		waitUpdate(t, updates, 10*time.Second, "the new desired count", func(u providers.Update) bool {
			for _, w := range u.Inventory.Workloads {
				if w.Namespace == "ops" && w.Name == "api" {
					return w.Desired == 2
				}
			}
			return false
		})
	})
	nodeInView := func(u providers.Update) *providers.Node {
		if u.Inventory == nil {
			return nil
		}
		for i := range u.Inventory.Nodes {
			if u.Inventory.Nodes[i].Name == "ip-10-0-9-9" {
				return &u.Inventory.Nodes[i]
			}
		}
		return nil
	}
	t.Run("cordon and uncordon", func(t *testing.T) {
		as := p.Offer(nodeRef)
		offered(t, as, "drain", "--ignore-daemonsets")
		run(t, offered(t, as, "cordon", ""), func() bool { return !node().Spec.Unschedulable })
		if !node().Spec.Unschedulable {
			t.Fatal("node schedulable after cordon")
		}
		waitUpdate(t, updates, 10*time.Second, "the node cordoned", func(u providers.Update) bool {
			n := nodeInView(u)
			return n != nil && n.Unschedulable
		})
		// A cordoned node is offered uncordon instead of cordon.
		run(t, offered(t, p.Offer(nodeRef), "uncordon", ""), func() bool { return node().Spec.Unschedulable })
		if node().Spec.Unschedulable {
			t.Fatal("node unschedulable after uncordon")
		}
		waitUpdate(t, updates, 10*time.Second, "the node uncordoned", func(u providers.Update) bool {
			n := nodeInView(u)
			return n != nil && !n.Unschedulable
		})
	})
	t.Run("drain", func(t *testing.T) {
		a := offered(t, p.Offer(nodeRef), "drain", "--timeout=")
		run(t, a, func() bool {
			pods, _ := c.CoreV1().Pods("ops").List(ctx, metav1.ListOptions{})
			return !node().Spec.Unschedulable && len(pods.Items) == 4
		})
		if !node().Spec.Unschedulable {
			t.Error("drained node is schedulable")
		}
		u := waitUpdate(t, updates, 15*time.Second, "the node emptied but for its DaemonSet pod", func(u providers.Update) bool {
			return u.Inventory != nil && findPod(u.Inventory, "ops", "api-5d8f9c-0") == nil && findPod(u.Inventory, "ops", "api-5d8f9c-1") == nil
		})
		if findPod(u.Inventory, "ops", "agent-x1") == nil {
			t.Error("the DaemonSet pod was evicted")
		}
		if n := nodeInView(u); n == nil || !n.Unschedulable {
			t.Errorf("node in view: %+v", n)
		}
	})
	t.Run("delete pod", func(t *testing.T) {
		a := offered(t, p.Offer(actions.Ref{Kind: "pod", Cluster: "lab", Namespace: "ops", Name: "scratch"}), "delete", "")
		run(t, a, func() bool {
			_, err := c.CoreV1().Pods("ops").Get(ctx, "scratch", metav1.GetOptions{})
			return err == nil
		})
		waitUpdate(t, updates, 10*time.Second, "the pod gone", func(u providers.Update) bool {
			return u.Inventory != nil && findPod(u.Inventory, "ops", "scratch") == nil
		})
	})
	t.Run("restricted user: denied actions are offered greyed out and refused", func(t *testing.T) {
		kc := k.User(t, "bob", []string{"team-a"})
		bp, err := kube.New(kube.Options{Kubeconfig: kc, Context: lab.KubeContext})
		if err != nil {
			t.Fatal(err)
		}
		// The node and the other namespace's deployment are not allowed.
		for _, ref := range []actions.Ref{nodeRef, depRef} {
			as := bp.Offer(ref)
			if len(as) == 0 {
				t.Fatalf("nothing offered for %s", ref)
			}
			for _, a := range as {
				ok, why := permitted(a)
				if ok || !strings.Contains(why, "not permitted by RBAC") {
					t.Errorf("%s on %s: allowed=%v %q", a.Spec().Name, ref, ok, why)
				}
			}
			res := e.Execute(ctx, as[0], true, nil)
			if res.Status != actions.StatusRefused || !strings.Contains(res.Error, "not permitted by RBAC") {
				t.Errorf("denied action ran: %+v", res)
			}
		}
		// Deleting a pod in bob's own namespace is allowed; a port-forward
		// and a shell per container are offered, denied (his role has no
		// pods/portforward, no pods/exec).
		as := bp.Offer(actions.Ref{Kind: "pod", Cluster: "lab", Namespace: "team-a", Name: "team-a-worker"})
		if len(as) < 3 {
			t.Fatalf("offered %d actions for a team-a pod, want delete, port-forward and a shell per container", len(as))
		}
		for _, a := range as[2:] {
			if ok, why := permitted(a); ok || a.Spec().Name != actions.VerbShell || !strings.Contains(why, "exec") {
				t.Errorf("shell for bob: %s allowed=%v %q", a.Spec().Name, ok, why)
			}
		}
		if ok, why := permitted(as[0]); !ok {
			t.Errorf("bob may not delete a team-a pod: %s", why)
		}
		if ok, why := permitted(as[1]); ok || as[1].Spec().Name != actions.VerbPortForward || !strings.Contains(why, "portforward") {
			t.Errorf("port-forward for bob: %s allowed=%v %q", as[1].Spec().Name, ok, why)
		}
	})
	t.Run("audit", func(t *testing.T) {
		es, bad, err := actions.ReadAudit(audit, 0)
		if err != nil || bad != 0 || len(es) < 12 {
			t.Errorf("audit: %d entries, %d bad, err %v", len(es), bad, err)
		}
	})
}

package sim

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

func nodeRef(n providers.Node) actions.Ref {
	return actions.Ref{Kind: actions.KindNode, Cluster: n.Cluster, Name: n.Name}
}

func mustPreview(t *testing.T, a actions.Action) actions.Plan {
	t.Helper()
	if err := a.Check(context.Background()); err != nil {
		t.Fatalf("%s %s: check: %v", a.Spec().Name, a.Spec().Target, err)
	}
	p, err := a.Preview(context.Background(), &lines{})
	if err != nil {
		t.Fatalf("%s %s: preview: %v", a.Spec().Name, a.Spec().Target, err)
	}
	if p.Summary == "" || len(p.Calls) == 0 || p.Text == "" {
		t.Fatalf("%s %s: empty plan %+v", a.Spec().Name, a.Spec().Target, p)
	}
	return p
}

func offered(s *Sim, ref actions.Ref, name actions.Verb) actions.Action {
	for _, a := range s.Offer(ref) {
		if a.Spec().Name == name {
			return a
		}
	}
	return nil
}

func names(as []actions.Action) string {
	var out []string
	for _, a := range as {
		out = append(out, string(a.Spec().Name)+":"+a.Spec().Effect.String())
	}
	return strings.Join(out, ",")
}

// refs picks one object of each kind from the estate.
type refs struct {
	deployment, statefulset, pod, node, cordoned, asg, database, replica, primary, pilosa actions.Ref
	service, claim                                                                        actions.Ref
}

func pickRefs(t *testing.T, s *Sim) refs {
	t.Helper()
	inv := providers.Merge(s.Snapshot())
	var r refs
	r.deployment = actions.Ref{Kind: actions.KindDeployment, Cluster: "demo-use1", Namespace: "shop", Name: "checkout"}
	r.statefulset = actions.Ref{Kind: actions.KindStatefulSet, Cluster: "demo-use1", Namespace: "data", Name: "orders-mongo"}
	for _, p := range inv.Pods {
		if p.Owner == "Deployment/cart" && p.Phase == "Running" {
			r.pod = actions.Ref{Kind: actions.KindPod, Cluster: p.Cluster, Namespace: p.Namespace, Name: p.Name}
			break
		}
	}
	r.service = actions.Ref{Kind: "services", Cluster: "demo-use1", Namespace: "shop", Name: "checkout"}
	for _, c := range inv.VolumeClaims {
		if c.Cluster == "demo-use1" && len(c.Pods) == 1 {
			r.claim = actions.Ref{Kind: "persistentvolumeclaims", Cluster: c.Cluster, Namespace: c.Namespace, Name: c.Name}
			break
		}
	}
	n := inv.Nodes[len(inv.Nodes)-1]
	r.node = nodeRef(n)
	r.cordoned = nodeRef(inv.Nodes[0])
	r.asg = actions.Ref{Kind: actions.KindASG, Region: "eu-west-1", Name: "demo-euw1-workers"}
	r.database = actions.Ref{Kind: actions.KindDatabase, Name: "payments-aurora"}
	for _, db := range inv.Databases {
		for _, m := range db.Members {
			switch {
			case db.Engine == "mongodb" && m.Role == providers.RoleReplica && r.replica.Name == "":
				r.replica = actions.Ref{Kind: actions.KindMember, Namespace: db.Name, Name: m.Name}
			case db.Engine == "mongodb" && m.Role == providers.RolePrimary:
				r.primary = actions.Ref{Kind: actions.KindMember, Namespace: db.Name, Name: m.Name}
			case db.Engine == "pilosa":
				r.pilosa = actions.Ref{Kind: actions.KindMember, Name: m.Name}
			}
		}
	}
	return r
}

func TestOffer(t *testing.T) {
	s := newTest(t, Options{})
	r := pickRefs(t, s)
	tests := []struct {
		ref  actions.Ref
		want string
	}{
		{r.deployment, "restart:mutating,scale:mutating,undo:mutating,delete:destructive"},
		{r.statefulset, "restart:mutating,undo:mutating,delete:destructive"},
		{actions.Ref{Kind: actions.KindCronJob, Cluster: "demo-use1", Namespace: "shop", Name: "nightly-report"}, "suspend:mutating,delete:destructive"},
		{actions.Ref{Kind: actions.KindCronJob, Cluster: "demo-use1", Namespace: "ops", Name: "cert-renew"}, "resume:mutating,delete:destructive"},
		{r.pod, "delete:destructive"},
		{r.service, "delete:destructive"},
		{r.claim, "delete:destructive"},
		{actions.Ref{Kind: "services", Cluster: "demo-use1", Namespace: "shop", Name: "no-such-service"}, ""},
		{r.node, "cordon:mutating,drain:destructive,rebuild:destructive"},
		{r.asg, "rebuild:destructive,set-desired-capacity:mutating"},
		{r.database, "promote:destructive,backup:mutating,restore:destructive"},
		{r.replica, "promote:destructive"},
		{r.primary, ""},
		{r.pilosa, ""},
		{actions.Ref{Kind: actions.KindDeployment, Namespace: "shop", Name: "no-such-service"}, ""},
		{actions.Ref{Kind: actions.KindNode, Name: "ip-10-9-9-9.ec2.internal"}, ""},
		{actions.Ref{Kind: "stack", Name: "network"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.ref.String(), func(t *testing.T) {
			if got := names(s.Offer(tt.ref)); got != tt.want {
				t.Errorf("Offer(%s) = %q, want %q", tt.ref, got, tt.want)
			}
		})
	}
	for _, a := range s.Offer(r.node) {
		if sp := a.Spec(); sp.Runner != "sim" || sp.Target != r.node || sp.Description == "" {
			t.Errorf("spec %+v", sp)
		}
	}
}

// TestActions runs every demo action and checks that the state changed as
// its Verify says.
func TestActions(t *testing.T) {
	type check func(t *testing.T, before, after *providers.Inventory, r refs)
	tests := []struct {
		name   string
		ref    func(r refs) actions.Ref
		action actions.Verb
		count  int
		check  check
	}{
		{"restart deployment", func(r refs) actions.Ref { return r.deployment }, "restart", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			old, now := podNames(b, "Deployment/checkout", "demo-use1"), podNames(a, "Deployment/checkout", "demo-use1")
			if len(now) != len(old) || overlap(old, now) {
				t.Errorf("pods %v → %v", old, now)
			}
		}},
		{"scale deployment", func(r refs) actions.Ref { return r.deployment }, "scale", 6, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if n := len(podNames(a, "Deployment/checkout", "demo-use1")); n != 6 {
				t.Errorf("%d pods, want 6", n)
			}
		}},
		{"scale deployment down", func(r refs) actions.Ref { return r.deployment }, "scale", 1, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if n := len(podNames(a, "Deployment/checkout", "demo-use1")); n != 1 {
				t.Errorf("%d pods, want 1", n)
			}
		}},
		{"restart statefulset", func(r refs) actions.Ref { return r.statefulset }, "restart", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			old, now := podNames(b, "StatefulSet/orders-mongo", "demo-use1"), podNames(a, "StatefulSet/orders-mongo", "demo-use1")
			sort.Strings(old)
			sort.Strings(now)
			if strings.Join(old, ",") != strings.Join(now, ",") {
				t.Errorf("statefulset pod names changed: %v → %v", old, now)
			}
		}},
		{"delete pod", func(r refs) actions.Ref { return r.pod }, "delete", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if names := podNames(a, "Deployment/cart", "demo-use1"); slices.Contains(names, r.pod.Name) || len(names) != len(podNames(b, "Deployment/cart", "demo-use1")) {
				t.Errorf("cart pods after delete: %v", names)
			}
		}},
		{"delete service", func(r refs) actions.Ref { return r.service }, "delete", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			for _, v := range a.Services {
				if v.Cluster == r.service.Cluster && v.Namespace == r.service.Namespace && v.Name == r.service.Name {
					t.Errorf("service %s still listed", r.service)
				}
			}
			if len(a.Services) != len(b.Services)-1 || len(podNames(a, "Deployment/checkout", "demo-use1")) != len(podNames(b, "Deployment/checkout", "demo-use1")) {
				t.Errorf("services %d → %d; its pods must stay", len(b.Services), len(a.Services))
			}
		}},
		{"delete a mounted claim", func(r refs) actions.Ref { return r.claim }, "delete", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			// pvc-protection: Terminating while its pod mounts it
			var phase string
			for _, c := range a.VolumeClaims {
				if c.Cluster == r.claim.Cluster && c.Namespace == r.claim.Namespace && c.Name == r.claim.Name {
					phase = c.Phase
				}
			}
			if phase != "Terminating" {
				t.Errorf("claim %s phase %q, want Terminating while mounted", r.claim, phase)
			}
		}},
		{"cordon node", func(r refs) actions.Ref { return r.cordoned }, "cordon", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if n := findNode(a, r.cordoned.Name); n == nil || !n.Unschedulable {
				t.Errorf("node not cordoned: %+v", n)
			}
		}},
		{"drain node", func(r refs) actions.Ref { return r.node }, "drain", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			n := findNode(a, r.node.Name)
			if n == nil || !n.Unschedulable {
				t.Fatalf("node not cordoned: %+v", n)
			}
			for _, p := range a.Pods {
				if p.Node == n.Name && !strings.HasPrefix(p.Owner, "DaemonSet/") {
					t.Errorf("pod %s still on the drained node", p.Name)
				}
			}
			if len(a.Pods) != len(b.Pods) {
				t.Errorf("pods %d → %d: evicted pods were not recreated", len(b.Pods), len(a.Pods))
			}
		}},
		{"rebuild node", func(r refs) actions.Ref { return r.node }, "rebuild", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if findNode(a, r.node.Name) != nil {
				t.Errorf("old node still there")
			}
			if len(a.Nodes) != len(b.Nodes) {
				t.Errorf("nodes %d → %d", len(b.Nodes), len(a.Nodes))
			}
			for _, n := range a.Nodes {
				if n.ASG == "" {
					t.Errorf("node %s has no group", n.Name)
				}
			}
		}},
		{"rebuild group", func(r refs) actions.Ref { return r.asg }, "rebuild", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			old, now := groupInstances(b, r.asg.Name), groupInstances(a, r.asg.Name)
			if len(old) != len(now) || overlap(old, now) {
				t.Errorf("instances %v → %v", old, now)
			}
		}},
		{"set desired up", func(r refs) actions.Ref { return r.asg }, actions.VerbSetDesiredCapacity, 10, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if n := len(groupInstances(a, r.asg.Name)); n != 10 {
				t.Errorf("%d instances, want 10", n)
			}
		}},
		{"set desired down", func(r refs) actions.Ref { return r.asg }, actions.VerbSetDesiredCapacity, 4, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if n := len(groupInstances(a, r.asg.Name)); n != 4 {
				t.Errorf("%d instances, want 4", n)
			}
		}},
		{"promote replica", func(r refs) actions.Ref { return r.replica }, "promote", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if role := memberRole(a, r.replica.Name); role != providers.RolePrimary {
				t.Errorf("promoted member is %s", role)
			}
			if role := memberRole(a, r.primary.Name); role != providers.RoleReplica {
				t.Errorf("old primary is %s", role)
			}
		}},
		{"take backup", func(r refs) actions.Ref { return r.database }, "backup", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			db, old := findDB(a, "payments-aurora"), findDB(b, "payments-aurora")
			if len(db.Backups) != len(old.Backups)+1 || !db.LastBackup.After(old.LastBackup) {
				t.Errorf("backups %d → %d, last %v → %v", len(old.Backups), len(db.Backups), old.LastBackup, db.LastBackup)
			}
		}},
		{"restore backup", func(r refs) actions.Ref { return r.database }, "restore", 0, func(t *testing.T, b, a *providers.Inventory, r refs) {
			if db := findDB(a, "payments-aurora"); db.Status != "available" {
				t.Errorf("status %s", db.Status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTest(t, Options{})
			r := pickRefs(t, s)
			ref := tt.ref(r)
			a := offered(s, ref, tt.action)
			if a == nil {
				t.Fatalf("%s not offered for %s: %s", tt.action, ref, names(s.Offer(ref)))
			}
			if tt.count > 0 {
				sz, ok := a.(Sizer)
				if !ok {
					t.Fatalf("%s is not a Sizer", tt.action)
				}
				if err := sz.SetCount(tt.count); err != nil {
					t.Fatal(err)
				}
			}
			plan := mustPreview(t, a)
			if ok, msg, _ := a.Verify(context.Background()); ok {
				t.Errorf("verify passed before the run: %s", msg)
			}
			before := providers.Merge(s.Snapshot())
			out := &lines{}
			if err := a.Run(context.Background(), plan, out); err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			if out.String() == "" {
				t.Error("no progress output")
			}
			ok, msg, err := a.Verify(context.Background())
			if err != nil || !ok {
				t.Fatalf("verify: %t %q %v\n%s", ok, msg, err, out)
			}
			after := providers.Merge(s.Snapshot())
			tt.check(t, before, after, r)
			for _, p := range after.Pods {
				if p.Phase == "Running" && findNode(after, p.Node) == nil {
					t.Errorf("pod %s on missing node %s", p.Name, p.Node)
				}
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	s := newTest(t, Options{})
	r := pickRefs(t, s)
	ctx := context.Background()
	s.mu.Lock()
	promotePrimary := s.promote(r.primary)
	promotePilosa := s.promote(r.pilosa)
	uncordon := s.cordon(r.node, false)
	s.mu.Unlock()
	for _, a := range []actions.Action{promotePrimary, promotePilosa, uncordon} {
		if err := a.Check(ctx); err == nil {
			t.Errorf("%s %s: check passed", a.Spec().Name, a.Spec().Target)
		}
		if _, err := a.Preview(ctx, &lines{}); err == nil {
			t.Errorf("%s %s: preview passed", a.Spec().Name, a.Spec().Target)
		}
	}
	// A cordon offered earlier is refused once the node is cordoned.
	c := offered(s, r.node, "cordon")
	if err := c.Run(ctx, mustPreview(t, c), &lines{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx); err == nil {
		t.Error("cordon of a cordoned node: check passed")
	}
	if offered(s, r.node, "uncordon") == nil {
		t.Error("uncordon not offered on a cordoned node")
	}
	// Bad counts are rejected.
	if err := offered(s, r.asg, actions.VerbSetDesiredCapacity).(Sizer).SetCount(1000); err == nil {
		t.Error("desired capacity above max accepted")
	}
	if err := offered(s, r.database, "restore").(BackupChooser).SetBackup("nope"); err == nil {
		t.Error("unknown backup accepted")
	}
	// An ambiguous name (the service runs in both clusters) is not
	// offered, and refused if asked for.
	amb := actions.Ref{Kind: actions.KindDeployment, Namespace: "shop", Name: "checkout"}
	if a := offered(s, amb, "restart"); a != nil {
		t.Error("ambiguous deployment: offered")
	}
	s.mu.Lock()
	restart := s.restartWorkload(amb, kindDeployment)
	s.mu.Unlock()
	if err := restart.Check(ctx); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("ambiguous deployment: check returned %v", err)
	}
}

func TestCancelStopsRun(t *testing.T) {
	s := newTest(t, Options{StepDelay: time.Hour})
	r := pickRefs(t, s)
	a := offered(s, r.asg, "rebuild")
	plan := mustPreview(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lines{ch: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, plan, out) }()
	select {
	case <-out.ch: // the first step ran; the run now waits for the next one
	case <-time.After(30 * time.Second):
		t.Fatal("no progress")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run returned %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop after cancellation")
	}
	if ok, msg, _ := a.Verify(context.Background()); ok {
		t.Errorf("verify passed after a cancelled run: %s", msg)
	}
	if !strings.Contains(out.String(), "cancelled") {
		t.Errorf("output does not say cancelled:\n%s", out)
	}
}

func podNames(inv *providers.Inventory, owner, cluster string) []string {
	var out []string
	for _, p := range inv.Pods {
		if p.Owner == owner && p.Cluster == cluster {
			out = append(out, p.Name)
		}
	}
	return out
}

func groupInstances(inv *providers.Inventory, asg string) []string {
	for _, g := range inv.AutoscalingGroups {
		if g.Name == asg {
			return g.Instances
		}
	}
	return nil
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func findNode(inv *providers.Inventory, name string) *providers.Node {
	for i := range inv.Nodes {
		if inv.Nodes[i].Name == name {
			return &inv.Nodes[i]
		}
	}
	return nil
}

func findDB(inv *providers.Inventory, name string) *providers.Database {
	for i := range inv.Databases {
		if inv.Databases[i].Name == name {
			return &inv.Databases[i]
		}
	}
	return nil
}

func memberRole(inv *providers.Inventory, name string) string {
	for _, db := range inv.Databases {
		for _, m := range db.Members {
			if m.Name == name {
				return m.Role
			}
		}
	}
	return ""
}

// TestDeletedClaimGoesWithItsPod: a claim deleted while its pod mounts it
// stays Terminating (pvc-protection) and goes once that pod is gone.
func TestDeletedClaimGoesWithItsPod(t *testing.T) {
	s := newTest(t, Options{})
	r := pickRefs(t, s)
	a := offered(s, r.claim, actions.VerbDelete)
	if a == nil {
		t.Fatalf("no delete offered on %s", r.claim)
	}
	if err := a.Run(context.Background(), mustPreview(t, a), &lines{}); err != nil {
		t.Fatal(err)
	}
	var pod string
	for _, c := range providers.Merge(s.Snapshot()).VolumeClaims {
		if c.Name == r.claim.Name && c.Namespace == r.claim.Namespace && c.Cluster == r.claim.Cluster {
			pod = c.Pods[0]
		}
	}
	if pod == "" {
		t.Fatalf("the claim %s went while mounted", r.claim)
	}
	s.mu.Lock()
	i, err := s.st.findPod(actions.Ref{Kind: actions.KindPod, Cluster: r.claim.Cluster, Namespace: r.claim.Namespace, Name: pod})
	if err == nil {
		s.st.removePod(i)
	}
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range providers.Merge(s.Snapshot()).VolumeClaims {
		if c.Name == r.claim.Name && c.Namespace == r.claim.Namespace && c.Cluster == r.claim.Cluster {
			t.Fatalf("the claim is still listed (%s) with its pod gone", c.Phase)
		}
	}
	if ok, msg, _ := a.Verify(context.Background()); !ok || !strings.Contains(msg, "deleted") {
		t.Errorf("verify: %t %s", ok, msg)
	}
	if len(s.Offer(r.claim)) != 0 {
		t.Errorf("a deleted claim is still offered actions")
	}
}

package providers

import "testing"

func find(rows []*TreeNode, id string) *TreeNode {
	stack := append([]*TreeNode(nil), rows...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.ID == id {
			return n
		}
		stack = append(stack, n.Children...)
	}
	return nil
}

// wantRow is a tree row's expected counts and health.
type wantRow struct {
	id                   string
	nodes, pods, badPods int
	health               int
}

func checkRows(t *testing.T, roots []*TreeNode, want []wantRow) {
	t.Helper()
	for _, w := range want {
		n := find(roots, w.id)
		if n == nil {
			t.Errorf("%s: missing", w.id)
			continue
		}
		if n.Nodes != w.nodes || n.Pods != w.pods || n.BadPods != w.badPods || n.Health != w.health {
			t.Errorf("%s: nodes=%d pods=%d bad=%d health=%d, want %d %d %d %d", w.id, n.Nodes, n.Pods, n.BadPods, n.Health, w.nodes, w.pods, w.badPods, w.health)
		}
	}
}

func TestBuildTopology(t *testing.T) {
	inv := Merge(&Inventory{
		Regions: []Region{{Name: "r1"}},
		Zones:   []Zone{{Name: "r1a", Region: "r1"}, {Name: "r1b", Region: "r1"}},
		Subnets: []Subnet{{ID: "s-pub", Zone: "r1a", Public: true}, {ID: "s-priv", Zone: "r1a"}},
		Instances: []Instance{
			{ID: "i-bastion", Zone: "r1a", Subnet: "s-pub", State: "running", Bastion: true},
			{ID: "i-1", Zone: "r1a", Subnet: "s-priv", ASG: "workers", State: "running"},
			{ID: "i-2", Zone: "r1a", Subnet: "s-priv", ASG: "workers", State: "running"},
		},
		AutoscalingGroups: []AutoscalingGroup{{Name: "workers", Region: "r1"}},
	}, &Inventory{
		Nodes: []Node{
			{Name: "n1", InstanceID: "i-1", Ready: true},
			{Name: "n2", InstanceID: "i-2", Ready: false},
			{Name: "n3", Zone: "r1b", Region: "r1", Ready: true}, // no instance known
		},
		Pods: []Pod{
			{Namespace: "a", Name: "p1", Node: "n1", Ready: true, Phase: "Running"},
			{Namespace: "a", Name: "p2", Node: "n1", Ready: false, Phase: "Running", Reason: "CrashLoopBackOff"},
			{Namespace: "a", Name: "p3", Node: "n3", Ready: true, Phase: "Running"},
		},
	})
	roots := BuildTopology(inv)
	if len(roots) != 1 {
		t.Fatalf("roots = %d, want 1", len(roots))
	}
	r := roots[0]
	tests := []wantRow{
		{"region/r1", 3, 3, 1, HealthBad},
		{"zone/r1a", 2, 2, 1, HealthBad},
		{"subnet/s-pub", 0, 0, 0, HealthOK},
		{"subnet/s-priv", 2, 2, 1, HealthBad},
		{"asg/s-priv/workers", 2, 2, 1, HealthBad},
		{"node//n1", 1, 2, 1, HealthWarn},
		{"node//n2", 1, 0, 0, HealthBad},
		{"zone/r1b", 1, 1, 0, HealthOK},
	}
	checkRows(t, roots, tests)
	if b := find(roots, "instance/i-bastion"); b == nil || b.Detail != "bastion running" {
		t.Errorf("bastion row = %+v", b)
	}
	if r.Name != "r1" {
		t.Errorf("root name %q", r.Name)
	}
}

// TestUnscheduledPodsAreCounted: a pod with no node (Pending,
// unschedulable) sits under its cluster's region as "unscheduled" and is in
// every count up to the region; a pod whose node the source does not list
// is not dropped either; a cluster whose region is unknown gets a root row.
func TestUnscheduledPodsAreCounted(t *testing.T) {
	inv := Merge(&Inventory{
		Regions: []Region{{Name: "r1"}},
		Zones:   []Zone{{Name: "r1a", Region: "r1"}},
		Nodes:   []Node{{Name: "n1", Cluster: "c1", Zone: "r1a", Region: "r1", Ready: true}},
		Pods: []Pod{
			{Cluster: "c1", Namespace: "a", Name: "running", Node: "n1", Ready: true, Phase: "Running"},
			{Cluster: "c1", Namespace: "a", Name: "pending", Phase: "Pending", Reason: "Unschedulable"},
			{Cluster: "c1", Namespace: "b", Name: "pending2", Phase: "Pending"},
			{Cluster: "c1", Namespace: "a", Name: "hidden-node", Node: "n9", Ready: true, Phase: "Running"},
			{Cluster: "c2", Namespace: "a", Name: "lost", Phase: "Pending"},
		},
	})
	roots := BuildTopology(inv)
	tests := []wantRow{
		{"region/r1", 1, 4, 2, HealthBad},
		{"zone/r1a", 1, 1, 0, HealthOK},
		{"unscheduled/c1", 0, 2, 2, HealthBad},
		{"unlisted/c1", 0, 1, 0, HealthOK},
		{"unscheduled/c2", 0, 1, 1, HealthBad},
	}
	checkRows(t, roots, tests)
	if g := find(roots, "unscheduled/c1"); g == nil || g.Name != "unscheduled in c1" || len(g.Children) != 2 ||
		g.Children[0].ID != "pod/c1/a/pending" || g.Children[0].Detail != "Unschedulable restarts=0" {
		t.Errorf("unscheduled group = %+v", g)
	}
	if r1 := find(roots, "region/r1"); r1 == nil || find(r1.Children, "unscheduled/c1") == nil {
		t.Error("the unscheduled pods of c1 should sit under region r1")
	}
	if len(roots) != 2 || roots[1].ID != "unscheduled/c2" {
		t.Errorf("c2's pods (no known region) should be a root row after the regions: %d roots", len(roots))
	}
	total := 0
	for _, r := range roots {
		total += r.Pods
	}
	if total != len(inv.Pods) {
		t.Errorf("the tree counts %d pods, the inventory has %d", total, len(inv.Pods))
	}
}

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
	tests := []struct {
		id                   string
		nodes, pods, badPods int
		health               int
	}{
		{"region/r1", 3, 3, 1, HealthBad},
		{"zone/r1a", 2, 2, 1, HealthBad},
		{"subnet/s-pub", 0, 0, 0, HealthOK},
		{"subnet/s-priv", 2, 2, 1, HealthBad},
		{"asg/s-priv/workers", 2, 2, 1, HealthBad},
		{"node//n1", 1, 2, 1, HealthWarn},
		{"node//n2", 1, 0, 0, HealthBad},
		{"zone/r1b", 1, 1, 0, HealthOK},
	}
	for _, tc := range tests {
		n := find(roots, tc.id)
		if n == nil {
			t.Errorf("%s: missing", tc.id)
			continue
		}
		if n.Nodes != tc.nodes || n.Pods != tc.pods || n.BadPods != tc.badPods || n.Health != tc.health {
			t.Errorf("%s: nodes=%d pods=%d bad=%d health=%d, want %d %d %d %d", tc.id, n.Nodes, n.Pods, n.BadPods, n.Health, tc.nodes, tc.pods, tc.badPods, tc.health)
		}
	}
	if b := find(roots, "instance/i-bastion"); b == nil || b.Detail != "bastion running" {
		t.Errorf("bastion row = %+v", b)
	}
	if r.Name != "r1" {
		t.Errorf("root name %q", r.Name)
	}
}

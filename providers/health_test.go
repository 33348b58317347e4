package providers

import "testing"

func TestNodeStatus(t *testing.T) {
	cases := []struct {
		name string
		node Node
		want string
		h    int
	}{
		{"ready", Node{Ready: true}, "Ready", HealthOK},
		{"not ready", Node{}, "NotReady", HealthBad},
		{"cordoned (kubectl's words)", Node{Ready: true, Unschedulable: true}, "Ready,SchedulingDisabled", HealthWarn},
		{"cordoned and not ready", Node{Unschedulable: true}, "NotReady,SchedulingDisabled", HealthBad},
		{"draining", Node{Ready: true, Unschedulable: true, Draining: true}, "Ready,SchedulingDisabled,Draining", HealthWarn},
		{"drain taint only", Node{Ready: true, Draining: true}, "Ready,Draining", HealthWarn},
		{"draining and not ready", Node{Unschedulable: true, Draining: true}, "NotReady,SchedulingDisabled,Draining", HealthBad},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, h := NodeStatus(&c.node)
			if st != c.want || h != c.h {
				t.Errorf("NodeStatus = %q, %s; want %q, %s", st, HealthWord(h), c.want, HealthWord(c.h))
			}
			// the topology tree says the same
			c.node.Name = "n"
			rows := BuildTopology(&Inventory{Nodes: []Node{c.node}})
			if row := find(rows, "node//n"); row == nil || row.Detail != c.want || row.Health != c.h {
				t.Errorf("topology row %+v, want %q %s", row, c.want, HealthWord(c.h))
			}
		})
	}
}

func TestPodHealth(t *testing.T) {
	cases := []struct {
		name string
		pod  Pod
		want int
	}{
		{"ready", Pod{Ready: true, Phase: "Running"}, HealthOK},
		{"not ready", Pod{Phase: "Running", Reason: "CrashLoopBackOff"}, HealthBad},
		{"pending", Pod{Phase: "Pending"}, HealthBad},
		{"completed", Pod{Phase: "Succeeded"}, HealthOK},
		{"five restarts", Pod{Ready: true, Phase: "Running", Restarts: 5}, HealthOK},
		{"six restarts", Pod{Ready: true, Phase: "Running", Restarts: 6}, HealthWarn},
		{"not ready and restarting", Pod{Phase: "Running", Restarts: 12}, HealthBad},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PodHealth(&c.pod); got != c.want {
				t.Errorf("PodHealth = %s, want %s", HealthWord(got), HealthWord(c.want))
			}
		})
	}
}

package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/table"
)

// TestProblemStrip: the strip counts what is wrong in the fixture (a
// NotReady node, a crash-looping pod, a lagging database, unhealthy
// targets) on the first screen at 80x24, and ! jumps to the worst object
// (the NotReady node) in its view, whatever the filter there.
func TestProblemStrip(t *testing.T) {
	m := newTestModel(t, fixtureSnapshot(), nil, 80, 24, func(d *deps) { d.demo = false; d.env = "prod" })
	if s := screen(m); strings.Contains(s, "✗ 1 node") {
		t.Fatalf("problems shown before they were counted:\n%s", s)
	}
	drain(m, m.countProblems())
	lines := strings.Split(screen(m), "\n")
	if want := "✗ 1 node · 1 pod · 1 DB · 3 targets  ! worst problem"; lines[1] != want {
		t.Errorf("strip at 80x24:\n got %q\nwant %q", lines[1], want)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	if got := strings.Split(screen(m), "\n")[1]; !strings.HasPrefix(got, "✗ 1 node NotReady · 1 pod not ready · 1 DB without one primary or lagging · 3 targets unhealthy") {
		t.Errorf("strip at 160 columns: %q", got)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})

	typeText(m, ":nodes")
	press(m, "enter")
	typeText(m, "/us-east")
	press(m, "enter")
	typeText(m, ":pods")
	press(m, "enter", "!")
	if m.active != "nodes" {
		t.Fatalf("! should open the Nodes view, on %s", m.active)
	}
	sel, ok := m.page().Selected()
	if !ok || sel.Key != "node/prod-eu-west-1/node-eu-west-1b-1" {
		t.Errorf("cursor on %q, want the NotReady node", sel.Key)
	}
	if m.filterText() != "" {
		t.Errorf("the filter %q hides the worst object", m.filterText())
	}
	if !strings.Contains(screen(m), "worst: node node-eu-west-1b-1 NotReady") {
		t.Errorf("the jump should say what is wrong:\n%s", screen(m))
	}
	press(m, "esc")
	if m.active != "pods" {
		t.Errorf("esc should go back to the view the jump left, on %s", m.active)
	}
}

// claimOfMember runs a member of the sessions database in the fixture's
// first pod, which mounts a 100 GiB claim with used GiB used (usage known
// or not), and joins them as the store does.
func claimOfMember(used float64, known bool) func(inv *providers.Inventory) {
	return func(inv *providers.Inventory) {
		pod := &inv.Pods[0]
		pod.IP = "10.77.0.1"
		inv.Databases[1].Members[1].Address = "10.77.0.1:6379"
		inv.VolumeClaims = []providers.VolumeClaim{{Cluster: pod.Cluster, Namespace: pod.Namespace, Name: "data-x", CapacityGiB: 100,
			UsedGiB: used, UsageKnown: known, Pods: []string{pod.Name}, MountPath: "/data"}}
		providers.Join(inv)
	}
}

// TestProblemsRanks: each kind of problem is counted with the views'
// rules, and the worst is ranked by what loses the most service; a
// healthy estate says so, and ! says there is nothing to jump to.
func TestProblemsRanks(t *testing.T) {
	healthy := func() *providers.Snapshot {
		s := fixtureSnapshot()
		inv := s.Inv
		for i := range inv.Nodes {
			inv.Nodes[i].Ready = true
		}
		for i := range inv.Pods {
			inv.Pods[i].Ready, inv.Pods[i].Reason = true, ""
		}
		for i := range inv.LoadBalancers {
			inv.LoadBalancers[i].TargetsHealthy = inv.LoadBalancers[i].TargetsTotal
		}
		inv.Databases[0].Members[2].LagSeconds, inv.Databases[0].Members[2].Healthy = 1, true
		return s
	}
	cases := []struct {
		name  string
		spoil func(inv *providers.Inventory)
		strip string
		worst string
	}{
		{"healthy", func(*providers.Inventory) {}, "✓ nothing wrong now", ""},
		{"lagging replica", func(inv *providers.Inventory) { inv.Databases[1].Members[1].LagSeconds = 31 },
			"✗ 1 DB without one primary or lagging", "db database/sessions"},
		{"two primaries beat a lagging replica", func(inv *providers.Inventory) {
			inv.Databases[1].Members[1].LagSeconds = 31
			inv.Databases[0].Members[1].Role = providers.RolePrimary
		}, "✗ 2 DBs", "db database/orders-pg"},
		{"a member volume over 80% full", func(inv *providers.Inventory) {
			inv.Databases[1].Members[1].Volumes = []providers.Volume{{Mount: "/data", SizeGiB: 100, UsedGiB: 81, UsageKnown: true}}
		}, "✗ 1 volume over 80% full", "db database/sessions"},
		{"a full shared volume and a full member volume", func(inv *providers.Inventory) {
			inv.Databases[0].Volumes = []providers.Volume{{Mount: "/data", SizeGiB: 10, UsedGiB: 9.5, UsageKnown: true}}
			inv.Databases[1].Members[0].Volumes = []providers.Volume{{Mount: "/logs", SizeGiB: 1, UsedGiB: 0.99, UsageKnown: true}}
		}, "✗ 2 volumes over 80% full", "db database/orders-pg"},
		{"a volume exactly 80% full is not a problem", func(inv *providers.Inventory) {
			inv.Databases[1].Members[1].Volumes = []providers.Volume{{Mount: "/data", SizeGiB: 100, UsedGiB: 80, UsageKnown: true}}
		}, "✓ nothing wrong now", ""},
		{"a volume of unknown usage is not a problem", func(inv *providers.Inventory) {
			inv.Databases[1].Members[1].Volumes = []providers.Volume{{Mount: "/data", Class: "gp3", SizeGiB: 100, UsedGiB: 99}}
		}, "✓ nothing wrong now", ""},
		{"a volume of unknown size is not a problem", func(inv *providers.Inventory) {
			inv.Databases[1].Members[1].Volumes = []providers.Volume{{Mount: "/data", UsedGiB: 5, UsageKnown: true}}
		}, "✓ nothing wrong now", ""},
		{"a member's pod's claim 81% full (kubelet usage)", claimOfMember(81, true), "✗ 1 volume over 80% full", "db database/sessions"},
		{"a member's pod's claim 79% full is not a problem", claimOfMember(79, true), "✓ nothing wrong now", ""},
		{"a member's pod's claim of unknown usage is not a problem", claimOfMember(99, false), "✓ nothing wrong now", ""},
		{"no primary beats a full volume", func(inv *providers.Inventory) {
			inv.Databases[1].Members[1].Volumes = []providers.Volume{{Mount: "/data", SizeGiB: 100, UsedGiB: 90, UsageKnown: true}}
			inv.Databases[0].Members[1].Role = providers.RolePrimary
		}, "✗ 1 DB", "db database/orders-pg"},
		{"cordoned node is not a problem", func(inv *providers.Inventory) { inv.Nodes[0].Unschedulable = true }, "✓ nothing wrong now", ""},
		{"completed pod is not a problem", func(inv *providers.Inventory) { inv.Pods[0].Ready, inv.Pods[0].Phase = false, "Succeeded" }, "✓ nothing wrong now", ""},
		{"the crash-looping pod of the second context, the same name healthy in the first", func(inv *providers.Inventory) {
			twin := inv.Pods[1]
			twin.Cluster, twin.Reason = "prod-eu-west-1", "CrashLoopBackOff"
			if twin.Cluster == inv.Pods[1].Cluster {
				panic("the fixture's second pod is already in prod-eu-west-1")
			}
			inv.Pods = append(inv.Pods, twin)
		}, "✗ 1 pod not ready", "pods pod/prod-eu-west-1/shop/" + fixtureSnapshot().Inv.Pods[1].Name},
		{"crash loop beats a pod not ready", func(inv *providers.Inventory) {
			inv.Pods[0].Ready = false
			inv.Pods[1].Reason = "CrashLoopBackOff"
		}, "✗ 2 pods not ready", "pods pod/" + fixtureSnapshot().Inv.Pods[1].Cluster + "/shop/" + fixtureSnapshot().Inv.Pods[1].Name},
		{"no healthy target beats some", func(inv *providers.Inventory) {
			inv.LoadBalancers[0].TargetsHealthy = 3
			inv.LoadBalancers[2].TargetsHealthy = 0
		}, "✗ 3 targets unhealthy", "lb lb/internal-api"},
		{"an alarm in ALARM leads to what it watches", func(inv *providers.Inventory) { inv.Alarms[0].State = providers.AlarmFiring },
			"✗ 1 alarm firing", "lb lb/internal-api"},
		{"an alarm on an instance leads to its node", func(inv *providers.Inventory) {
			inv.Alarms[1].State, inv.Alarms[1].ObjectKind, inv.Alarms[1].Object = providers.AlarmFiring, providers.ObjectInstance, inv.Nodes[2].InstanceID
		}, "✗ 1 alarm firing", "nodes node/" + fixtureSnapshot().Inv.Nodes[2].Cluster + "/" + fixtureSnapshot().Inv.Nodes[2].Name},
		{"a certificate expiring within 30 days", func(inv *providers.Inventory) {
			inv.Distributions[0].CertExpires = time.Now().Add(10 * 24 * time.Hour)
		}, "✗ 1 certificate expiring", "edge distribution/E2QWRUHAPOMQZL"},
		{"a certificate 60 days out is not a problem", func(inv *providers.Inventory) {
			inv.Distributions[0].CertExpires = time.Now().Add(60 * 24 * time.Hour)
		}, "✓ nothing wrong now", ""},
		{"an alarm with insufficient data is not a problem", func(inv *providers.Inventory) { inv.Alarms[0].State = providers.AlarmInsufficientData },
			"✓ nothing wrong now", ""},
		{"a node missing a DaemonSet's pod", func(inv *providers.Inventory) {
			inv.Nodes[2].Agents = []providers.Agent{{DaemonSet: "logging/fluentd", Status: providers.AgentMissing}}
		}, "✗ 1 agent missing", "nodes node/" + fixtureSnapshot().Inv.Nodes[2].Cluster + "/" + fixtureSnapshot().Inv.Nodes[2].Name},
		{"an agent waiting (node just created) is not a problem", func(inv *providers.Inventory) {
			inv.Nodes[2].Agents = []providers.Agent{{DaemonSet: "logging/fluentd", Status: providers.AgentWaiting, Why: "node created 2m ago"}}
		}, "✓ nothing wrong now", ""},
		{"an agent whose pod is there, ready or not, is not missing", func(inv *providers.Inventory) {
			inv.Nodes[2].Agents = []providers.Agent{{DaemonSet: "logging/fluentd", Pod: "fluentd-x", Status: providers.AgentNotReady},
				{DaemonSet: "monitoring/node-exporter", Pod: "node-exporter-y", Ready: true, Status: providers.AgentReady}}
		}, "✓ nothing wrong now", ""},
		{"a crash loop beats an alarm", func(inv *providers.Inventory) {
			inv.Alarms[1].State = providers.AlarmFiring
			inv.Pods[1].Reason = "CrashLoopBackOff"
		}, "✗ 1 alarm firing · 1 pod not ready", "pods pod/" + fixtureSnapshot().Inv.Pods[1].Cluster + "/shop/" + fixtureSnapshot().Inv.Pods[1].Name},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			snap := healthy()
			c.spoil(snap.Inv)
			m := newTestModel(t, snap, nil, 200, 30, func(d *deps) { d.demo = false })
			drain(m, m.countProblems())
			if got := strings.Split(screen(m), "\n")[1]; !strings.HasPrefix(got, c.strip) {
				t.Errorf("strip %q, want it to start with %q", got, c.strip)
			}
			press(m, "!")
			if c.worst == "" {
				if m.active != "topology" || !strings.Contains(screen(m), "nothing wrong now") {
					t.Errorf("! with nothing wrong: on %s\n%s", m.active, screen(m))
				}
				return
			}
			sel, _ := m.page().Selected()
			if got := m.active + " " + sel.Key; got != c.worst {
				t.Errorf("! went to %q, want %q", got, c.worst)
			}
		})
	}
}

// TestAlarmEnter: enter on an alarm in the Alarms view opens the object
// it watches (the ASG), and esc comes back.
func TestAlarmEnter(t *testing.T) {
	m := newTestModel(t, fixtureSnapshot(), nil, 120, 30, func(d *deps) { d.demo = false })
	typeText(m, ":alarms")
	press(m, "enter")
	typeText(m, "/workers")
	press(m, "enter", "enter")
	sel, _ := m.page().Selected()
	if m.active != "asg" || sel.Key != "asg/workers-2" {
		t.Fatalf("enter on the alarm went to %s %q, want the ASG workers-2", m.active, sel.Key)
	}
	press(m, "esc")
	if m.active != "alarms" {
		t.Errorf("esc should go back to the alarms, on %s", m.active)
	}
}

// TestEdgeChain: the CloudFront view's detail shows the chain down to the
// nodes behind the load balancer, and enter opens that load balancer.
func TestEdgeChain(t *testing.T) {
	m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) { d.demo = false })
	typeText(m, ":edge")
	press(m, "enter", "d")
	s := screen(m)
	for _, want := range []string{"https://shop.example.com", "load balancer", "edge-us-east-1", "→ node node-us-east-1a-0"} {
		if !strings.Contains(s, want) {
			t.Errorf("the chain should show %q:\n%s", want, s)
		}
	}
	press(m, "esc", "enter")
	if sel, _ := m.page().Selected(); m.active != "lb" || sel.Key != "lb/edge-us-east-1" {
		t.Errorf("enter went to %s %q, want the load balancer", m.active, sel.Key)
	}
}

// TestProblemsFailedRuns: a failed action run is counted and, when
// nothing else is wrong, ! opens it in the Actions view.
func TestProblemsFailedRuns(t *testing.T) {
	snap := fixtureSnapshot()
	snap.Inv.Nodes, snap.Inv.Pods, snap.Inv.LoadBalancers, snap.Inv.Databases = nil, nil, nil, nil
	ex := sampleRuns()
	failed := &fakeRun{id: "run-9", spec: actions.Spec{Name: "restart", Target: actions.Ref{Kind: "deployment", Namespace: "shop", Name: "web"}},
		started: frozen.Add(-time.Minute), updates: make(chan struct{}), done: make(chan struct{}),
		res: common.RunResult{Status: actions.StatusFailed, Error: "boom"}}
	ex.runs = append(ex.runs, failed)
	m := newTestModel(t, snap, nil, 120, 30, func(d *deps) { d.demo = false; d.exec = ex })
	drain(m, m.countProblems())
	if got := strings.Split(screen(m), "\n")[1]; !strings.HasPrefix(got, "✗ 1 action failed") {
		t.Errorf("strip %q", got)
	}
	press(m, "!")
	sel, _ := m.page().Selected()
	if m.active != "actions" || sel.Key != "run-9" {
		t.Errorf("! went to %s %q, want the failed run", m.active, sel.Key)
	}
}

// TestLoadBalancerEnter: the load balancer's detail names each target's
// node, and enter opens the node of an unhealthy target (else the
// first); a load balancer whose targets are no nodes goes nowhere.
func TestLoadBalancerEnter(t *testing.T) {
	cases := []struct{ filter, cluster, node string }{
		{"/edge-eu-west-1", "prod-eu-west-1", "node-eu-west-1b-1"}, // i-111 unhealthy: the second node of eu-west-1b
		{"/edge-us-east-1", "prod-us-east-1", "node-us-east-1a-0"}, // both healthy: the first
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			m := newTestModel(t, fixtureSnapshot(), nil, 160, 40, func(d *deps) { d.demo = false })
			typeText(m, ":lb")
			press(m, "enter")
			typeText(m, c.filter)
			press(m, "enter", "d")
			if s := screen(m); !strings.Contains(s, "→ node "+c.node) {
				t.Errorf("the detail should name the target's node %s:\n%s", c.node, s)
			}
			press(m, "esc", "enter")
			if sel, _ := m.page().Selected(); m.active != "nodes" || sel.Key != "node/"+c.cluster+"/"+c.node {
				t.Fatalf("enter went to %s %q, want node %s", m.active, sel.Key, c.node)
			}
			// and on to the pods on that node, only those
			press(m, "enter")
			sel, _ := m.page().Selected()
			if m.active != "pods" || !strings.HasPrefix(sel.Key, "pod/") {
				t.Fatalf("enter on the node went to %s %q, want its pods", m.active, sel.Key)
			}
			var want []string
			for _, p := range fixtureSnapshot().Inv.Pods {
				if p.Node == c.node {
					want = append(want, "pod/"+p.Cluster+"/"+p.Namespace+"/"+p.Name)
				}
			}
			var got []string
			for _, r := range m.page().(interface{ Table() *table.Model }).Table().Rows() {
				got = append(got, r.Key)
			}
			slices.Sort(want)
			slices.Sort(got)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("the pods shown %v, want exactly those on %s: %v", got, c.node, want)
			}
		})
	}
	m := newTestModel(t, fixtureSnapshot(), nil, 160, 40, func(d *deps) { d.demo = false })
	typeText(m, ":lb")
	press(m, "enter")
	typeText(m, "/internal-api")
	press(m, "enter")
	if sel, _ := m.page().Selected(); sel.Jump != nil {
		t.Errorf("a load balancer without node targets jumps to %+v", *sel.Jump)
	}
}

package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
)

// TestReachCommand: ":reach FROM TO PORT" answers from the snapshot in
// the detail pane (the blocking rule named); a bad port or an unknown
// object is said in the footer.
func TestReachCommand(t *testing.T) {
	snap := fixtureSnapshot()
	inv := snap.Inv
	for i := range inv.Instances {
		inv.Instances[i].SecurityGroups = []string{"sg-nodes"}
		if inv.Instances[i].Bastion {
			inv.Instances[i].SecurityGroups = []string{"sg-bastion"}
		}
	}
	inv.SecurityGroups = []providers.SecurityGroup{
		{ID: "sg-bastion", Name: "bastion", Region: "us-east-1", Outbound: []providers.SGRule{{Protocol: "all", ToPort: 65535, CIDR: "0.0.0.0/0"}}},
		{ID: "sg-nodes", Name: "nodes", Region: "us-east-1", Inbound: []providers.SGRule{{Protocol: "tcp", FromPort: 22, ToPort: 22, Group: "sg-bastion"}}},
	}
	m := newTestModel(t, snap, nil, 160, 40, func(d *deps) { d.demo = false })
	typeText(m, ":reach i-bastion node-us-east-1a-0 22")
	press(m, "enter")
	s := screen(m)
	if !strings.Contains(s, "allowed") || !strings.Contains(s, "inbound tcp/22 from group sg-bastion (bastion)") {
		t.Errorf("reach bastion → node:22 should be allowed by the nodes' group:\n%s", s)
	}
	press(m, "esc")
	typeText(m, ":reach i-bastion node-us-east-1a-0 80")
	press(m, "enter")
	if s := screen(m); !strings.Contains(s, "blocked") || !strings.Contains(s, "missing rule") {
		t.Errorf("reach bastion → node:80 should be blocked by a missing rule:\n%s", s)
	}
	press(m, "esc")
	typeText(m, ":reach nosuch i-bastion 22")
	press(m, "enter")
	if s := screen(m); !strings.Contains(s, "unknown object") {
		t.Errorf("an unknown object should be said:\n%s", s)
	}
}

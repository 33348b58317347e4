package aws

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// TestLabReach reads the lab's network (security groups, the private
// subnets' network ACL with its deny, route tables) from moto and answers
// the paths of the estate: ALB → node, node → database member and
// bastion → node are allowed, naming the allowing rules; bastion → the
// database is blocked by the network ACL rule 90 although the database's
// group allows the bastion.
func TestLabReach(t *testing.T) {
	r, inv, _ := labRegion(t)
	providers.Join(inv)
	var acl *providers.NetworkACL
	for i := range inv.NetworkACLs {
		if inv.NetworkACLs[i].ID == r.PrivateACL {
			acl = &inv.NetworkACLs[i]
		}
	}
	if acl == nil || len(acl.Subnets) != len(r.PrivateSubnets) || len(acl.Entries) < 4 {
		t.Fatalf("private ACL %s: %+v", r.PrivateACL, acl)
	}
	var nodes *providers.SecurityGroup
	for i := range inv.SecurityGroups {
		if inv.SecurityGroups[i].ID == r.SecurityGroup {
			nodes = &inv.SecurityGroups[i]
		}
	}
	if nodes == nil || len(nodes.Inbound) != 2 || nodes.Inbound[0].GroupName == "" {
		t.Fatalf("nodes group (sources resolved to names): %+v", nodes)
	}
	node := r.Instances[sortedAZ(r)][0].ID
	writer := r.DBInstances[0]
	lbName := "lab-web"
	cases := []struct {
		from, to string
		port     int
		verdict  string
		reason   []string // substrings of the reason or of a step's rule
	}{
		{lbName, node, 8080, providers.ReachAllowed, []string{"(lab-alb)", "rule 100 allow all traffic from 10.10.0.0/16"}},
		{node, writer, 5432, providers.ReachAllowed, []string{"inbound tcp/5432 from group " + r.SecurityGroup + " (lab-nodes)"}},
		{"bastion", node, 22, providers.ReachAllowed, []string{"(lab-bastion)"}},
		{"bastion", writer, 5432, providers.ReachBlocked, []string{"denied by " + r.PrivateACL + " rule 90 deny tcp/5432 from 10.10.0.0/20 (inbound"}},
		{node, "bastion", 5432, providers.ReachBlocked, []string{"missing rule: no inbound rule of " + r.BastionGroup + " (lab-bastion) allows tcp/5432"}},
	}
	for _, c := range cases {
		a, err := providers.Reach(inv, c.from, c.to, c.port)
		if err != nil {
			t.Errorf("%s → %s: %v", c.from, c.to, err)
			continue
		}
		text := a.Reason
		for _, s := range a.Steps {
			text += "\n" + s.Check + ": " + s.Rule + " " + s.Detail
		}
		if a.Verdict != c.verdict {
			t.Errorf("%s → %s:%d = %s, want %s\n%s", c.from, c.to, c.port, a.Verdict, c.verdict, text)
			continue
		}
		for _, want := range c.reason {
			if !strings.Contains(text, want) {
				t.Errorf("%s → %s:%d: %q not named in\n%s", c.from, c.to, c.port, want, text)
			}
		}
	}
}

// sortedAZ returns the first AZ with instances (map order is random).
func sortedAZ(r *lab.AWSRegionEstate) string {
	first := ""
	for az := range r.Instances {
		if first == "" || az < first {
			first = az
		}
	}
	return first
}

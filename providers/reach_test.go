package providers

import (
	"strings"
	"testing"
)

// reachEstate is a small VPC: a public subnet with a bastion and an ALB,
// a private subnet with two nodes, a DB subnet with a member; the private
// subnet's ACL orders a deny before an allow.
func reachEstate() *Inventory {
	inv := &Inventory{
		Subnets: []Subnet{
			{ID: "pub", Region: "r", VPC: "v", CIDR: "10.0.0.0/24"},
			{ID: "priv", Region: "r", VPC: "v", CIDR: "10.0.16.0/20"},
			{ID: "data", Region: "r", VPC: "v", CIDR: "10.0.32.0/24"},
			{ID: "other", Region: "r", VPC: "v2", CIDR: "10.1.0.0/24"},
		},
		Instances: []Instance{
			{ID: "i-b", Name: "jump", Region: "r", Subnet: "pub", PrivateIP: "10.0.0.5", Bastion: true, SecurityGroups: []string{"sg-bastion"}},
			{ID: "i-1", Name: "web", Region: "r", Subnet: "priv", PrivateIP: "10.0.16.5", SecurityGroups: []string{"sg-nodes"}, Node: "n1"},
			{ID: "i-2", Name: "web", Region: "r", Subnet: "priv", PrivateIP: "10.0.16.6", SecurityGroups: []string{"sg-nodes"}},
			{ID: "i-x", Region: "r", Subnet: "other", PrivateIP: "10.1.0.5"},
		},
		LoadBalancers: []LoadBalancer{{Name: "alb", Region: "r", Subnets: []string{"pub"}, SecurityGroups: []string{"sg-alb"}}},
		Databases: []Database{{Name: "orders", Region: "r", Members: []Member{
			{Name: "orders-1", Role: RolePrimary, Subnet: "data", SecurityGroups: []string{"sg-db"}}}}},
		SecurityGroups: []SecurityGroup{
			{ID: "sg-alb", Name: "alb", Region: "r", Outbound: []SGRule{{Protocol: "all", ToPort: 65535, CIDR: "0.0.0.0/0"}}},
			{ID: "sg-bastion", Name: "bastion", Region: "r", Outbound: []SGRule{{Protocol: "all", ToPort: 65535, CIDR: "0.0.0.0/0"}}},
			{ID: "sg-nodes", Name: "nodes", Region: "r",
				Inbound:  []SGRule{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, Group: "sg-alb"}, {Protocol: "tcp", FromPort: 22, ToPort: 22, Group: "sg-bastion"}},
				Outbound: []SGRule{{Protocol: "tcp", FromPort: 5432, ToPort: 5432, Group: "sg-db"}}},
			{ID: "sg-db", Name: "db", Region: "r", Inbound: []SGRule{{Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDR: "10.0.0.0/16"}}},
		},
		NetworkACLs: []NetworkACL{
			{ID: "acl-def", Region: "r", VPC: "v", Default: true, Subnets: []string{"pub", "data"}, Entries: []ACLEntry{
				{RuleNumber: 100, Protocol: "all", ToPort: 65535, CIDR: "0.0.0.0/0", Action: "allow"},
				{RuleNumber: 100, Egress: true, Protocol: "all", ToPort: 65535, CIDR: "0.0.0.0/0", Action: "allow"}}},
			{ID: "acl-priv", Region: "r", VPC: "v", Subnets: []string{"priv"}, Entries: []ACLEntry{
				{RuleNumber: 200, Protocol: "all", ToPort: 65535, CIDR: "10.0.0.0/16", Action: "allow"},
				{RuleNumber: 90, Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: "10.0.0.0/24", Action: "deny"},
				{RuleNumber: 100, Egress: true, Protocol: "tcp", FromPort: 1024, ToPort: 65535, CIDR: "0.0.0.0/0", Action: "allow"},
				{RuleNumber: 110, Egress: true, Protocol: "tcp", FromPort: 5432, ToPort: 5432, CIDR: "10.0.32.0/24", Action: "allow"}}},
		},
		RouteTables: []RouteTable{{ID: "rtb-main", Region: "r", VPC: "v", Main: true, Routes: []Route{{Destination: "10.0.0.0/16", Target: "local", State: "active"}}}},
	}
	return inv
}

// TestReach: the first matching ACL rule by number decides (a deny at 90
// beats an allow at 200 whatever the listing order), group references
// match the peer's groups, return traffic needs the client's whole
// ephemeral range, same-subnet paths skip ACLs, and paths across VPCs are
// not answered.
func TestReach(t *testing.T) {
	inv := reachEstate()
	cases := []struct {
		name, from, to string
		port           int
		verdict        string
		reason         string
	}{
		{"alb to node through its group", "alb", "i-1", 8080, ReachAllowed, "every security group"},
		{"deny at 90 before allow at 200", "bastion", "n1", 22, ReachBlocked, "denied by acl-priv rule 90 deny tcp/22 from 10.0.0.0/24 (inbound"},
		{"node to the database by its group and the ACL", "i-1", "orders", 5432, ReachAllowed, "every security group"},
		{"missing inbound rule", "alb", "i-1", 9090, ReachBlocked, "missing rule: no inbound rule of sg-nodes (nodes) allows tcp/9090"},
		{"missing outbound rule", "i-1", "alb", 443, ReachBlocked, "missing rule: no outbound rule of sg-nodes (nodes) allows tcp/443"},
		{"same subnet: no ACL", "i-1", "i-2", 22, ReachBlocked, "no outbound rule of sg-nodes (nodes) allows tcp/22 to instance i-2"},
		{"across VPCs", "i-1", "i-x", 22, ReachUnknown, "not evaluated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Reach(inv, c.from, c.to, c.port)
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != c.verdict || !strings.Contains(a.Reason, c.reason) {
				t.Errorf("%s → %s:%d = %s %q, want %s %q\n%+v", c.from, c.to, c.port, a.Verdict, a.Reason, c.verdict, c.reason, a.Steps)
			}
			acls := 0
			for _, s := range a.Steps {
				if strings.HasPrefix(s.Check, "network ACL") {
					acls++
				}
			}
			if same := c.from == "i-1" && c.to == "i-2"; same != (acls == 0) && c.verdict != ReachUnknown {
				t.Errorf("%d network ACL checks (same subnet: %v)", acls, same)
			}
		})
	}
	// The ALB's return traffic (1024-65535) is not wholly allowed out of
	// the private subnet's ACL when only part of the range is opened.
	inv.NetworkACLs[1].Entries[2].FromPort = 32768
	a, err := Reach(inv, "alb", "i-1", 8080)
	if err != nil || a.Verdict != ReachBlocked || !strings.Contains(a.Reason, "allows tcp/1024-32767 (return, outbound)") {
		t.Errorf("partial ephemeral range: %+v %v", a, err)
	}
	for _, bad := range []struct{ from, to string }{{"nosuch", "i-1"}, {"web", "i-1"}} {
		if _, err := Reach(inv, bad.from, bad.to, 22); err == nil {
			t.Errorf("Reach(%s, %s) should fail (unknown or ambiguous)", bad.from, bad.to)
		}
	}
	if _, err := Reach(inv, "i-1", "i-2", 0); err == nil {
		t.Error("port 0 should fail")
	}
}

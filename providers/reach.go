package providers

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Reachability verdicts.
const (
	ReachAllowed = "allowed"
	ReachBlocked = "blocked"
	ReachUnknown = "unknown"
)

// Ephemeral ports assumed for return traffic through network ACLs: a
// load balancer's (ELB and NAT gateways use 1024–65535, as AWS
// documents) and an instance's (Linux's default ip_local_port_range,
// 32768–60999: the estate's nodes and bastions run Linux).
const (
	LBEphemeralFrom       = 1024
	LBEphemeralTo         = 65535
	InstanceEphemeralFrom = 32768
	InstanceEphemeralTo   = 60999
)

// ReachAnswer says whether TCP traffic from one object of the estate can
// reach another on a port, and which rule decides.
type ReachAnswer struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	// Verdict is allowed, blocked or unknown (e.g. across VPCs).
	Verdict string `json:"verdict"`
	// Reason names the rule that blocks (or the missing rule), or says
	// that every check passed.
	Reason string `json:"reason"`
	// Steps are the checks in the order traffic meets them.
	Steps       []ReachStep `json:"steps"`
	Assumptions []string    `json:"assumptions"`
}

// ReachStep is one check of a path: a route, a security group or a
// network ACL rule, in one direction.
type ReachStep struct {
	Check string `json:"check"`
	OK    bool   `json:"ok"`
	// Rule is the rule that allowed or denied ("" when none matched).
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// reachEnd is one end of a path: where it sits and what it is.
type reachEnd struct {
	label string
	// ephemeral is the client port range of the end (see the constants).
	ephFrom, ephTo int
	region         string
	vpc            string
	groups         []string
	places         []place
}

// place is one subnet the end sits in and its address there (the /32 of
// an instance, the whole subnet for an ALB node or an RDS member).
type place struct {
	subnet string
	addr   netip.Prefix
}

// ErrUnknownObject is returned when a name matches nothing the console knows.
var ErrUnknownObject = errors.New("unknown object")

// resolveEnd finds what name designates, in this order: an instance id,
// a Kubernetes node, a load balancer, an RDS member, a database (its
// primary), an instance's Name tag or "bastion" (which must name one
// instance).
func resolveEnd(inv *Inventory, name string) (*reachEnd, error) {
	subnets := map[string]*Subnet{}
	for i := range inv.Subnets {
		subnets[inv.Subnets[i].ID] = &inv.Subnets[i]
	}
	fromInstance := func(in *Instance, label string) (*reachEnd, error) {
		sn := subnets[in.Subnet]
		if sn == nil {
			return nil, fmt.Errorf("%s: its subnet %q is not known", label, in.Subnet)
		}
		addr, err := netip.ParseAddr(in.PrivateIP)
		if err != nil {
			return nil, fmt.Errorf("%s: no private IP known", label)
		}
		return &reachEnd{label: label, region: in.Region, vpc: sn.VPC, groups: in.SecurityGroups, ephFrom: InstanceEphemeralFrom, ephTo: InstanceEphemeralTo,
			places: []place{{in.Subnet, netip.PrefixFrom(addr, addr.BitLen())}}}, nil
	}
	subnetPlace := func(id string) (place, string, bool) {
		sn := subnets[id]
		if sn == nil {
			return place{}, "", false
		}
		p, err := netip.ParsePrefix(sn.CIDR)
		if err != nil {
			return place{}, "", false
		}
		return place{id, p.Masked()}, sn.VPC, true
	}
	var matches []*Instance
	for i := range inv.Instances {
		in := &inv.Instances[i]
		if in.ID == name || (in.Node != "" && in.Node == name) {
			return fromInstance(in, describeInstance(in))
		}
		if in.Name == name || (strings.EqualFold(name, "bastion") && in.Bastion) {
			matches = append(matches, in)
		}
	}
	for i := range inv.Nodes {
		if n := &inv.Nodes[i]; n.Name == name && n.InstanceID == "" {
			return nil, fmt.Errorf("node %s: its instance is not known (no AWS data for it)", name)
		}
	}
	for i := range inv.LoadBalancers {
		lb := &inv.LoadBalancers[i]
		if lb.Name != name {
			continue
		}
		e := &reachEnd{label: "load balancer " + lb.Name, region: lb.Region, groups: lb.SecurityGroups, ephFrom: LBEphemeralFrom, ephTo: LBEphemeralTo}
		for _, id := range lb.Subnets {
			if p, vpc, ok := subnetPlace(id); ok {
				e.places, e.vpc = append(e.places, p), vpc
			}
		}
		if len(e.places) == 0 {
			return nil, fmt.Errorf("load balancer %s: its subnets are not known", name)
		}
		return e, nil
	}
	for i := range inv.Databases {
		db := &inv.Databases[i]
		for j := range db.Members {
			m := &db.Members[j]
			if m.Name != name && (db.Name != name || m.Role != RolePrimary) {
				continue
			}
			p, vpc, ok := subnetPlace(m.Subnet)
			if !ok {
				return nil, fmt.Errorf("database member %s: its subnet is not known", m.Name)
			}
			return &reachEnd{label: "database member " + m.Name, region: db.Region, vpc: vpc, groups: m.SecurityGroups, places: []place{p},
				ephFrom: InstanceEphemeralFrom, ephTo: InstanceEphemeralTo}, nil
		}
	}
	switch {
	case len(matches) == 1:
		return fromInstance(matches[0], describeInstance(matches[0]))
	case len(matches) > 1:
		var ids []string
		for _, in := range matches {
			ids = append(ids, in.ID)
		}
		return nil, fmt.Errorf("%q names %d instances (%s): give an instance id", name, len(matches), strings.Join(ids, ", "))
	}
	return nil, fmt.Errorf("%w %q: give an instance id or name, a node, bastion, a load balancer, a database or its member", ErrUnknownObject, name)
}

func describeInstance(in *Instance) string {
	s := "instance " + in.ID
	switch {
	case in.Node != "":
		s = "node " + in.Node + " (" + in.ID + ")"
	case in.Bastion:
		s = "bastion " + in.ID
	case in.Name != "":
		s += " (" + in.Name + ")"
	}
	return s
}

// Reach answers whether TCP traffic from from can reach to on port,
// within one VPC: the source's security groups (outbound), the network
// ACL of the source's subnet (outbound) and of the destination's subnet
// (inbound) when the subnets differ, the destination's security groups
// (inbound), and the return traffic through both network ACLs on the
// ephemeral ports (security groups are stateful; network ACLs are not).
// Routing inside a VPC is the route table's local route; paths between
// VPCs (peering, transit gateways) are not evaluated (verdict unknown).
func Reach(inv *Inventory, from, to string, port int) (*ReachAnswer, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %d: want 1-65535", port)
	}
	a, err := resolveEnd(inv, from)
	if err != nil {
		return nil, err
	}
	b, err := resolveEnd(inv, to)
	if err != nil {
		return nil, err
	}
	ans := &ReachAnswer{From: a.label, To: b.label, Port: port, Protocol: "tcp", Steps: []ReachStep{},
		Assumptions: []string{
			fmt.Sprintf("return traffic goes to %s's ephemeral ports %d-%d (network ACLs are stateless: every port of the range must be allowed)", a.label, a.ephFrom, a.ephTo),
			"network ACLs apply between subnets only; security groups are stateful",
		}}
	if a.region != b.region || a.vpc != b.vpc {
		ans.Verdict = ReachUnknown
		ans.Reason = fmt.Sprintf("%s is in %s/%s and %s in %s/%s: paths between VPCs (peering, transit gateway) are not evaluated", a.label, a.region, a.vpc, b.label, b.region, b.vpc)
		return ans, nil
	}
	if len(a.places) > 1 {
		ans.Assumptions = append(ans.Assumptions, a.label+" sends from each of its subnets (its nodes' addresses are taken as the whole subnet)")
	}
	n := newNet(inv, a.region)
	ans.Verdict = ReachAllowed
	for _, pa := range a.places {
		for _, pb := range b.places {
			prefix := ""
			if len(a.places) > 1 || len(b.places) > 1 {
				prefix = pa.subnet + " → " + pb.subnet + ": "
			}
			steps, reason := n.path(a, pa, b, pb, port)
			for i := range steps {
				steps[i].Check = prefix + steps[i].Check
			}
			ans.Steps = append(ans.Steps, steps...)
			if reason != "" && ans.Verdict == ReachAllowed {
				ans.Verdict, ans.Reason = ReachBlocked, prefix+reason
			}
		}
	}
	if ans.Verdict == ReachAllowed {
		ans.Reason = "every security group, network ACL and route on the path allows it"
	}
	return ans, nil
}

// netIndex holds the network objects of one region by id.
type netIndex struct {
	groups    map[string]*SecurityGroup
	aclOf     map[string]*NetworkACL // subnet → its ACL
	defACL    map[string]*NetworkACL // VPC → its default ACL
	rtOf      map[string]*RouteTable // subnet → its explicit table
	mainRT    map[string]*RouteTable // VPC → its main table
	subnetVPC map[string]string
}

func newNet(inv *Inventory, region string) *netIndex {
	n := &netIndex{groups: map[string]*SecurityGroup{}, aclOf: map[string]*NetworkACL{}, defACL: map[string]*NetworkACL{},
		rtOf: map[string]*RouteTable{}, mainRT: map[string]*RouteTable{}, subnetVPC: map[string]string{}}
	for i := range inv.SecurityGroups {
		if g := &inv.SecurityGroups[i]; g.Region == region {
			n.groups[g.ID] = g
		}
	}
	for i := range inv.NetworkACLs {
		acl := &inv.NetworkACLs[i]
		if acl.Region != region {
			continue
		}
		if acl.Default {
			n.defACL[acl.VPC] = acl
		}
		for _, s := range acl.Subnets {
			n.aclOf[s] = acl
		}
	}
	for i := range inv.RouteTables {
		rt := &inv.RouteTables[i]
		if rt.Region != region {
			continue
		}
		if rt.Main {
			n.mainRT[rt.VPC] = rt
		}
		for _, s := range rt.Subnets {
			n.rtOf[s] = rt
		}
	}
	for i := range inv.Subnets {
		n.subnetVPC[inv.Subnets[i].ID] = inv.Subnets[i].VPC
	}
	return n
}

func (n *netIndex) acl(subnet string) *NetworkACL {
	if a := n.aclOf[subnet]; a != nil {
		return a
	}
	return n.defACL[n.subnetVPC[subnet]]
}

func (n *netIndex) routeTable(subnet string) *RouteTable {
	if rt := n.rtOf[subnet]; rt != nil {
		return rt
	}
	return n.mainRT[n.subnetVPC[subnet]]
}

// path checks one source placement against one destination placement;
// reason is "" when the path is open, else what blocks it.
func (n *netIndex) path(a *reachEnd, pa place, b *reachEnd, pb place, port int) ([]ReachStep, string) {
	var steps []ReachStep
	reason := ""
	add := func(s ReachStep, why string) {
		steps = append(steps, s)
		if !s.OK && reason == "" {
			reason = why
		}
	}
	// Route: the local route of the source subnet's table.
	rt := n.routeTable(pa.subnet)
	switch {
	case rt == nil:
		add(ReachStep{Check: "route from " + pa.subnet, OK: true, Detail: "no route table known; the VPC's local route is assumed"}, "")
	default:
		r := localRoute(rt, pb.addr)
		if r != nil {
			add(ReachStep{Check: "route from " + pa.subnet, OK: true, Rule: rt.ID + " " + r.Destination + " → local"}, "")
		} else {
			add(ReachStep{Check: "route from " + pa.subnet, OK: true, Detail: rt.ID + " lists no local route covering " + pb.addr.String() + "; AWS always routes inside the VPC"}, "")
		}
	}
	// Source security groups, outbound.
	if rule, ok := n.sgAllows(a.groups, false, port, pb.addr, b.groups); ok {
		add(ReachStep{Check: "security groups of " + a.label + " (outbound)", OK: true, Rule: rule}, "")
	} else {
		add(ReachStep{Check: "security groups of " + a.label + " (outbound)", Detail: fmt.Sprintf("no outbound rule of %s allows tcp/%d to %s", n.groupNames(a.groups), port, pb.addr)},
			fmt.Sprintf("missing rule: no outbound rule of %s allows tcp/%d to %s", n.groupNames(a.groups), port, b.label))
	}
	if pa.subnet != pb.subnet {
		aclA, aclB := n.acl(pa.subnet), n.acl(pb.subnet)
		add(n.aclStep(aclA, pa.subnet, true, port, port, pb.addr, "outbound"))
		add(n.aclStep(aclB, pb.subnet, false, port, port, pa.addr, "inbound"))
		add(n.aclStep(aclB, pb.subnet, true, a.ephFrom, a.ephTo, pa.addr, "return, outbound"))
		add(n.aclStep(aclA, pa.subnet, false, a.ephFrom, a.ephTo, pb.addr, "return, inbound"))
	}
	// Destination security groups, inbound.
	if rule, ok := n.sgAllows(b.groups, true, port, pa.addr, a.groups); ok {
		add(ReachStep{Check: "security groups of " + b.label + " (inbound)", OK: true, Rule: rule}, "")
	} else {
		add(ReachStep{Check: "security groups of " + b.label + " (inbound)", Detail: fmt.Sprintf("no inbound rule of %s allows tcp/%d from %s", n.groupNames(b.groups), port, pa.addr)},
			fmt.Sprintf("missing rule: no inbound rule of %s allows tcp/%d from %s", n.groupNames(b.groups), port, a.label))
	}
	return steps, reason
}

func localRoute(rt *RouteTable, dst netip.Prefix) *Route {
	for i := range rt.Routes {
		r := &rt.Routes[i]
		if r.Target != "local" {
			continue
		}
		if p, err := netip.ParsePrefix(r.Destination); err == nil && covers(p, dst) {
			return r
		}
	}
	return nil
}

// covers reports whether rule prefix p contains all of e.
func covers(p, e netip.Prefix) bool {
	return p.Addr().Is4() == e.Addr().Is4() && p.Bits() <= e.Bits() && p.Masked().Contains(e.Addr())
}

func (n *netIndex) groupNames(ids []string) string {
	if len(ids) == 0 {
		return "its security groups (none known)"
	}
	var out []string
	for _, id := range ids {
		out = append(out, n.groupLabel(id))
	}
	return strings.Join(out, ", ")
}

func (n *netIndex) groupLabel(id string) string {
	if g := n.groups[id]; g != nil && g.Name != "" {
		return id + " (" + g.Name + ")"
	}
	return id
}

// sgAllows finds a rule of groups (inbound or outbound) that allows
// tcp/port with peer: a CIDR containing addr, or a group peerGroups holds.
func (n *netIndex) sgAllows(groups []string, inbound bool, port int, addr netip.Prefix, peerGroups []string) (string, bool) {
	for _, id := range groups {
		g := n.groups[id]
		if g == nil {
			continue
		}
		rules := g.Outbound
		dir := "outbound"
		if inbound {
			rules, dir = g.Inbound, "inbound"
		}
		for _, r := range rules {
			if (r.Protocol != "tcp" && r.Protocol != "all") || port < r.FromPort || port > r.ToPort {
				continue
			}
			peer := ""
			switch {
			case r.Group != "" && slices.Contains(peerGroups, r.Group):
				peer = "group " + n.groupLabel(r.Group)
			case r.CIDR != "":
				if p, err := netip.ParsePrefix(r.CIDR); err == nil && covers(p, addr) {
					peer = r.CIDR
				}
			}
			if peer == "" {
				continue
			}
			return fmt.Sprintf("%s %s %s %s %s", n.groupLabel(id), dir, ports(r.Protocol, r.FromPort, r.ToPort), map[bool]string{true: "from", false: "to"}[inbound], peer), true
		}
	}
	return "", false
}

func ports(proto string, from, to int) string {
	switch {
	case proto == "all":
		return "all traffic"
	case from == to:
		return proto + "/" + strconv.Itoa(from)
	default:
		return proto + "/" + strconv.Itoa(from) + "-" + strconv.Itoa(to)
	}
}

// aclStep evaluates the ordered rules of acl in one direction for the
// tcp ports from–to with the peer addr: rules are taken by number, each
// rule whose protocol and CIDR match decides the ports of its range not
// decided yet; ports no rule decides fall to the final * deny. The step
// passes when every port asked is allowed; else it names the first rule
// that denies some of them (or the * rule).
func (n *netIndex) aclStep(acl *NetworkACL, subnet string, egress bool, from, to int, peer netip.Prefix, dir string) (ReachStep, string) {
	check := "network ACL of " + subnet + " (" + dir + ")"
	what := ports("tcp", from, to)
	if acl == nil {
		return ReachStep{Check: check, OK: true, Detail: "no network ACL known; the default ACL allows all"}, ""
	}
	entries := make([]ACLEntry, 0, len(acl.Entries))
	for _, e := range acl.Entries {
		if e.Egress == egress && e.RuleNumber < 32767 {
			entries = append(entries, e)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].RuleNumber < entries[j].RuleNumber })
	type span struct{ lo, hi int }
	open := []span{{from, to}} // ports not decided yet
	var allowed []string
	for _, e := range entries {
		if len(open) == 0 {
			break
		}
		if e.Protocol != "tcp" && e.Protocol != "all" {
			continue
		}
		p, err := netip.ParsePrefix(e.CIDR)
		if err != nil || !covers(p, peer) {
			continue
		}
		lo, hi := e.FromPort, e.ToPort
		var rest []span
		hit := false
		for _, o := range open {
			if hi < o.lo || lo > o.hi {
				rest = append(rest, o)
				continue
			}
			hit = true
			if o.lo < lo {
				rest = append(rest, span{o.lo, lo - 1})
			}
			if o.hi > hi {
				rest = append(rest, span{hi + 1, o.hi})
			}
		}
		if !hit {
			continue
		}
		rule := fmt.Sprintf("%s rule %d %s %s %s %s", acl.ID, e.RuleNumber, e.Action, ports(e.Protocol, lo, hi), map[bool]string{true: "to", false: "from"}[egress], e.CIDR)
		if e.Action != "allow" {
			return ReachStep{Check: check, Rule: rule}, "denied by " + rule + " (" + dir + ", " + what + ")"
		}
		allowed = append(allowed, rule)
		open = rest
	}
	if len(open) == 0 {
		return ReachStep{Check: check, OK: true, Rule: strings.Join(allowed, "; ")}, ""
	}
	left := ports("tcp", open[0].lo, open[0].hi)
	return ReachStep{Check: check, Rule: acl.ID + " rule * deny all", Detail: "no numbered rule allows " + left},
		"missing rule: no rule of network ACL " + acl.ID + " allows " + left + " (" + dir + "); the final * rule denies it"
}

// SubnetNetwork returns the route table (its explicit association, else
// its VPC's main table) and the network ACL (its association, else its
// VPC's default ACL) of a subnet; nil when not known.
func SubnetNetwork(inv *Inventory, subnet string) (*RouteTable, *NetworkACL) {
	region := ""
	for i := range inv.Subnets {
		if inv.Subnets[i].ID == subnet {
			region = inv.Subnets[i].Region
		}
	}
	n := newNet(inv, region)
	return n.routeTable(subnet), n.acl(subnet)
}

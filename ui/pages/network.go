package pages

import (
	"slices"
	"strconv"

	"github.com/opsconsole/console/providers"
)

// sgPeer renders a rule's peer: a CIDR, or a group with its name.
func sgPeer(r providers.SGRule) string {
	if r.Group != "" {
		if r.GroupName != "" {
			return r.Group + " (" + r.GroupName + ")"
		}
		return r.Group
	}
	return r.CIDR
}

func portText(proto string, from, to int) string {
	switch {
	case proto == "all":
		return "all"
	case from == to:
		return proto + "/" + strconv.Itoa(from)
	default:
		return proto + "/" + strconv.Itoa(from) + "-" + strconv.Itoa(to)
	}
}

// addNetwork adds the network of an object to its detail: its security
// groups with their rules, then its subnet's route table and network ACL.
func addNetwork(f *fields, inv *providers.Inventory, subnet string, groups []string) {
	if len(groups) > 0 {
		f.add("security_groups", "")
		for _, id := range groups {
			var g *providers.SecurityGroup
			for i := range inv.SecurityGroups {
				if inv.SecurityGroups[i].ID == id {
					g = &inv.SecurityGroups[i]
				}
			}
			if g == nil {
				f.sub(id, "(not read)")
				continue
			}
			f.sub(id, g.Name)
			for _, r := range g.Inbound {
				f.sub2("in "+portText(r.Protocol, r.FromPort, r.ToPort), "from "+sgPeer(r))
			}
			for _, r := range g.Outbound {
				f.sub2("out "+portText(r.Protocol, r.FromPort, r.ToPort), "to "+sgPeer(r))
			}
		}
	}
	if subnet == "" {
		return
	}
	rt, acl := providers.SubnetNetwork(inv, subnet)
	if rt != nil {
		v := rt.ID
		if rt.Main && !slices.Contains(rt.Subnets, subnet) {
			v += " (the VPC's main table)"
		}
		f.add("route_table", v)
		for _, r := range rt.Routes {
			f.sub(r.Destination, r.Target+" "+r.State)
		}
	}
	if acl != nil {
		v := acl.ID
		if acl.Default {
			v += " (default)"
		}
		f.add("network_acl", v)
		for _, e := range acl.Entries {
			dir, peer := "in ", "from "
			if e.Egress {
				dir, peer = "out ", "to "
			}
			num := strconv.Itoa(e.RuleNumber)
			if e.RuleNumber >= 32767 {
				num = "*"
			}
			f.sub(dir+num, e.Action+" "+portText(e.Protocol, e.FromPort, e.ToPort)+" "+peer+e.CIDR)
		}
	}
}

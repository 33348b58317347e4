package aws

import (
	"context"
	"sort"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// readNetwork adds the security groups and network ACLs listings to the
// EC2 reads of a region (route tables are read for the subnets already).
func (p *Provider) readNetwork(ctx context.Context, c *clients, raw *ec2Raw, t *tasks) {
	t.go_("DescribeSecurityGroups", func() error {
		pg := ec2.NewDescribeSecurityGroupsPaginator(c.ec2, &ec2.DescribeSecurityGroupsInput{MaxResults: p.pageSize(maxEC2Page, minEC2Page)})
		var err error
		raw.groups, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ec2.DescribeSecurityGroupsOutput) []ec2types.SecurityGroup { return o.SecurityGroups })
		return err
	})
	t.go_("DescribeNetworkAcls", func() error {
		pg := ec2.NewDescribeNetworkAclsPaginator(c.ec2, &ec2.DescribeNetworkAclsInput{MaxResults: p.pageSize(maxEC2Page, minEC2Page)})
		var err error
		raw.acls, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ec2.DescribeNetworkAclsOutput) []ec2types.NetworkAcl { return o.NetworkAcls })
		return err
	})
}

// protocolName maps an IP protocol ("-1", "6", "tcp"...) to all, tcp, udp,
// icmp, or the number.
func protocolName(p string) string {
	switch p {
	case "-1", "all":
		return "all"
	case "6", "tcp":
		return "tcp"
	case "17", "udp":
		return "udp"
	case "1", "icmp":
		return "icmp"
	}
	return p
}

// portRange returns the rule's ports: 0–65535 for all protocols or when
// unset.
func portRange(proto string, from, to *int32) (int, int) {
	if proto == "all" || from == nil || to == nil {
		return 0, 65535
	}
	return int(*from), int(*to)
}

func assembleNetwork(v *regionView, raw *ec2Raw) {
	names := map[string]string{}
	for _, g := range raw.groups {
		names[sdkaws.ToString(g.GroupId)] = sanitize.Line(sdkaws.ToString(g.GroupName))
	}
	rules := func(perms []ec2types.IpPermission) []providers.SGRule {
		out := []providers.SGRule{}
		for _, pm := range perms {
			proto := protocolName(sdkaws.ToString(pm.IpProtocol))
			from, to := portRange(proto, pm.FromPort, pm.ToPort)
			base := providers.SGRule{Protocol: proto, FromPort: from, ToPort: to}
			for _, r := range pm.IpRanges {
				x := base
				x.CIDR, x.Description = sdkaws.ToString(r.CidrIp), sanitize.Line(sdkaws.ToString(r.Description))
				out = append(out, x)
			}
			for _, r := range pm.Ipv6Ranges {
				x := base
				x.CIDR, x.Description = sdkaws.ToString(r.CidrIpv6), sanitize.Line(sdkaws.ToString(r.Description))
				out = append(out, x)
			}
			for _, r := range pm.UserIdGroupPairs {
				x := base
				x.Group, x.Description = sdkaws.ToString(r.GroupId), sanitize.Line(sdkaws.ToString(r.Description))
				x.GroupName = names[x.Group]
				out = append(out, x)
			}
			for _, r := range pm.PrefixListIds {
				x := base
				x.CIDR, x.Description = sdkaws.ToString(r.PrefixListId), sanitize.Line(sdkaws.ToString(r.Description))
				out = append(out, x)
			}
		}
		return out
	}
	for _, g := range raw.groups {
		v.groups = append(v.groups, providers.SecurityGroup{
			ID: sdkaws.ToString(g.GroupId), Name: names[sdkaws.ToString(g.GroupId)], Region: v.region, VPC: sdkaws.ToString(g.VpcId),
			Description: sanitize.Line(sdkaws.ToString(g.Description)), Inbound: rules(g.IpPermissions), Outbound: rules(g.IpPermissionsEgress),
		})
	}
	for _, a := range raw.acls {
		acl := providers.NetworkACL{ID: sdkaws.ToString(a.NetworkAclId), Name: tag(a.Tags, "Name"), Region: v.region, VPC: sdkaws.ToString(a.VpcId),
			Default: sdkaws.ToBool(a.IsDefault), Subnets: []string{}, Entries: []providers.ACLEntry{}}
		for _, as := range a.Associations {
			if s := sdkaws.ToString(as.SubnetId); s != "" {
				acl.Subnets = append(acl.Subnets, s)
			}
		}
		sort.Strings(acl.Subnets)
		for _, e := range a.Entries {
			proto := protocolName(sdkaws.ToString(e.Protocol))
			var from, to *int32
			if e.PortRange != nil {
				from, to = e.PortRange.From, e.PortRange.To
			}
			lo, hi := portRange(proto, from, to)
			cidr := sdkaws.ToString(e.CidrBlock)
			if cidr == "" {
				cidr = sdkaws.ToString(e.Ipv6CidrBlock)
			}
			acl.Entries = append(acl.Entries, providers.ACLEntry{RuleNumber: int(sdkaws.ToInt32(e.RuleNumber)), Egress: sdkaws.ToBool(e.Egress),
				Protocol: proto, FromPort: lo, ToPort: hi, CIDR: cidr, Action: string(e.RuleAction)})
		}
		sort.Slice(acl.Entries, func(i, j int) bool {
			x, y := acl.Entries[i], acl.Entries[j]
			if x.Egress != y.Egress {
				return !x.Egress
			}
			return x.RuleNumber < y.RuleNumber
		})
		v.acls = append(v.acls, acl)
	}
	for _, rt := range raw.routes {
		t := providers.RouteTable{ID: sdkaws.ToString(rt.RouteTableId), Name: tag(rt.Tags, "Name"), Region: v.region, VPC: sdkaws.ToString(rt.VpcId),
			Subnets: []string{}, Routes: []providers.Route{}}
		for _, as := range rt.Associations {
			if sdkaws.ToBool(as.Main) {
				t.Main = true
			} else if s := sdkaws.ToString(as.SubnetId); s != "" {
				t.Subnets = append(t.Subnets, s)
			}
		}
		sort.Strings(t.Subnets)
		for _, r := range rt.Routes {
			dst := sdkaws.ToString(r.DestinationCidrBlock)
			if dst == "" {
				dst = sdkaws.ToString(r.DestinationIpv6CidrBlock)
			}
			if dst == "" {
				dst = sdkaws.ToString(r.DestinationPrefixListId)
			}
			t.Routes = append(t.Routes, providers.Route{Destination: dst, Target: routeTarget(r), State: string(r.State)})
		}
		v.routes = append(v.routes, t)
	}
}

// routeTarget is the first target a route names.
func routeTarget(r ec2types.Route) string {
	for _, s := range []*string{r.GatewayId, r.NatGatewayId, r.TransitGatewayId, r.VpcPeeringConnectionId, r.NetworkInterfaceId,
		r.InstanceId, r.EgressOnlyInternetGatewayId, r.LocalGatewayId, r.CarrierGatewayId, r.CoreNetworkArn} {
		if v := sdkaws.ToString(s); v != "" {
			return v
		}
	}
	return ""
}

// instanceGroups returns the ids of an instance's security groups.
func instanceGroups(in ec2types.Instance) []string {
	var out []string
	for _, g := range in.SecurityGroups {
		out = append(out, sdkaws.ToString(g.GroupId))
	}
	return out
}

// memberNetwork places an RDS member: its security groups and the subnet
// of its DB subnet group in its AZ.
func memberNetwork(m *providers.Member, in rdstypes.DBInstance) {
	for _, g := range in.VpcSecurityGroups {
		m.SecurityGroups = append(m.SecurityGroups, sdkaws.ToString(g.VpcSecurityGroupId))
	}
	if in.DBSubnetGroup == nil {
		return
	}
	for _, s := range in.DBSubnetGroup.Subnets {
		if s.SubnetAvailabilityZone != nil && sdkaws.ToString(s.SubnetAvailabilityZone.Name) == m.Zone {
			m.Subnet = sdkaws.ToString(s.SubnetIdentifier)
			return
		}
	}
}

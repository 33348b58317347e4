package pages

import (
	"strconv"
	"strings"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
)

// treeSelection resolves a topology row to its inventory object.
func treeSelection(in *Input, n *providers.TreeNode) Selection {
	inv := in.Inv
	parts := strings.Split(n.ID, "/")
	switch n.Kind {
	case providers.KindPod:
		if len(parts) == 4 {
			for i := range inv.Pods {
				p := &inv.Pods[i]
				if p.Cluster == parts[1] && p.Namespace == parts[2] && p.Name == parts[3] {
					return podSelection(inv, in, p)
				}
			}
		}
	case providers.KindNode:
		if len(parts) == 3 {
			if nd := findNode(inv, parts[1], parts[2]); nd != nil {
				return nodeSelection(inv, in, nd)
			}
		}
	case providers.KindASG:
		for i := range inv.AutoscalingGroups {
			if inv.AutoscalingGroups[i].Name == n.Name {
				return asgSelection(inv, in, &inv.AutoscalingGroups[i])
			}
		}
	case providers.KindInstance:
		for i := range inv.Instances {
			if in := &inv.Instances[i]; in.ID == n.Name {
				return instanceSelection(inv, in)
			}
		}
	case providers.KindSubnet:
		for i := range inv.Subnets {
			if sn := &inv.Subnets[i]; "subnet/"+sn.ID == n.ID {
				var f fields
				f.add("kind", "Subnet")
				f.add("id", sn.ID)
				f.addIf("name", sn.Name)
				f.add("zone", sn.Zone)
				f.add("region", sn.Region)
				f.add("vpc", sn.VPC)
				f.add("cidr", sn.CIDR)
				f.add("public", yesno(sn.Public))
				rollup(&f, n)
				addNetwork(&f, inv, sn.ID, nil)
				return Selection{Key: n.ID, Detail: detail.Content{Title: "subnet " + sn.ID, Fields: f}}
			}
		}
	}
	var f fields
	f.add("kind", n.Kind)
	f.add("name", n.Name)
	f.addIf("detail", n.Detail)
	rollup(&f, n)
	var refs []actions.Ref
	if n.Kind == providers.KindRegion || n.Kind == providers.KindZone {
		refs = []actions.Ref{{Kind: actions.Kind(n.Kind), Name: n.Name}}
	}
	return Selection{Key: n.ID, Refs: refs, Detail: detail.Content{Title: n.Kind + " " + n.Name, Fields: f}}
}

func rollup(f *fields, n *providers.TreeNode) {
	f.add("health", common.Health(n.Health))
	f.add("nodes", strconv.Itoa(n.Nodes))
	f.add("pods", strconv.Itoa(n.Pods))
	f.add("pods_not_ready", strconv.Itoa(n.BadPods))
}

func instanceSelection(inv *providers.Inventory, in *providers.Instance) Selection {
	var f fields
	f.add("kind", "Instance")
	f.add("id", in.ID)
	f.addIf("name", in.Name)
	f.add("state", in.State)
	f.add("type", in.Type)
	f.add("region", in.Region)
	f.add("zone", in.Zone)
	f.add("subnet", in.Subnet)
	f.addIf("asg", in.ASG)
	f.add("private_ip", in.PrivateIP)
	f.addIf("public_ip", in.PublicIP)
	f.add("bastion", yesno(in.Bastion))
	f.addIf("node", in.Node)
	addNetwork(&f, inv, in.Subnet, in.SecurityGroups)
	return Selection{
		Key:    "instance/" + san(in.ID),
		Refs:   []actions.Ref{{Kind: "instance", Region: in.Region, Name: in.ID}},
		Detail: detail.Content{Title: "instance " + in.ID, Fields: f},
	}
}

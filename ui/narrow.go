package ui

import "github.com/opsconsole/console/providers"

// narrow returns the part of inv in region ("" keeps everything). Pods go
// with their node's region; objects without a region stay.
func narrow(inv *providers.Inventory, region string) *providers.Inventory {
	if region == "" {
		return inv
	}
	out := *inv
	in := func(r string) bool { return r == "" || r == region }
	out.Regions = filter(inv.Regions, func(r *providers.Region) bool { return r.Name == region })
	out.Zones = filter(inv.Zones, func(z *providers.Zone) bool { return in(z.Region) })
	out.VPCs = filter(inv.VPCs, func(v *providers.VPC) bool { return in(v.Region) })
	out.Subnets = filter(inv.Subnets, func(s *providers.Subnet) bool { return in(s.Region) })
	out.AutoscalingGroups = filter(inv.AutoscalingGroups, func(g *providers.AutoscalingGroup) bool { return in(g.Region) })
	out.Instances = filter(inv.Instances, func(i *providers.Instance) bool { return in(i.Region) })
	nodeIn := map[string]bool{}
	out.Nodes = filter(inv.Nodes, func(n *providers.Node) bool {
		ok := in(n.Region)
		nodeIn[n.Cluster+"/"+n.Name] = ok
		return ok
	})
	out.Pods = filter(inv.Pods, func(p *providers.Pod) bool {
		ok, known := nodeIn[p.Cluster+"/"+p.Node]
		return ok || !known
	})
	out.LoadBalancers = filter(inv.LoadBalancers, func(l *providers.LoadBalancer) bool { return in(l.Region) })
	out.Databases = filter(inv.Databases, func(d *providers.Database) bool { return in(d.Region) })
	out.Alarms = filter(inv.Alarms, func(a *providers.Alarm) bool { return in(a.Region) })
	out.ImageRepositories = filter(inv.ImageRepositories, func(r *providers.ImageRepository) bool { return in(r.Region) })
	return &out
}

func filter[T any](xs []T, keep func(*T) bool) []T {
	out := make([]T, 0, len(xs))
	for i := range xs {
		if keep(&xs[i]) {
			out = append(out, xs[i])
		}
	}
	return out
}

// narrowKube returns the part of inv in Kubernetes context cluster and
// namespace ns ("" keeps every one): nodes of the context (nodes have no
// namespace), pods, workloads, services, volume claims and events of
// both. The rest stays.
func narrowKube(inv *providers.Inventory, cluster, ns string) *providers.Inventory {
	if cluster == "" && ns == "" {
		return inv
	}
	out := *inv
	in := func(c, n string) bool { return (cluster == "" || c == cluster) && (ns == "" || n == ns) }
	out.Nodes = filter(inv.Nodes, func(n *providers.Node) bool { return cluster == "" || n.Cluster == cluster })
	out.Pods = filter(inv.Pods, func(p *providers.Pod) bool { return in(p.Cluster, p.Namespace) })
	out.Workloads = filter(inv.Workloads, func(w *providers.Workload) bool { return in(w.Cluster, w.Namespace) })
	out.Services = filter(inv.Services, func(v *providers.Service) bool { return in(v.Cluster, v.Namespace) })
	out.VolumeClaims = filter(inv.VolumeClaims, func(c *providers.VolumeClaim) bool { return in(c.Cluster, c.Namespace) })
	out.Events = filter(inv.Events, func(e *providers.Event) bool {
		return in(e.Cluster, e.Namespace) || (e.Namespace == "" && (cluster == "" || e.Cluster == cluster))
	})
	return &out
}

package providers

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Tree node kinds.
const (
	KindRegion   = "region"
	KindZone     = "zone"
	KindSubnet   = "subnet"
	KindASG      = "asg"
	KindInstance = "instance"
	KindNode     = "node"
	KindPod      = "pod"
	KindGroup    = "group" // a synthetic grouping, e.g. nodes with no known instance
)

// Health values rolled up through the tree. Worse values are larger.
const (
	HealthOK = iota
	HealthWarn
	HealthBad
)

// TreeNode is one row of the topology tree: region → zone → subnet → ASG →
// node → pod. Counts and health are rolled up from the children.
type TreeNode struct {
	Kind     string
	ID       string // stable key, unique in the tree (used for collapse state)
	Name     string
	Detail   string // short summary shown after the name
	Health   int
	Nodes    int // Kubernetes nodes under this row
	Pods     int // pods under this row
	BadPods  int // pods not ready under this row
	Children []*TreeNode
}

// BuildTopology builds the topology tree of inv. Nodes whose instance is not
// known (no AWS data, or no provider id) are grouped under their zone; pods
// sit under their node.
func BuildTopology(inv *Inventory) []*TreeNode {
	podsByNode := map[string][]*Pod{}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		podsByNode[p.Cluster+"/"+p.Node] = append(podsByNode[p.Cluster+"/"+p.Node], p)
	}
	nodeByInstance := map[string]*Node{}
	nodesByZone := map[string][]*Node{}
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		if n.ASG != "" || n.Subnet != "" {
			nodeByInstance[n.InstanceID] = n
			continue
		}
		nodesByZone[n.Zone] = append(nodesByZone[n.Zone], n)
	}
	instBySubnet := map[string][]*Instance{}
	for i := range inv.Instances {
		in := &inv.Instances[i]
		instBySubnet[in.Subnet] = append(instBySubnet[in.Subnet], in)
	}
	subnetsByZone := map[string][]*Subnet{}
	for i := range inv.Subnets {
		sn := &inv.Subnets[i]
		subnetsByZone[sn.Zone] = append(subnetsByZone[sn.Zone], sn)
	}

	podRows := func(pods []*Pod) []*TreeNode {
		sort.Slice(pods, func(i, j int) bool {
			if pods[i].Namespace != pods[j].Namespace {
				return pods[i].Namespace < pods[j].Namespace
			}
			return pods[i].Name < pods[j].Name
		})
		rows := make([]*TreeNode, 0, len(pods))
		for _, p := range pods {
			ph := PodHealth(p)
			detail := p.Phase
			if p.Reason != "" {
				detail = p.Reason
			}
			rows = append(rows, &TreeNode{Kind: KindPod, ID: "pod/" + p.Cluster + "/" + p.Namespace + "/" + p.Name,
				Name: p.Namespace + "/" + p.Name, Detail: fmt.Sprintf("%s restarts=%d", detail, p.Restarts), Health: ph, Pods: 1, BadPods: b2i(ph == HealthBad)})
		}
		return rows
	}
	nodeRow := func(n *Node) *TreeNode {
		st, h := NodeStatus(n)
		row := &TreeNode{Kind: KindNode, ID: "node/" + n.Cluster + "/" + n.Name, Name: n.Name, Detail: st, Health: h, Nodes: 1}
		row.Children = podRows(podsByNode[n.Cluster+"/"+n.Name])
		return row
	}
	// Pods on no listed node (Pending, unschedulable: no node yet; or a
	// node the source cannot see) sit in one group per cluster under the
	// region of the cluster's nodes, so every count includes them.
	unplaced := unplacedGroups(inv, podsByNode, podRows)

	var roots []*TreeNode
	for _, r := range inv.Regions {
		region := &TreeNode{Kind: KindRegion, ID: "region/" + r.Name, Name: r.Name}
		if r.Error != "" {
			region.Detail = "error: " + r.Error
			region.Health = HealthBad
		}
		for _, z := range inv.Zones {
			if z.Region != r.Name {
				continue
			}
			zone := &TreeNode{Kind: KindZone, ID: "zone/" + z.Name, Name: z.Name}
			for _, sn := range subnetsByZone[z.Name] {
				vis := "private"
				if sn.Public {
					vis = "public"
				}
				sub := &TreeNode{Kind: KindSubnet, ID: "subnet/" + sn.ID, Name: sn.ID, Detail: vis + " " + sn.CIDR}
				if sn.Name != "" {
					sub.Name = sn.Name + " (" + sn.ID + ")"
				}
				asgRows := map[string]*TreeNode{}
				for _, in := range instBySubnet[sn.ID] {
					parent := sub
					if in.ASG != "" {
						g := asgRows[in.ASG]
						if g == nil {
							g = &TreeNode{Kind: KindASG, ID: "asg/" + sn.ID + "/" + in.ASG, Name: in.ASG}
							asgRows[in.ASG] = g
							sub.Children = append(sub.Children, g)
						}
						parent = g
					}
					if n := nodeByInstance[in.ID]; n != nil {
						parent.Children = append(parent.Children, nodeRow(n))
						continue
					}
					h := HealthOK
					if in.State != "running" {
						h = HealthWarn
					}
					d := strings.TrimSpace(in.State + " " + in.Type)
					if in.Bastion {
						d = "bastion " + d
					}
					parent.Children = append(parent.Children, &TreeNode{Kind: KindInstance, ID: "instance/" + in.ID, Name: in.ID, Detail: d, Health: h})
				}
				zone.Children = append(zone.Children, sub)
			}
			if ns := nodesByZone[z.Name]; len(ns) > 0 {
				g := &TreeNode{Kind: KindGroup, ID: "k8s/" + z.Name, Name: "kubernetes nodes", Detail: "no matching instance"}
				for _, n := range ns {
					g.Children = append(g.Children, nodeRow(n))
				}
				zone.Children = append(zone.Children, g)
			}
			region.Children = append(region.Children, zone)
		}
		region.Children = append(region.Children, unplaced[r.Name]...)
		delete(unplaced, r.Name)
		roots = append(roots, region)
	}
	for _, region := range slices.Sorted(maps.Keys(unplaced)) { // clusters of no known region
		roots = append(roots, unplaced[region]...)
	}
	if ns := nodesByZone[""]; len(ns) > 0 {
		g := &TreeNode{Kind: KindGroup, ID: "k8s/nozone", Name: "nodes without a zone"}
		for _, n := range ns {
			g.Children = append(g.Children, nodeRow(n))
		}
		roots = append(roots, g)
	}
	for _, r := range roots {
		rollup(r)
	}
	return roots
}

// unplacedGroups returns, by region, the groups of pods that no listed
// node holds: one "unscheduled" group per cluster (pods with no node:
// Pending, unschedulable) and one "on unlisted nodes" group (pods whose
// node the source does not list). A cluster's region is the one most of its
// nodes are in ("" when none is known).
func unplacedGroups(inv *Inventory, podsByNode map[string][]*Pod, podRows func([]*Pod) []*TreeNode) map[string][]*TreeNode {
	listed := make(map[string]bool, len(inv.Nodes))
	regionVotes := map[string]map[string]int{}
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		listed[n.Cluster+"/"+n.Name] = true
		if n.Region != "" {
			if regionVotes[n.Cluster] == nil {
				regionVotes[n.Cluster] = map[string]int{}
			}
			regionVotes[n.Cluster][n.Region]++
		}
	}
	regionOf := func(cluster string) string {
		best, votes := "", 0
		for _, r := range slices.Sorted(maps.Keys(regionVotes[cluster])) {
			if v := regionVotes[cluster][r]; v > votes {
				best, votes = r, v
			}
		}
		return best
	}
	type group struct {
		cluster  string
		unlisted bool
		pods     []*Pod
	}
	byKey := map[string]*group{}
	for key, pods := range podsByNode {
		if listed[key] {
			continue
		}
		cluster, node, _ := strings.Cut(key, "/")
		gk := "unscheduled/" + cluster
		if node != "" {
			gk = "unlisted/" + cluster
		}
		g := byKey[gk]
		if g == nil {
			g = &group{cluster: cluster, unlisted: node != ""}
			byKey[gk] = g
		}
		g.pods = append(g.pods, pods...)
	}
	out := map[string][]*TreeNode{}
	for _, gk := range slices.Sorted(maps.Keys(byKey)) {
		g := byKey[gk]
		in := ""
		if g.cluster != "" {
			in = " in " + g.cluster
		}
		row := &TreeNode{Kind: KindGroup, ID: gk, Name: "unscheduled" + in, Detail: "pods with no node (Pending)"}
		if g.unlisted {
			row.Name, row.Detail = "pods on unlisted nodes"+in, "their node is not listed by the source"
		}
		row.Children = podRows(g.pods)
		r := regionOf(g.cluster)
		out[r] = append(out[r], row)
	}
	return out
}

// PodHealth is the health of a pod: bad when it is not ready (unless it
// has completed), warn when it restarted more than five times.
func PodHealth(p *Pod) int {
	switch {
	case !p.Ready && p.Phase != "Succeeded":
		return HealthBad
	case p.Restarts > 5:
		return HealthWarn
	default:
		return HealthOK
	}
}

// NodeStatus returns a node's status in kubectl's words ("kubectl get
// nodes": "Ready", "NotReady", "Ready,SchedulingDisabled" for a cordoned
// node), with ",Draining" added while the node is drained (see
// Node.Draining), and its health: bad when not Ready, else warn when
// cordoned or draining.
func NodeStatus(n *Node) (string, int) {
	st, h := "Ready", HealthOK
	if !n.Ready {
		st, h = "NotReady", HealthBad
	}
	if n.Unschedulable {
		st += ",SchedulingDisabled"
	}
	if n.Draining {
		st += ",Draining"
	}
	if (n.Unschedulable || n.Draining) && h == HealthOK {
		h = HealthWarn
	}
	return st, h
}

// rollup sums counts and takes the worst health, iteratively (post-order).
func rollup(root *TreeNode) {
	type frame struct {
		n    *TreeNode
		done bool
	}
	stack := []frame{{n: root}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(f.n.Children) == 0 {
			continue
		}
		if !f.done {
			stack = append(stack, frame{n: f.n, done: true})
			for _, c := range f.n.Children {
				stack = append(stack, frame{n: c})
			}
			continue
		}
		if f.n.Kind == KindNode {
			// a node row counts itself; its pods add pod counts only
			for _, c := range f.n.Children {
				f.n.Pods += c.Pods
				f.n.BadPods += c.BadPods
				if c.Health > f.n.Health && c.Health == HealthBad {
					f.n.Health = HealthWarn // bad pods warn the node, they do not fail it
				}
			}
			continue
		}
		for _, c := range f.n.Children {
			f.n.Nodes += c.Nodes
			f.n.Pods += c.Pods
			f.n.BadPods += c.BadPods
			if c.Health > f.n.Health {
				f.n.Health = c.Health
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// HealthWord is the word that names a health value (color is never the
// only signal).
func HealthWord(h int) string {
	switch h {
	case HealthOK:
		return "ok"
	case HealthWarn:
		return "warn"
	default:
		return "bad"
	}
}

package pages

import (
	"regexp"
	"sort"
	"strconv"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewNodes returns the Nodes view.
func NewNodes(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 20, Grow: true, Max: 48, Priority: 10, Middle: true}, {Title: "STATUS", Width: 16, Grow: true, Max: 28, Priority: 9},
		{Title: "ZONE", Width: 11, Priority: 6}, {Title: "PODS", Width: 5, Right: true, Priority: 5},
		{Title: "ASG", Width: 12, Grow: true, Max: 40, Priority: 4, Middle: true}, {Title: "INSTANCE", Width: 12, Priority: 7},
		{Title: "TYPE", Width: 10, Priority: 3}, {Title: "AGE", Width: 4, Right: true, Priority: 2},
		{Title: "AGENTS", Width: 6, Right: true, Priority: 4},
	}
	p := newListPage(ctx, "nodes", "Nodes", cols, buildNodes)
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Actions, ctx.Keys.Sort}
	return p
}

func buildNodes(in *Input) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.Nodes)), texts: make([]string, len(inv.Nodes))}
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		st, h := providers.NodeStatus(n)
		name := san(n.Name)
		d.rows[i] = table.Row{
			Key: kubeKey("node", n.Cluster, "", n.Name),
			Cells: []string{name, glyph(h) + " " + st, san(n.Zone), strconv.Itoa(n.Pods), san(n.ASG),
				san(n.InstanceID), san(n.InstanceType), age(in.Now, n.Created), agentsCell(n.Agents)},
			Health: h,
		}
		d.texts[i] = common.Fold(name + " " + st + " " + san(n.Zone) + " " + san(n.ASG))
	}
	d.sel = func(i int) Selection { return nodeSelection(inv, in, &inv.Nodes[i]) }
	return d
}

func nodeSelection(inv *providers.Inventory, in *Input, n *providers.Node) Selection {
	st, h := providers.NodeStatus(n)
	var f fields
	f.add("kind", "Node")
	f.add("name", n.Name)
	f.addIf("cluster", n.Cluster)
	f.add("status", common.Health(h)+" ("+st+")")
	f.add("region", n.Region)
	f.add("zone", n.Zone)
	f.add("instance_id", n.InstanceID)
	f.add("instance_type", n.InstanceType)
	f.add("asg", n.ASG)
	f.add("subnet", n.Subnet)
	f.add("pods", strconv.Itoa(n.Pods))
	f.add("created", stamp(n.Created))
	addAgents(&f, n.Agents)
	if len(n.Labels) > 0 {
		f.add("labels", "")
		keys := make([]string, 0, len(n.Labels))
		for k := range n.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f.sub(k, n.Labels[k])
		}
	}
	if n.Subnet != "" {
		var groups []string
		for i := range inv.Instances {
			if inv.Instances[i].ID == n.InstanceID {
				groups = inv.Instances[i].SecurityGroups
			}
		}
		addNetwork(&f, inv, n.Subnet, groups)
	}
	refs := []actions.Ref{{Kind: "node", Cluster: n.Cluster, Region: n.Region, Name: n.Name}}
	if n.ASG != "" {
		refs = append(refs, actions.Ref{Kind: "asg", Region: n.Region, Name: n.ASG})
	}
	if n.InstanceID != "" {
		refs = append(refs, actions.Ref{Kind: "instance", Region: n.Region, Name: n.InstanceID})
	}
	sel := Selection{
		Key:    kubeKey("node", n.Cluster, "", n.Name),
		Refs:   refs,
		Detail: detail.Content{Title: "node " + n.Name, Fields: f},
		Events: eventsFor(inv, in.Now, "Node", "", n.Name),
	}
	// enter: the Pods view filtered to the pods on the node, the cursor on
	// one that is not healthy first (k9s's enter on a node)
	var first *providers.Pod
	count := 0
	for i := range inv.Pods {
		p := &inv.Pods[i]
		if p.Node != n.Name || p.Cluster != n.Cluster {
			continue
		}
		count++
		if first == nil || providers.PodHealth(first) == providers.HealthOK && providers.PodHealth(p) != providers.HealthOK {
			first = p
		}
	}
	if first != nil {
		sel.Jump = &ProblemTarget{Page: "pods", Kind: "pod", Name: san(first.Namespace) + "/" + san(first.Name), Context: first.Cluster,
			What: "the " + strconv.Itoa(count) + " pods on node " + san(n.Name)}
		sel.JumpFilter = PodsOnNodeFilter(n.Cluster, n.Name)
	}
	return sel
}

// PodsOnNodeFilter is the Pods view's filter that keeps exactly the pods
// on node of cluster (a pod's filter text is "ns/name node status owner
// cluster", see rebuildPods).
func PodsOnNodeFilter(cluster, node string) string {
	return "~^[^ ]+ " + regexp.QuoteMeta(san(node)) + " .* " + regexp.QuoteMeta(san(cluster)) + "$"
}

// findNode returns the node named name.
func findNode(inv *providers.Inventory, cluster, name string) *providers.Node {
	for i := range inv.Nodes {
		if inv.Nodes[i].Name == name && (cluster == "" || inv.Nodes[i].Cluster == cluster) {
			return &inv.Nodes[i]
		}
	}
	return nil
}

// agentsCell is a node's AGENTS cell: ready/total of the DaemonSets that
// must run there, "✗ " when one's pod is missing past the grace, "! "
// when one is not ready or still on its way; "" when none must run.
func agentsCell(as []providers.Agent) string {
	sum := providers.AgentsSummary(as)
	if sum == "" {
		return ""
	}
	mark := ""
	for i := range as {
		switch as[i].Status {
		case providers.AgentMissing:
			return "✗ " + sum
		case providers.AgentNotReady, providers.AgentWaiting:
			mark = "! "
		}
	}
	return mark + sum
}

// addAgents lists a node's agents in its detail: each DaemonSet, its
// pod and status, or why a missing pod is not a problem yet.
func addAgents(f *fields, as []providers.Agent) {
	if len(as) == 0 {
		return
	}
	f.add("agents", providers.AgentsSummary(as)+" ready")
	for i := range as {
		a := &as[i]
		var v string
		switch a.Status {
		case providers.AgentReady:
			v = "✓ " + san(a.Pod)
		case providers.AgentNotReady:
			v = "! " + san(a.Pod) + " not ready"
		case providers.AgentWaiting:
			v = "! no pod yet (" + san(a.Why) + ")"
		default:
			v = "✗ no pod"
		}
		f.sub(san(a.DaemonSet), v)
	}
}

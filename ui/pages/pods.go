package pages

import (
	"charm.land/bubbles/v2/key"
	"strconv"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewPods returns the Pods view.
func NewPods(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAMESPACE", Width: 10, Priority: 8}, {Title: "NAME", Width: 22, Grow: true, Max: 56, Priority: 10, Middle: true},
		{Title: "STATUS", Width: 12, Priority: 9}, {Title: "RESTARTS", Width: 8, Right: true, Priority: 5},
		{Title: "NODE", Width: 14, Grow: true, Max: 48, Priority: 7, Middle: true}, {Title: "AGE", Width: 4, Right: true, Priority: 4},
		{Title: "OWNER", Width: 16, Grow: true, Max: 40, Priority: 3, Middle: true},
	}
	p := newListPage(ctx, "pods", "Pods", cols, buildPods)
	p.rebuild = rebuildPods
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Actions, ctx.Keys.Delete, ctx.Keys.Shell, ctx.Keys.Forward, ctx.Keys.Sort}
	return p
}

func buildPods(in *Input) *listData { return rebuildPods(in, nil) }

// rebuildPods builds the pods' rows, taking from prev (nil: none), the
// build of an earlier snapshot, the row and filter text of each pod shown
// the same at the same place: consecutive snapshots of 50,000 pods then
// share their cells (console serve holds a few versions at once).
func rebuildPods(in *Input, prev *listData) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.Pods)), texts: make([]string, len(inv.Pods)), pods: inv.Pods}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		h := providers.PodHealth(p)
		a := age(in.Now, p.Created)
		if prev != nil && i < len(prev.pods) && samePodRow(&prev.pods[i], p) && prev.rows[i].Health == h && prev.rows[i].Cells[5] == a {
			d.rows[i], d.texts[i] = prev.rows[i], prev.texts[i]
			continue
		}
		status := p.Phase
		if p.Reason != "" {
			status = p.Reason
		}
		ns, name, node := san(p.Namespace), san(p.Name), san(p.Node)
		d.rows[i] = table.Row{
			Key:    kubeKey("pod", p.Cluster, p.Namespace, p.Name),
			Cells:  []string{ns, name, glyph(h) + " " + san(status), strconv.Itoa(p.Restarts), node, a, san(p.Owner)},
			Health: h,
		}
		// the owner and the cluster last: PodsOfFilter keeps a workload's pods
		d.texts[i] = common.Fold(ns + "/" + name + " " + node + " " + status + " " + san(p.Owner) + " " + san(p.Cluster))
	}
	d.sel = func(i int) Selection { return podSelection(inv, in, &inv.Pods[i]) }
	return d
}

// samePodRow reports whether pods a and b show the same row and filter
// text (their age and health compared by the caller).
func samePodRow(a, b *providers.Pod) bool {
	return a.Namespace == b.Namespace && a.Name == b.Name && a.Cluster == b.Cluster && a.Phase == b.Phase &&
		a.Reason == b.Reason && a.Restarts == b.Restarts && a.Node == b.Node && a.Owner == b.Owner
}

func podSelection(inv *providers.Inventory, in *Input, p *providers.Pod) Selection {
	var f fields
	f.add("kind", "Pod")
	f.add("namespace", p.Namespace)
	f.add("name", p.Name)
	f.addIf("cluster", p.Cluster)
	f.add("phase", p.Phase)
	f.add("ready", yesno(p.Ready))
	f.addIf("reason", p.Reason)
	f.add("restarts", strconv.Itoa(p.Restarts))
	f.add("node", p.Node)
	f.addIf("ip", p.IP)
	f.add("owner", p.Owner)
	f.add("created", stamp(p.Created)+" ("+age(in.Now, p.Created)+" ago)")
	imageFields(&f, in.Now, p.Images)
	refs := []actions.Ref{{Kind: "pod", Cluster: p.Cluster, Namespace: p.Namespace, Name: p.Name}}
	if kind, name, ok := ownerRef(p.Owner); ok {
		refs = append(refs, actions.Ref{Kind: actions.Kind(kind), Cluster: p.Cluster, Namespace: p.Namespace, Name: name})
	}
	return Selection{
		Key:    kubeKey("pod", p.Cluster, p.Namespace, p.Name),
		Refs:   refs,
		Detail: detail.Content{Title: "pod " + p.Namespace + "/" + p.Name, Fields: f},
		Events: eventsFor(inv, in.Now, "Pod", p.Namespace, p.Name),
	}
}

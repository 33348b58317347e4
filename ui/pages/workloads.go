package pages

import (
	"regexp"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// workload is a row of a workloads view: the workload and its pods in the
// snapshot (the pods whose owner it is, in the snapshot's order).
type workload struct {
	w    *providers.Workload
	pods []*providers.Pod
}

// workloadColumns are the columns of the Deployments, StatefulSets and
// DaemonSets views: what kubectl get prints, the restarts of its pods and
// the template's images.
var workloadColumns = []table.Column{
	{Title: "NAMESPACE", Width: 10, Priority: 7}, {Title: "NAME", Width: 18, Grow: true, Max: 48, Priority: 10, Middle: true},
	{Title: "READY", Width: 7, Right: true, Priority: 9}, {Title: "UP-TO-DATE", Width: 10, Right: true, Priority: 6},
	{Title: "AVAILABLE", Width: 9, Right: true, Priority: 5}, {Title: "RESTARTS", Width: 8, Right: true, Priority: 4},
	{Title: "IMAGES", Width: 16, Grow: true, Max: 60, Priority: 3, Middle: true}, {Title: "AGE", Width: 4, Right: true, Priority: 8},
}

// NewDeployments returns the Deployments view (:deploy).
func NewDeployments(ctx *common.Context, _ *Backends) Page {
	return newWorkloads(ctx, "deploy", "Deploy", "Deployment")
}

// NewStatefulSets returns the StatefulSets view (:sts).
func NewStatefulSets(ctx *common.Context, _ *Backends) Page {
	return newWorkloads(ctx, "sts", "STS", "StatefulSet")
}

// NewDaemonSets returns the DaemonSets view (:ds).
func NewDaemonSets(ctx *common.Context, _ *Backends) Page {
	return newWorkloads(ctx, "ds", "DS", "DaemonSet")
}

// newWorkloads is the view of the workloads of kind (Deployment,
// StatefulSet, DaemonSet) the source watches: ready/desired, up-to-date,
// available, the restarts of their pods, images and age. enter shows its
// pods (the Pods view filtered to them); l, a (restart, scale, rollout
// undo), ctrl+d act on the workload through the executor.
func newWorkloads(ctx *common.Context, name, title, kind string) Page {
	return rowKind[workload]{Name: name, Title: title, Columns: workloadColumns,
		Items:  func(inv *providers.Inventory) []workload { return workloadsOf(inv, kind) },
		Row:    workloadRow,
		Select: workloadSelection,
		Keys: func(k *common.KeyMap) []key.Binding {
			return []key.Binding{k.Enter, k.Detail, k.Actions, k.Delete, k.Sort}
		},
	}.page(ctx)
}

// workloadsOf returns the workloads of kind with their pods (one pass
// over the pods).
func workloadsOf(inv *providers.Inventory, kind string) []workload {
	out := make([]workload, 0, len(inv.Workloads))
	at := map[string]int{}
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		if w.Kind != kind {
			continue
		}
		at[w.Cluster+"/"+w.Namespace+"/"+w.Kind+"/"+w.Name] = len(out)
		out = append(out, workload{w: w})
	}
	prefix := kind + "/"
	for i := range inv.Pods {
		p := &inv.Pods[i]
		if !strings.HasPrefix(p.Owner, prefix) {
			continue
		}
		if j, ok := at[p.Cluster+"/"+p.Namespace+"/"+p.Owner]; ok {
			out[j].pods = append(out[j].pods, p)
		}
	}
	return out
}

// workloadHealth: bad when it wants pods and none is ready, warn when
// fewer are ready than desired.
func workloadHealth(w *providers.Workload) int {
	switch {
	case w.Desired > 0 && w.Ready == 0:
		return providers.HealthBad
	case w.Ready < w.Desired:
		return providers.HealthWarn
	}
	return providers.HealthOK
}

// restarts is the sum of its pods' restarts.
func (w *workload) restarts() int {
	n := 0
	for _, p := range w.pods {
		n += p.Restarts
	}
	return n
}

// workloadKey is a workload's row key: kind/cluster/namespace/name (the
// same workload may run in several clusters).
func workloadKey(w *providers.Workload) string {
	return kubeKey(strings.ToLower(w.Kind), w.Cluster, w.Namespace, w.Name)
}

// kubeKey is the row key of a Kubernetes object of the snapshot:
// kind/cluster/[namespace/]name, so that the same name in two contexts
// keeps two cursors apart (Focus still finds it by [namespace/]name).
func kubeKey(kind, cluster, ns, name string) string {
	if ns == "" {
		return kind + "/" + san(cluster) + "/" + san(name)
	}
	return kind + "/" + san(cluster) + "/" + san(ns) + "/" + san(name)
}

func workloadRow(in *Input, r *workload) (table.Row, string) {
	w := r.w
	h := workloadHealth(w)
	ns, name := san(w.Namespace), san(w.Name)
	images := san(strings.Join(w.Images, ","))
	return table.Row{
		Key: workloadKey(w),
		Cells: []string{ns, name, glyph(h) + " " + strconv.Itoa(w.Ready) + "/" + strconv.Itoa(w.Desired),
			strconv.Itoa(w.UpToDate), strconv.Itoa(w.Available), strconv.Itoa(r.restarts()), images, age(in.Now, w.Created)},
		Health: h,
	}, ns + "/" + name + " " + images
}

// PodsOfFilter is the Pods view's filter that keeps the pods of the
// workload kind/name in namespace ns of cluster (the last words of a pod
// row's filter text are its owner and cluster): a regular expression,
// shown and editable in the filter bar like any other.
func PodsOfFilter(cluster, ns, kind, name string) string {
	return "~^" + regexp.QuoteMeta(san(ns)) + "/.* " + regexp.QuoteMeta(san(kind+"/"+name)+" "+san(cluster)) + "$"
}

func workloadSelection(in *Input, r *workload) Selection {
	w := r.w
	var f fields
	f.add("kind", w.Kind)
	f.add("namespace", w.Namespace)
	f.add("name", w.Name)
	f.addIf("cluster", w.Cluster)
	f.add("ready", common.Health(workloadHealth(w))+" "+strconv.Itoa(w.Ready)+"/"+strconv.Itoa(w.Desired))
	f.add("up_to_date", strconv.Itoa(w.UpToDate))
	f.add("available", strconv.Itoa(w.Available))
	f.add("images", "")
	for _, im := range w.Images {
		f.sub("-", im)
	}
	f.add("pods", strconv.Itoa(len(r.pods))+" ("+strconv.Itoa(r.restarts())+" restarts)")
	for _, p := range r.pods {
		status := p.Phase
		if p.Reason != "" {
			status = p.Reason
		}
		f.sub(p.Name, common.Health(providers.PodHealth(p))+" "+status+" on "+p.Node)
	}
	f.add("created", stamp(w.Created)+" ("+age(in.Now, w.Created)+" ago)")
	ns, name := san(w.Namespace), san(w.Name)
	sel := Selection{
		Key:    workloadKey(w),
		Detail: detail.Content{Title: strings.ToLower(w.Kind) + " " + w.Namespace + "/" + w.Name, Fields: f},
		Events: eventsFor(in.Inv, in.Now, w.Kind, w.Namespace, w.Name),
		// l its pods' logs, a its actions (restart, scale, rollout undo), ctrl+d its delete
		Refs: []actions.Ref{{Kind: actionKind(w.Kind), Cluster: w.Cluster, Namespace: w.Namespace, Name: w.Name}},
	}
	if len(r.pods) > 0 {
		// the first pod that is not healthy, else the first
		first := r.pods[0]
		for _, p := range r.pods {
			if providers.PodHealth(p) != providers.HealthOK {
				first = p
				break
			}
		}
		sel.Jump = &ProblemTarget{Page: "pods", Kind: "pod", Name: ns + "/" + san(first.Name), Context: first.Cluster,
			What: "the " + strconv.Itoa(len(r.pods)) + " pods of " + strings.ToLower(w.Kind) + " " + ns + "/" + name}
		sel.JumpFilter = PodsOfFilter(w.Cluster, w.Namespace, w.Kind, w.Name)
	}
	return sel
}

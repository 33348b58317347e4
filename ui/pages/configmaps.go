package pages

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// configMapColumns are the ConfigMaps view's columns: kubectl get's
// (data count, age), the keys' names, their size, and the pods using it.
var configMapColumns = []table.Column{
	{Title: "NAMESPACE", Width: 10, Priority: 7}, {Title: "NAME", Width: 16, Grow: true, Max: 48, Priority: 10, Middle: true},
	{Title: "KEYS", Width: 4, Right: true, Priority: 8}, {Title: "KEY NAMES", Width: 14, Grow: true, Max: 40, Priority: 5},
	{Title: "SIZE", Width: 8, Right: true, Priority: 6}, {Title: "USED BY", Width: 14, Grow: true, Max: 40, Priority: 9},
	{Title: "AGE", Width: 4, Right: true, Priority: 4},
}

// Bounds of the ConfigMaps view: a value shown in the detail (the
// source keeps providers.MaxConfigMapValue bytes of it), and the pods
// enter lists by name (beyond, it opens the namespace's pods).
const (
	cmValueShown = 120
	cmJumpPods   = 200
)

// NewConfigMaps returns the ConfigMaps view (:cm): keys, their names and
// total size, and the pods that use each (volumes, projected sources,
// envFrom, env valueFrom), read from the Kubernetes source with the pods'
// specs when shown and every few seconds while shown (no informer).
// enter opens the Pods view filtered to its users; d shows each key's
// size and the start of its value, sanitised.
func NewConfigMaps(ctx *common.Context, b *Backends) Page {
	p := newKubeList(ctx, b, "cm", "CM", configMapColumns,
		kubeRows("configmaps", len(configMapColumns), providers.ConfigMapReader.ConfigMaps, configMapRow, configMapSelection))
	p.list.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.YAML, ctx.Keys.Delete, ctx.Keys.Sort, ctx.Keys.Refresh}
	return p
}

// byteSize is a size in bytes as kubectl-like short text: 512B, 3.2KiB,
// 1.0MiB.
func byteSize(n int) string {
	switch {
	case n < 1<<10:
		return strconv.Itoa(n) + "B"
	case n < 1<<20:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
}

// firstAndMore is the first of names and how many more: "web-1 +2"
// ("" none).
func firstAndMore(names []string) string {
	if len(names) == 0 {
		return ""
	}
	s := names[0]
	if n := len(names) - 1; n > 0 {
		s += " +" + strconv.Itoa(n)
	}
	return s
}

func configMapKeyNames(c *providers.ConfigMap) []string {
	names := make([]string, len(c.Keys))
	for i, k := range c.Keys {
		names[i] = k.Name
	}
	return names
}

func configMapRow(in *Input, c *providers.ConfigMap) (table.Row, string) {
	ns, name := san(c.Namespace), san(c.Name)
	keys := san(strings.Join(configMapKeyNames(c), ","))
	return table.Row{
		Key: "configmap/" + ns + "/" + name,
		Cells: []string{ns, name, strconv.Itoa(len(c.Keys)), keys, byteSize(c.Size()),
			san(firstAndMore(c.UsedBy)), age(in.Now, c.Created)},
	}, ns + "/" + name + " " + keys + " " + san(strings.Join(c.UsedBy, " "))
}

// podsNamedFilter keeps the pods of cluster in ns named one of names (a
// pod row's filter text is "ns/name … cluster").
func podsNamedFilter(cluster, ns string, names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(san(n))
	}
	return "~^" + regexp.QuoteMeta(san(ns)) + "/(" + strings.Join(quoted, "|") + ") .* " + regexp.QuoteMeta(san(cluster)) + "$"
}

func configMapSelection(in *Input, cluster string, c *providers.ConfigMap) Selection {
	var f fields
	f.add("kind", "ConfigMap")
	f.add("namespace", c.Namespace)
	f.add("name", c.Name)
	f.add("cluster", cluster)
	f.add("immutable", yesno(c.Immutable))
	f.add("size", byteSize(c.Size())+" in "+strconv.Itoa(len(c.Keys))+" keys")
	f.add("data", "")
	for _, k := range c.Keys {
		if k.Binary {
			f.sub(k.Name, byteSize(k.Size)+" binary")
			continue
		}
		// the value sanitised to one line, then cut: never a terminal
		// sequence, never more than a line of the detail
		v := sanitize.Truncate(common.Sanitize(k.Value), cmValueShown)
		if k.Size > len(k.Value) && !strings.HasSuffix(v, "…") {
			v += "…"
		}
		f.sub(k.Name, byteSize(k.Size)+"  "+v)
	}
	f.add("used_by", strconv.Itoa(len(c.UsedBy))+" pods")
	for _, p := range c.UsedBy {
		f.sub("-", p)
	}
	f.add("created", stamp(c.Created)+" ("+age(in.Now, c.Created)+" ago)")
	ns, name := san(c.Namespace), san(c.Name)
	sel := Selection{
		Key:    "configmap/" + ns + "/" + name,
		Detail: detail.Content{Title: "configmap " + c.Namespace + "/" + c.Name, Fields: f},
		Kube:   &providers.KubeObject{Cluster: cluster, Resource: "configmaps", Namespace: c.Namespace, Name: c.Name},
		// ctrl+d its delete (the source's delete of any kind)
		Refs: []actions.Ref{{Kind: "configmaps", Cluster: cluster, Namespace: c.Namespace, Name: c.Name}},
	}
	switch n := len(c.UsedBy); {
	case n == 0:
	case n > cmJumpPods:
		sel.Jump = &ProblemTarget{Page: "pods", What: fmt.Sprintf("the pods of namespace %s (%d use configmap %s: too many to list)", ns, n, name)}
		sel.JumpFilter = "~^" + regexp.QuoteMeta(ns) + "/.* " + regexp.QuoteMeta(san(cluster)) + "$"
	default:
		sel.Jump = &ProblemTarget{Page: "pods", What: "the pods using configmap " + ns + "/" + name}
		sel.JumpFilter = podsNamedFilter(cluster, c.Namespace, c.UsedBy)
	}
	return sel
}

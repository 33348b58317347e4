package pages

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// Opener is implemented by a page that takes, as its argument, a palette
// word no command knows (the Kinds view: `:deploy`, `:svc`, `:ct`). Open
// reports whether the page takes it; the shell then shows the page.
type Opener interface {
	Open(arg string) bool
}

// Kinds is the view of any Kubernetes kind, CRDs included: `:KIND` (kind,
// plural, singular or short name from discovery, optionally with .group)
// shows that kind's objects with the API server's own columns
// (server-side printing, as `kubectl get`); `:kinds` alone lists the
// kinds discovery knows (enter opens one). Read when shown and every few
// seconds while shown, never by an informer.
type Kinds struct {
	*kubeList
	resource string // "" lists the kinds
}

// kindListColumns are the columns of the kinds list (as `kubectl api-resources`).
var kindListColumns = []table.Column{
	{Title: "NAME", Width: 12, Grow: true, Max: 40, Priority: 10}, {Title: "SHORTNAMES", Width: 10, Priority: 6},
	{Title: "APIVERSION", Width: 10, Grow: true, Max: 36, Priority: 7}, {Title: "NAMESPACED", Width: 10, Priority: 5},
	{Title: "KIND", Width: 10, Grow: true, Max: 30, Priority: 8},
}

// NewKinds returns the Kinds view.
func NewKinds(ctx *common.Context, b *Backends) Page {
	p := &Kinds{kubeList: newKubeList(ctx, b, "kinds", "Kinds", kindListColumns, loadKindList)}
	p.list.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.YAML, ctx.Keys.Actions, ctx.Keys.Delete, ctx.Keys.Sort, ctx.Keys.Refresh}
	p.list.onKey = p.key
	return p
}

// Title implements Page: the kind shown.
func (p *Kinds) Title() string {
	if p.resource == "" {
		return "Kinds"
	}
	return p.resource
}

// Open implements Opener: the kind named res (shown when the shell then
// refreshes the page), when there is a Kubernetes source.
func (p *Kinds) Open(res string) bool {
	if p.b.KubeReader(p.b.scope().Context) == nil {
		return false
	}
	res = strings.ToLower(res)
	if res == "kinds" {
		res = ""
	}
	if res != p.resource {
		p.resource, p.loaded, p.note, p.err = res, false, "", ""
		p.list.Apply(&listData{cols: kindListColumns})
		p.load = loadKindList
		if res != "" {
			p.load = loadKindTable(res)
		}
	}
	return true
}

// key: enter on a kind of the list opens it.
func (p *Kinds) key(k tea.KeyPressMsg) (bool, tea.Cmd) {
	if p.resource != "" || k.String() != "enter" {
		return false, nil
	}
	name, ok := strings.CutPrefix(p.list.tbl.SelectedKey(), "kind/")
	if !ok {
		return true, nil
	}
	return true, func() tea.Msg { return OpenMsg{Arg: name} }
}

// OpenMsg asks the shell to open the page that takes Arg (as the palette
// does with a word no command knows: pages.Opener).
type OpenMsg struct{ Arg string }

func loadKindList(ctx context.Context, r providers.KubeReader, _ string, _ time.Time) (*listData, string, error) {
	res, err := r.Resources(ctx)
	if err != nil {
		return nil, "", err
	}
	d := &listData{rows: make([]table.Row, len(res)), texts: make([]string, len(res)), cols: kindListColumns}
	for i, k := range res {
		gv := k.Version
		if k.Group != "" {
			gv = k.Group + "/" + k.Version
		}
		name := san(k.Name())
		d.rows[i] = table.Row{Key: "kind/" + name,
			Cells: []string{name, san(strings.Join(k.ShortNames, ",")), san(gv), yesno(k.Namespaced), san(k.Kind)}}
		d.texts[i] = common.Fold(k.Name() + " " + strings.Join(k.ShortNames, " ") + " " + k.Kind)
	}
	d.natural = table.Measure(d.rows, len(kindListColumns))
	cluster := r.Context()
	d.sel = func(i int) Selection {
		k := res[i]
		var f fields
		f.add("kind", k.Kind)
		f.add("name", k.Name())
		f.addIf("singular", k.Singular)
		f.addIf("short names", strings.Join(k.ShortNames, ", "))
		f.add("group/version", k.Group+"/"+k.Version)
		f.add("namespaced", yesno(k.Namespaced))
		f.add("verbs", strings.Join(k.Verbs, ", "))
		f.add("cluster", cluster)
		return Selection{Key: "kind/" + san(k.Name()), Detail: detail.Content{Title: "kind " + k.Name(), Fields: f}}
	}
	return d, fmt.Sprintf("%d kinds · kube:%s · enter or :NAME shows one", len(res), san(cluster)), nil
}

// loadKindTable reads the server-side table of kind res.
func loadKindTable(res string) kubeLoad {
	return func(ctx context.Context, r providers.KubeReader, ns string, _ time.Time) (*listData, string, error) {
		t, err := r.Table(ctx, res, ns)
		if err != nil {
			return nil, "", err
		}
		return kindTableData(r.Context(), t), kindTableNote(r.Context(), ns, t), nil
	}
}

func kindTableNote(cluster, ns string, t *providers.KubeTable) string {
	s := fmt.Sprintf("%d %s · kube:%s%s · the server's columns, read every %s while shown", len(t.Rows), san(t.Resource.Name()), san(cluster), nsNote(ns), kubePollPeriod)
	if t.Truncated {
		s += " · only the first " + fmt.Sprint(len(t.Rows))
	}
	return s
}

// kindTableData turns a server-side table into rows: the columns `kubectl
// get` shows (priority 0), NAMESPACE first for a namespaced kind.
func kindTableData(cluster string, t *providers.KubeTable) *listData {
	var cols []table.Column
	var idx []int
	if t.Resource.Namespaced {
		cols = append(cols, table.Column{Title: "NAMESPACE", Width: 9, Priority: 8})
	}
	for i, c := range t.Columns {
		if c.Priority != 0 {
			continue
		}
		col := table.Column{Title: strings.ToUpper(san(c.Name)), Width: len(c.Name) + 1, Priority: max(1, 7-len(idx))}
		if len(idx) == 0 {
			col.Grow, col.Max, col.Priority, col.Middle = true, 60, 10, true
		}
		cols = append(cols, col)
		idx = append(idx, i)
	}
	d := &listData{rows: make([]table.Row, len(t.Rows)), texts: make([]string, len(t.Rows)), cols: cols}
	for i, r := range t.Rows {
		cells := make([]string, 0, len(cols))
		if t.Resource.Namespaced {
			cells = append(cells, san(r.Namespace))
		}
		var text strings.Builder
		text.WriteString(r.Namespace + "/" + r.Name)
		for _, j := range idx {
			c := ""
			if j < len(r.Cells) {
				c = oneLine(r.Cells[j])
			}
			cells = append(cells, c)
			text.WriteString(" " + c)
		}
		d.rows[i] = table.Row{Key: "obj/" + san(r.Namespace) + "/" + san(r.Name), Cells: cells}
		d.texts[i] = common.Fold(text.String())
	}
	d.natural = table.Measure(d.rows, len(cols))
	d.sel = func(i int) Selection { return kindSelection(cluster, t, &t.Rows[i]) }
	return d
}

func kindSelection(cluster string, t *providers.KubeTable, r *providers.KubeRow) Selection {
	var f fields
	f.add("kind", t.Resource.Kind)
	f.addIf("namespace", r.Namespace)
	f.add("name", r.Name)
	f.add("cluster", cluster)
	for i, c := range t.Columns {
		if i < len(r.Cells) && !strings.EqualFold(c.Name, "name") {
			f.add(strings.ToLower(c.Name), r.Cells[i])
		}
	}
	sel := Selection{
		Key:    "obj/" + san(r.Namespace) + "/" + san(r.Name),
		Detail: detail.Content{Title: strings.ToLower(t.Resource.Kind) + " " + r.Name, Fields: f},
		Kube:   &providers.KubeObject{Cluster: cluster, Resource: t.Resource.Name(), Namespace: r.Namespace, Name: r.Name},
	}
	sel.Refs = []actions.Ref{{Kind: kindRef(t.Resource), Cluster: cluster, Namespace: r.Namespace, Name: r.Name}}
	return sel
}

// kindRef is the action kind of an object of resource res: the console's
// own kinds (deployment, cronjob, pod, node…), else the resource as
// kubectl takes it, plural[.group], on which the source offers delete.
func kindRef(res providers.KubeResource) actions.Kind {
	switch {
	case res.Group == "batch" && res.Kind == "CronJob":
		return actions.KindCronJob
	case res.Group == "" || res.Group == "apps":
		if k := actionKind(res.Kind); k != "" {
			return k
		}
	}
	return actions.Kind(res.Name())
}

package pages

import (
	"strconv"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewProblems returns the Problems view: every object counted in the
// problem strip (same rules, FindProblems), worst first.
func NewProblems(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "WHAT", Width: 40, Grow: true, Max: 90}, {Title: "KIND", Width: 9},
		{Title: "NAME", Width: 24, Grow: true, Max: 60}, {Title: "VIEW", Width: 7},
	}
	p := newListPage(ctx, "problems", "Problems", cols, buildProblems)
	p.sortable = false // worst first
	p.hints = []key.Binding{ctx.Keys.Enter}
	return p
}

// problemHealth: what loses service (no primary, a node, no targets,
// crash loops, pods) is bad; lagging replicas and some targets warn.
func problemHealth(rank int) int {
	if rank <= rankLagging {
		return providers.HealthWarn
	}
	return providers.HealthBad
}

func buildProblems(in *Input) *listData {
	_, list := ListProblems(in.Inv)
	d := &listData{rows: make([]table.Row, len(list)), texts: make([]string, len(list))}
	for i, p := range list {
		h := problemHealth(p.Rank)
		d.rows[i] = table.Row{Key: p.Kind + "/" + p.FocusName(), Health: h,
			Cells: []string{glyph(h) + " " + p.What, p.Kind, p.Name, ":" + p.Page}}
		d.texts[i] = common.Fold(p.What + " " + p.Kind + " " + p.Name)
	}
	d.sel = func(i int) Selection {
		p := list[i]
		var f fields
		f.add("what", p.What)
		f.add("kind", p.Kind)
		f.add("name", p.Name)
		f.add("view", ":"+p.Page)
		f.add("rank", strconv.Itoa(p.Rank))
		return Selection{Key: d.rows[i].Key, Detail: detail.Content{Title: p.What, Fields: f}}
	}
	return d
}

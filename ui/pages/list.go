package pages

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/table"
)

// listData is what a list page's Build prepares.
type listData struct {
	rows  []table.Row
	texts []string // what the filter matches, one per row
	// sel returns the selection of row i (computed only when needed).
	sel func(i int) Selection
}

// listPage is a table page: pods, nodes, ASGs, load balancers, databases, traces.
type listPage struct {
	ctx   *common.Context
	name  string
	title string
	build func(in *Input) *listData
	hints []key.Binding

	tbl     table.Model
	data    *listData
	filter  common.Filter
	visible []int
}

func newListPage(ctx *common.Context, name, title string, cols []table.Column, build func(*Input) *listData) *listPage {
	return &listPage{ctx: ctx, name: name, title: title, build: build, tbl: table.New(ctx, cols), data: &listData{}}
}

func (p *listPage) Name() string              { return p.name }
func (p *listPage) Title() string             { return p.title }
func (p *listPage) Build(in *Input) any       { return p.build(in) }
func (p *listPage) SetSize(w, h int)          { p.tbl.SetSize(w, h) }
func (p *listPage) Scroll(delta int)          { p.tbl.Scroll(delta) }
func (p *listPage) View() string              { return p.tbl.View() }
func (p *listPage) KeyHints() []key.Binding   { return p.hints }
func (p *listPage) Status() string            { return p.tbl.Position() }
func (p *listPage) Table() *table.Model       { return &p.tbl }
func (p *listPage) Apply(data any)            { p.data = data.(*listData); p.refilter(nil) }
func (p *listPage) SetFilter(f common.Filter) { p.setFilter(f) }

func (p *listPage) setFilter(f common.Filter) {
	var within []int
	if f.Narrows(p.filter) && p.visible != nil {
		within = p.visible
	}
	p.filter = f
	p.refilter(within)
}

func (p *listPage) refilter(within []int) {
	p.visible = p.filter.Apply(p.data.texts, within)
	rows := make([]table.Row, len(p.visible))
	for i, j := range p.visible {
		rows[i] = p.data.rows[j]
	}
	p.tbl.SetRows(rows)
}

func (p *listPage) Selected() (Selection, bool) {
	c := p.tbl.Cursor()
	if c < 0 || c >= len(p.visible) || p.data.sel == nil {
		return Selection{}, false
	}
	return p.data.sel(p.visible[c]), true
}

// Focus puts the cursor on the row whose key is kind+"/"+name, or whose
// key ends with "/"+name.
func (p *listPage) Focus(kind, name string) bool {
	if p.tbl.Select(kind + "/" + name) {
		return true
	}
	rows := p.tbl.Rows()
	for i := range rows {
		k := rows[i].Key
		if len(k) > len(name) && k[len(k)-len(name)-1] == '/' && k[len(k)-len(name):] == name {
			return p.tbl.Select(k)
		}
	}
	return false
}

// HandleKey implements the shared table navigation.
func (p *listPage) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	return navigate(p.ctx.Keys, &p.tbl, k), nil
}

// navigate applies the navigation keys to a table.
func navigate(keys *common.KeyMap, t *table.Model, k tea.KeyPressMsg) bool {
	switch {
	case key.Matches(k, keys.Up):
		t.Move(-1)
	case key.Matches(k, keys.Down):
		t.Move(1)
	case key.Matches(k, keys.PageUp):
		t.PageUp()
	case key.Matches(k, keys.PageDown):
		t.PageDown()
	case key.Matches(k, keys.Home):
		t.Home()
	case key.Matches(k, keys.End):
		t.End()
	default:
		return false
	}
	return true
}

package pages

import (
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/table"
)

// listData is what a list page's Build prepares.
type listData struct {
	rows  []table.Row
	texts []string // what the filter matches, one per row
	// sel returns the selection of row i (computed only when needed).
	sel func(i int) Selection
	// natural is the widest cell of each column over every row (measured
	// by Build, off the UI goroutine): the columns do not change width
	// with the filter.
	natural []int
	// cols, when set, replace the page's columns (a table whose columns
	// come with its data: a Kubernetes kind's server-side table).
	cols []table.Column
	// all is 0..len(rows)-1: what an unfiltered, unsorted view shows (set
	// by Build; the page then shows rows itself, not a copy, so that the
	// sessions sharing a build share its rows too).
	all []int
	// pods are the pods the rows were built from (the Pods view: what the
	// next build compares to reuse a row; nil for the other views).
	pods []providers.Pod
}

// listPage is a table page: pods, nodes, ASGs, load balancers, databases, traces.
type listPage struct {
	ctx   *common.Context
	name  string
	title string
	build func(in *Input) *listData
	// rebuild, when set, builds reusing an earlier build's unchanged rows
	// (BuildFrom).
	rebuild func(in *Input, prev *listData) *listData
	hints   []key.Binding
	// onKey, when set, sees the keys first (a page's own keys).
	onKey func(k tea.KeyPressMsg) (bool, tea.Cmd)

	tbl     table.Model
	cols    []table.Column
	data    *listData
	filter  common.Filter
	visible []int // shown: exact matches first
	matched []int // kept by the filter, in order (what a narrower filter searches)

	// keep is the key of the row under the cursor when the data was
	// released (Release), selected again by the next Apply.
	keep string

	// sorting: sortCol -1 keeps the sources' order; order is the rows'
	// permutation, computed when the data or the sort changes (not per
	// keystroke).
	sortable bool
	sortCol  int
	desc     bool
	order    []int
}

func newListPage(ctx *common.Context, name, title string, cols []table.Column, build func(*Input) *listData) *listPage {
	return &listPage{ctx: ctx, name: name, title: title, build: build, tbl: table.New(ctx, cols), cols: cols,
		data: &listData{}, sortable: true, sortCol: -1}
}

// The Page methods of a list page.

func (p *listPage) Name() string        { return p.name }
func (p *listPage) Title() string       { return p.title }
func (p *listPage) Build(in *Input) any { return p.finish(p.build(in), nil) }

// BuildFrom implements IncrementalBuilder: the page's rebuild, given the
// earlier build prev, else Build.
func (p *listPage) BuildFrom(in *Input, prev any) any {
	old, ok := prev.(*listData)
	if p.rebuild == nil || !ok {
		return p.Build(in)
	}
	return p.finish(p.rebuild(in, old), old)
}

// finish measures the columns of d and sets its identity order (old's,
// the same length: never changed, it is shared).
func (p *listPage) finish(d, old *listData) *listData {
	d.natural = table.Measure(d.rows, len(p.cols))
	if old != nil && len(old.all) == len(d.rows) {
		d.all = old.all
		return d
	}
	d.all = make([]int, len(d.rows))
	for i := range d.all {
		d.all[i] = i
	}
	return d
}

// SharedBuild implements SharedBuilder: a list's rows are a function of
// the snapshot alone, never changed once built.
func (p *listPage) SharedBuild() bool { return p.build != nil }

func (p *listPage) SetSize(w, h int)        { p.tbl.SetSize(w, h) }
func (p *listPage) Scroll(delta int)        { p.tbl.Scroll(delta) }
func (p *listPage) View() string            { return p.tbl.View() }
func (p *listPage) KeyHints() []key.Binding { return p.hints }
func (p *listPage) Table() *table.Model     { return &p.tbl }
func (p *listPage) CursorKey() string       { return p.tbl.SelectedKey() }
func (p *listPage) SetCursorKey(k string) bool {
	return p.tbl.Select(k)
}
func (p *listPage) Apply(data any) {
	p.data = data.(*listData)
	if c := p.data.cols; c != nil && !slices.EqualFunc(c, p.cols, func(a, b table.Column) bool { return a.Title == b.Title }) {
		p.cols, p.sortCol, p.desc = c, -1, false
	}
	p.tbl.SetNatural(p.data.natural)
	p.resort()
	if p.keep != "" {
		p.tbl.Select(p.keep)
		p.keep = ""
	}
}

// Release implements Releaser.
func (p *listPage) Release() {
	if k := p.tbl.SelectedKey(); k != "" {
		p.keep = k
	}
	p.data, p.matched, p.visible, p.order = &listData{}, nil, nil, nil
	p.tbl.SetRows(nil)
}

// Status implements Page: the sort (column and direction) and the
// cursor position.
func (p *listPage) Status() string {
	if p.sortCol >= 0 && p.sortCol < len(p.cols) {
		mark := " ▲"
		if p.desc {
			mark = " ▼"
		}
		return "sort " + p.cols[p.sortCol].Title + mark + " · " + p.tbl.Position()
	}
	return p.tbl.Position()
}

func (p *listPage) SetFilter(f common.Filter) { p.setFilter(f) }

func (p *listPage) setFilter(f common.Filter) {
	var within []int
	if f.Narrows(p.filter) && p.matched != nil {
		within = p.matched
	}
	p.filter = f
	p.refilter(within)
	p.tbl.Home() // the cursor on the first match
}

func (p *listPage) refilter(within []int) {
	if within == nil {
		within = p.order
	}
	if within == nil && p.filter.Empty() && len(p.data.all) == len(p.data.rows) {
		// every row in the sources' order: the built rows as they are
		// (never changed: the slices may be shared between sessions)
		p.matched, p.visible = p.data.all, p.data.all
		p.tbl.SetRows(p.data.rows)
		return
	}
	p.matched, p.visible = p.filter.ApplyExactFirst(p.data.texts, within)
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

// HandleKey implements the shared table navigation and sorting.
func (p *listPage) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	if p.onKey != nil {
		if ok, cmd := p.onKey(k); ok {
			return true, cmd
		}
	}
	if p.sortable {
		switch k.String() {
		case "o": // next sort column (after the last: the sources' order)
			p.sortCol++
			if p.sortCol >= len(p.cols) {
				p.sortCol = -1
			}
			p.desc = false
			p.resort()
			p.tbl.Home() // a new order is read from its top
			return true, nil
		case "O":
			p.desc = !p.desc
			p.resort()
			p.tbl.Home()
			return true, nil
		}
	}
	return navigate(p.ctx.Keys, &p.tbl, k), nil
}

// resort recomputes the rows' order and the column titles, then filters.
func (p *listPage) resort() {
	p.order = nil
	cols := append([]table.Column(nil), p.cols...)
	if p.sortCol >= 0 && p.sortCol < len(cols) {
		c, rows := p.sortCol, p.data.rows
		p.order = make([]int, len(rows))
		for i := range p.order {
			p.order[i] = i
		}
		byHealth := healthColumn(cols[c].Title)
		sort.SliceStable(p.order, func(a, b int) bool {
			ra, rb := rows[p.order[a]], rows[p.order[b]]
			if p.desc {
				ra, rb = rb, ra
			}
			if byHealth && ra.Health != rb.Health {
				return ra.Health > rb.Health // worst first: bad, warn, ok
			}
			return NaturalLess(cell(ra, c), cell(rb, c))
		})
		mark := " ▲"
		if p.desc {
			mark = " ▼"
		}
		cols[c].Title += mark
	}
	p.tbl.SetColumns(cols)
	p.refilter(nil)
}

// healthColumn reports whether a column titled title says a row's status
// or health: sorting by it orders the rows by health, worst first (bad,
// then warn, then ok), then by its text.
func healthColumn(title string) bool {
	switch title {
	case "STATUS", "HEALTH", "STATE", "TARGETS":
		return true
	}
	return false
}

func cell(r table.Row, c int) string {
	if c < len(r.Cells) {
		return r.Cells[c]
	}
	return ""
}

// NaturalLess compares strings with their digit runs as numbers, so that
// "ip-10-0-64-9" sorts before "ip-10-0-64-10" and "9" before "10".
func NaturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
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
	case key.Matches(k, keys.ColsLeft):
		t.ScrollLeft()
	case key.Matches(k, keys.ColsRight):
		t.ScrollRight()
	case key.Matches(k, keys.FullRow):
		t.ToggleFullRow()
	default:
		return false
	}
	return true
}

package pages

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// DepsKey opens the Services view (the service graph) from the Traces view.
var DepsKey = key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "services graph"))

// HighErrorRate is the error rate from which an edge is marked "✗ high"
// (below it, an edge with errors is marked "!").
const HighErrorRate = 0.05

// Services view layout: the diagram shows above the table only when the
// body has at least diagramMinHeight lines, and takes at most a third of
// them; the last line is the status (source, loading, error).
const (
	diagramMinHeight = 12
	minTableLines    = 6
)

// The Services view's graph covers DepsLookback; one load waits at most
// depsTimeout.
const (
	DepsLookback = time.Hour
	depsTimeout  = 30 * time.Second
)

// depsMsg carries the trace source's service graph (or its error).
type depsMsg struct {
	req  int
	deps []traces.Dependency
	err  error
}

// Deps is the Services view: the service dependency graph (caller →
// callee, calls, errors, error rate) as a sortable, filterable table with
// a compact text diagram above it. The page loads the graph itself (the
// trace source's Dependencies, in a tea.Cmd), not from the snapshot.
type Deps struct {
	list *listPage
	b    *Backends
	req  int // request id of the current load (an earlier one's answer is dropped)

	deps     []traces.Dependency
	services int // distinct services in deps
	loaded   bool
	loading  bool
	noSource bool
	err      string
	lookback string

	width, height int
	diagram       int // lines given to the diagram (0: none)

	// the diagram's callers and their edges, computed when the edges
	// shown change (not per frame; sorting does not change them)
	order []string
	out   map[string][]traces.Dependency
	fresh bool
}

// NewDeps returns the Services view of b's trace source.
func NewDeps(ctx *common.Context, b *Backends) Page {
	cols := []table.Column{
		{Title: "CALLER", Width: 12, Grow: true, Max: 40, Priority: 10, Middle: true}, {Title: "→ CALLEE", Width: 14, Grow: true, Max: 42, Priority: 9, Middle: true},
		{Title: "CALLS", Width: 7, Right: true, Priority: 6}, {Title: "ERRORS", Width: 9, Right: true, Priority: 7},
		{Title: "ERROR RATE", Width: 13, Priority: 8},
	}
	p := &Deps{list: newListPage(ctx, "deps", "Services", cols, nil), b: b}
	p.list.hints = []key.Binding{ctx.Keys.Detail, ctx.Keys.Sort, ctx.Keys.Refresh}
	return p
}

// Name implements Page.
func (p *Deps) Name() string { return "deps" }

// Title implements Page.
func (p *Deps) Title() string { return "Services" }

// Refresh implements Refresher: (re)loads the service graph in a tea.Cmd.
func (p *Deps) Refresh() tea.Cmd {
	src := p.b.Traces
	if src == nil {
		p.req = 0
		p.setNoSource()
		return nil
	}
	p.req++
	req, ctx := p.req, p.b.Ctx
	p.setLoading(lookbackText(DepsLookback))
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, depsTimeout)
		defer cancel()
		ds, err := src.Dependencies(cctx, DepsLookback)
		return depsMsg{req: req, deps: ds, err: err}
	}
}

// Update implements Updater: installs a loaded graph.
func (p *Deps) Update(msg tea.Msg) (bool, tea.Cmd) {
	dm, ok := msg.(depsMsg)
	if !ok {
		return false, nil
	}
	if dm.req == p.req { // else stale: a later load is in flight or done
		p.setGraph(dm.deps, dm.err)
	}
	return true, nil
}

// lookbackText renders a lookback: "1h", "30m", else Go's form.
func lookbackText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}

// Scroll implements Page.
func (p *Deps) Scroll(d int) { p.list.Scroll(d) }

// Status implements Page.
func (p *Deps) Status() string { return p.list.Status() }

// KeyHints implements Page.
func (p *Deps) KeyHints() []key.Binding { return p.list.KeyHints() }

// SetFilter implements Page: edges whose caller or callee match.
func (p *Deps) SetFilter(f common.Filter) { p.list.SetFilter(f); p.fresh = false; p.layout() }

// HandleKey implements Page: navigation and s/S sorting.
func (p *Deps) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) { return p.list.HandleKey(k) }

// Selected implements Page.
func (p *Deps) Selected() (Selection, bool) { return p.list.Selected() }

// SetSize implements Page: the diagram (when there is room), the table,
// then one status line.
func (p *Deps) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

func (p *Deps) layout() {
	h := max(1, p.height-1)
	p.diagram = 0
	if n := p.diagramLines(); n > 0 && p.height >= diagramMinHeight {
		// the diagram's lines plus a blank line, never below minTableLines
		p.diagram = min(n+1, h/3, max(0, h-minTableLines))
		if p.diagram < 2 {
			p.diagram = 0
		}
	}
	p.list.SetSize(p.width, max(1, h-p.diagram))
}

// setLoading marks the graph as being (re)loaded over lookback (e.g. "1h").
func (p *Deps) setLoading(lookback string) {
	p.loading, p.noSource, p.lookback = true, false, lookback
}

// setNoSource records that there is no trace source to ask.
func (p *Deps) setNoSource() {
	p.noSource, p.loading, p.err = true, false, ""
	p.setDeps(nil)
}

// Loading reports whether a load is in flight.
func (p *Deps) Loading() bool { return p.loading }

// setGraph installs the graph, or the error loading it (the last graph
// loaded stays shown under the error).
func (p *Deps) setGraph(ds []traces.Dependency, err error) {
	p.loading = false
	if err != nil {
		p.err = oneLine(common.ErrText(err))
		p.layout()
		return
	}
	p.err, p.loaded = "", true
	p.setDeps(ds)
}

// oneLine sanitises s and keeps it on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(san(strings.ReplaceAll(s, "\n", " "))), " ")
}

// Edges returns the edges shown, in the table's order (filtered, sorted).
func (p *Deps) Edges() []traces.Dependency {
	out := make([]traces.Dependency, 0, len(p.list.visible))
	for _, i := range p.list.visible {
		out = append(out, p.deps[i])
	}
	return out
}

// rate renders an edge's error rate with a glyph and a word, so colour is
// never the only signal; the health drives the row's colour.
func rate(d traces.Dependency) (string, int) {
	switch {
	case d.SampledCalls == 0:
		return "-", providers.HealthOK
	case d.Errors == 0:
		return "0%", providers.HealthOK
	}
	r := percent(d.ErrorRate)
	if d.ErrorRate >= HighErrorRate {
		return r + " ✗ high", providers.HealthBad
	}
	return r + " ! some", providers.HealthWarn
}

// percent renders a rate with one decimal below 10%, none above.
func percent(r float64) string {
	if r < 0.1 {
		return fmt.Sprintf("%.1f%%", 100*r)
	}
	return fmt.Sprintf("%.0f%%", 100*r)
}

func (p *Deps) setDeps(ds []traces.Dependency) {
	p.deps = ds
	services := map[string]bool{}
	for _, e := range ds {
		services[e.Parent], services[e.Child] = true, true
	}
	p.services = len(services)
	d := &listData{rows: make([]table.Row, len(ds)), texts: make([]string, len(ds))}
	for i, e := range ds {
		caller, callee := san(e.Parent), san(e.Child)
		r, h := rate(e)
		errs := "-"
		if e.SampledCalls > 0 {
			errs = strconv.Itoa(e.Errors) + "/" + strconv.Itoa(e.SampledCalls)
		}
		d.rows[i] = table.Row{Key: "edge/" + caller + "/" + callee,
			Cells: []string{caller, "→ " + callee, strconv.Itoa(e.Calls), errs, r}, Health: h}
		d.texts[i] = common.Fold(caller + " " + callee)
	}
	d.sel = func(i int) Selection {
		e := ds[i]
		var f fields
		f.add("kind", "Dependency")
		f.add("caller", e.Parent)
		f.add("callee", e.Child)
		f.add("calls", strconv.Itoa(e.Calls))
		if e.SampledCalls > 0 {
			r, _ := rate(e)
			f.add("errors", fmt.Sprintf("%d of %d sampled calls", e.Errors, e.SampledCalls))
			f.add("error_rate", r)
		} else {
			f.add("errors", "unknown (no sampled traces)")
		}
		return Selection{Key: d.rows[i].Key, Detail: detail.Content{Title: "dependency " + e.Parent + " → " + e.Child, Fields: f}}
	}
	p.list.Apply(d)
	p.fresh = false
	p.layout()
}

// diagramCallers groups the shown edges by caller: callers nobody calls
// first, then in the order they are reached, each caller's callees by
// calls (most first).
func (p *Deps) diagramCallers() ([]string, map[string][]traces.Dependency) {
	if !p.fresh {
		p.order, p.out = p.groupCallers()
		p.fresh = true
	}
	return p.order, p.out
}

func (p *Deps) groupCallers() ([]string, map[string][]traces.Dependency) {
	out := map[string][]traces.Dependency{}
	called := map[string]bool{}
	var callers []string
	for _, e := range p.Edges() {
		if _, ok := out[e.Parent]; !ok {
			callers = append(callers, e.Parent)
		}
		out[e.Parent] = append(out[e.Parent], e)
		if e.Child != e.Parent {
			called[e.Child] = true
		}
	}
	sort.Strings(callers)
	for _, es := range out {
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].Calls != es[j].Calls {
				return es[i].Calls > es[j].Calls
			}
			return es[i].Child < es[j].Child
		})
	}
	// breadth-first from the roots (iterative), then whatever a cycle hid
	seen := map[string]bool{}
	var order, queue []string
	for _, c := range callers {
		if !called[c] {
			queue = append(queue, c)
			seen[c] = true
		}
	}
	for _, start := range append([]string{""}, callers...) {
		if start != "" && !seen[start] {
			queue = append(queue, start)
			seen[start] = true
		}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			order = append(order, c)
			for _, e := range out[c] {
				if _, isCaller := out[e.Child]; isCaller && !seen[e.Child] {
					seen[e.Child] = true
					queue = append(queue, e.Child)
				}
			}
		}
	}
	return order, out
}

// diagramLines is the number of lines the whole diagram would take.
func (p *Deps) diagramLines() int {
	order, _ := p.diagramCallers()
	return len(order)
}

// callee renders one edge of the diagram: "checkout (120, ✗ 12% err)".
func callee(e traces.Dependency) string {
	s := san(e.Child) + " (" + strconv.Itoa(e.Calls)
	if e.Errors > 0 {
		mark := "! "
		if e.ErrorRate >= HighErrorRate {
			mark = "✗ "
		}
		s += ", " + mark + percent(e.ErrorRate) + " err"
	}
	return s + ")"
}

// diagramView renders the diagram in n lines of at most w cells: one line
// per caller, its callees as many as fit ("+N" for the rest), and
// "… N more callers" on the last line when they do not all fit.
func (p *Deps) diagramView(n, w int) []string {
	th := p.list.ctx.Theme
	order, out := p.diagramCallers()
	var lines []string
	for i, c := range order {
		if len(lines) == n-1 && len(order)-i > 1 {
			lines = append(lines, th.Muted.Render(fmt.Sprintf("… %d more callers", len(order)-i)))
			break
		}
		line := san(c) + " ─▶ "
		width := ansi.StringWidth(line)
		es := out[c]
		for j, e := range es {
			part := callee(e)
			if j > 0 {
				part = ", " + part
			}
			more := 0 // room for ", +N" when more callees follow
			if j < len(es)-1 {
				more = 4 + len(strconv.Itoa(len(es)-j-1))
			}
			pw := ansi.StringWidth(part)
			if j > 0 && width+pw+more > w {
				line += ", +" + strconv.Itoa(len(es)-j)
				break
			}
			line += part
			width += pw
			if width > w {
				break // truncated below
			}
		}
		lines = append(lines, ansi.Truncate(line, w, "…"))
	}
	return lines
}

// View implements Page.
func (p *Deps) View() string {
	th := p.list.ctx.Theme
	w := p.width
	var lines []string
	if p.diagram > 0 {
		d := p.diagramView(p.diagram-1, w)
		for len(d) < p.diagram {
			d = append(d, "")
		}
		lines = append(lines, d...)
	}
	switch {
	case p.noSource:
		lines = append(lines, th.Muted.Render("  no trace source: the service graph needs --jaeger (or the demo)"))
		return strings.Join(lines, "\n")
	case !p.loaded && p.err == "":
		lines = append(lines, th.Muted.Render("  loading the service graph…"))
		return strings.Join(lines, "\n")
	}
	lines = append(lines, p.list.View())
	var status string
	switch {
	case p.err != "":
		status = th.Error.Render("✗ service graph: " + p.err)
	case p.loading:
		status = th.Muted.Render("refreshing the service graph…")
	default:
		status = th.Muted.Render(fmt.Sprintf("last %s · %d edges between %d services · ✗ high ≥ %.0f%% errors",
			p.lookback, len(p.deps), p.services, 100*HighErrorRate))
	}
	lines = append(lines, ansi.Truncate(status, w, "…"))
	return strings.Join(lines, "\n")
}

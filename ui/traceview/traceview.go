// Package traceview is the console's trace view: the root-cause report at
// the top, the waterfall of spans (timeline bars scaled to the width,
// service names and colours, collapsible subtrees, critical path and self
// time) and a detail pane for the selected span. It renders only the
// visible rows, so it stays responsive on traces of 100,000 spans.
//
// Pressing o on a span emits a JumpMsg naming where the span ran, for the
// shell to open the topology there; L emits a LogsMsg for the logs of the
// pod the span ran in, around the span's start and end.
package traceview

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/traces"
)

// JumpMsg asks the shell to open the topology where a span ran.
type JumpMsg struct {
	Pod, Node, Zone, Host, Service string
}

// BaselineMsg asks the shell to compare the trace with its other baseline
// (b: the automatic window before the burst ⇄ the window ending at the
// trace's start).
type BaselineMsg struct {
	TraceID string
	// Mode is the baseline mode of the report shown.
	Mode string
}

// LogsMsg asks the shell to open the logs of the pod a span ran in
// (k8s.pod.name, k8s.namespace.name) between Start and End, with the
// lines of TraceID highlighted.
type LogsMsg struct {
	Pod, Namespace, SpanID, TraceID string
	// Cluster is the span's k8s.cluster.name ("" none): a name the
	// instrumentation chose, which may or may not be a kube context's.
	Cluster    string
	Start, End time.Time
}

// CollapseOver is the subtree size above which a span (other than the
// root) starts collapsed.
const CollapseOver = 200

// KeyMap are the trace view's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Toggle, Expand, Collapse, ExpandAll     key.Binding
	NextError, PrevError                    key.Binding
	NextFinding, PrevFinding                key.Binding
	Search, NextMatch, PrevMatch            key.Binding
	Detail, Jump, Baseline, Logs            key.Binding
}

// DefaultKeyMap returns the default keys.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up: b("↑/k", "up", "up", "k"), Down: b("↓/j", "down", "down", "j"),
		PageUp: b("pgup", "page up", "pgup", "ctrl+b"), PageDown: b("pgdn", "page down", "pgdown", "ctrl+f", " "),
		Top: b("g/home", "top", "g", "home"), Bottom: b("end", "bottom", "end", "G"),
		Toggle: b("enter", "fold/unfold", "enter"), Expand: b("→/l", "expand", "right", "l"), Collapse: b("←/h", "collapse/parent", "left", "h"),
		ExpandAll: b("e", "expand all", "e"),
		NextError: b("n", "next error", "n"), PrevError: b("N", "prev error", "N"),
		NextFinding: b("f", "next finding", "f"), PrevFinding: b("F", "prev finding", "F"),
		Search: b("/", "search", "/"), NextMatch: b("]", "next match", "]"), PrevMatch: b("[", "prev match", "["),
		Detail: b("d", "details", "d"), Jump: b("o", "open where it ran", "o"),
		Baseline: b("b", "baseline: before the burst / before the trace", "b"),
		Logs:     b("L", "pod logs of the span", "L"),
	}
}

// Model is the trace view. It is a value: Update returns the new model.
type Model struct {
	t    *traces.Trace
	r    *traces.Report
	a    *traces.Analysis
	keys KeyMap

	w, h int

	pos       []int32 // position of each span in a.Order
	collapsed []bool
	rows      []int32 // visible spans, in pre-order
	cursor    int     // index in rows
	offset    int     // first row shown

	errPos []int32 // pre-order positions of error spans (sorted)

	detail    bool
	finding   int // index in r.Findings of the finding shown, -1 none
	searching bool
	query     string
	status    string

	reportLines []string
	colors      map[string]color.Color
}

// Styles.
var (
	stTitle    = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("63"))
	stMuted    = lipgloss.NewStyle().Foreground(lipgloss.Color("245"))
	stBad      = lipgloss.NewStyle().Foreground(lipgloss.Color("196"))
	stBadBold  = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("196"))
	stOK       = lipgloss.NewStyle().Foreground(lipgloss.Color("42"))
	stWarn     = lipgloss.NewStyle().Foreground(lipgloss.Color("214"))
	stSelected = lipgloss.NewStyle().Reverse(true)
	stMatch    = lipgloss.NewStyle().Underline(true)
	stCP       = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("214"))
	palette    = []string{"39", "170", "42", "214", "81", "141", "220", "111", "204", "78", "147", "180"}
)

// New builds the view of t; r is its report (computed when nil).
func New(t *traces.Trace, r *traces.Report) Model {
	if t == nil {
		t = &traces.Trace{}
	}
	if r == nil || r.Analysis == nil || r.Analysis.Trace != t {
		r = traces.NewReport(t, nil)
	}
	a := r.Analysis
	n := len(t.Spans)
	m := Model{t: t, r: r, a: a, keys: DefaultKeyMap(), w: 100, h: 30, finding: -1,
		pos: make([]int32, n), collapsed: make([]bool, n), colors: map[string]color.Color{}}
	for k, i := range a.Order {
		m.pos[i] = int32(k)
		if i != a.Root && a.SubtreeSize[i] > CollapseOver {
			m.collapsed[i] = true
		}
		if t.Spans[i].Error {
			m.errPos = append(m.errPos, int32(k))
		}
	}
	// Show the error origin.
	target := int32(-1)
	if o := r.ErrorOrigin; o != nil {
		if i, ok := a.Index(o.SpanID); ok {
			m.reveal(i)
			target = i
		}
	}
	m.rebuild()
	if target >= 0 {
		m.cursor = m.rowOf(target)
	}
	m.reportLines = m.buildReport()
	m.clamp()
	return m
}

// SetSize sets the view's size in cells.
func (m Model) SetSize(w, h int) Model {
	m.w, m.h = max(w, 20), max(h, 5)
	m.clamp()
	return m
}

// Selected returns the selected span (nil for an empty trace).
func (m Model) Selected() *traces.Span {
	if len(m.rows) == 0 {
		return nil
	}
	return &m.t.Spans[m.rows[m.cursor]]
}

// Searching reports whether the search prompt has the keyboard (the shell
// should then not interpret keys itself).
func (m Model) Searching() bool { return m.searching }

// KeyHints lists the keys to show in the help bar.
func (m Model) KeyHints() []key.Binding {
	k := m.keys
	return []key.Binding{k.Up, k.Down, k.Toggle, k.NextError, k.NextFinding, k.Search, k.Detail, k.Jump, k.Logs, k.ExpandAll, k.Baseline}
}

// reveal expands every ancestor of span i.
func (m *Model) reveal(i int32) {
	for p := m.a.Parent[i]; p >= 0; p = m.a.Parent[p] {
		m.collapsed[p] = false
	}
}

// rebuild lists the visible rows: pre-order, skipping collapsed subtrees.
func (m *Model) rebuild() {
	var sel int32 = -1
	if len(m.rows) > 0 {
		sel = m.rows[m.cursor]
	}
	m.rows = m.rows[:0]
	order := m.a.Order
	for k := 0; k < len(order); {
		i := order[k]
		m.rows = append(m.rows, i)
		if m.collapsed[i] {
			k += int(m.a.SubtreeSize[i])
		} else {
			k++
		}
	}
	if sel >= 0 {
		m.cursor = m.rowOf(sel)
	}
}

// rowOf returns the row of span i, or of its nearest visible ancestor.
func (m *Model) rowOf(i int32) int {
	p := m.pos[i]
	k, found := slices.BinarySearchFunc(m.rows, p, func(r int32, p int32) int { return int(m.pos[r] - p) })
	if found {
		return k
	}
	return max(k-1, 0)
}

func (m *Model) bodyHeight() int {
	h := m.h - len(m.reportLines) - 2 // report, separator and header
	if m.detail {
		h -= m.detailHeight() + 1
	}
	if m.searching || m.status != "" {
		h--
	}
	return max(h, 1)
}

func (m *Model) detailHeight() int { return max(min(14, m.h/3), 3) }

func (m *Model) clamp() {
	if len(m.rows) == 0 {
		m.cursor, m.offset = 0, 0
		return
	}
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
	bh := m.bodyHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+bh {
		m.offset = m.cursor - bh + 1
	}
	m.offset = max(0, min(m.offset, len(m.rows)-1))
}

// Update handles keys, mouse wheel and window size.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.SetSize(msg.Width, msg.Height), nil
	case tea.MouseWheelMsg:
		if msg.Mouse().Button == tea.MouseWheelDown {
			m.cursor += 3
		} else {
			m.cursor -= 3
		}
	case tea.KeyPressMsg:
		if m.searching {
			return m.searchKey(msg), nil
		}
		m.status = ""
		k := m.keys
		switch {
		case key.Matches(msg, k.Down):
			m.cursor++
		case key.Matches(msg, k.Up):
			m.cursor--
		case key.Matches(msg, k.PageDown):
			m.cursor += m.bodyHeight()
		case key.Matches(msg, k.PageUp):
			m.cursor -= m.bodyHeight()
		case key.Matches(msg, k.Top):
			m.cursor = 0
		case key.Matches(msg, k.Bottom):
			m.cursor = len(m.rows) - 1
		case key.Matches(msg, k.Toggle):
			if s := m.sel(); s >= 0 && len(m.a.Children(s)) > 0 {
				m.collapsed[s] = !m.collapsed[s]
				m.rebuild()
			}
		case key.Matches(msg, k.Expand):
			if s := m.sel(); s >= 0 && m.collapsed[s] {
				m.collapsed[s] = false
				m.rebuild()
			}
		case key.Matches(msg, k.Collapse):
			if s := m.sel(); s >= 0 {
				if !m.collapsed[s] && len(m.a.Children(s)) > 0 {
					m.collapsed[s] = true
					m.rebuild()
				} else if p := m.a.Parent[s]; p >= 0 {
					m.cursor = m.rowOf(p)
				}
			}
		case key.Matches(msg, k.ExpandAll):
			clear(m.collapsed)
			m.rebuild()
		case key.Matches(msg, k.NextError):
			m.jumpError(true)
		case key.Matches(msg, k.NextFinding):
			m.jumpFinding(1)
		case key.Matches(msg, k.PrevFinding):
			m.jumpFinding(-1)
		case key.Matches(msg, k.PrevError):
			m.jumpError(false)
		case key.Matches(msg, k.Search):
			m.searching = true
		case key.Matches(msg, k.NextMatch):
			m.findMatch(true)
		case key.Matches(msg, k.PrevMatch):
			m.findMatch(false)
		case key.Matches(msg, k.Detail):
			m.detail = !m.detail
		case key.Matches(msg, k.Baseline):
			if b := m.r.BaselineInfo; b != nil {
				bm := BaselineMsg{TraceID: m.t.TraceID, Mode: b.Mode}
				m.status = "comparing with the other baseline…"
				m.clamp()
				return m, func() tea.Msg { return bm }
			}
			m.status = "this report has no baseline to switch"
		case key.Matches(msg, k.Logs):
			if s := m.Selected(); s != nil {
				pod, _ := s.Attr("k8s.pod.name")
				if pod == "" {
					m.status = "span " + traces.Sanitize(s.SpanID) + " names no pod (no k8s.pod.name attribute)"
					break
				}
				ns, _ := s.Attr("k8s.namespace.name")
				cluster, _ := s.Attr("k8s.cluster.name")
				lm := LogsMsg{Pod: pod, Namespace: ns, Cluster: cluster, SpanID: traces.Sanitize(s.SpanID), TraceID: paddedTraceID(m.t.TraceID),
					Start: s.Start, End: s.Start.Add(s.Duration)}
				m.clamp()
				return m, func() tea.Msg { return lm }
			}
		case key.Matches(msg, k.Jump):
			if s := m.Selected(); s != nil {
				l := traces.LocationOf(s)
				if l.Empty() {
					// Nowhere to go: stay in the trace and say why.
					m.status = "span " + traces.Sanitize(s.SpanID) + " names no pod, node, zone or host (no k8s.pod.name, k8s.node.name, cloud.availability_zone or host.name attribute)"
					break
				}
				j := JumpMsg{Pod: traces.Sanitize(l.Pod), Node: traces.Sanitize(l.Node), Zone: traces.Sanitize(l.Zone), Host: traces.Sanitize(l.Host), Service: traces.Sanitize(s.Service)}
				m.clamp()
				return m, func() tea.Msg { return j }
			}
		}
	}
	m.clamp()
	return m, nil
}

func (m *Model) sel() int32 {
	if len(m.rows) == 0 {
		return -1
	}
	return m.rows[m.cursor]
}

func (m Model) searchKey(msg tea.KeyPressMsg) Model {
	switch msg.String() {
	case "esc":
		m.searching, m.query = false, ""
	case "enter":
		m.searching = false
		m.findMatch(true)
	case "backspace":
		if r := []rune(m.query); len(r) > 0 {
			m.query = string(r[:len(r)-1])
		}
	case "space":
		m.query += " "
	default:
		if t := msg.Text; t != "" && len([]rune(m.query)) < 200 {
			m.query += traces.Sanitize(t)
		}
	}
	m.clamp()
	return m
}

// jumpFinding selects the next (dir 1) or previous (-1) finding of the
// report and moves to the first span it names.
func (m *Model) jumpFinding(dir int) {
	n := len(m.r.Findings)
	if n == 0 {
		m.status = "no findings"
		return
	}
	m.finding = ((m.finding+dir)%n + n) % n
	if m.finding < 0 {
		m.finding = 0
	}
	f := m.r.Findings[m.finding]
	for _, id := range f.SpanIDs {
		if i, ok := m.a.Index(id); ok {
			m.goTo(i)
			break
		}
	}
	m.reportLines = m.buildReport()
	m.status = fmt.Sprintf("finding %d of %d: %s", m.finding+1, n, f.Kind)
}

// jumpError moves to the next (or previous) error span in pre-order,
// expanding its ancestors.
func (m *Model) jumpError(next bool) {
	if len(m.errPos) == 0 {
		m.status = "no errors in this trace"
		return
	}
	cur := int32(-1)
	if s := m.sel(); s >= 0 {
		cur = m.pos[s]
	}
	var p int32
	if next {
		k, found := slices.BinarySearch(m.errPos, cur)
		if found {
			k++
		}
		p = m.errPos[k%len(m.errPos)]
	} else {
		k, _ := slices.BinarySearch(m.errPos, cur)
		p = m.errPos[(k-1+len(m.errPos))%len(m.errPos)]
	}
	m.goTo(m.a.Order[p])
	e := slices.Index(m.errPos, p)
	m.status = fmt.Sprintf("error %d of %d", e+1, len(m.errPos))
}

func (m *Model) goTo(i int32) {
	m.reveal(i)
	m.rebuild()
	m.cursor = m.rowOf(i)
	m.clamp()
	// Centre it.
	m.offset = max(0, min(m.cursor-m.bodyHeight()/2, len(m.rows)-m.bodyHeight()))
}

func (m *Model) matches(i int32) bool {
	if m.query == "" {
		return false
	}
	s := &m.t.Spans[i]
	q := strings.ToLower(m.query)
	return containsFold(s.Service, q) || containsFold(s.Operation, q) || strings.HasPrefix(s.SpanID, q) || containsFold(s.StatusMessage, q)
}

func containsFold(s, lowerQ string) bool {
	if len(s) < len(lowerQ) {
		return false
	}
	return strings.Contains(strings.ToLower(s), lowerQ)
}

// findMatch moves to the next (or previous) span matching the query, over
// the whole trace (collapsed subtrees included), in pre-order.
func (m *Model) findMatch(next bool) {
	if m.query == "" {
		return
	}
	order := m.a.Order
	n := len(order)
	cur := 0
	if s := m.sel(); s >= 0 {
		cur = int(m.pos[s])
	}
	for step := 1; step <= n; step++ {
		k := (cur + step) % n
		if !next {
			k = ((cur-step)%n + n) % n
		}
		if m.matches(order[k]) {
			m.goTo(order[k])
			m.status = "match: " + m.query
			return
		}
	}
	m.status = "no match for " + m.query
}

func (m *Model) colorOf(service string) color.Color {
	if c, ok := m.colors[service]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(service))
	c := lipgloss.Color(palette[h.Sum32()%uint32(len(palette))])
	m.colors[service] = c
	return c
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.0fs", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0fms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

// buildReport renders the root-cause report lines (plain text + styles).
func (m *Model) buildReport() []string {
	r := m.r
	S := traces.Sanitize
	var out []string
	out = append(out, stTitle.Render("trace "+S(r.TraceID))+stMuted.Render(fmt.Sprintf("  %s %s · %.1fms · %d spans · %d errors", S(r.Root.Service), S(r.Root.Operation), r.Root.DurationMS, r.Spans, r.Errors)))
	if o := r.ErrorOrigin; o != nil {
		out = append(out, stBadBold.Render("✗ error origin: ")+fmt.Sprintf("%s %s — %s  (span %s, %d hops to the root; n: jump)", S(o.Service), S(o.Operation), S(orNone(o.Message)), S(o.SpanID), o.Hops))
	} else if len(r.HandledErrors) > 0 {
		n := 0
		for _, h := range r.HandledErrors {
			n += h.Count
		}
		out = append(out, stOK.Render("✓ no error origin: the root did not fail")+stMuted.Render(fmt.Sprintf(" · %d handled errors/retries below it (f: findings)", n)))
	} else {
		out = append(out, stOK.Render("✓ no errors"))
	}
	var parts []string
	for _, c := range r.CriticalPath[:min(3, len(r.CriticalPath))] {
		parts = append(parts, fmt.Sprintf("%.0f%% %s %s", 100*c.Share, S(c.Service), S(c.Operation)))
	}
	if len(parts) > 0 {
		out = append(out, stCP.Render("◆ time went to: ")+strings.Join(parts, " · "))
	}
	if b := r.BaselineInfo; b != nil {
		st := stMuted
		if b.Weak {
			st = stWarn
		}
		out = append(out, st.Render("≈ baseline: "+S(b.Describe())+" (b: switch)"))
	}
	shown := 0
	for k, f := range r.Findings {
		if f.Kind == traces.KindErrorOrigin && k != m.finding {
			continue
		}
		if shown == 4 && k != m.finding {
			out = append(out, stMuted.Render(fmt.Sprintf("  … %d more findings (f: next finding)", len(r.Findings)-k)))
			break
		}
		shown++
		mark := "▲ "
		if k == m.finding {
			mark = "▶ "
		}
		out = append(out, stWarn.Render(mark+f.Kind+": ")+S(f.Summary))
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(no message)"
	}
	return s
}

// View renders the report, the visible waterfall rows and the detail pane.
func (m Model) View() string {
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	line := func(s string) {
		b.WriteString(ansi.Truncate(s, m.w, "…"))
		b.WriteByte('\n')
	}
	for _, l := range m.reportLines {
		line(l)
	}
	if len(m.rows) == 0 {
		line(stMuted.Render("(empty trace)"))
		return strings.TrimSuffix(b.String(), "\n")
	}
	treeW := max(min(m.w*2/5, 70), 16)
	const numW = 8
	barW := max(m.w-treeW-2*numW-3, 4)
	header := padRight("  span", treeW) + " " + padLeft("self", numW) + " " + padLeft("dur", numW) + " " + padRight(fmt.Sprintf("0 … %s", ms(m.a.Duration())), barW)
	line(stMuted.Render(strings.Repeat("─", min(m.w, 200))))
	line(stMuted.Render(header))
	bh := m.bodyHeight()
	for k := m.offset; k < min(len(m.rows), m.offset+bh); k++ {
		line(m.renderRow(k, treeW, numW, barW))
	}
	for k := len(m.rows) - m.offset; k < bh; k++ {
		b.WriteByte('\n')
	}
	if m.detail {
		line(stMuted.Render(strings.Repeat("─", min(m.w, 200))))
		for _, l := range m.detailLines() {
			line(l)
		}
	}
	if m.searching {
		line("/" + m.query + "█")
	} else if m.status != "" {
		line(stMuted.Render(m.status))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func padRight(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return ansi.Truncate(s, w, "…")
}

func padLeft(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return strings.Repeat(" ", w-sw) + s
	}
	return ansi.Truncate(s, w, "…")
}

func (m *Model) renderRow(k, treeW, numW, barW int) string {
	i := m.rows[k]
	s := &m.t.Spans[i]
	a := m.a
	// Marks: error, critical path.
	mark := " "
	if s.Error {
		mark = "✗"
	}
	cp := " "
	if a.OnCriticalPath(i) {
		cp = "◆"
	}
	fold := "  "
	if len(a.Children(i)) > 0 {
		if m.collapsed[i] {
			fold = "▸ "
		} else {
			fold = "▾ "
		}
	}
	depth := int(a.Depth[i])
	indent := strings.Repeat(" ", min(depth, 24))
	if depth > 24 {
		indent = fmt.Sprintf("%-24s", fmt.Sprintf("·%d", depth))
	}
	name := traces.Sanitize(s.Service) + " " + traces.Sanitize(s.Operation)
	if m.collapsed[i] {
		name += fmt.Sprintf(" (+%d)", a.SubtreeSize[i]-1)
	}
	tree := padRight(mark+cp+indent+fold+name, treeW)
	// Bar.
	total := a.Duration()
	bar := make([]rune, barW)
	for c := range bar {
		bar[c] = ' '
	}
	if total > 0 {
		st := float64(s.Start.Sub(a.Start)) / float64(total) * float64(barW)
		en := float64(s.End().Sub(a.Start)) / float64(total) * float64(barW)
		c0 := max(0, min(int(st), barW-1))
		c1 := max(c0+1, min(int(en+0.5), barW))
		for c := c0; c < c1; c++ {
			bar[c] = '█'
		}
		if c1-c0 == 1 && en-st < 0.5 {
			bar[c0] = '▏'
		}
	}
	barStyle := lipgloss.NewStyle().Foreground(m.colorOf(s.Service))
	if s.Error {
		barStyle = stBad
	}
	row := tree + " " + padLeft(ms(a.Self[i]), numW) + " " + padLeft(ms(s.Duration), numW) + " "
	if k == m.cursor {
		return stSelected.Render(row + string(bar))
	}
	styledTree := tree
	switch {
	case m.matches(i):
		styledTree = stMatch.Render(tree)
	case s.Error:
		styledTree = stBad.Render(tree)
	}
	rest := " " + padLeft(ms(a.Self[i]), numW) + " " + padLeft(ms(s.Duration), numW) + " "
	return styledTree + rest + barStyle.Render(string(bar))
}

// detailLines describes the selected span.
func (m *Model) detailLines() []string {
	s := m.Selected()
	h := m.detailHeight()
	if s == nil {
		return nil
	}
	i := m.rows[m.cursor]
	S := traces.Sanitize
	var out []string
	status := stOK.Render("ok")
	if s.Error {
		status = stBad.Render("ERROR: " + S(orNone(traces.ErrorMessage(s))))
	}
	out = append(out, stTitle.Render(S(s.Service)+" "+S(s.Operation))+fmt.Sprintf("  span %s  parent %s  kind %s  %s", S(s.SpanID), S(orDash(s.ParentID)), S(orDash(s.Kind)), status))
	out = append(out, fmt.Sprintf("start +%s  duration %s  self %s  on critical path %s", ms(s.Start.Sub(m.a.Start)), ms(s.Duration), ms(m.a.Self[i]), ms(m.a.CPTime[i])))
	l := traces.LocationOf(s)
	out = append(out, fmt.Sprintf("pod %s  node %s  zone %s  host %s   (g: open in topology)", S(orDash(l.Pod)), S(orDash(l.Node)), S(orDash(l.Zone)), S(orDash(l.Host))))
	kv := func(title string, kvs []traces.KeyValue) {
		if len(kvs) == 0 {
			return
		}
		parts := make([]string, 0, len(kvs))
		for _, x := range kvs {
			parts = append(parts, S(x.Key)+"="+S(x.Value))
		}
		out = append(out, stMuted.Render(title+": ")+strings.Join(parts, "  "))
	}
	kv("tags", s.Tags)
	for _, e := range s.Events {
		parts := []string{}
		for _, f := range e.Fields {
			parts = append(parts, S(f.Key)+"="+S(f.Value))
		}
		out = append(out, stMuted.Render("event +"+ms(e.Time.Sub(m.a.Start))+" "+S(e.Name)+": ")+strings.Join(parts, "  "))
	}
	kv("resource", s.Resource)
	for len(out) < h {
		out = append(out, "")
	}
	return out[:h]
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// paddedTraceID is a trace id as logs carry it: 32 lower-case hex digits
// (a 64-bit id left-padded with zeros, as W3C Trace Context does).
func paddedTraceID(id string) string {
	id = strings.ToLower(id)
	if len(id) < 32 {
		id = strings.Repeat("0", 32-len(id)) + id
	}
	return id
}

package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// demoHint tells a demo user how to point the console at real systems.
const demoHint = "demo · run with --config/--kubeconfig/--regions for real systems"

// detailSplitWidth is the width from which the detail pane sits beside
// the table instead of over it.
const detailSplitWidth = 120

// headerLines is the number of header lines (header, problem strip,
// demo hint, tabs).
func (m *Model) headerLines() int {
	if m.d.demo {
		return 4
	}
	return 3
}

const footerLines = 2

// bodySize is the size left for the page.
func (m *Model) bodySize() (int, int) {
	return m.ctx.Width, max(1, m.ctx.Height-m.headerLines()-footerLines)
}

// layout propagates the size to the pages, the detail pane and the trace view.
func (m *Model) layout() {
	w, h := m.bodySize()
	pw := w
	if m.mode == modeDetail && w >= detailSplitWidth {
		dw := w * 2 / 5
		pw = w - dw - 1
		m.detail.SetSize(dw, h)
	} else {
		m.detail.SetSize(w, h)
	}
	for _, p := range m.pages {
		p.SetSize(pw, h)
	}
	if m.tracev != nil {
		m.tracev.SetSize(w, h)
	}
	m.text.SetSize(w, h)
	if m.logv != nil {
		m.logv.SetSize(w, h)
	}
}

// View implements tea.Model.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "console"
	return v
}

// render draws the whole screen, exactly Height lines of at most Width cells.
func (m *Model) render() string {
	if m.quit {
		return ""
	}
	w, h := m.bodySize()
	parts := []string{m.header(), m.problemStrip()}
	if m.d.demo {
		parts = append(parts, m.ctx.Theme.Muted.Render(ansi.Truncate(demoHint, m.ctx.Width, "…")))
	}
	parts = append(parts, m.tabs(), m.body(w, h), m.footer())
	return strings.Join(parts, "\n")
}

// tabs draws the tab bar with, on the right, what the view shows: the
// filter, the sort and the cursor position ("filter web · sort NAME ▲ ·
// 12/399"). That status always shows whole; when the tabs do not fit
// beside it they lose their padding, then only the tabs around the
// active one show (‹ › say more are there).
func (m *Model) tabs() string {
	th := m.ctx.Theme
	status := m.page().Status()
	if f := m.filterText(); f != "" {
		status = "filter " + ansi.Truncate(f, maxStatusFilter, "…") + " · " + status
	}
	status = ansi.Truncate(status, m.ctx.Width, "…")
	sw := ansi.StringWidth(status)
	room := m.ctx.Width - sw - 2 // a space before the status, one after
	titles := make([]string, len(m.pages))
	active := 0
	for i, p := range m.pages {
		titles[i] = p.Title()
		if p.Name() == m.active {
			active = i
		}
	}
	render := func(from, to int, pad string) (string, int) {
		var b strings.Builder
		w := 0
		if from > 0 {
			b.WriteString(th.Tab.Render("‹ "))
			w += 2
		}
		for i := from; i < to; i++ {
			if i > from {
				b.WriteString(" ")
				w++
			}
			if i == active {
				b.WriteString(th.TabActive.Render("[" + titles[i] + "]"))
			} else {
				b.WriteString(th.Tab.Render(pad + titles[i] + pad))
			}
			w += ansi.StringWidth(titles[i]) + 2*len(pad)
			if i == active {
				w += 2 - 2*len(pad)
			}
		}
		if to < len(titles) {
			b.WriteString(th.Tab.Render(" ›"))
			w += 2
		}
		return b.String(), w
	}
	line, w := render(0, len(titles), " ")
	if w > room {
		line, w = render(0, len(titles), "")
	}
	if w > room {
		// a window around the active tab: grow it right, then left
		from, to := active, active+1
		for {
			grown := false
			if to < len(titles) {
				if _, ww := render(from, to+1, ""); ww <= room {
					to++
					grown = true
				}
			}
			if from > 0 {
				if _, ww := render(from-1, to, ""); ww <= room {
					from--
					grown = true
				}
			}
			if !grown {
				break
			}
		}
		line, w = render(from, to, "")
	}
	if gap := m.ctx.Width - w - sw - 1; gap >= 1 {
		line += strings.Repeat(" ", gap) + th.Muted.Render(status)
	} else {
		line = th.Muted.Render(status) // not even the active tab fits
	}
	return ansi.Truncate(line, m.ctx.Width, "…")
}

// maxStatusFilter is the most of the filter the status shows (the footer
// shows all of it while it is typed).
const maxStatusFilter = 24

// body draws the page and whatever is open over it.
func (m *Model) body(w, h int) string {
	th := m.ctx.Theme
	if !m.ready || !m.pageReady(m.active) {
		return fill(th.Muted.Render("  loading the estate…"), w, h)
	}
	if m.pres.follow != "" && m.mode != modePalette { // the follower's own palette first
		if s, ok := m.mirroredOverlay(w, h); ok {
			return s
		}
	}
	switch m.mode {
	case modeHelp:
		return fill(m.helpView(w, h), w, h)
	case modeMenu, modeParams, modePreparing, modeConfirm, modeAwait:
		return fill(m.flow.view(m, w, h), w, h)
	case modeApprove:
		lines, pinned := m.approvalContent(max(1, w-flowChrome))
		return fill(drawPanel(m, w, h, lines, 0, pinned, m.apv.scroll, false), w, h)
	case modeTrace:
		if m.tracev != nil {
			return fill(m.tracev.View(), w, h)
		}
	case modeText:
		return fill(m.text.View(), w, h)
	case modeLogs:
		if m.logv != nil {
			return fill(m.logv.View(), w, h)
		}
	case modeDetail:
		if w >= detailSplitWidth {
			dw := w * 2 / 5
			return joinColumns(fill(m.page().View(), w-dw-1, h), w-dw-1, m.detail.View(), h)
		}
		return fill(m.detail.View(), w, h)
	case modePalette:
		return overlayBottom(fill(m.page().View(), w, h), m.paletteHints(w, m.input.Value), h)
	}
	return fill(m.page().View(), w, h)
}

// paletteHints lists the commands matching what was typed.
func (m *Model) paletteHints(w int, input string) []string {
	sug, ok := m.followSuggestions(input)
	if !ok {
		sug = m.palette.Suggest(input)
	}
	out := []string{m.ctx.Theme.Title.Render(strings.Repeat("─", max(0, w)))}
	for _, s := range sug {
		out = append(out, "  "+ansi.Truncate(s, w-2, "…"))
	}
	return out
}

func (m *Model) footer() string {
	th := m.ctx.Theme
	var line1 string
	switch {
	case m.mode == modeFilter || m.mode == modePalette:
		line1 = m.input.View(th)
		if m.mode == modeFilter {
			if m.filterErr != "" {
				line1 += th.Error.Render("  ✗ " + m.filterErr)
			} else {
				line1 += th.Muted.Render("  (enter keep · esc clear · !x inverts · ~regex · %fuzzy)")
			}
		}
	case m.pres.follow != "":
		line1 = m.followBanner()
		if m.msg != "" {
			line1 += " " + th.Error.Render(m.msg)
		}
	case m.msg != "" && m.msgErr:
		line1 = th.Error.Render("✗ " + m.msg)
	case m.msg != "":
		line1 = th.Muted.Render(m.msg)
	default:
		line1 = m.sourceProblem()
	}
	return ansi.Truncate(line1, m.ctx.Width, "…") + "\n" + m.shortHelp()
}

// hints are the keys of what has the keyboard now.
func (m *Model) hints() []key.Binding {
	k := m.ctx.Keys
	switch m.mode {
	case modeHelp:
		return []key.Binding{k.Back}
	case modeMenu, modeParams, modePreparing, modeConfirm, modeAwait:
		return m.flow.hints(m)
	case modeApprove:
		return m.approvalHints()
	case modeTrace:
		if m.tracev != nil {
			return append([]key.Binding{k.Back}, m.tracev.KeyHints()...)
		}
	case modeText:
		return m.text.KeyHints(k)
	case modeLogs:
		if m.logv != nil {
			return m.logv.KeyHints()
		}
	case modeDetail:
		return []key.Binding{k.Up, k.Down, k.PageDown, k.Actions, k.Back}
	}
	out := append([]key.Binding{}, m.page().KeyHints()...)
	return append(out, k.Filter, k.Palette, k.Worst, k.Help, k.Quit)
}

func (m *Model) shortHelp() string {
	th := m.ctx.Theme
	hints := m.hints()
	help := m.ctx.Keys.Help
	// "? help" always shows: reserve its room and drop hints that do not fit.
	reserve := 0
	if m.mode == modeNormal {
		reserve = 3 + len(help.Help().Key) + 1 + len(help.Help().Desc)
	}
	var b strings.Builder
	width := 0
	shown := 0
	helpShown := false
	for _, h := range hints {
		hk, hd := h.Help().Key, h.Help().Desc
		n := len([]rune(hk)) + 1 + len([]rune(hd))
		if shown > 0 {
			n += 3
		}
		isHelp := hk == help.Help().Key
		if width+n > m.ctx.Width-reserve && !(isHelp && width+n <= m.ctx.Width) {
			continue
		}
		if shown > 0 {
			b.WriteString(th.Muted.Render(" · "))
		}
		if m.mode == modeNormal && m.keyDisabled(h) != "" {
			b.WriteString(th.Disabled.Render(hk + " " + hd)) // greyed: ? says why
		} else {
			b.WriteString(th.Key.Render(hk) + " " + th.Desc.Render(hd))
		}
		width += n
		shown++
		if isHelp {
			helpShown = true
			reserve = 0
		}
	}
	if !helpShown && reserve > 0 {
		if shown > 0 {
			b.WriteString(th.Muted.Render(" · "))
		}
		b.WriteString(th.Key.Render(help.Help().Key) + " " + th.Desc.Render(help.Help().Desc))
	}
	return b.String()
}

// helpView is the full help: global keys, the view's keys, the commands.
func (m *Model) helpView(w, h int) string {
	th := m.ctx.Theme
	k := m.ctx.Keys
	here, hereKeys := "this view: "+m.page().Title(), m.page().KeyHints()
	if m.helpFrom == modeTrace && m.tracev != nil {
		here, hereKeys = "this view: trace", m.tracev.KeyHints()
	}
	if m.helpFrom == modeText {
		here, hereKeys = "this view: describe / YAML", m.text.KeyHints(k)
	}
	if m.helpFrom == modeLogs && m.logv != nil {
		here, hereKeys = "this view: logs", m.logv.KeyHints()
	}
	everywhere := []key.Binding{k.Enter, k.Detail, k.Describe, k.YAML, k.Namespaces, k.Actions, k.Filter, k.Palette, k.Worst, k.Snapshot, k.Refresh, k.Back, k.Help, k.Quit}
	if m.d.user != "" {
		// a console serve session: approving another person's action
		// (greyed with the reason when the user may not)
		everywhere = slices.Insert(everywhere, 6, k.Approve)
	}
	groups := []struct {
		title string
		keys  []key.Binding
	}{
		{"navigate", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.ColsLeft, k.ColsRight, k.FullRow, k.NextView, k.PrevView}},
		{here, hereKeys},
		{"everywhere", everywhere},
	}
	var lines []string
	for _, g := range groups {
		lines = append(lines, th.Header.Render(g.title))
		for _, b := range g.keys {
			if why := m.keyDisabled(b); why != "" {
				// greyed, and why, wrapped under it to the narrowest column
				lines = append(lines, "  "+th.Disabled.Render(padRight(b.Help().Key, 10)+" "+b.Help().Desc+" ✗"))
				for _, l := range wrapTo(common.Sanitize(why), max(10, w/max(1, min(3, w/40))-14)) {
					lines = append(lines, "             "+th.Disabled.Render(l))
				}
				continue
			}
			lines = append(lines, "  "+th.Key.Render(padRight(b.Help().Key, 10))+" "+b.Help().Desc)
		}
	}
	lines = append(lines, th.Header.Render("commands"))
	lines = append(lines, m.viewCommands()...)
	lines = append(lines,
		"  :region NAME|all  one region",
		"  :env NAME   switch environment",
		"  :trace ID   open a trace",
		"  :reach FROM TO PORT  can FROM reach TO?",
		"  :ctx [NAME]  :ns [NAME]  kube scope",
		"  :refresh  :help  :q")
	cols := max(1, min(3, w/40))
	rows := (len(lines) + cols - 1) / cols
	if rows < h {
		// fewer columns when they fit anyway
		for cols > 1 && (len(lines)+cols-2)/(cols-1) <= h {
			cols--
		}
		rows = (len(lines) + cols - 1) / cols
	}
	cw := w / cols
	out := ""
	for c := cols - 1; c >= 0; c-- {
		from := c * rows
		if from >= len(lines) {
			continue
		}
		col := strings.Join(lines[from:min(len(lines), from+rows)], "\n")
		if out == "" {
			out = col
		} else {
			out = joinColumns(col, cw, out, rows)
		}
	}
	if rows <= h || h < 2 {
		m.helpOff = 0
		return out
	}
	// taller than the screen: a window on it, scrolled with ↑/↓ pgup/pgdn
	all := strings.Split(out, "\n")
	m.helpOff = max(0, min(m.helpOff, len(all)-(h-1)))
	end := min(len(all), m.helpOff+h-1)
	more := th.Muted.Render(fmt.Sprintf("lines %d-%d of %d · ↑/↓ pgup/pgdn scroll", m.helpOff+1, end, len(all)))
	return strings.Join(append(all[m.helpOff:end:end], more), "\n")
}

// viewCommandsWidth is the width the views' commands are wrapped to in
// the help (within its narrowest column, 40 cells).
const viewCommandsWidth = 26

// viewCommands lists the views' commands, in tab order, wrapped.
func (m *Model) viewCommands() []string {
	var out []string
	line := ""
	for _, p := range m.pages {
		c := ":" + p.Name()
		switch {
		case line == "":
			line = c
		case len(line)+1+len(c) > viewCommandsWidth:
			out = append(out, "  "+line)
			line = c
		default:
			line += " " + c
		}
	}
	return append(out, "  "+line)
}

// pageReady reports whether page name can be drawn: its rows built from
// the snapshot when they come from it.
func (m *Model) pageReady(name string) bool {
	_, builds := m.byName[name].(pages.Builder)
	return !builds || m.state[name].applied
}

func padRight(s string, n int) string {
	if d := n - ansi.StringWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// fill truncates or pads s to exactly h lines of at most w cells.
func fill(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// joinColumns puts right beside left (padded to lw cells, one space between).
func joinColumns(left string, lw int, right string, h int) string {
	ll := strings.Split(left, "\n")
	rl := strings.Split(right, "\n")
	out := make([]string, 0, h)
	for i := 0; i < max(len(ll), len(rl)) && i < h; i++ {
		var l, r string
		if i < len(ll) {
			l = ll[i]
		}
		if i < len(rl) {
			r = rl[i]
		}
		out = append(out, padRight(l, lw)+" "+r)
	}
	return strings.Join(out, "\n")
}

// overlayBottom replaces the last lines of body with over.
func overlayBottom(body string, over []string, h int) string {
	lines := strings.Split(body, "\n")
	if len(over) > h {
		over = over[:h]
	}
	copy(lines[len(lines)-len(over):], over)
	return strings.Join(lines, "\n")
}

// sourceProblem names the first failing source and its error, so that a
// STALE or ERROR in the header comes with its reason.
func (m *Model) sourceProblem() string {
	if m.snap == nil {
		return ""
	}
	for _, st := range m.snap.Inv.Sources {
		if (st.Status == providers.StatusStale || st.Status == providers.StatusError) && st.Error != "" {
			return m.ctx.Theme.Stale.Render("! " + common.Sanitize(st.Name) + ": " + common.Sanitize(st.Error))
		}
	}
	return ""
}

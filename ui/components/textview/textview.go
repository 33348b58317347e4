// Package textview is a scrollable, searchable text overlay: an object's
// describe output or YAML. Text is sanitised line by line when set; View
// draws only the visible lines.
package textview

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/ui/common"
)

// Keys are the viewer's own keys (navigation comes from common.KeyMap).
type Keys struct {
	Search, Next, Prev key.Binding
}

// DefaultKeys are / n N, as in less and k9s.
func DefaultKeys() Keys {
	return Keys{
		Search: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Next:   key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "next/previous match")),
		Prev:   key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
	}
}

// Model is the viewer.
type Model struct {
	ctx   *common.Context
	keys  Keys
	title string
	note  string // shown instead of the text: loading, or an error
	isErr bool
	lines []string
	lower []string // lines folded for the search
	off   int
	w, h  int

	searching bool
	input     common.Input
	query     string
	matches   []int // line indexes matching query
	cur       int   // index in matches of the current one
}

// New returns an empty viewer.
func New(ctx *common.Context) Model { return Model{ctx: ctx, keys: DefaultKeys()} }

// SetLoading shows title with a loading note.
func (m *Model) SetLoading(title string) {
	m.reset(title)
	m.note = "loading…"
}

// SetError shows title with an error (one line, sanitised).
func (m *Model) SetError(title string, err error) {
	m.reset(title)
	m.note, m.isErr = "✗ "+sanitize.Line(err.Error()), true
}

// SetText shows text under title, from its top.
func (m *Model) SetText(title, text string) {
	m.reset(title)
	raw := strings.Split(strings.TrimRight(text, "\n"), "\n")
	m.lines = make([]string, len(raw))
	m.lower = make([]string, len(raw))
	for i, l := range raw {
		m.lines[i] = sanitize.Output(l)
		m.lower[i] = strings.ToLower(m.lines[i])
	}
}

func (m *Model) reset(title string) {
	m.title = sanitize.Line(title)
	m.note, m.isErr = "", false
	m.lines, m.lower, m.off = nil, nil, 0
	m.searching, m.query, m.matches, m.cur = false, "", nil, 0
}

// Title is the text's title.
func (m *Model) Title() string { return m.title }

// Lines are the sanitised lines shown.
func (m *Model) Lines() []string { return m.lines }

// SetSize sets the size of the view.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h; m.scroll(0) }

// Searching reports whether the search prompt has the keyboard.
func (m *Model) Searching() bool { return m.searching }

// body is the number of text lines shown (a title line above).
func (m *Model) body() int { return max(1, m.h-1) }

// Scroll moves the text by delta lines.
func (m *Model) Scroll(delta int) { m.scroll(delta) }

func (m *Model) scroll(delta int) {
	m.off = min(m.off+delta, len(m.lines)-m.body())
	m.off = max(m.off, 0)
}

// KeyHints are the viewer's keys for the footer and the help.
func (m *Model) KeyHints(k *common.KeyMap) []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Home, k.End, m.keys.Search, m.keys.Next, k.Back}
}

// HandleKey handles a key; it reports false for a key it leaves to the
// shell (esc or q outside the search prompt closes the viewer).
func (m *Model) HandleKey(k tea.KeyPressMsg, keys *common.KeyMap) bool {
	if m.searching {
		switch k.String() {
		case "esc":
			m.searching = false
		case "enter":
			m.searching = false
			m.search(m.input.Value)
		default:
			m.input.HandleKey(k)
		}
		return true
	}
	switch {
	case key.Matches(k, keys.Up):
		m.scroll(-1)
	case key.Matches(k, keys.Down):
		m.scroll(1)
	case key.Matches(k, keys.PageUp):
		m.scroll(-m.body())
	case key.Matches(k, keys.PageDown), k.String() == "space":
		m.scroll(m.body())
	case key.Matches(k, keys.Home):
		m.off = 0
	case key.Matches(k, keys.End):
		m.scroll(len(m.lines))
	case key.Matches(k, m.keys.Search):
		m.searching = true
		m.input = common.Input{Prompt: "/", Value: m.query}
	case key.Matches(k, m.keys.Next):
		m.step(1)
	case key.Matches(k, m.keys.Prev):
		m.step(-1)
	default:
		return false
	}
	return true
}

// search finds q (case-insensitive) and shows its first match at or
// after the top line.
func (m *Model) search(q string) {
	m.query, m.matches, m.cur = q, nil, 0
	if q == "" {
		return
	}
	lq := strings.ToLower(q)
	for i, l := range m.lower {
		if strings.Contains(l, lq) {
			m.matches = append(m.matches, i)
		}
	}
	for i, l := range m.matches {
		if l >= m.off {
			m.cur = i
			break
		}
	}
	m.showMatch()
}

// step moves to the next (+1) or previous (-1) match, wrapping.
func (m *Model) step(d int) {
	if len(m.matches) == 0 {
		return
	}
	m.cur = (m.cur + d + len(m.matches)) % len(m.matches)
	m.showMatch()
}

// showMatch scrolls so that the current match is in sight (a third down).
func (m *Model) showMatch() {
	if len(m.matches) == 0 {
		return
	}
	l := m.matches[m.cur]
	if l < m.off || l >= m.off+m.body() {
		m.off = l - m.body()/3
		m.scroll(0)
	}
}

// Status says where the view is and what the search found.
func (m *Model) Status() string {
	if len(m.lines) == 0 {
		return ""
	}
	s := strconv.Itoa(m.off+1) + "-" + strconv.Itoa(min(len(m.lines), m.off+m.body())) + "/" + strconv.Itoa(len(m.lines))
	switch {
	case m.query != "" && len(m.matches) == 0:
		s += " · no match for " + sanitize.Line(m.query)
	case m.query != "":
		s += " · match " + strconv.Itoa(m.cur+1) + "/" + strconv.Itoa(len(m.matches))
	}
	return s
}

// View renders exactly the size set: a title line, then the text.
func (m *Model) View() string {
	th := m.ctx.Theme
	head := th.Title.Render(m.title)
	if st := m.Status(); st != "" {
		head += th.Muted.Render("  " + st)
	}
	if m.searching {
		head = m.input.View(th)
	}
	out := []string{ansi.Truncate(head, m.w, "…")}
	if m.note != "" {
		st := th.Muted
		if m.isErr {
			st = th.Error
		}
		out = append(out, st.Render(ansi.Truncate(m.note, m.w, "…")))
	}
	cur := -1
	if len(m.matches) > 0 {
		cur = m.matches[m.cur]
	}
	lq := strings.ToLower(m.query)
	end := min(len(m.lines), m.off+m.body())
	for i := m.off; i < end; i++ {
		l := ansi.Truncate(m.lines[i], m.w, "…")
		if m.query != "" {
			l = highlight(l, lq, i == cur, th)
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// highlight marks the occurrences of lq in the (already cut) line l; the
// current match's line is marked as selected too.
func highlight(l, lq string, current bool, th *common.Theme) string {
	low := strings.ToLower(l)
	if len(low) != len(l) || !strings.Contains(low, lq) {
		return l
	}
	var b strings.Builder
	for {
		i := strings.Index(low, lq)
		if i < 0 {
			b.WriteString(l)
			break
		}
		b.WriteString(l[:i])
		b.WriteString(th.Selected.Render(l[i : i+len(lq)]))
		l, low = l[i+len(lq):], low[i+len(lq):]
	}
	if current {
		return th.Key.Render("▸") + b.String()
	}
	return b.String()
}

// Package detail is the detail pane: an object's key/values in a YAML-like
// layout, then its related events, scrollable.
package detail

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
)

// Field is one key/value line; Indent nests it (YAML-like).
type Field struct {
	Key    string
	Value  string
	Indent int
}

// Content is what the pane shows. Strings are sanitised by SetContent.
type Content struct {
	Title  string
	Fields []Field
	Events []string
}

// Model is the detail pane.
type Model struct {
	ctx    *common.Context
	title  string
	lines  []string
	events int      // lines[events:] are the events (wrapped, never cut)
	rows   []string // lines as drawn at the width set
	offset int
	width  int
	height int
}

// New returns an empty pane.
func New(ctx *common.Context) Model { return Model{ctx: ctx} }

// SetContent replaces the content and scrolls to the top.
func (m *Model) SetContent(c Content) {
	m.title = common.Sanitize(c.Title)
	m.lines = m.lines[:0]
	for _, f := range c.Fields {
		pad := strings.Repeat("  ", f.Indent)
		if f.Value == "" {
			m.lines = append(m.lines, pad+common.Sanitize(f.Key)+":")
			continue
		}
		m.lines = append(m.lines, pad+common.Sanitize(f.Key)+": "+common.Sanitize(f.Value))
	}
	m.lines = append(m.lines, "events:")
	m.events = len(m.lines)
	if len(c.Events) == 0 {
		m.lines = append(m.lines, "  (none)")
	}
	for _, e := range c.Events {
		m.lines = append(m.lines, "  - "+common.Sanitize(e))
	}
	m.offset = 0
	m.wrap()
}

// wrap lays the lines out at the width: fields are cut, events wrapped
// in full (continuation lines indented under their dash).
func (m *Model) wrap() {
	w := max(1, m.width-4)
	m.rows = m.rows[:0]
	for i, l := range m.lines {
		if i < m.events || ansi.StringWidth(l) <= w || w < 12 {
			m.rows = append(m.rows, ansi.Truncate(l, w, "…"))
			continue
		}
		first := true
		for _, part := range strings.Split(ansi.Wrap(strings.TrimPrefix(l, "  - "), w-4, " "), "\n") {
			if first {
				m.rows = append(m.rows, "  - "+part)
				first = false
				continue
			}
			m.rows = append(m.rows, "    "+part)
		}
	}
}

// SetSize sets the pane size (border included).
func (m *Model) SetSize(w, h int) {
	if w != m.width {
		m.width = w
		m.wrap()
	}
	m.height = h
	m.Scroll(0)
}

// Scroll moves the content by delta lines.
func (m *Model) Scroll(delta int) {
	m.offset += delta
	if lim := len(m.rows) - m.inner(); m.offset > lim {
		m.offset = lim
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

func (m *Model) inner() int { return max(1, m.height-3) }

// View renders the pane in a border, exactly SetSize's size.
func (m *Model) View() string {
	if m.width < 6 || m.height < 4 {
		return ""
	}
	th := m.ctx.Theme
	w := m.width - 4
	out := []string{th.Title.Render(ansi.Truncate(m.title, w, "…"))}
	end := min(len(m.rows), m.offset+m.inner())
	out = append(out, m.rows[m.offset:end]...)
	for len(out) < m.height-2 {
		out = append(out, "")
	}
	return th.Border.Width(m.width).Height(m.height).Render(strings.Join(out, "\n"))
}

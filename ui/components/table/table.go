// Package table is a virtualised table: rows are prepared once (when the
// data or the filter changes) and View draws only the rows that fit, so a
// frame costs the same for 50 rows or 50,000.
package table

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
)

// NoHealth marks a row without a health value.
const NoHealth = -1

// Column describes one column. Width is the minimum width; Grow columns
// share the space left over.
type Column struct {
	Title string
	Width int
	Grow  bool
	Right bool
	// Max caps a Grow column (0: no cap), so that wide terminals do not
	// stretch one column across the screen.
	Max int
}

// Row is one prepared row. Cells are already sanitised.
type Row struct {
	Key   string
	Cells []string
	// Prefix is drawn before the first cell (a tree's indent and marker),
	// so rows can share their prepared Cells.
	Prefix string
	Health int // a providers.Health* value or NoHealth
	Faint  bool
}

// Model is the table's state.
type Model struct {
	ctx    *common.Context
	cols   []Column
	rows   []Row
	widths []int
	cursor int
	offset int
	width  int
	height int
}

// New returns a table with the given columns.
func New(ctx *common.Context, cols []Column) Model {
	return Model{ctx: ctx, cols: cols}
}

// SetColumns replaces the columns.
func (m *Model) SetColumns(cols []Column) {
	m.cols = cols
	m.layout()
}

// SetSize sets the size, header line included.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
	m.clamp()
}

// SetRows replaces the rows, keeping the cursor on the same key when it is
// still there.
func (m *Model) SetRows(rows []Row) {
	key := m.SelectedKey()
	m.rows = rows
	if key != "" {
		// look near the old position first (cheap when rows barely change)
		if m.cursor < len(rows) && rows[m.cursor].Key == key {
			m.clamp()
			return
		}
		for i := range rows {
			if rows[i].Key == key {
				m.cursor = i
				m.clamp()
				return
			}
		}
	}
	m.clamp()
}

// Rows returns the rows.
func (m *Model) Rows() []Row { return m.rows }

// Cursor returns the selected index (-1 when empty).
func (m *Model) Cursor() int {
	if len(m.rows) == 0 {
		return -1
	}
	return m.cursor
}

// SelectedKey returns the key of the selected row, "" when empty.
func (m *Model) SelectedKey() string {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return ""
	}
	return m.rows[m.cursor].Key
}

// Select moves the cursor to the row with key; it reports whether it exists.
func (m *Model) Select(key string) bool {
	for i := range m.rows {
		if m.rows[i].Key == key {
			m.cursor = i
			m.offset = i - m.bodyHeight()/2
			m.clamp()
			return true
		}
	}
	return false
}

// Move moves the cursor by delta rows.
func (m *Model) Move(delta int) { m.cursor += delta; m.clamp() }

// PageDown moves one page down.
func (m *Model) PageDown() { m.Move(max(1, m.bodyHeight()-1)) }

// PageUp moves one page up.
func (m *Model) PageUp() { m.Move(-max(1, m.bodyHeight()-1)) }

// Home moves to the first row.
func (m *Model) Home() { m.cursor = 0; m.clamp() }

// End moves to the last row.
func (m *Model) End() { m.cursor = len(m.rows) - 1; m.clamp() }

// Scroll moves the viewport (mouse wheel) and drags the cursor along.
func (m *Model) Scroll(delta int) {
	m.offset += delta
	m.cursor += delta
	m.clamp()
}

func (m *Model) bodyHeight() int { return max(0, m.height-1) }

func (m *Model) clamp() {
	n := len(m.rows)
	if m.cursor >= n {
		m.cursor = n - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	h := m.bodyHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if h > 0 && m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	if m.offset > n-h {
		m.offset = n - h
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// layout computes the column widths for the current width: minimum widths
// first, then Grow columns share what is left; columns that do not fit are
// dropped from the right.
func (m *Model) layout() {
	m.widths = make([]int, len(m.cols))
	avail := m.width - 2 // cursor marker
	used := 0
	grow := 0
	for i, c := range m.cols {
		need := c.Width
		if i > 0 {
			need++ // separator
		}
		if used+need > avail {
			m.widths[i] = 0
			continue
		}
		m.widths[i] = c.Width
		used += need
		if c.Grow {
			grow++
		}
	}
	if grow == 0 || used >= avail {
		return
	}
	// share the extra space; a capped column gives back what it cannot take
	extra := avail - used
	for extra > 0 && grow > 0 {
		given := 0
		share := max(1, extra/grow)
		open := 0
		for i, c := range m.cols {
			if !c.Grow || m.widths[i] == 0 || (c.Max > 0 && m.widths[i] >= c.Max) {
				continue
			}
			add := min(share, extra-given)
			if c.Max > 0 {
				add = min(add, c.Max-m.widths[i])
			}
			m.widths[i] += add
			given += add
			if c.Max == 0 || m.widths[i] < c.Max {
				open++
			}
		}
		if given == 0 {
			break
		}
		extra -= given
		grow = open
	}
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int, right bool) string {
	ascii := isASCII(s)
	var sw int
	if ascii {
		sw = len(s)
	} else {
		sw = ansi.StringWidth(s)
	}
	if sw > w {
		if ascii && w > 0 {
			return s[:w-1] + "…"
		}
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s) // a wide character may leave one cell
	}
	if right {
		return strings.Repeat(" ", w-sw) + s
	}
	return s + strings.Repeat(" ", w-sw)
}

// isASCII reports whether s is printable ASCII (one cell per byte): the
// common case, measured without grapheme segmentation.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func (m *Model) line(cells []string, prefix string, title bool) string {
	var b strings.Builder
	first := true
	for i, w := range m.widths {
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		var s string
		if title {
			s = m.cols[i].Title
		} else if i < len(cells) {
			s = cells[i]
			if i == 0 && prefix != "" {
				s = prefix + s
			}
		}
		b.WriteString(fit(s, w, m.cols[i].Right))
	}
	return b.String()
}

// View renders the header and the visible rows, exactly height lines.
func (m *Model) View() string {
	if m.height <= 0 || m.width <= 0 {
		return ""
	}
	th := m.ctx.Theme
	lines := make([]string, 0, m.height)
	lines = append(lines, th.ColumnTitle.Render("  "+m.line(nil, "", true)))
	h := m.bodyHeight()
	end := min(len(m.rows), m.offset+h)
	for i := m.offset; i < end; i++ {
		r := &m.rows[i]
		text := m.line(r.Cells, r.Prefix, false)
		var style lipgloss.Style
		switch {
		case r.Faint:
			style = th.Disabled
		case r.Health != NoHealth:
			style = th.HealthStyle(r.Health)
		}
		if i == m.cursor {
			lines = append(lines, th.Selected.Render("▸ "+text))
		} else if r.Health == 0 && !r.Faint {
			lines = append(lines, "  "+text)
		} else {
			lines = append(lines, "  "+style.Render(text))
		}
	}
	if len(m.rows) == 0 {
		lines = append(lines, th.Muted.Render("  (nothing to show)"))
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// Position renders "12/3400" for the status line.
func (m *Model) Position() string {
	if len(m.rows) == 0 {
		return "0/0"
	}
	return strconv.Itoa(m.cursor+1) + "/" + strconv.Itoa(len(m.rows))
}

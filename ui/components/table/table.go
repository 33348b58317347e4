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

// Column describes one column of a view: its spec for Layout.
type Column struct {
	Title string
	// Width is the minimum width the column needs to be shown (less when
	// its widest cell is narrower).
	Width int
	// Grow columns share the space left once every column shows its
	// content in full.
	Grow  bool
	Right bool
	// Max caps a column's growth while other columns still want room,
	// and a Grow column's padding (0: no cap).
	Max int
	// Priority orders the columns when space is short: the highest (the
	// identifying column) grows first and is dropped last; the lowest is
	// dropped first (equal priorities: the rightmost first).
	Priority int
	// Middle cuts a cell in its middle ("payments-aur…instance-3"), for
	// names that differ at their end; other cells are cut at their end.
	Middle bool
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

	// natural is the widest cell of each column, measured by SetRows or
	// given by SetNatural (then given is set and SetRows does not measure).
	natural []int
	given   bool
	// hscroll is the number of columns scrolled off to the left (the
	// identifying column stays); hidden marks them.
	hscroll int
	hidden  []bool
	// more is set when columns are dropped or cut (the header ends with ›).
	more bool
	// fullRow shows the selected row in full, wrapped, under the rows;
	// strip is its lines (for the selected row, updated by clamp).
	fullRow bool
	strip   []string
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

// SetNatural gives the natural widths of the columns (Measure over every
// row of the data, computed off the UI goroutine), so that SetRows does
// not measure and the widths do not change with the filter; nil goes
// back to measuring the rows set.
func (m *Model) SetNatural(w []int) {
	m.natural, m.given = w, w != nil
	m.layout()
}

// SetRows replaces the rows, keeping the cursor on the same key when it is
// still there; the columns are sized from their content.
func (m *Model) SetRows(rows []Row) {
	key := m.SelectedKey()
	m.rows = rows
	if !m.given {
		m.natural = Measure(rows, len(m.cols))
		m.layout()
	}
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

func (m *Model) bodyHeight() int { return max(0, m.height-1-len(m.strip)) }

// fullRowLines renders the full-row strip of the selected row: a rule,
// then every column's title and cell, wrapped to the width, in at most
// half the table (the last line cut when it does not fit); nil when the
// strip is off.
func (m *Model) fullRowLines() []string {
	if !m.fullRow || m.height < 4 || m.width <= 0 {
		return nil
	}
	out := []string{"── full row (w hides) " + strings.Repeat("─", max(0, m.width-22))}
	out[0] = ansi.Truncate(out[0], m.width, "")
	if c := m.Cursor(); c >= 0 {
		titles := make([]string, len(m.cols))
		for i, col := range m.cols {
			titles[i] = col.Title
		}
		out = append(out, wrapCells(titles, m.rows[c].Cells, m.width)...)
	}
	if room := max(2, (m.height-1)/2); len(out) > room {
		out = out[:room]
		out[room-1] = ansi.Truncate(out[room-1], max(0, m.width-1), "") + "…"
	}
	return out
}

// ToggleFullRow shows or hides the selected row in full (every column,
// wrapped) under the rows.
func (m *Model) ToggleFullRow() {
	m.fullRow = !m.fullRow
	m.clamp()
}

// FullRow reports whether the full-row strip is shown.
func (m *Model) FullRow() bool { return m.fullRow }

// ScrollRight scrolls the columns left by one (the identifying column
// stays), showing the columns dropped or cut for lack of room; it
// reports whether it moved.
func (m *Model) ScrollRight() bool {
	if !m.more || m.scrolledOff(m.hscroll+1) == nil {
		return false
	}
	m.hscroll++
	m.layout()
	return true
}

// ScrollLeft undoes one ScrollRight; it reports whether it moved.
func (m *Model) ScrollLeft() bool {
	if m.hscroll == 0 {
		return false
	}
	m.hscroll--
	m.layout()
	return true
}

// cut reports whether a column not scrolled off is dropped or narrower
// than its content.
func (m *Model) cut() bool {
	for i, w := range m.widths {
		if i < len(m.hidden) && m.hidden[i] {
			continue
		}
		t := ansi.StringWidth(m.cols[i].Title)
		if w == 0 || w < max(t, natAt(m.natural, i)) {
			return true
		}
	}
	return false
}

// scrolledOff marks the first k columns other than the identifying one
// (the highest Priority, the leftmost of equals); nil when k is 0 or
// would leave only that column.
func (m *Model) scrolledOff(k int) []bool {
	if k <= 0 || k >= len(m.cols) {
		return nil
	}
	pin := Pinned(m.cols)
	off := make([]bool, len(m.cols))
	for i := 0; i < len(m.cols) && k > 0; i++ {
		if i != pin {
			off[i] = true
			k--
		}
	}
	return off
}

func (m *Model) clamp() {
	n := len(m.rows)
	if m.cursor >= n {
		m.cursor = n - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	m.strip = m.fullRowLines()
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

// layout computes the column widths for the current width and
// horizontal scroll (see Layout).
func (m *Model) layout() {
	cols, nat := m.cols, m.natural
	if len(nat) != len(cols) {
		nat = make([]int, len(cols))
		copy(nat, m.natural)
	}
	m.hidden = m.scrolledOff(m.hscroll)
	avail := m.width - 2 // the cursor marker
	m.widths = Layout(cols, nat, m.hidden, avail)
	m.more = false
	if m.cut() {
		// one cell for the › that says > shows more
		m.widths = Layout(cols, nat, m.hidden, avail-1)
		m.more = true
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

func (m *Model) fitCell(c *Column, s string, w int) string {
	if c.Middle {
		return fitMiddle(s, w, c.Right)
	}
	return fit(s, w, c.Right)
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
		c := &m.cols[i]
		switch {
		case title:
			b.WriteString(fit(c.Title, w, c.Right))
		case i >= len(cells):
			b.WriteString(fit("", w, c.Right))
		case i == 0 && prefix != "":
			// the tree's indent and marker stay whole; the name is cut
			pw := cellWidth(prefix)
			if pw >= w {
				b.WriteString(fit(prefix, w, false))
			} else {
				b.WriteString(prefix)
				b.WriteString(m.fitCell(c, cells[i], w-pw))
			}
		default:
			b.WriteString(m.fitCell(c, cells[i], w))
		}
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
	head := "  " + m.line(nil, "", true)
	if m.hscroll > 0 {
		head = "‹ " + head[2:] // columns scrolled off to the left
	}
	if m.more {
		head += "›" // columns dropped or cut: > shows them
	}
	lines = append(lines, th.ColumnTitle.Render(head))
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
	for len(lines) < m.height-len(m.strip) {
		lines = append(lines, "")
	}
	for _, l := range m.strip {
		lines = append(lines, th.Muted.Render(l))
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

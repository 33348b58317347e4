// Package logview is a scrollable, searchable view of a log (an action
// run's output): every line kept, long lines wrapped, the end followed
// while lines arrive, `/` searching with n/N. Lines are wrapped once when
// they arrive (only the new ones), and View draws only the rows that fit.
package logview

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
)

// Keys are the log view's own keys (navigation comes from common.KeyMap).
var (
	SearchKey = key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search the output"))
	NextKey   = key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "next/previous match"))
	PrevKey   = key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match"))
)

// row is one screen row: a piece of line src (counted from the first
// line ever set: see Model.base).
type row struct {
	src  int
	text string
}

// Model is the log view's state.
type Model struct {
	ctx   *common.Context
	lines []string // sanitised, one per line of output
	// base is the number of lines dropped from the start (a bounded log
	// drops its oldest lines): lines[i] is line base+i, as rows and
	// matches count.
	base  int
	rows  []row // the lines wrapped to width
	width int
	// height is the number of rows shown (the status line excluded).
	height int
	offset int  // first row shown
	follow bool // keep the end in view as lines arrive

	searching bool // the query is being typed
	input     common.Input
	query     string // folded
	matches   []int  // lines matching query, in order
	match     int    // current match (index in matches), -1: none

	// keys is said at the end of the status line.
	keys string
}

// defaultKeys are the keys the status line names.
const defaultKeys = "/ search · n/N · g/G · esc back"

// New returns an empty log view that follows its end.
func New(ctx *common.Context) Model {
	return Model{ctx: ctx, follow: true, match: -1, keys: defaultKeys}
}

// SetKeysHint replaces what the status line says of the keys ("": the
// log's own keys), e.g. when the log is shown small and another key
// opens it.
func (m *Model) SetKeysHint(s string) {
	if s == "" {
		s = defaultKeys
	}
	m.keys = s
}

// maxShift is how many dropped lines SetLines looks for at the start of
// a bounded log before wrapping it all again.
const maxShift = 256

// SetLines sets the log's lines (raw: they are sanitised here). Lines
// added at the end since the last call are the only ones wrapped (and
// searched); when a bounded log dropped some of its oldest lines (up to
// maxShift) their rows are dropped; any other change wraps the whole log
// again.
func (m *Model) SetLines(lines []string) {
	switch k := m.shift(lines); {
	case k < 0:
		m.lines, m.rows, m.matches, m.base = m.lines[:0], m.rows[:0], m.matches[:0], 0
	case k > 0:
		m.drop(k)
	}
	n := len(m.lines)
	for _, l := range lines[n:] {
		m.lines = append(m.lines, common.Sanitize(l))
		m.wrap(len(m.lines) - 1)
	}
	if m.query != "" {
		m.search(n)
	}
	m.clamp()
}

// shift returns how many lines the log dropped from its start since the
// last call (0: none), -1 when lines is not the old log, shifted, with
// lines added at its end.
func (m *Model) shift(lines []string) int {
	n := len(m.lines)
	if n == 0 {
		return 0
	}
	for k := 0; k <= min(maxShift, n-1); k++ {
		if n-k <= len(lines) && common.Sanitize(lines[0]) == m.lines[k] && common.Sanitize(lines[n-k-1]) == m.lines[n-1] {
			return k
		}
	}
	return -1
}

// drop forgets the first k lines, their rows and matches.
func (m *Model) drop(k int) {
	m.lines = m.lines[k:]
	m.base += k
	r := 0
	for r < len(m.rows) && m.rows[r].src < m.base {
		r++
	}
	m.rows = m.rows[r:]
	m.offset = max(0, m.offset-r)
	j := 0
	for j < len(m.matches) && m.matches[j] < m.base {
		j++
	}
	m.matches = m.matches[j:]
	if m.match >= 0 {
		m.match = max(0, m.match-j)
	}
}

// Len returns the number of lines.
func (m *Model) Len() int { return len(m.lines) }

// SetSize sets the size, the status line included.
func (m *Model) SetSize(w, h int) {
	if w != m.width {
		m.width = w
		m.rows = m.rows[:0]
		for i := range m.lines {
			m.wrap(i)
		}
	}
	m.height = max(0, h-1)
	m.clamp()
}

// wrap appends the rows of line i (of lines).
func (m *Model) wrap(i int) {
	l, w := m.lines[i], max(1, m.width)
	if len(l) <= w || ansi.StringWidth(l) <= w {
		m.rows = append(m.rows, row{m.base + i, l})
		return
	}
	for _, part := range strings.Split(ansi.Wrap(l, w, ""), "\n") {
		m.rows = append(m.rows, row{m.base + i, part})
	}
}

func (m *Model) clamp() {
	last := max(0, len(m.rows)-m.height)
	if m.follow || m.offset > last {
		m.offset = last
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// Searching reports whether a query is being typed (every key is text).
func (m *Model) Searching() bool { return m.searching }

// HandleKey handles the log's keys; it reports whether it used the key.
func (m *Model) HandleKey(k tea.KeyPressMsg) bool {
	if m.searching {
		switch k.String() {
		case "enter":
			m.searching = false
			m.query = common.Fold(m.input.Value)
			m.matches = m.matches[:0]
			m.search(0)
			m.match = -1
			m.next(1)
		case "esc":
			m.searching = false
		default:
			m.input.HandleKey(k)
		}
		return true
	}
	keys := m.ctx.Keys
	switch {
	case key.Matches(k, keys.Up):
		m.scroll(-1)
	case key.Matches(k, keys.Down):
		m.scroll(1)
	case key.Matches(k, keys.PageUp):
		m.scroll(-max(1, m.height-1))
	case key.Matches(k, keys.PageDown), k.String() == "space":
		m.scroll(max(1, m.height-1))
	case key.Matches(k, keys.Home):
		m.follow = false
		m.offset = 0
	case key.Matches(k, keys.End):
		m.follow = true
		m.clamp()
	case key.Matches(k, SearchKey):
		m.searching = true
		m.input = common.Input{Prompt: "/"}
	case key.Matches(k, NextKey):
		m.next(1)
	case key.Matches(k, PrevKey):
		m.next(-1)
	default:
		return false
	}
	return true
}

// Scroll moves the view by delta rows (mouse wheel, j/k).
func (m *Model) Scroll(delta int) { m.scroll(delta) }

func (m *Model) scroll(delta int) {
	m.offset += delta
	m.follow = false
	m.clamp()
	if m.offset >= max(0, len(m.rows)-m.height) {
		m.follow = true // at the end: follow again
	}
}

// search adds the lines from lines[from] on that match the query.
func (m *Model) search(from int) {
	if m.query == "" {
		return
	}
	for i, l := range m.lines[from:] {
		if matches(l, m.query) {
			m.matches = append(m.matches, m.base+from+i)
		}
	}
}

// matches reports whether line l holds the folded query q, folding only
// when l is not plain lower-case ASCII.
func matches(l, q string) bool {
	if strings.Contains(l, q) {
		return true
	}
	return strings.Contains(common.Fold(l), q)
}

// next moves to the next (dir 1) or previous (-1) match, wrapping around,
// and shows it a third down the view.
func (m *Model) next(dir int) {
	if len(m.matches) == 0 {
		return
	}
	if m.match < 0 {
		// the first match at or after the top of the view
		top := m.base
		if m.offset < len(m.rows) {
			top = m.rows[m.offset].src
		}
		m.match = 0
		for i, l := range m.matches {
			if l >= top {
				m.match = i
				break
			}
		}
		if dir < 0 {
			m.match = (m.match - 1 + len(m.matches)) % len(m.matches)
		}
	} else {
		m.match = (m.match + dir + len(m.matches)) % len(m.matches)
	}
	line := m.matches[m.match]
	for r := range m.rows {
		if m.rows[r].src == line {
			m.follow = false
			m.offset = r - m.height/3
			m.clamp()
			return
		}
	}
}

// View renders the visible rows and a status line: the lines shown, the
// search and its matches, the keys.
func (m *Model) View() string {
	th := m.ctx.Theme
	out := make([]string, 0, m.height+1)
	cur := -1
	if m.match >= 0 && m.match < len(m.matches) {
		cur = m.matches[m.match]
	}
	end := min(len(m.rows), m.offset+m.height)
	for r := m.offset; r < end; r++ {
		rw := m.rows[r]
		switch {
		case rw.src == cur:
			out = append(out, th.Selected.Render(rw.text))
		case m.query != "" && matches(m.lines[rw.src-m.base], m.query):
			out = append(out, th.Key.Render(rw.text))
		default:
			out = append(out, rw.text)
		}
	}
	if len(m.lines) == 0 {
		out = append(out, th.Muted.Render("(no output yet)"))
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(append(out, m.status()), "\n")
}

// status is the line under the log.
func (m *Model) status() string {
	th := m.ctx.Theme
	if m.searching {
		return ansi.Truncate(m.input.View(th)+th.Muted.Render("  (enter search · esc cancel)"), m.width, "…")
	}
	var parts []string
	if len(m.rows) > 0 {
		first, last := m.rows[m.offset].src+1, m.rows[min(len(m.rows), m.offset+m.height)-1].src+1
		parts = append(parts, "lines "+strconv.Itoa(first)+"–"+strconv.Itoa(last)+" of "+strconv.Itoa(m.base+len(m.lines)))
		if m.base > 0 {
			parts = append(parts, "the first "+strconv.Itoa(m.base)+" only on disk (console audit show)")
		}
	}
	if m.follow {
		parts = append(parts, "following")
	}
	if m.query != "" {
		s := "/" + m.query + " "
		switch {
		case len(m.matches) == 0:
			s += "no match"
		case m.match >= 0:
			s += strconv.Itoa(m.match+1) + "/" + strconv.Itoa(len(m.matches))
		default:
			s += strconv.Itoa(len(m.matches)) + " matches"
		}
		parts = append(parts, s)
	}
	parts = append(parts, m.keys)
	return th.Muted.Render(ansi.Truncate(strings.Join(parts, " · "), m.width, "…"))
}

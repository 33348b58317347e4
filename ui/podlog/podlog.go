// Package podlog is the pod logs view: the lines of one or more pods'
// containers (a pod, a workload's pods merged in time order with the pod
// name coloured as stern does, a node's pods), followed live into a
// bounded ring buffer, with search, a filter to matching lines, wrap,
// timestamps, the previous container, a container and range choice,
// saving to a file and, on a line carrying a trace id, opening that trace.
//
// Lines arrive from a StreamFunc run in a goroutine; a tea.Cmd takes
// whatever batches are waiting at once (so the view never falls behind:
// under load it installs larger batches, not more of them), every line is
// sanitised once at ingest, and View draws only the visible rows.
package podlog

import (
	"context"
	"fmt"
	"hash/fnv"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers/kube/podlogs"
	"github.com/opsconsole/console/ui/common"
)

// DefaultLines is the ring buffer's default capacity.
const DefaultLines = 100_000

// StreamFunc streams the request's lines (see podlogs.Stream) until done
// or ctx ends.
type StreamFunc func(ctx context.Context, req podlogs.Request, deliver func([]podlogs.Line)) error

// ContainersFunc lists a pod's containers.
type ContainersFunc func(ctx context.Context, namespace, pod string) ([]string, error)

// Options open a logs view.
type Options struct {
	// Title names what is shown ("pod shop/web-1", "deployment shop/web").
	Title string
	// Targets are the pods (and containers) read.
	Targets []podlogs.Target
	// Stream and Containers reach the cluster.
	Stream     StreamFunc
	Containers ContainersFunc
	// MaxLines bounds the buffer (default DefaultLines).
	MaxLines int
	// SinceTime/Until show a time window instead of following (from a span).
	SinceTime, Until time.Time
	// Highlight marks the lines carrying this trace id.
	Highlight string
	// SaveDir is where ctrl+s writes (default the system's temp dir).
	SaveDir string
}

// OpenTraceMsg asks the shell to open a trace (enter on a line with a trace id).
type OpenTraceMsg struct{ ID string }

// linesMsg carries the batches waiting when the view asked.
type linesMsg struct {
	gen   int
	lines []podlogs.Line
	done  bool
}

type savedMsg struct {
	path string
	err  error
}

// ranges are the since/tail choices, cycled with r.
var ranges = []struct {
	name  string
	tail  int64
	since time.Duration
}{
	{"last 500 lines", 500, 0},
	{"last 5000 lines", 5000, 0},
	{"last 5m", -1, 5 * time.Minute},
	{"last 1h", -1, time.Hour},
	{"everything", -1, 0},
}

// Model is the logs view.
type Model struct {
	ctx  *common.Context
	opts Options
	w, h int

	buf      *ring
	limit    int
	srcs     []string // "pod" or "pod/container"
	srcIndex map[[2]string]uint16
	showSrc  bool

	// stream state
	gen        int
	cancel     context.CancelFunc
	ch         chan []podlogs.Line
	streaming  bool
	previous   bool
	rangeIdx   int
	containers []string // of the first target ("" first = all)
	ctrIdx     int
	errs       []string

	// view state
	follow   bool
	cursor   int64 // absolute id of the selected line
	top      int64 // absolute id of the first line drawn (when not following)
	wrap     bool
	stamps   bool
	only     bool // show only the lines matching the search
	search   common.Filter
	matches  []int64 // absolute ids matching search, ascending
	typing   bool
	input    common.Input
	note     string
	received int64
}

// New opens the view; Start begins streaming.
func New(ctx *common.Context, o Options) *Model {
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultLines
	}
	m := &Model{ctx: ctx, opts: o, limit: o.MaxLines, buf: newRing(o.MaxLines), srcIndex: map[[2]string]uint16{}, follow: true}
	if !o.SinceTime.IsZero() {
		m.follow = false
	}
	return m
}

// SetSize sets the body size (header and input line included).
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Start (re)starts the stream with the current choices.
func (m *Model) Start() tea.Cmd {
	m.stop()
	m.gen++
	m.buf = newRing(m.limit)
	m.srcs, m.srcIndex = nil, map[[2]string]uint16{}
	m.matches, m.errs, m.received = nil, nil, 0
	m.cursor, m.top = 0, 0
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	req := m.request()
	ch := make(chan []podlogs.Line, 256)
	m.ch, m.streaming = ch, true
	stream := m.opts.Stream
	go func() {
		defer close(ch)
		_ = stream(ctx, req, func(ls []podlogs.Line) {
			select {
			case ch <- ls:
			case <-ctx.Done():
			}
		})
	}()
	cmds := []tea.Cmd{m.wait()}
	if m.containers == nil && m.opts.Containers != nil && len(m.opts.Targets) > 0 {
		t, list := m.opts.Targets[0], m.opts.Containers
		cmds = append(cmds, func() tea.Msg {
			cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
			defer ccancel()
			names, err := list(cctx, t.Namespace, t.Pod)
			return containersMsg{names: names, err: err}
		})
	}
	return tea.Batch(cmds...)
}

type containersMsg struct {
	names []string
	err   error
}

// request is the stream request for the current choices.
func (m *Model) request() podlogs.Request {
	r := ranges[m.rangeIdx]
	req := podlogs.Request{Follow: m.opts.SinceTime.IsZero() && !m.previous, Previous: m.previous, Tail: r.tail, Since: r.since,
		SinceTime: m.opts.SinceTime, Until: m.opts.Until}
	if !m.opts.SinceTime.IsZero() {
		req.Tail = -1
	}
	for _, t := range m.opts.Targets {
		if m.ctrIdx > 0 && m.ctrIdx < len(m.containers) {
			t.Container = m.containers[m.ctrIdx]
		}
		req.Targets = append(req.Targets, t)
	}
	return req
}

// wait takes every batch waiting (at least one), up to a bound.
func (m *Model) wait() tea.Cmd {
	ch, gen := m.ch, m.gen
	return func() tea.Msg {
		ls, ok := <-ch
		if !ok {
			return linesMsg{gen: gen, done: true}
		}
		for len(ls) < 50_000 {
			select {
			case more, ok := <-ch:
				if !ok {
					return linesMsg{gen: gen, lines: ls, done: true}
				}
				ls = append(ls, more...)
				continue
			default:
			}
			break
		}
		return linesMsg{gen: gen, lines: ls}
	}
}

// Close stops the stream.
func (m *Model) Close() { m.stop() }

func (m *Model) stop() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.streaming = false
}

// Update handles keys and the view's own messages; it reports whether msg
// was one of them.
func (m *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case linesMsg:
		if msg.gen != m.gen {
			return nil, true
		}
		m.ingest(msg.lines)
		if msg.done {
			m.streaming = false
			return nil, true
		}
		return m.wait(), true
	case containersMsg:
		if msg.err == nil && len(msg.names) > 0 {
			m.containers = append([]string{""}, msg.names...)
		}
		return nil, true
	case savedMsg:
		if msg.err != nil {
			return common.Notice("save logs: "+msg.err.Error(), true), true
		}
		return common.Notice("logs saved to "+msg.path, false), true
	case tea.KeyPressMsg:
		return m.key(msg), true
	}
	return nil, false
}

// Ingest adds lines (exported for benchmarks through IngestLines).
func (m *Model) ingest(ls []podlogs.Line) {
	for _, l := range ls {
		if l.Err != nil {
			m.errs = append(m.errs, common.Sanitize(l.Err.Error()))
			if len(m.errs) > 5 {
				m.errs = m.errs[1:]
			}
			continue
		}
		src := m.source(l.Pod, l.Container)
		e := newEntry(l.Time, src, l.Text)
		id := m.buf.end()
		if m.buf.push(e, m.limit) {
			// the oldest line went: drop its match
			if len(m.matches) > 0 && m.matches[0] < m.buf.base {
				m.matches = m.matches[1:]
			}
		}
		m.received++
		if !m.search.Empty() && m.search.Apply([]string{e.fold}, nil) != nil {
			m.matches = append(m.matches, id)
		}
	}
	if m.cursor < m.buf.base {
		m.cursor = m.buf.base
	}
	if m.top < m.buf.base {
		m.top = m.buf.base
	}
	if m.follow {
		m.cursor = m.lastVisible()
	} else if m.opts.Highlight != "" && m.cursor == m.buf.base {
		// from a span: the cursor on the first line of its trace
		for id := m.buf.base; id < m.buf.end(); id++ {
			if m.buf.at(id).trace == m.opts.Highlight {
				m.cursor = id
				break
			}
		}
	}
}

// source returns the index of a stream's label.
func (m *Model) source(pod, container string) uint16 {
	k := [2]string{pod, container}
	if i, ok := m.srcIndex[k]; ok {
		return i
	}
	i := uint16(len(m.srcs))
	m.srcIndex[k] = i
	label := common.Sanitize(pod)
	m.srcs = append(m.srcs, label)
	pods := map[string]bool{}
	ctrs := map[string]bool{}
	for k := range m.srcIndex {
		pods[k[0]], ctrs[k[1]] = true, true
	}
	m.showSrc = len(pods) > 1 || len(ctrs) > 1
	if len(ctrs) > 1 {
		for k, j := range m.srcIndex {
			if k[1] != "" {
				m.srcs[j] = common.Sanitize(k[0] + "/" + k[1])
			}
		}
	}
	return i
}

// visible list: every line, or the matches when only matching lines are shown.
func (m *Model) visLen() int64 {
	if m.only && !m.search.Empty() {
		return int64(len(m.matches))
	}
	return int64(m.buf.n)
}

func (m *Model) visAt(k int64) int64 {
	if m.only && !m.search.Empty() {
		return m.matches[k]
	}
	return m.buf.base + k
}

// visPos is the position of id in the visible list (the nearest before it
// when it is not there).
func (m *Model) visPos(id int64) int64 {
	if m.only && !m.search.Empty() {
		i, _ := slices.BinarySearch(m.matches, id)
		if i >= len(m.matches) {
			i = len(m.matches) - 1
		}
		return int64(max(i, 0))
	}
	return max(id-m.buf.base, 0)
}

func (m *Model) lastVisible() int64 {
	n := m.visLen()
	if n == 0 {
		return m.buf.base
	}
	return m.visAt(n - 1)
}

func (m *Model) bodyHeight() int { return max(m.h-2, 1) }

// key handles a key press.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	if m.typing {
		return m.searchKey(k)
	}
	keys := m.ctx.Keys
	n := m.visLen()
	pos := m.visPos(m.cursor)
	move := func(to int64) {
		if n == 0 {
			return
		}
		to = min(max(to, 0), n-1)
		m.cursor = m.visAt(to)
		m.follow = to == n-1 && m.opts.SinceTime.IsZero() && m.streaming
	}
	switch s := k.String(); {
	case key.Matches(k, keys.Up):
		move(pos - 1)
	case key.Matches(k, keys.Down):
		move(pos + 1)
	case key.Matches(k, keys.PageUp):
		move(pos - int64(m.bodyHeight()))
	case key.Matches(k, keys.PageDown):
		move(pos + int64(m.bodyHeight()))
	case key.Matches(k, keys.Home):
		move(0)
	case key.Matches(k, keys.End):
		move(n - 1)
		m.follow = m.opts.SinceTime.IsZero()
	case s == "f":
		m.follow = !m.follow
		if m.follow {
			m.cursor = m.lastVisible()
		}
	case s == "w":
		m.wrap = !m.wrap
	case s == "t":
		m.stamps = !m.stamps
	case s == "/":
		m.typing = true
		m.input = common.Input{Prompt: "/", Value: m.search.Pattern}
	case s == "n":
		m.nextMatch(1)
	case s == "N":
		m.nextMatch(-1)
	case s == "o":
		if m.search.Empty() {
			return common.Notice("search first (/), then o shows only the matching lines", false)
		}
		m.only = !m.only
		m.cursor = m.visAt(min(m.visPos(m.cursor), max(m.visLen()-1, 0)))
	case s == "p":
		m.previous = !m.previous
		m.follow = !m.previous && m.opts.SinceTime.IsZero()
		return m.Start()
	case s == "c":
		if len(m.containers) < 2 {
			return common.Notice("one container only", false)
		}
		m.ctrIdx = (m.ctrIdx + 1) % len(m.containers)
		return m.Start()
	case s == "r":
		m.rangeIdx = (m.rangeIdx + 1) % len(ranges)
		return m.Start()
	case s == "ctrl+s":
		return m.save()
	case key.Matches(k, keys.Enter):
		if m.buf.n > 0 && m.cursor >= m.buf.base && m.cursor < m.buf.end() {
			if id := m.buf.at(m.cursor).trace; id != "" {
				return func() tea.Msg { return OpenTraceMsg{ID: id} }
			}
		}
		return common.Notice("no trace id on this line (W3C traceparent, trace_id= or traceID with 32 hex digits)", false)
	}
	return nil
}

// Searching reports whether the search prompt has the keyboard.
func (m *Model) Searching() bool { return m.typing }

func (m *Model) searchKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.typing = false
		return nil
	case "enter":
		m.typing = false
		m.setSearch(m.input.Value)
		m.nextMatch(0)
		return nil
	}
	m.input.HandleKey(k)
	return nil
}

// setSearch parses the pattern (the filter's syntax: substring, ~regex,
// %fuzzy) and finds every matching line of the buffer.
func (m *Model) setSearch(pattern string) {
	m.search = common.ParseFilter(pattern)
	m.matches = m.matches[:0]
	if m.search.Empty() {
		m.only = false
		if m.search.Err != "" {
			m.note = m.search.Err
		}
		return
	}
	m.matches = searchRing(m.buf, m.search, m.matches)
	if m.only && len(m.matches) == 0 {
		m.only = false
	}
}

// searchRing returns the absolute ids of the lines f keeps.
func searchRing(r *ring, f common.Filter, out []int64) []int64 {
	texts := make([]string, r.n)
	for i := range r.n {
		texts[i] = r.buf[(r.start+i)%len(r.buf)].fold
	}
	for _, i := range f.Apply(texts, nil) {
		out = append(out, r.base+int64(i))
	}
	return out
}

// nextMatch moves the cursor to the next (dir 1), previous (-1) or
// nearest at or after (0) match.
func (m *Model) nextMatch(dir int) {
	if len(m.matches) == 0 {
		if !m.search.Empty() {
			m.note = "no line matches " + m.search.Pattern
		}
		return
	}
	m.note = ""
	i, found := slices.BinarySearch(m.matches, m.cursor)
	switch {
	case dir > 0 && found:
		i++
	case dir < 0:
		i--
	}
	if i < 0 {
		i = len(m.matches) - 1
	}
	if i >= len(m.matches) {
		i = 0
	}
	m.cursor = m.matches[i]
	m.follow = false
	m.note = fmt.Sprintf("match %d/%d", i+1, len(m.matches))
}

// save writes the visible lines (timestamps and pod names included) to a
// private file in a tea.Cmd.
func (m *Model) save() tea.Cmd {
	n := m.visLen()
	lines := make([]string, 0, n)
	for k := range n {
		e := m.buf.at(m.visAt(k))
		var b strings.Builder
		b.WriteString(e.t.UTC().Format(time.RFC3339Nano))
		b.WriteByte(' ')
		if m.showSrc {
			b.WriteString(m.srcs[e.src])
			b.WriteByte(' ')
		}
		b.WriteString(e.text)
		lines = append(lines, b.String())
	}
	dir := m.opts.SaveDir
	if dir == "" {
		dir = os.TempDir()
	}
	name := "console-logs-" + safeName(m.opts.Title) + "-" + m.ctx.Now().UTC().Format("20060102-150405") + ".log"
	return func() tea.Msg {
		path := filepath.Join(dir, name)
		data := strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			return savedMsg{err: fmt.Errorf("write %s: %w", path, err)}
		}
		return savedMsg{path: path}
	}
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// podColours label each pod's lines (as stern does); the pod name is
// also written, so colour is never the only signal.
var podColours = []color.Color{lipgloss.Color("39"), lipgloss.Color("170"), lipgloss.Color("42"), lipgloss.Color("214"),
	lipgloss.Color("81"), lipgloss.Color("204"), lipgloss.Color("148"), lipgloss.Color("141")}

func (m *Model) srcStyle(i uint16) lipgloss.Style {
	h := fnv.New32a()
	h.Write([]byte(m.srcs[i]))
	return lipgloss.NewStyle().Foreground(podColours[h.Sum32()%uint32(len(podColours))])
}

// View renders the header, the visible lines and the prompt or status line.
func (m *Model) View() string {
	th := m.ctx.Theme
	var b strings.Builder
	b.WriteString(ansi.Truncate(m.header(), m.w, "…"))
	b.WriteByte('\n')
	rows := m.rows()
	for i := range m.bodyHeight() {
		if i < len(rows) {
			b.WriteString(rows[i])
		}
		b.WriteByte('\n')
	}
	switch {
	case m.typing:
		b.WriteString(ansi.Truncate(m.input.View(th), m.w, "…"))
	case len(m.errs) > 0:
		b.WriteString(th.Error.Render(ansi.Truncate(m.errs[len(m.errs)-1], m.w, "…")))
	case m.note != "":
		b.WriteString(th.Muted.Render(ansi.Truncate(m.note, m.w, "…")))
	}
	return b.String()
}

func (m *Model) header() string {
	th := m.ctx.Theme
	state := "following"
	switch {
	case m.previous:
		state = "previous container"
	case !m.opts.SinceTime.IsZero():
		state = "span window"
	case !m.streaming:
		state = "ended"
	case !m.follow:
		state = "paused (f or G follows)"
	}
	ctr := "all containers"
	if m.ctrIdx > 0 && m.ctrIdx < len(m.containers) {
		ctr = "container " + common.Sanitize(m.containers[m.ctrIdx])
	}
	count := strconv.Itoa(m.buf.n) + " lines"
	if m.buf.base > 0 {
		count += " (" + strconv.FormatInt(m.buf.base, 10) + " dropped)"
	}
	parts := []string{th.Title.Render("Logs " + common.Sanitize(m.opts.Title)), state, count}
	if !m.search.Empty() {
		s := strconv.Itoa(len(m.matches)) + " match /" + common.Sanitize(m.search.Pattern)
		if m.only {
			s += " (only)"
		}
		parts = append(parts, s)
	}
	var flags []string
	if m.wrap {
		flags = append(flags, "wrap")
	}
	if m.stamps {
		flags = append(flags, "timestamps")
	}
	if len(flags) > 0 {
		parts = append(parts, strings.Join(flags, "+"))
	}
	parts = append(parts, ctr, ranges[m.rangeIdx].name)
	return strings.Join(parts, " · ")
}

// rows renders the visible lines into at most bodyHeight rows.
func (m *Model) rows() []string {
	h := m.bodyHeight()
	n := m.visLen()
	if n == 0 {
		msg := "waiting for lines…"
		if !m.streaming {
			msg = "no lines"
		}
		return []string{m.ctx.Theme.Muted.Render(msg)}
	}
	cur := m.visPos(m.cursor)
	// The window: the cursor's line is the last one drawn when following,
	// else the top is kept unless the cursor left the window.
	top := m.visPos(m.top)
	if m.follow || cur < top {
		top = cur
		if m.follow || cur < m.visPos(m.top) {
			// walk back from the cursor until the rows are filled
			used := 0
			for top = cur; top >= 0; top-- {
				used += m.height(m.visAt(top))
				if used > h {
					break
				}
			}
			top++
			if !m.follow {
				top = cur
			}
		}
	} else {
		used := 0
		for k := top; k <= cur; k++ {
			used += m.height(m.visAt(k))
		}
		for used > h && top < cur {
			used -= m.height(m.visAt(top))
			top++
		}
	}
	m.top = m.visAt(top)
	var out []string
	for k := top; k < n && len(out) < h; k++ {
		out = append(out, m.render(m.visAt(k), k == cur)...)
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}

// height is how many rows a line takes.
func (m *Model) height(id int64) int {
	if !m.wrap {
		return 1
	}
	w := ansi.StringWidth(m.plain(id))
	return max(1, (w+m.w-1)/max(m.w, 1))
}

// prefix is the timestamp and source label drawn before the text.
func (m *Model) prefix(e *entry) (string, string) {
	var ts, src string
	if m.stamps {
		ts = e.t.Local().Format("2006-01-02T15:04:05.000") + " "
	}
	if m.showSrc {
		src = m.srcs[e.src] + " "
	}
	return ts, src
}

func (m *Model) plain(id int64) string {
	e := m.buf.at(id)
	ts, src := m.prefix(e)
	return ts + src + e.text
}

// render draws one line (several rows when wrapped): muted timestamp,
// coloured source, the text with search matches and the highlighted trace
// marked; the cursor's line reversed.
func (m *Model) render(id int64, selected bool) []string {
	th := m.ctx.Theme
	e := m.buf.at(id)
	ts, src := m.prefix(e)
	text := e.text
	var segs []string
	if m.wrap {
		segs = strings.Split(ansi.Hardwrap(ts+src+text, max(m.w, 1), true), "\n")
	} else {
		segs = []string{ansi.Truncate(ts+src+text, m.w, "…")}
	}
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		var styled string
		switch {
		case selected && m.isHighlighted(e):
			styled = th.Warn.Bold(true).Render("▌") + th.Selected.Render(s)
		case selected:
			styled = th.Selected.Render(s)
		case i == 0:
			styled = m.styleFirst(s, ts, src, e)
		default:
			styled = m.styleText(s, e)
		}
		out = append(out, styled)
	}
	return out
}

func (m *Model) styleFirst(s, ts, src string, e *entry) string {
	th := m.ctx.Theme
	var b strings.Builder
	if ts != "" {
		n := min(len(ts), len(s))
		b.WriteString(th.Muted.Render(s[:n]))
		s = s[n:]
	}
	if src != "" {
		n := min(len(src), len(s))
		b.WriteString(m.srcStyle(e.src).Render(s[:n]))
		s = s[n:]
	}
	b.WriteString(m.styleText(s, e))
	return b.String()
}

// styleText marks the search's matches (substring searches) and the lines
// of the highlighted trace.
func (m *Model) styleText(s string, e *entry) string {
	th := m.ctx.Theme
	if m.isHighlighted(e) {
		return th.Warn.Bold(true).Render("▌" + s)
	}
	if m.search.Empty() || m.search.Mode != common.Substring || m.search.Invert {
		return s
	}
	pat := common.Fold(m.search.Pattern)
	fold := common.Fold(s)
	if len(fold) != len(s) || !strings.Contains(fold, pat) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(fold, pat)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(th.Badge.Padding(0).Render(s[i : i+len(pat)]))
		s, fold = s[i+len(pat):], fold[i+len(pat):]
	}
}

// isHighlighted reports whether e carries the trace opened from a span.
func (m *Model) isHighlighted(e *entry) bool {
	return m.opts.Highlight != "" && e.trace == m.opts.Highlight
}

// KeyHints are the view's keys for the footer and the help.
func (m *Model) KeyHints() []key.Binding {
	b := func(k, d string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, d)) }
	return []key.Binding{b("/", "search"), b("n/N", "next/prev match"), b("o", "only matching"), b("f", "follow"),
		b("p", "previous"), b("c", "container"), b("r", "since/tail"), b("w", "wrap"), b("t", "timestamps"),
		b("ctrl+s", "save"), b("enter", "open trace"), b("esc", "close")}
}

// Lines is the number of lines held (tests, benchmarks).
func (m *Model) Lines() int { return m.buf.n }

// Ingest adds lines as if they had streamed in (tests, benchmarks).
func (m *Model) Ingest(ls []podlogs.Line) { m.ingest(ls) }

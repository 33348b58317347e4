package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
)

// traceTimeout bounds fetching one trace.
const traceTimeout = 30 * time.Second

// baselineTraces is how many other traces a trace is compared with.
const baselineTraces = 20

// traceViewer is the trace view component (ui/traceview, or spanList
// when that is unavailable).
type traceViewer interface {
	SetSize(w, h int)
	Update(msg tea.Msg) (traceViewer, tea.Cmd)
	View() string
	KeyHints() []key.Binding
}

// newTraceViewer builds the viewer for t; replaced by the traceview
// integration (see traceview.go).
var newTraceViewer = func(ctx *common.Context, t *traces.Trace, r *traces.Report) traceViewer {
	return newSpanList(ctx, t)
}

type traceMsg struct {
	req    int
	id     string
	trace  *traces.Trace
	report *traces.Report
	err    error
}

// openTrace fetches the trace id in a tea.Cmd and opens it.
func (m *Model) openTrace(id string) tea.Cmd {
	if m.d.traces == nil {
		m.setMsg("no trace source configured (--jaeger)", true)
		return nil
	}
	m.reqID++
	req, src, ctx := m.reqID, m.d.traces, m.d.ctx
	m.traceReq = req
	m.setMsg("loading trace "+id+"…", false)
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, traceTimeout)
		defer cancel()
		t, err := src.Get(cctx, id)
		if err != nil {
			return traceMsg{req: req, id: id, err: err}
		}
		// compare with other traces of the same root operation, as
		// `console trace show` does (none when the search fails)
		var baseline []*traces.Trace
		if len(t.Spans) > 0 {
			root := traces.Summary(t)
			baseline, _ = src.Find(cctx, traces.Query{Service: root.Service, Operation: root.Operation,
				Lookback: traces.DefaultLookback, Limit: baselineTraces + 1})
		}
		return traceMsg{req: req, id: id, trace: t, report: traces.NewReport(t, baseline)}
	}
}

// handleTraceMsg opens a fetched trace; stale answers are dropped.
func (m *Model) handleTraceMsg(msg tea.Msg) (tea.Cmd, bool) {
	tm, ok := msg.(traceMsg)
	if !ok {
		return m.handleJump(msg)
	}
	if tm.req != m.traceReq {
		return nil, true
	}
	if tm.err != nil {
		m.setMsg("trace "+tm.id+": "+tm.err.Error(), true)
		return nil, true
	}
	m.msg = ""
	m.tracev = newTraceViewer(m.ctx, tm.trace, tm.report)
	m.mode = modeTrace
	m.layout()
	return nil, true
}

// spanList is a plain list of a trace's spans in start order, the fallback
// trace view.
type spanList struct {
	ctx    *common.Context
	lines  []string
	offset int
	w, h   int
}

func newSpanList(ctx *common.Context, t *traces.Trace) *spanList {
	spans := append([]traces.Span(nil), t.Spans...)
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start.Before(spans[j].Start) })
	depth := map[string]int{}
	byID := map[string]*traces.Span{}
	for i := range spans {
		byID[spans[i].SpanID] = &spans[i]
	}
	var d func(s *traces.Span, n int) int
	d = func(s *traces.Span, n int) int {
		if v, ok := depth[s.SpanID]; ok {
			return v
		}
		p, ok := byID[s.ParentID]
		if !ok || n > 100 {
			return 0
		}
		v := d(p, n+1) + 1
		depth[s.SpanID] = v
		return v
	}
	l := &spanList{ctx: ctx}
	l.lines = append(l.lines, ctx.Theme.Title.Render("trace "+common.Sanitize(t.TraceID))+fmt.Sprintf(" · %d spans", len(spans)))
	for i := range spans {
		s := &spans[i]
		mark := "✓"
		if s.Error {
			mark = "✗"
		}
		line := fmt.Sprintf("%s %s%s %s %s", mark, strings.Repeat("  ", min(d(s, 0), 30)),
			common.Sanitize(s.Service), common.Sanitize(s.Operation), s.Duration.Round(time.Microsecond))
		if s.StatusMessage != "" {
			line += " — " + common.Sanitize(s.StatusMessage)
		}
		l.lines = append(l.lines, line)
	}
	return l
}

func (l *spanList) SetSize(w, h int) { l.w, l.h = w, h }

func (l *spanList) Update(msg tea.Msg) (traceViewer, tea.Cmd) {
	k := l.ctx.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Down):
			l.offset++
		case key.Matches(msg, k.Up):
			l.offset--
		case key.Matches(msg, k.PageDown):
			l.offset += l.h
		case key.Matches(msg, k.PageUp):
			l.offset -= l.h
		case key.Matches(msg, k.Home):
			l.offset = 0
		case key.Matches(msg, k.End):
			l.offset = len(l.lines)
		}
	case tea.MouseWheelMsg:
		if msg.Mouse().Button == tea.MouseWheelDown {
			l.offset += 3
		} else {
			l.offset -= 3
		}
	}
	l.offset = max(0, min(l.offset, len(l.lines)-l.h))
	return l, nil
}

func (l *spanList) View() string {
	end := min(len(l.lines), l.offset+l.h)
	out := make([]string, 0, l.h)
	for _, s := range l.lines[l.offset:end] {
		out = append(out, ansi.Truncate(s, l.w, "…"))
	}
	return strings.Join(out, "\n")
}

func (l *spanList) KeyHints() []key.Binding {
	k := l.ctx.Keys
	return []key.Binding{k.Up, k.Down, k.PageDown}
}

package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/traces"
)

// traceTimeout bounds fetching one trace.
const traceTimeout = 30 * time.Second

// baselineTraces is how many other traces a trace is compared with.
const baselineTraces = 20

// traceViewer is the trace view component (ui/traceview, adapted in
// traceview.go).
type traceViewer interface {
	SetSize(w, h int)
	Update(msg tea.Msg) (traceViewer, tea.Cmd)
	View() string
	KeyHints() []key.Binding
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
	id, err := traces.ResolveID(m.listedTraceIDs(), id)
	if err != nil {
		m.setMsg(err.Error(), true)
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
		// compare with other traces of the same root operation that
		// started before it, as `console trace show` does (none when the
		// search fails)
		baseline, _ := traces.Baseline(cctx, src, t, baselineTraces, traces.DefaultLookback)
		return traceMsg{req: req, id: id, trace: t, report: traces.NewReport(t, baseline)}
	}
}

// listedTraceIDs are the ids of the traces the Traces view lists, the
// ones a short id typed in `:trace` is resolved against.
func (m *Model) listedTraceIDs() []string {
	if m.snap == nil {
		return nil
	}
	ids := make([]string, len(m.snap.Inv.Traces))
	for i := range m.snap.Inv.Traces {
		ids[i] = m.snap.Inv.Traces[i].TraceID
	}
	return ids
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
	m.tracev = newTraceViewer(tm.trace, tm.report)
	m.mode = modeTrace
	m.layout()
	return nil, true
}

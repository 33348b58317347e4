package ui

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/traceview"
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
	// reopen: the open trace with another baseline (dropped when the
	// view was closed meanwhile)
	reopen bool
}

// traceLoad is a trace being fetched: its spans arrive in a stream
// (traces.GetProgress), counted in spans; phase says what is being done.
type traceLoad struct {
	req    int
	id     string
	spans  atomic.Int64
	phase  atomic.Int32 // loadReceiving, loadBaseline, loadAnalysing
	cancel context.CancelFunc
}

const (
	loadReceiving = iota
	loadBaseline
	loadAnalysing
)

// traceProgressEvery is how often the progress of a fetch is shown.
const traceProgressEvery = 200 * time.Millisecond

// traceProgressMsg asks to show the progress of fetch req.
type traceProgressMsg struct{ req int }

// openTrace fetches the trace id in a tea.Cmd and opens it; while it
// arrives the footer says how many spans were received, and esc cancels.
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
	m.cancelTraceLoad()
	m.reqID++
	req, src := m.reqID, m.d.traces
	cctx, cancel := context.WithTimeout(m.d.ctx, traceTimeout)
	load := &traceLoad{req: req, id: id, cancel: cancel}
	m.traceReq, m.traceLoad = req, load
	m.setMsg("loading trace "+id+"… (esc cancels)", false)
	fetch := func() tea.Msg {
		defer cancel()
		t, err := traces.GetProgress(cctx, src, id, func(n int) { load.spans.Store(int64(n)) })
		if err != nil {
			return traceMsg{req: req, id: id, err: err}
		}
		// compare with other traces of the same root operation that
		// started before it, as `console trace show` does (none when the
		// search fails)
		load.phase.Store(loadBaseline)
		return traceMsg{req: req, id: id, trace: t, report: reportWith(cctx, src, t, traces.BaselineAuto, load)}
	}
	return tea.Batch(fetch, traceProgressTick(req))
}

// reportWith compares t with its baseline of the given mode, as `console
// trace show` does (no baseline when the search fails: the report says
// so).
func reportWith(ctx context.Context, src traces.Source, t *traces.Trace, mode string, load *traceLoad) *traces.Report {
	baseline, info, err := traces.BaselineFor(ctx, src, t, traces.BaselineOptions{N: baselineTraces, Lookback: traces.DefaultLookback, Mode: mode})
	if err != nil {
		info.Weak, info.Note = true, "no baseline: "+err.Error()
	}
	if load != nil {
		load.phase.Store(loadAnalysing)
	}
	r := traces.NewReport(t, baseline)
	r.BaselineInfo = info
	return r
}

// switchBaseline recomputes the open trace's report with its other
// baseline (traceview's b): auto ⇄ before-trace.
func (m *Model) switchBaseline(bm traceview.BaselineMsg) tea.Cmd {
	if m.openTraceData == nil || m.openTraceData.TraceID != bm.TraceID {
		return nil
	}
	mode := traces.BaselineBeforeTrace
	if bm.Mode != traces.BaselineAuto {
		mode = traces.BaselineAuto
	}
	m.reqID++
	req, src, t := m.reqID, m.d.traces, m.openTraceData
	m.traceReq = req
	ctx := m.d.ctx
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, traceTimeout)
		defer cancel()
		return traceMsg{req: req, id: t.TraceID, trace: t, report: reportWith(cctx, src, t, mode, nil), reopen: true}
	}
}

func traceProgressTick(req int) tea.Cmd {
	return tea.Tick(traceProgressEvery, func(time.Time) tea.Msg { return traceProgressMsg{req: req} })
}

// showTraceProgress updates the footer while a trace arrives.
func (m *Model) showTraceProgress(req int) tea.Cmd {
	l := m.traceLoad
	if l == nil || l.req != req {
		return nil
	}
	n := groupDigits(l.spans.Load())
	switch l.phase.Load() {
	case loadBaseline:
		m.setMsg("trace "+l.id+": "+n+" spans received; fetching its baseline… (esc cancels)", false)
	case loadAnalysing:
		m.setMsg("trace "+l.id+": analysing "+n+" spans…", false)
	default:
		if n == "0" {
			m.setMsg("trace "+l.id+": waiting for the first spans… (esc cancels)", false)
			break
		}
		m.setMsg("trace "+l.id+": receiving "+n+" spans… (esc cancels)", false)
	}
	return traceProgressTick(req)
}

// cancelTraceLoad stops the fetch under way, if any; its answer is dropped.
func (m *Model) cancelTraceLoad() bool {
	l := m.traceLoad
	if l == nil {
		return false
	}
	l.cancel()
	m.traceLoad = nil
	m.traceReq = -1
	return true
}

// groupDigits writes n with thousands separators (43,000).
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
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
	switch msg := msg.(type) {
	case traceProgressMsg:
		return m.showTraceProgress(msg.req), true
	case traceview.BaselineMsg:
		return m.switchBaseline(msg), true
	}
	tm, ok := msg.(traceMsg)
	if !ok {
		return m.handleJump(msg)
	}
	if tm.req != m.traceReq || (tm.reopen && m.mode != modeTrace) {
		return nil, true
	}
	m.traceLoad = nil
	if tm.err != nil {
		m.setMsg("trace "+tm.id+": "+common.ErrText(tm.err), true)
		return nil, true
	}
	m.msg = ""
	m.openTraceData = tm.trace
	m.tracev = newTraceViewer(tm.trace, tm.report)
	m.mode = modeTrace
	m.layout()
	return nil, true
}

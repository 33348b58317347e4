package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/traces"
)

// streamingSource streams a trace: it reports progress, then waits for
// its context (the user's esc) before answering.
type streamingSource struct {
	*traces.MemorySource
	reported chan struct{}
}

func (s *streamingSource) GetProgress(ctx context.Context, _ string, progress func(int)) (*traces.Trace, error) {
	progress(43_000)
	close(s.reported)
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestTraceLoadProgressAndCancel: while a trace arrives the footer counts
// its spans, and esc stops the transfer (the source sees its context
// cancelled) without leaving the view.
func TestTraceLoadProgressAndCancel(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	src := &streamingSource{MemorySource: traces.NewMemorySource(s.Traces()), reported: make(chan struct{})}
	m := newTestModel(t, snap, s, 120, 30, func(d *deps) { d.traces = src })
	drain(m, m.switchTo("traces"))
	history := len(m.history)
	cmd := m.openTrace(snap.Inv.Traces[0].TraceID)
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("open: %T", cmd())
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- batch[0]() }()
	<-src.reported
	m.Update(traceProgressMsg{req: m.traceReq})
	if !strings.Contains(m.msg, "receiving 43,000 spans") || !strings.Contains(m.msg, "esc cancels") {
		t.Errorf("progress: %q", m.msg)
	}
	press(m, "esc")
	var res tea.Msg
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("esc did not stop the transfer")
	}
	m.Update(res)
	if m.mode == modeTrace || m.traceLoad != nil || !strings.Contains(m.msg, "stopped loading") {
		t.Errorf("after esc: mode %v, msg %q", m.mode, m.msg)
	}
	if len(m.history) != history || m.active != "traces" {
		t.Errorf("esc left the view: %s", m.active)
	}
	if groupDigits(100000) != "100,000" || groupDigits(999) != "999" || groupDigits(-1234) != "-1,234" {
		t.Errorf("groupDigits: %s %s %s", groupDigits(100000), groupDigits(999), groupDigits(-1234))
	}
}

// TestTraceBaselineSwitch: the trace view says which traces the baseline
// is — by default the window before the burst the trace belongs to — and
// b compares with the window ending at the trace instead, and back.
func TestTraceBaselineSwitch(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	var ts []*traces.Trace
	base := frozen.Add(-30 * time.Minute)
	for i := range 36 {
		d := time.Duration(80+(i*7)%41) * time.Millisecond
		if i >= 30 { // the burst
			d = 400 * time.Millisecond
		}
		ts = append(ts, &traces.Trace{TraceID: fmt.Sprintf("%032x", i+1), Spans: []traces.Span{{SpanID: fmt.Sprintf("%016x", i+1),
			Service: "frontend", Operation: "GET /checkout", Start: base.Add(time.Duration(i) * 10 * time.Second), Duration: d}}})
	}
	src := traces.NewMemorySource(ts)
	src.Now = func() time.Time { return frozen }
	m := newTestModel(t, snap, s, 160, 40, func(d *deps) { d.traces = src })
	drain(m, m.openTrace(ts[35].TraceID))
	if m.mode != modeTrace {
		t.Fatalf("not opened: %q", m.msg)
	}
	view := func() string { return m.View().Content }
	if v := view(); !strings.Contains(v, "baseline: 20 traces") || !strings.Contains(v, "auto: before the burst") || !strings.Contains(v, "6 traces, 6 ≥ 1.5×") {
		t.Fatalf("no auto baseline line:\n%s", v)
	}
	press(m, "b")
	if v := view(); m.mode != modeTrace || !strings.Contains(v, "(before-trace window)") {
		t.Fatalf("b did not switch the baseline:\n%s", v)
	}
	press(m, "b")
	if v := view(); !strings.Contains(v, "auto: before the burst") {
		t.Fatalf("b did not switch back:\n%s", v)
	}
}

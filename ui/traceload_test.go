package ui

import (
	"context"
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

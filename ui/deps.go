package ui

import (
	"context"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/pages"
)

// The Services view's graph covers depsLookback; one load waits at most
// depsTimeout.
const (
	depsLookback = time.Hour
	depsTimeout  = 30 * time.Second
)

// depsMsg carries the trace source's service graph (or its error).
type depsMsg struct {
	req  int
	deps []traces.Dependency
	err  error
}

func (m *Model) depsPage() *pages.Deps { return m.byName["deps"].(*pages.Deps) }

// loadDeps (re)loads the service graph in a tea.Cmd; an earlier load's
// answer is dropped.
func (m *Model) loadDeps() tea.Cmd {
	p := m.depsPage()
	if m.d.traces == nil {
		m.depsReq = 0
		p.SetNoSource()
		return nil
	}
	m.reqID++
	req, src, ctx := m.reqID, m.d.traces, m.d.ctx
	m.depsReq = req
	p.SetLoading(lookbackText(depsLookback))
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, depsTimeout)
		defer cancel()
		ds, err := src.Dependencies(cctx, depsLookback)
		return depsMsg{req: req, deps: ds, err: err}
	}
}

// lookbackText renders a lookback: "1h", "30m", else Go's form.
func lookbackText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}

// handleDepsMsg installs a loaded graph; it reports whether msg was one.
func (m *Model) handleDepsMsg(msg tea.Msg) (tea.Cmd, bool) {
	dm, ok := msg.(depsMsg)
	if !ok {
		return nil, false
	}
	if dm.req != m.depsReq {
		return nil, true // stale: a later load is in flight or done
	}
	m.depsPage().SetDeps(dm.deps, dm.err)
	if m.mode == modeDetail && m.active == "deps" {
		m.openDetail()
	}
	return nil, true
}

package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/traceview"
)

// traceviewAdapter adapts traceview.Model (a value model) to traceViewer.
type traceviewAdapter struct{ m traceview.Model }

func (a *traceviewAdapter) SetSize(w, h int) { a.m = a.m.SetSize(w, h) }
func (a *traceviewAdapter) View() string     { return a.m.View() }
func (a *traceviewAdapter) Searching() bool  { return a.m.Searching() }
func (a *traceviewAdapter) KeyHints() []key.Binding {
	return a.m.KeyHints()
}
func (a *traceviewAdapter) Update(msg tea.Msg) (traceViewer, tea.Cmd) {
	var cmd tea.Cmd
	a.m, cmd = a.m.Update(msg)
	return a, cmd
}

// newTraceViewer opens t with its report in the trace view.
func newTraceViewer(t *traces.Trace, r *traces.Report) traceViewer {
	return &traceviewAdapter{m: traceview.New(t, r)}
}

// toJump converts the trace view's JumpMsg (o on a span).
func toJump(msg tea.Msg) (jump, bool) {
	j, ok := msg.(traceview.JumpMsg)
	if !ok {
		return jump{}, false
	}
	return jump{Pod: j.Pod, Node: j.Node, Zone: j.Zone, Host: j.Host, Service: j.Service}, true
}

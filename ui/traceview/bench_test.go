package traceview

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/traces"
)

// BenchmarkFrame: one scroll step and one full frame of the waterfall on a
// 100,000-span trace (160x50 terminal).
func BenchmarkFrame(b *testing.B) {
	for _, sh := range []struct {
		name string
		t    *traces.Trace
	}{{"wide", traces.WideTrace(100000)}, {"deep", traces.DeepTrace(100000)}} {
		b.Run(sh.name, func(b *testing.B) {
			m := New(sh.t, nil).SetSize(160, 50)
			m, _ = m.Update(tea.KeyPressMsg{Code: 'e', Text: "e"}) // expand all
			down := tea.KeyPressMsg{Code: tea.KeyDown}
			b.ReportAllocs()
			for b.Loop() {
				m, _ = m.Update(down)
				if len(m.View()) == 0 {
					b.Fatal("empty frame")
				}
			}
		})
	}
}

// BenchmarkOpen: building the view (tree, report, rows) of a 100,000-span
// trace whose report is already computed.
func BenchmarkOpen(b *testing.B) {
	t := traces.WideTrace(100000)
	r := traces.NewReport(t, nil)
	b.ReportAllocs()
	for b.Loop() {
		New(t, r).SetSize(160, 50).View()
	}
}

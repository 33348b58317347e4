package logview

import (
	"fmt"
	"testing"

	"github.com/opsconsole/console/ui/common"
)

// bigLog is an action's output at the executor's bound (20,000 lines),
// one line in ten longer than the screen.
func bigLog(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%06d terraform: module.workers.aws_instance.node[%d]: Still creating... [%ds elapsed]", i, i%50, i%600)
		if i%10 == 0 {
			out[i] += " — a long line from the provider that wraps at 80 columns: Error: waiting for EC2 Instance to become ready"
		}
	}
	return out
}

// BenchmarkLogAppend is one new output line arriving in a 20,000-line
// log kept bounded (the executor's: its oldest line goes), shown with a
// search active (SetLines with the run's copy of its lines, then the
// frame): the cost per streamed line.
func BenchmarkLogAppend(b *testing.B) {
	all := bigLog(20000 + 1_000_000)
	m := New(common.NewContext())
	m.SetSize(80, 20)
	m.SetLines(all[:20000])
	m.query = "error"
	m.search(0)
	b.ResetTimer()
	for i := 1; b.Loop(); i++ {
		m.SetLines(all[i : i+20000])
		_ = m.View()
	}
}

// BenchmarkLogFrame is one frame of the open log (scrolled into the
// middle, a search active).
func BenchmarkLogFrame(b *testing.B) {
	m := New(common.NewContext())
	m.SetSize(200, 50)
	m.SetLines(bigLog(20000))
	m.query = "error"
	m.search(0)
	m.next(1)
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkLogSearch is a search over 20,000 lines (enter after /error).
func BenchmarkLogSearch(b *testing.B) {
	m := New(common.NewContext())
	m.SetSize(80, 20)
	m.SetLines(bigLog(20000))
	b.ResetTimer()
	for b.Loop() {
		m.query = "error"
		m.matches = m.matches[:0]
		m.search(0)
		m.match = -1
		m.next(1)
	}
}

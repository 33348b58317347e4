package podlog

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers/kube/podlogs"
)

// benchLines are realistic lines: ~110 bytes, 5 pods, a trace id on every
// tenth line.
func benchLines(n int, t0 time.Time) []podlogs.Line {
	out := make([]podlogs.Line, n)
	for i := range out {
		text := fmt.Sprintf(`level=info ts=2026-12-01T12:00:00Z caller=handler.go:%d msg="GET /api/cart/%d 200" latency=%dms user=u%d`, i%500, i, i%97, i%1000)
		if i%10 == 0 {
			text += fmt.Sprintf(" trace_id=%032x", i+1)
		}
		out[i] = podlogs.Line{Time: t0.Add(time.Duration(i) * 100 * time.Microsecond), Pod: fmt.Sprintf("web-7d9f-%d", i%5), Container: "web", Text: text}
	}
	return out
}

// BenchmarkIngest10kLines is one second of a 10,000 lines/s stream: the
// UI goroutine's cost of installing it (sanitise, fold, trace id, ring)
// and drawing a frame. Under 1 s per op means the view keeps up.
func BenchmarkIngest10kLines(b *testing.B) {
	m := newTest(DefaultLines)
	m.SetSize(120, 40)
	ls := benchLines(10_000, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(ls); i += 500 { // 20 batches of 50 ms
			m.Ingest(ls[i : i+500])
		}
		_ = m.View()
	}
}

// BenchmarkKeyFrameWhileStreaming is a key press and the frame after it
// with a full buffer (100,000 lines) while a 50 ms batch of a 10,000
// lines/s stream is installed: what the user waits for.
func BenchmarkKeyFrameWhileStreaming(b *testing.B) {
	m := newTest(DefaultLines)
	m.SetSize(120, 40)
	t0 := time.Now()
	m.Ingest(benchLines(DefaultLines, t0))
	batch := benchLines(500, t0.Add(time.Hour))
	up := tea.KeyPressMsg{Code: 'k', Text: "k"}
	b.ReportAllocs()
	for b.Loop() {
		m.Ingest(batch)
		m.Update(up)
		_ = m.View()
	}
}

// BenchmarkSearch100k searches the full buffer (100,000 lines).
func BenchmarkSearch100k(b *testing.B) {
	m := newTest(DefaultLines)
	m.Ingest(benchLines(DefaultLines, time.Now()))
	b.ReportAllocs()
	for b.Loop() {
		m.setSearch("cart/4242")
	}
	if len(m.matches) == 0 {
		b.Fatal("no match")
	}
}

// BenchmarkBufferMemory reports the heap held by a full buffer after
// 200,000 lines streamed through it (100,000 kept).
func BenchmarkBufferMemory(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := newTest(DefaultLines)
		t0 := time.Now()
		for i := range 20 {
			m.Ingest(benchLines(10_000, t0.Add(time.Duration(i)*time.Second)))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB")
		runtime.KeepAlive(m)
	}
}

package ui

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

// BenchmarkOpenBigTraceTUI opens a 100,000-span trace from the lab's
// Jaeger through the TUI's code path: openTrace's fetch (streamed, with
// progress, then the baseline and the report) and the trace view's first
// frame, as enter on the Traces list does.
func BenchmarkOpenBigTraceTUI(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	j := lab.Jaeger(b)
	id, err := lab.SeedBigTrace(ctx, j.OTLPHTTP, lab.BigTraceOptions{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	lab.WaitFor(b, "the big trace stored", 10*time.Minute, func() (bool, string) {
		sums, err := c.FindSummaries(ctx, traces.Query{Service: "frontend"})
		return err == nil && len(sums) == 1 && sums[0].Spans == 100_000, fmt.Sprintf("%d traces (%v)", len(sums), err)
	})
	m := newTestModel(b, fixtureSnapshot(), nil, 160, 50, func(d *deps) { d.traces = c })
	var open, frame time.Duration
	var ms0, ms1 runtime.MemStats
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		start := time.Now()
		batch := m.openTrace(id)().(tea.BatchMsg)
		m.Update(batch[0]()) // the fetch: received, baseline, report; opens the view
		open += time.Since(start)
		if m.mode != modeTrace {
			b.Fatalf("not opened: %s", m.msg)
		}
		start = time.Now()
		out := m.View()
		frame += time.Since(start)
		runtime.ReadMemStats(&ms1)
		if !strings.Contains(out.Content, "GET /export") {
			b.Fatalf("frame without the root:\n%s", out.Content)
		}
		press(m, "esc")
	}
	b.ReportMetric(float64(open.Milliseconds())/float64(b.N), "open-ms/op")
	b.ReportMetric(float64(frame.Microseconds())/float64(b.N)/1000, "frame-ms/op")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), "alloc-MB/op")
	b.ReportMetric(float64(ms1.HeapInuse)/(1<<20), "heap-inuse-MB")
}

package jaeger_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

const bigSpans = 100_000

// seedBig starts Jaeger with the lab's 20 shop traces and one
// 100,000-span trace (the newest), and waits until it is stored.
func seedBig(ctx context.Context, tb testing.TB) (*jaeger.Client, string, []string) {
	tb.Helper()
	j := lab.Jaeger(tb)
	c, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	shop, _, err := lab.SeedTraces(ctx, j.OTLPHTTP, lab.TraceSeedOptions{Now: time.Now().Add(-10 * time.Second)})
	if err != nil {
		tb.Fatal(err)
	}
	id, err := lab.SeedBigTrace(ctx, j.OTLPHTTP, lab.BigTraceOptions{Spans: bigSpans})
	if err != nil {
		tb.Fatal(err)
	}
	for {
		sums, err := c.FindSummaries(ctx, traces.Query{Service: "frontend", Limit: 30})
		if err != nil {
			tb.Fatal(err)
		}
		i := slices.IndexFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == id })
		if i >= 0 && sums[i].Spans == bigSpans && len(sums) == len(shop)+1 {
			return c, id, shop
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("big trace not stored: %+v", sums)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestBigTraceAgainstJaeger: with a 100,000-span trace in the window, every
// service's listing still answers with every trace, the big one as a
// summary of its first spans; opening it streams it with progress, and its
// report holds (a dense fan-out is no pool).
func TestBigTraceAgainstJaeger(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c, id, shop := seedBig(ctx, t)

	for _, svc := range []string{"frontend", "orders", "payments"} {
		start := time.Now()
		sums, err := c.FindSummaries(ctx, traces.Query{Service: svc, Limit: 30})
		if err != nil {
			t.Fatalf("%s: %v", svc, err)
		}
		t.Logf("list %s: %d traces in %s", svc, len(sums), time.Since(start))
		i := slices.IndexFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == id })
		if svc == "payments" {
			if i >= 0 || len(sums) != len(shop) {
				t.Errorf("payments: %d traces (big one at %d), want the %d shop traces", len(sums), i, len(shop))
			}
			continue
		}
		if i < 0 {
			t.Fatalf("%s: big trace not listed", svc)
		}
		big := sums[i]
		if big.Spans != bigSpans || !big.Truncated || big.Summarised != jaeger.DefaultSummarySpans || big.Service != "frontend" || big.Operation != "GET /export" ||
			!slices.Equal(big.Services, []string{"frontend", "orders"}) || big.Duration < 4900*time.Millisecond {
			t.Errorf("%s: big trace summary %+v", svc, big)
		}
		for _, sid := range shop {
			if svc == "frontend" && !slices.ContainsFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == sid && !s.Truncated && s.Spans > 1 }) {
				t.Errorf("frontend: shop trace %s not listed", sid)
			}
		}
	}

	var calls, last int
	start := time.Now()
	tr, err := c.GetProgress(ctx, id, func(n int) {
		if n < last {
			t.Errorf("progress went back: %d after %d", n, last)
		}
		calls, last = calls+1, n
	})
	if err != nil {
		t.Fatal(err)
	}
	got := time.Since(start)
	start = time.Now()
	r := traces.NewReport(tr, nil)
	t.Logf("get: %d spans in %s (%d progress calls), report in %s", len(tr.Spans), got, calls, time.Since(start))
	if len(tr.Spans) != bigSpans || last != bigSpans || calls < 100 {
		t.Fatalf("got %d spans, progress %d in %d calls", len(tr.Spans), last, calls)
	}
	if full := traces.Summary(tr); full.Service != "frontend" || full.Spans != bigSpans {
		t.Errorf("summary of the whole trace %+v", full)
	}
	if r.Root.Operation != "GET /export" || r.ErrorOrigin != nil || r.Spans != bigSpans {
		t.Errorf("report root %+v origin %+v spans %d", r.Root, r.ErrorOrigin, r.Spans)
	}
	for _, f := range r.Findings {
		if f.Kind == traces.KindPoolSaturation {
			t.Errorf("an evenly spaced fan-out called a pool: %s", f.Summary)
		}
	}

	// the service graph (trace deps) reads whole traces of every service
	start = time.Now()
	deps, err := c.Dependencies(ctx, time.Hour)
	if err != nil || !slices.ContainsFunc(deps, func(d traces.Dependency) bool { return d.Parent == "frontend" && d.Child == "orders" }) {
		t.Errorf("dependencies with the big trace: %v %+v", err, deps)
	}
	t.Logf("dependencies: %d edges in %s", len(deps), time.Since(start))

	// cancelling the context stops the transfer
	cctx, ccancel := context.WithCancel(ctx)
	_, err = c.GetProgress(cctx, id, func(n int) {
		if n >= 1000 {
			ccancel()
		}
	})
	if err == nil {
		t.Error("cancelled get returned a trace")
	}
}

// BenchmarkOpenBigTraceJaeger: opening a 100,000-span trace from the lab's
// Jaeger (stream + convert, then the report), as the TUI and trace show do.
func BenchmarkOpenBigTraceJaeger(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, id, _ := seedBig(ctx, b)
	var recv, analyse time.Duration
	var ms0, ms1 runtime.MemStats
	var peak uint64
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		start := time.Now()
		tr, err := c.Get(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		r := traces.NewReport(tr, nil)
		recv += mid.Sub(start)
		analyse += time.Since(mid)
		runtime.ReadMemStats(&ms1)
		runtime.GC()
		var live runtime.MemStats
		runtime.ReadMemStats(&live)
		peak = max(peak, live.HeapAlloc)
		runtime.KeepAlive(tr)
		runtime.KeepAlive(r)
	}
	b.ReportMetric(float64(recv.Milliseconds())/float64(b.N), "receive-ms/op")
	b.ReportMetric(float64(analyse.Milliseconds())/float64(b.N), "analyse-ms/op")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), "alloc-MB/op")
	b.ReportMetric(float64(peak)/(1<<20), "live-MB")
}

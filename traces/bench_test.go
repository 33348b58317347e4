package traces

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// jaegerJSON renders t as Jaeger's HTTP API JSON (for the benchmarks).
func jaegerJSON(tb testing.TB, t *Trace) []byte {
	type kv struct {
		Key   string `json:"key"`
		Type  string `json:"type"`
		Value any    `json:"value"`
	}
	type ref struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	}
	type span struct {
		TraceID       string `json:"traceID"`
		SpanID        string `json:"spanID"`
		OperationName string `json:"operationName"`
		References    []ref  `json:"references"`
		StartTime     int64  `json:"startTime"`
		Duration      int64  `json:"duration"`
		Tags          []kv   `json:"tags"`
		Logs          []any  `json:"logs"`
		ProcessID     string `json:"processID"`
	}
	type proc struct {
		ServiceName string `json:"serviceName"`
		Tags        []kv   `json:"tags"`
	}
	procs := map[string]proc{}
	pid := map[string]string{}
	var spans []span
	for _, s := range t.Spans {
		id, ok := pid[s.Service]
		if !ok {
			id = "p" + string(rune('a'+len(pid)))
			pid[s.Service] = id
			var tags []kv
			for _, r := range s.Resource {
				tags = append(tags, kv{r.Key, "string", r.Value})
			}
			procs[id] = proc{s.Service, tags}
		}
		js := span{TraceID: t.TraceID, SpanID: s.SpanID, OperationName: s.Operation, StartTime: s.Start.UnixMicro(), Duration: s.Duration.Microseconds(), ProcessID: id, Logs: []any{}}
		if s.ParentID != "" {
			js.References = []ref{{"CHILD_OF", t.TraceID, s.ParentID}}
		}
		for _, tg := range s.Tags {
			js.Tags = append(js.Tags, kv{tg.Key, "string", tg.Value})
		}
		if s.Error {
			js.Tags = append(js.Tags, kv{"error", "bool", true})
		}
		spans = append(spans, js)
	}
	b, err := json.Marshal(map[string]any{"data": []any{map[string]any{"traceID": t.TraceID, "spans": spans, "processes": procs}}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// reportCPU reports the process CPU time per operation (user+system, GC
// included): unlike ns/op it does not grow when other processes load the
// machine.
func reportCPU(b *testing.B, since time.Duration) {
	if d := cpuTime() - since; d > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

var shapes = []struct {
	name string
	gen  func(int) *Trace
}{{"wide", WideTrace}, {"deep", DeepTrace}}

// BenchmarkParseAnalyzeReport: parse a 100,000-span Jaeger JSON file, build
// the tree, the critical path and the root-cause report.
func BenchmarkParseAnalyzeReport(b *testing.B) {
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			data := jaegerJSON(b, sh.gen(100000))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var heap uint64
			runtime.GC()
			runtime.GC() // twice: sync.Pool caches (encoding/json's) go on the second
			var before runtime.MemStats
			runtime.ReadMemStats(&before) // the input file is live
			cpu0 := cpuTime()
			for b.Loop() {
				ts, _, err := Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				r := NewReport(ts[0], nil)
				if r.Spans != 100000 {
					b.Fatal(r.Spans)
				}
				b.StopTimer()
				// Live heap held by the trace and its report.
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = max(heap, ms.HeapAlloc-min(ms.HeapAlloc, before.HeapAlloc))
				runtime.KeepAlive(r)
				b.StartTimer()
			}
			b.ReportMetric(float64(heap)/(1<<20), "live-MB")
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkAnalyze: tree, self times and critical path of a parsed trace.
func BenchmarkAnalyze(b *testing.B) {
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			t := sh.gen(100000)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				Analyze(t)
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkCriticalPath: the critical path alone, on a built tree.
func BenchmarkCriticalPath(b *testing.B) {
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			a := Analyze(sh.gen(100000))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				a.computeCriticalPath()
			}
			reportCPU(b, cpu0)
			if len(a.Segments) == 0 {
				b.Fatal("no critical path")
			}
		})
	}
}

// smallTraces generates n traces of 12 spans of one root operation,
// overlapping in time (a busy service's hour), some with lock waits in
// events and handled errors.
func smallTraces(n int) []*Trace {
	out := make([]*Trace, n)
	for k := range out {
		t0 := genStart.Add(time.Duration(k) * 3 * time.Millisecond)
		t := &Trace{TraceID: fmt.Sprintf("%032x", k+1)}
		t.Spans = append(t.Spans, Span{SpanID: spanID(0), Service: "api", Operation: "GET /order", Start: t0, Duration: 40 * time.Millisecond})
		for i := 1; i < 12; i++ {
			s := Span{SpanID: spanID(i), ParentID: spanID((i - 1) / 3), Service: fmt.Sprintf("svc-%d", i%4), Operation: fmt.Sprintf("op-%d", i%5),
				Start: t0.Add(time.Duration(i) * time.Millisecond), Duration: time.Duration(20-i) * time.Millisecond, Error: (k+i)%17 == 0}
			if (k+i)%5 == 0 {
				s.Events = []Event{{Time: s.Start, Name: "waiting for lock"}, {Time: s.Start.Add(s.Duration / 2), Name: "lock acquired"}}
			}
			t.Spans = append(t.Spans, s)
		}
		out[k] = t
	}
	return out
}

// BenchmarkManyTraces: the report of every trace of a 3,000-trace file,
// each compared with the others (trace analyze).
func BenchmarkManyTraces(b *testing.B) {
	ts := smallTraces(3000)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		c := NewCorpus(ts)
		for _, t := range ts {
			c.Report(t)
		}
	}
	reportCPU(b, cpu0)
}

// BenchmarkDeepWithBaseline: a 100,000-deep chain compared with one
// baseline trace of its root operation.
func BenchmarkDeepWithBaseline(b *testing.B) {
	t, base := DeepTrace(100000), DeepTrace(100)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if r := NewReport(t, []*Trace{base}); r.Baseline != 1 {
			b.Fatal(r.Baseline)
		}
	}
	reportCPU(b, cpu0)
}

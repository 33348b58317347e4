package traces

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// tag sets a tag on span id.
func tag(t *Trace, id, k, v string) {
	for i := range t.Spans {
		if t.Spans[i].SpanID == id {
			t.Spans[i].Tags = append(t.Spans[i].Tags, KeyValue{k, v})
		}
	}
}

// poolTrace is checkout calling inventory through a pool of k (all calls
// queued at 10 ms, durations durs) while one call with the same operation
// name goes to a slow pricing service outside the pool.
func poolTrace(k int, durs []float64) (*Trace, float64) {
	s := []sp{{id: "r", start: 0, end: 2000, service: "checkout", op: "PlaceOrder"},
		{id: "slow", parent: "r", start: 10, end: 1500, service: "checkout", op: "GET"}}
	slots := make([]float64, k)
	for i := range slots {
		slots[i] = 10
	}
	end := 0.0
	for i, d := range durs {
		j := slices.Index(slots, slices.Min(slots))
		st := slots[j]
		slots[j] = st + d
		end = max(end, st+d)
		s = append(s, sp{id: fmt.Sprintf("c%02d", i), parent: "r", start: st, end: st + d, service: "checkout", op: "GET"})
	}
	tr := mkTrace(s...)
	tag(tr, "slow", "peer.service", "pricing")
	for i := range durs {
		tag(tr, fmt.Sprintf("c%02d", i), "peer.service", "inventory")
	}
	// Replayed with unlimited concurrency, every call starts at 10 ms.
	return tr, end - (10 + slices.Max(durs))
}

func TestPoolSaturationGroupsByCalleeAndReplaysTheCost(t *testing.T) {
	tests := []struct {
		name string
		k    int
		durs []float64
	}{
		{"pool of 2, equal calls", 2, []float64{20, 20, 20, 20, 20, 20}},
		{"pool of 3, uneven calls", 3, []float64{30, 12, 25, 18, 40, 22, 15, 33, 27}},
		{"pool of 4", 4, []float64{50, 50, 48, 52, 49, 51, 50, 47, 53, 50, 50, 49}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, want := poolTrace(tc.k, tc.durs)
			r := NewReport(tr, nil)
			f := find(r, KindPoolSaturation)
			if f == nil {
				t.Fatalf("no pool finding: %v", kinds(r))
			}
			if slices.Contains(f.SpanIDs, "slow") || !strings.Contains(f.Summary, "→ inventory") {
				t.Errorf("pool finding names the call to another service: %+v", f)
			}
			if got := f.ImpactMS; got < 0.75*want || got > 1.25*want {
				t.Errorf("pool cost %.1f ms, replayed %.1f ms", got, want)
			}
			// Every named call waited: it started after the first k.
			for _, id := range f.SpanIDs {
				i, _ := r.Analysis.Index(id)
				if r.Analysis.Span(i).Start.Equal(msAt(10)) {
					t.Errorf("call %s started at once but is named as waiting", id)
				}
			}
		})
	}
}

// fanOut is one parent with n calls of dur ms, one every gap ms.
func fanOut(n int, dur, gap float64) *Trace {
	s := make([]sp, 0, n+1)
	s = append(s, sp{id: "r", start: 0, end: float64(n)*gap + dur + 1, service: "api", op: "batch"})
	for i := 0; i < n; i++ {
		st := 0.5 + float64(i)*gap
		s = append(s, sp{id: fmt.Sprintf("c%06d", i), parent: "r", start: st, end: st + dur, service: "api", op: "GET"})
	}
	tr := mkTrace(s...)
	for i := 1; i < len(tr.Spans); i++ {
		tr.Spans[i].Tags = []KeyValue{{"peer.service", "store"}}
	}
	return tr
}

func TestEvenlySpacedDenseFanOutIsNotAPool(t *testing.T) {
	for _, tr := range []*Trace{
		fanOut(95000, 10, 0.1),   // each call starts exactly as one ends
		fanOut(95000, 1, 0.0105), // ~95 in flight, starts 10.5 µs apart
		fanOut(200, 30, 7),
	} {
		r := NewReport(tr, nil)
		if f := find(r, KindPoolSaturation); f != nil {
			t.Errorf("%d-call fan-out called a pool: %s", len(tr.Spans)-1, f.Summary)
		}
	}
}

func TestCallsToDifferentServicesAreNotGrouped(t *testing.T) {
	// Three sequential GETs, each to another service: no sequential_calls.
	tr := mkTrace(sp{id: "r", start: 0, end: 100, service: "frontend", op: "GET /"},
		sp{id: "a", parent: "r", start: 1, end: 30, service: "frontend", op: "GET"},
		sp{id: "b", parent: "r", start: 31, end: 60, service: "frontend", op: "GET"},
		sp{id: "c", parent: "r", start: 61, end: 90, service: "frontend", op: "GET"})
	tag(tr, "a", "url.full", "http://customer:8081/customer?id=1")
	tag(tr, "b", "server.address", "route")
	tag(tr, "c", "peer.service", "driver")
	if f := find(NewReport(tr, nil), KindSequentialCalls); f != nil {
		t.Errorf("calls to three services grouped: %+v", f)
	}
}

// shuffled returns a copy of t with its spans in a random order.
func shuffled(t *Trace, seed uint64) *Trace {
	c := &Trace{TraceID: t.TraceID, Spans: slices.Clone(t.Spans)}
	r := rand.New(rand.NewPCG(seed, seed+1))
	r.Shuffle(len(c.Spans), func(i, j int) { c.Spans[i], c.Spans[j] = c.Spans[j], c.Spans[i] })
	return c
}

func TestReportDoesNotDependOnSpanOrder(t *testing.T) {
	tr, _ := poolTrace(2, []float64{20, 20, 20, 20, 20, 20})
	// Add ties: siblings with equal starts and ends, an error chain, a lock
	// wait and sequential calls, so every rule and every tie-break runs.
	extra := mkTrace(
		sp{id: "w1", parent: "r", start: 1600, end: 1700, service: "inventory", op: "lock stock"},
		sp{id: "w2", parent: "r", start: 1600, end: 1700, service: "inventory", op: "lock stock"},
		sp{id: "q1", parent: "r", start: 1700, end: 1750, service: "db", op: "SELECT"},
		sp{id: "q2", parent: "r", start: 1750, end: 1800, service: "db", op: "SELECT"},
		sp{id: "q3", parent: "r", start: 1800, end: 1850, service: "db", op: "SELECT"},
		sp{id: "e1", parent: "r", start: 1850, end: 1900, service: "redis", op: "GET", err: true},
		sp{id: "e2", parent: "r", start: 1850, end: 1900, service: "redis", op: "GET"},
	)
	tr.Spans = append(tr.Spans, extra.Spans...)
	base := []*Trace{DeepTrace(50), WideTrace(50)}
	want, err := json.Marshal(NewReport(tr, base))
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 20; seed++ {
		got, _ := json.Marshal(NewReport(shuffled(tr, seed), base))
		if string(got) != string(want) {
			t.Fatalf("seed %d: report differs with the span order:\n%s\nwant\n%s", seed, got, want)
		}
	}
	r := NewReport(tr, nil)
	for i := 1; i < len(r.Findings); i++ {
		if r.Findings[i].Kind != KindErrorOrigin && r.Findings[i].ImpactMS > r.Findings[i-1].ImpactMS && r.Findings[i-1].Kind != KindErrorOrigin {
			t.Errorf("findings not ranked by impact: %v", kinds(r))
		}
	}
}

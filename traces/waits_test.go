package traces

import (
	"fmt"
	"strings"
	"testing"
)

func ev(at float64, name string, kv ...string) Event {
	e := Event{Time: msAt(at), Name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Fields = append(e.Fields, KeyValue{kv[i], kv[i+1]})
	}
	return e
}

// withEvents sets the events of span id.
func withEvents(t *Trace, id string, evs ...Event) *Trace {
	for i := range t.Spans {
		if t.Spans[i].SpanID == id {
			t.Spans[i].Events = evs
		}
	}
	return t
}

func TestWaitsFromSpanEvents(t *testing.T) {
	txn := func() *Trace {
		return mkTrace(sp{id: "r", start: 0, end: 5000, service: "api", op: "POST /transfer"},
			sp{id: "u", parent: "r", start: 10, end: 4900, service: "db", op: "UPDATE accounts"})
	}
	tests := []struct {
		name     string
		tr       *Trace
		kind     string // "" for no wait finding
		contains []string
	}{
		{"lock wait in events", withEvents(txn(), "u", ev(12, "waiting for lock", "lock.name", "accounts", "waiters", "16"), ev(4802, "lock acquired")),
			KindLockContention, []string{"db UPDATE accounts on accounts", "4.79s", "from span events", "16 ahead"}},
		{"queued behind N (Jaeger log)", withEvents(txn(), "u", ev(12, "", "event", "queued behind 16 transactions"), ev(4000, "", "event", "dequeued")),
			KindLockContention, []string{"16 ahead"}},
		{"backoff between retries", withEvents(txn(), "u", ev(100, "retry backoff", "attempt", "1"), ev(3100, "retrying", "attempt", "2")),
			KindRetryBackoff, []string{"backoffs between retries", "3s"}},
		{"acquired alone is no wait", withEvents(txn(), "u", ev(12, "lock acquired")), "", nil},
		{"ordinary events are no wait", withEvents(txn(), "u", ev(12, "cache warm"), ev(4000, "rows fetched", "count", "12")), "", nil},
		{"a short wait is not worth a finding", withEvents(txn(), "u", ev(12, "waiting for lock"), ev(20, "lock acquired")), "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReport(tc.tr, nil)
			var got *Finding
			for i := range r.Findings {
				if k := r.Findings[i].Kind; k == KindLockContention || k == KindRetryBackoff {
					got = &r.Findings[i]
				}
			}
			if tc.kind == "" {
				if got != nil {
					t.Fatalf("unexpected finding %+v", got)
				}
				return
			}
			if got == nil || got.Kind != tc.kind || got.SpanIDs[0] != "u" {
				t.Fatalf("finding %+v, want %s on u; all %v", got, tc.kind, kinds(r))
			}
			for _, c := range tc.contains {
				if !strings.Contains(got.Summary, c) {
					t.Errorf("summary %q lacks %q", got.Summary, c)
				}
			}
			if find(r, KindSlowDependency) != nil && tc.kind == KindLockContention {
				t.Errorf("a span that waited is called a slow dependency: %v", kinds(r))
			}
		})
	}
}

// transfer is one request's trace: api → db UPDATE from start to end (ms),
// with lock-wait events up to acquired when acquired > start.
func transfer(id string, start, acquired, end float64) *Trace {
	tr := mkTrace(sp{id: "r" + id, start: start - 1, end: end + 1, service: "api", op: "POST /transfer"},
		sp{id: "u" + id, parent: "r" + id, start: start, end: end, service: "db", op: "UPDATE accounts"})
	tr.TraceID = id
	if acquired > start {
		tr.Spans[1].Events = []Event{ev(start, "waiting for lock"), ev(acquired, "lock acquired")}
	}
	return tr
}

func TestContentionAcrossTraces(t *testing.T) {
	// Four requests queue on one row lock held 50 ms each.
	var queued []*Trace
	for i := 0; i < 4; i++ {
		st := float64(i)
		queued = append(queued, transfer(fmt.Sprintf("t%d", i), st, float64(50*i), float64(50*(i+1))))
	}
	// Without events: the same queue, seen only in the spans' timing.
	var bare []*Trace
	for i := 0; i < 4; i++ {
		tr := transfer(fmt.Sprintf("b%d", i), float64(i), 0, float64(50*(i+1)))
		bare = append(bare, tr)
	}
	// Concurrent but not contended: four requests of 50 ms side by side.
	var parallel []*Trace
	for i := 0; i < 4; i++ {
		parallel = append(parallel, transfer(fmt.Sprintf("p%d", i), float64(i), 0, float64(i+50)))
	}
	// A chain, not a queue: each request arrives as the one before is
	// finishing, so the four are never all running at once (the slow
	// one, c3, overlaps each of the others, but they do not overlap one
	// another all at once).
	chain := []*Trace{
		transfer("c0", 0, 0, 50), transfer("c1", 40, 0, 100),
		transfer("c2", 90, 0, 150), transfer("c3", 30, 0, 180),
	}
	// Contended requests seen alone: one trace cannot show it.
	alone := []*Trace{queued[3]}
	tests := []struct {
		name  string
		set   []*Trace
		want  bool
		words string
	}{
		{"waits line up with other traces' holds", queued, true, "lines up with 3 other traces"},
		{"spans finish one after another", bare, true, "4 concurrent traces that finished it one after another"},
		{"parallel traces", parallel, false, ""},
		{"a chain of overlapping requests, never all at once", chain, false, ""},
		{"a single trace", alone, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCorpus(tc.set)
			r := c.Report(tc.set[len(tc.set)-1])
			var got *Finding
			for i := range r.Findings {
				if strings.Contains(r.Findings[i].Summary, "across requests") {
					got = &r.Findings[i]
				}
			}
			if (got != nil) != tc.want {
				t.Fatalf("cross-trace finding %+v, want %v; all %v", got, tc.want, kinds(r))
			}
			if got != nil && (!strings.Contains(got.Summary, tc.words) || got.Kind != KindLockContention || got.Service != "db") {
				t.Errorf("finding %+v", got)
			}
		})
	}
}

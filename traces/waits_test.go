package traces

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
		{"a wait under a tenth of the trace is not worth a finding", withEvents(txn(), "u", ev(12, "waiting for lock"), ev(460, "lock acquired")), "", nil},
		{"a wait of a tenth of the trace is", withEvents(mkTrace(sp{id: "r", start: 0, end: 5000, service: "api", op: "POST /transfer"},
			sp{id: "u", parent: "r", start: 10, end: 1200, service: "db", op: "UPDATE accounts"}), "u", ev(12, "waiting for lock"), ev(530, "lock acquired")),
			KindLockContention, []string{"518ms"}},
		// Two branches side by side: the lock wait (a "lock stock" span and
		// an event-told wait, each 20% of the trace) is in the one that
		// finished first, so it did not delay the response.
		{"a wait off the critical path is not worth a finding", withEvents(mkTrace(
			sp{id: "r", start: 0, end: 100, service: "checkout", op: "POST /order"},
			sp{id: "a", parent: "r", start: 1, end: 40, service: "inventory", op: "Reserve"},
			sp{id: "l", parent: "a", start: 2, end: 22, service: "inventory", op: "lock stock"},
			sp{id: "b", parent: "r", start: 1, end: 99, service: "payment", op: "Charge"}),
			"a", ev(23, "waiting for lock"), ev(38, "lock acquired")), "", nil},
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
	// requests are one transfer (no lock events) per {start, end}, named
	// prefix0, prefix1…
	requests := func(prefix string, se ...[2]float64) []*Trace {
		out := make([]*Trace, len(se))
		for i, x := range se {
			out[i] = transfer(fmt.Sprintf("%s%d", prefix, i), x[0], 0, x[1])
		}
		return out
	}
	// Timing that only looks like a queue, each of which must stay silent:
	//   - a chain, each request arriving as the one before is finishing,
	//     the slow one (c3) having come first but left last;
	chain := requests("c", [2]float64{0, 50}, [2]float64{40, 100}, [2]float64{90, 150}, [2]float64{30, 180})
	//   - leaving in the reverse of the order they came;
	reversed := requests("r", [2]float64{45, 50}, [2]float64{30, 100}, [2]float64{15, 150}, [2]float64{0, 200})
	//   - slowed alike: stays of 50 to 100 ms ending 10 ms apart (a
	//     queue's first would have stayed about one 10 ms service);
	slowed := requests("s", [2]float64{0, 100}, [2]float64{20, 110}, [2]float64{40, 120}, [2]float64{80, 130})
	//   - released at no steady pace (20, 60 and 30 ms apart);
	uneven := requests("e", [2]float64{0, 20}, [2]float64{1, 40}, [2]float64{2, 100}, [2]float64{3, 130})
	//   - arriving as the one before was leaving: it waited 10 ms, under
	//     half a service;
	late := requests("l", [2]float64{0, 50}, [2]float64{1, 100}, [2]float64{2, 150}, [2]float64{140, 200})
	//   - a wait that is a small part of its trace (15 ms of 391 ms, under
	//     WaitTraceShare), the rest of the trace its own work;
	long := mkTrace(sp{id: "r", start: 0, end: 391, service: "api", op: "POST /transfer"},
		sp{id: "w", parent: "r", start: 0, end: 345, service: "api", op: "validate"},
		sp{id: "u", parent: "r", start: 345, end: 390, service: "db", op: "UPDATE accounts"})
	long.TraceID = "x2"
	small := append(requests("x", [2]float64{300, 330}, [2]float64{305, 360}), long)
	//   - a perfect queue of others, but this trace's own second call of
	//     the operation, beside this one, finished with it: the resource
	//     served them at once.
	own := transfer("o3", 3, 0, 200)
	own.Spans = append(own.Spans, Span{SpanID: "u2o3", ParentID: "ro3", Service: "db", Operation: "UPDATE accounts",
		Start: msAt(5), Duration: 195 * time.Millisecond})
	besideOwn := append(requests("o", [2]float64{0, 50}, [2]float64{1, 100}, [2]float64{2, 150}), own)
	//   - traces that each fan out to the operation three times, served
	//     side by side; one call per trace, the slowest of each, would
	//     look like a queue (20, 40, 60 ms), but the others ended together.
	fan := func(id string, calls ...[2]float64) *Trace {
		tr := mkTrace(sp{id: "r" + id, start: 0, end: 61, service: "api", op: "POST /transfer"})
		tr.TraceID = id
		for k, x := range calls {
			tr.Spans = append(tr.Spans, Span{SpanID: fmt.Sprintf("u%d%s", k, id), ParentID: "r" + id, Service: "db", Operation: "UPDATE accounts",
				Start: msAt(x[0]), Duration: time.Duration((x[1] - x[0]) * float64(time.Millisecond))})
		}
		return tr
	}
	fanout := []*Trace{fan("f0", [2]float64{0, 20}, [2]float64{0, 20}, [2]float64{0, 20}),
		fan("f1", [2]float64{1, 21}, [2]float64{1, 21}, [2]float64{1, 40}),
		fan("f2", [2]float64{2, 22}, [2]float64{2, 22}, [2]float64{2, 60})}
	// Fan-outs whose every call was served one at a time, 10 ms each: a
	// queue.
	fanQueue := []*Trace{fan("g0", [2]float64{0, 10}, [2]float64{0, 20}),
		fan("g1", [2]float64{1, 30}, [2]float64{1, 40}),
		fan("g2", [2]float64{2, 50}, [2]float64{2, 60})}
	// This one waits for row 1 while two other traces hold rows 2 and 3
	// (their spans name the lock and did not wait): other locks.
	named := func(id string, start, acquired, end float64, lock string) *Trace {
		tr := transfer(id, start, acquired, end)
		tr.Spans[1].Tags = append(tr.Spans[1].Tags, KeyValue{"lock.name", lock})
		return tr
	}
	otherLocks := []*Trace{named("n0", 0, 0, 50, "accounts/2"), named("n1", 1, 0, 60, "accounts/3"), named("n2", 2, 40, 70, "accounts/1")}
	// Contended requests seen alone: one trace cannot show it.
	alone := []*Trace{queued[3]}
	tests := []struct {
		name  string
		set   []*Trace
		want  bool
		words string
	}{
		{"waits line up with other traces' holds", queued, true, "lines up with 3 other traces"},
		{"spans finish one after another", bare, true, "4 concurrent traces that were served one at a time in the order they arrived (each 50ms to 50ms; this one waited 147ms"},
		{"parallel traces", parallel, false, ""},
		{"a chain of overlapping requests", chain, false, ""},
		{"left in the reverse order", reversed, false, ""},
		{"slowed alike", slowed, false, ""},
		{"released at no steady pace", uneven, false, ""},
		{"the trace's own call finished with it", besideOwn, false, ""},
		{"it hardly waited", late, false, ""},
		{"fan-outs served side by side", fanout, false, ""},
		{"others held other locks", otherLocks, false, ""},
		{"fan-outs served one at a time", fanQueue, true, "3 concurrent traces that were served one at a time in the order they arrived (each 10ms to 10ms; this one waited 48ms"},
		{"a small part of its trace", small, false, ""},
		{"a single trace", alone, false, ""},
	}
	// Against a baseline of the other three: the trace is not in the
	// corpus, its own calls come from its analysis.
	t.Run("against a baseline", func(t *testing.T) {
		r := NewReport(bare[3], bare[:3])
		if f := find(r, KindLockContention); f == nil || !strings.Contains(f.Summary, "4 concurrent traces that were served one at a time") {
			t.Errorf("no queue against a baseline: %v", kinds(r))
		}
	})
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

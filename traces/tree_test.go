package traces

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCriticalPath(t *testing.T) {
	tests := []struct {
		name  string
		spans []sp
		want  map[string]float64 // critical-path ms per span id
		segs  string
	}{
		{"two sequential children", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: 10, end: 40}, {id: "b", parent: "r", start: 50, end: 90}},
			map[string]float64{"r": 30, "a": 30, "b": 40}, "r[0,10] a[10,40] r[40,50] b[50,90] r[90,100] "},
		{"overlapping: the last finishing wins", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: 10, end: 80}, {id: "b", parent: "r", start: 20, end: 60}},
			map[string]float64{"r": 30, "a": 70}, "r[0,10] a[10,80] r[80,100] "},
		{"overlapping: earlier child skipped", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: 10, end: 50}, {id: "b", parent: "r", start: 40, end: 90}},
			map[string]float64{"r": 50, "b": 50}, "r[0,40] b[40,90] r[90,100] "},
		{"overhanging children clamped (clock skew)", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: -10, end: 30}, {id: "b", parent: "r", start: 70, end: 120}},
			map[string]float64{"r": 40, "a": 30, "b": 30}, "a[0,30] r[30,70] b[70,100] "},
		{"child entirely outside is off the path", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: 150, end: 200}},
			map[string]float64{"r": 100}, "r[0,100] "},
		{"nested with overlapping grandchildren", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: 10, end: 90},
			{id: "a1", parent: "a", start: 20, end: 50}, {id: "a2", parent: "a", start: 40, end: 80}, {id: "b", parent: "r", start: 5, end: 30}},
			map[string]float64{"r": 20, "a": 40, "a2": 40}, "r[0,10] a[10,40] a2[40,80] a[80,90] r[90,100] "},
		{"touching sequential children", []sp{{id: "r", start: 0, end: 30}, {id: "a", parent: "r", start: 0, end: 10}, {id: "b", parent: "r", start: 10, end: 20}, {id: "c", parent: "r", start: 20, end: 30}},
			map[string]float64{"a": 10, "b": 10, "c": 10}, "a[0,10] b[10,20] c[20,30] "},
		{"grandchild skewed before its parent", []sp{{id: "r", start: 0, end: 100}, {id: "a", parent: "r", start: 50, end: 100}, {id: "a1", parent: "a", start: 40, end: 60}},
			map[string]float64{"r": 50, "a": 40, "a1": 10}, "r[0,50] a1[50,60] a[60,100] "},
		{"orphan attached to the root", []sp{{id: "r", start: 0, end: 100}, {id: "o", parent: "missing", start: 20, end: 70}},
			map[string]float64{"r": 50, "o": 50}, "r[0,20] o[20,70] r[70,100] "},
		{"second root attached to the longest root", []sp{{id: "r", start: 0, end: 100}, {id: "r2", start: 60, end: 80}},
			map[string]float64{"r": 80, "r2": 20}, "r[0,60] r2[60,80] r[80,100] "},
		{"parent cycle is cut", []sp{{id: "r", start: 0, end: 100}, {id: "x", parent: "y", start: 10, end: 20}, {id: "y", parent: "x", start: 30, end: 40}},
			// x is cut from y and attached to the root; y, now x's child, lies outside x.
			map[string]float64{"r": 90, "x": 10}, "r[0,10] x[10,20] r[20,100] "},
		{"zero-duration child", []sp{{id: "r", start: 0, end: 10}, {id: "z", parent: "r", start: 5, end: 5}},
			map[string]float64{"r": 10}, "r[0,5] r[5,10] "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(mkTrace(tc.spans...))
			if got := cpByID(a); !maps.Equal(got, tc.want) {
				t.Errorf("critical path times = %v, want %v (segments %s)", got, tc.want, segString(a))
			}
			if got := segString(a); got != tc.segs {
				t.Errorf("segments = %q, want %q", got, tc.segs)
			}
			checkInvariants(t, a)
		})
	}
}

// checkInvariants: segments are chronological, do not overlap and cover
// the root's clamped interval exactly.
func checkInvariants(t *testing.T, a *Analysis) {
	t.Helper()
	var sum time.Duration
	prev := time.Duration(a.effS[a.Root])
	for _, s := range a.Segments {
		if s.Start < prev || s.End < s.Start {
			t.Fatalf("segments out of order or overlapping: %s", segString(a))
		}
		prev = s.End
		sum += s.End - s.Start
	}
	if want := time.Duration(a.effE[a.Root] - a.effS[a.Root]); sum != want {
		t.Fatalf("critical path covers %v, root lasts %v: %s", sum, want, segString(a))
	}
	if len(a.Order) != len(a.Trace.Spans) {
		t.Fatalf("pre-order has %d spans, trace %d", len(a.Order), len(a.Trace.Spans))
	}
}

// referenceCP is the textbook recursive form of the same algorithm, with a
// linear scan of the children for every step (quadratic): the fast,
// iterative version must agree with it.
func referenceCP(a *Analysis) map[string]float64 {
	out := map[string]float64{}
	type kid struct {
		i    int32
		s, e int64
	}
	var walk func(i int32, cursor int64)
	walk = func(i int32, cursor int64) {
		var kids []kid
		for _, c := range a.Children(i) {
			if a.valid[c] {
				kids = append(kids, kid{c, a.effS[c], a.effE[c]})
			}
		}
		slices.SortStableFunc(kids, func(x, y kid) int {
			if x.e != y.e {
				return int(y.e - x.e)
			}
			if x.s != y.s {
				return int(y.s - x.s)
			}
			if r := strings.Compare(a.Trace.Spans[x.i].SpanID, a.Trace.Spans[y.i].SpanID); r != 0 {
				return r // ties by span id, so the path does not depend on span order
			}
			return int(x.i - y.i)
		})
		used := map[int32]bool{}
		for {
			found := -1
			for k, c := range kids {
				if !used[c.i] && c.e <= cursor {
					found = k
					break
				}
			}
			if found < 0 {
				break
			}
			// mark everything before found as used (they ended after the cursor)
			for k := 0; k <= found; k++ {
				used[kids[k].i] = true
			}
			c := kids[found]
			if d := cursor - c.e; d > 0 {
				out[a.Trace.Spans[i].SpanID] += float64(d) / 1e6
			}
			walk(c.i, c.e)
			cursor = min(cursor, c.s)
		}
		if d := cursor - a.effS[i]; d > 0 {
			out[a.Trace.Spans[i].SpanID] += float64(d) / 1e6
		}
	}
	walk(a.Root, a.effE[a.Root])
	return out
}

func TestCriticalPathMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		n := 2 + r.IntN(40)
		spans := []sp{{id: "s0", start: 0, end: 1000}}
		for i := 1; i < n; i++ {
			p := spans[r.IntN(len(spans))]
			st := p.start + float64(r.IntN(int(p.end-p.start)+40)) - 20 // sometimes skewed
			spans = append(spans, sp{id: "s" + string(rune('A'+i%26)) + string(rune('a'+i/26)), parent: p.id, start: st, end: st + float64(r.IntN(400))})
		}
		a := Analyze(mkTrace(spans...))
		checkInvariants(t, a)
		want := referenceCP(a)
		got := cpByID(a)
		if len(got) != len(want) {
			t.Fatalf("round %d: got %v want %v", round, got, want)
		}
		for k, v := range want {
			if d := got[k] - v; d > 1e-6 || d < -1e-6 {
				t.Fatalf("round %d: span %s: got %v want %v (segments %s)", round, k, got[k], v, segString(a))
			}
		}
	}
}

func TestSelfTime(t *testing.T) {
	a := Analyze(mkTrace(
		sp{id: "r", start: 0, end: 100},
		sp{id: "a", parent: "r", start: 10, end: 40},
		sp{id: "b", parent: "r", start: 30, end: 60},  // overlaps a
		sp{id: "c", parent: "r", start: 90, end: 130}, // overhangs
	))
	want := map[string]time.Duration{"r": dms(40), "a": dms(30), "b": dms(30), "c": dms(40)}
	for i := range a.Trace.Spans {
		s := &a.Trace.Spans[i]
		if a.Self[i] != want[s.SpanID] {
			t.Errorf("self(%s) = %v, want %v", s.SpanID, a.Self[i], want[s.SpanID])
		}
	}
}

func TestWideAndDeepTreesAreLinearish(t *testing.T) {
	// Not timed: checks the structures on big shapes without recursion
	// (a recursive walk would overflow nothing in Go, but a quadratic one
	// would not finish within the test timeout).
	for _, tr := range []*Trace{WideTrace(20000), DeepTrace(20000)} {
		a := Analyze(tr)
		checkInvariants(t, a)
		r := ReportOf(a, nil)
		if r.Root.SpanID == "" {
			t.Fatal("no root")
		}
	}
}

func TestManyTracesAndDeepBaselineAreLinearish(t *testing.T) {
	// Not timed: a quadratic step would not finish within the test timeout
	// (3,000 traces took 68 s and a 100,000-deep chain with a baseline 333 s
	// before).
	ts := smallTraces(3000)
	c := NewCorpus(ts)
	for _, tr := range ts {
		if r := c.Report(tr); r.Baseline != MaxBaseline {
			t.Fatalf("baseline %d traces, want %d", r.Baseline, MaxBaseline)
		}
	}
	r := NewReport(DeepTrace(100000), []*Trace{DeepTrace(100)})
	if r.Baseline != 1 || find(r, KindBaseline) == nil {
		t.Fatalf("deep chain: baseline %d, findings %v", r.Baseline, kinds(r))
	}
}

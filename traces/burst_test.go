package traces

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// series builds one root operation's traces, one every 10 s from t0, with
// the given durations in ms (negative: the root failed, lasting -d).
func series(durs ...float64) []*Trace {
	var out []*Trace
	for i, d := range durs {
		failed := d < 0
		d = max(d, -d)
		st := float64(i) * 10_000
		t := mkTrace(sp{id: "r", start: st, end: st + d, service: "frontend", op: "GET /checkout", err: failed})
		t.TraceID = fmt.Sprintf("t%03d", i)
		out = append(out, t)
	}
	return out
}

// steady durations around 100 ms (80–120 ms, a fixed pattern).
func steady(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 80 + float64((i*7)%41)
	}
	return out
}

func summaries(ts []*Trace) []TraceSummary {
	out := make([]TraceSummary, len(ts))
	for i, t := range ts {
		out[i] = Summary(t)
	}
	return out
}

func TestDetectBurst(t *testing.T) {
	tests := []struct {
		name  string
		durs  []float64
		start int // index of the burst's first trace; -1: none
		slow  int
		fail  int
	}{
		{"steady series", steady(40), -1, 0, 0},
		{"steady, the analysed trace alone slow", append(steady(40), 500), -1, 0, 0},
		{"steady with isolated outliers", append(slices.Concat(steady(10), []float64{300}, steady(10), []float64{300}, steady(10)), 100), -1, 0, 0},
		{"two slow traces are not yet a burst", append(steady(30), 400, 450), -1, 0, 0},
		{"slow burst", append(steady(30), 400, 420, 390, 410, 430, 400, 415, 405), 30, 8, 0},
		{"slow burst with one fast trace in it", append(steady(30), 400, 420, 100, 410, 430, 400), 30, 5, 0},
		{"failures at normal speed", append(steady(30), -90, -100, -95, -110), 30, 0, 4},
		{"too few earlier traces", append(steady(3), 400, 420, 410, 430), -1, 0, 0},
		{"the burst began before 5 earlier traces", append(steady(3), 400, 420, 410, 430, 400, 405, 415, 425), 3, 8, 0},
		{"the burst starts after a slow blip", append(slices.Concat(steady(20), []float64{300}, steady(10)), 400, 410, 420), 31, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := series(tt.durs...)
			sums := summaries(ts)
			slices.Reverse(sums) // any order
			b := DetectBurst(sums)
			if tt.start < 0 {
				if b != nil {
					t.Fatalf("burst %+v in a series that has none", b)
				}
				return
			}
			if b == nil {
				t.Fatal("no burst found")
			}
			if want := Summary(ts[tt.start]).Start; !b.Start.Equal(want) || b.Traces != len(ts)-tt.start || b.Slow != tt.slow || b.Failed != tt.fail {
				t.Errorf("burst %+v, want start %s, %d traces, %d slow, %d failed", b, want, len(ts)-tt.start, tt.slow, tt.fail)
			}
			if b.PriorMedianMS < 80 || b.PriorMedianMS > 120 || b.Factor != BurstFactor {
				t.Errorf("prior median %.1f ms", b.PriorMedianMS)
			}
		})
	}
}

func TestBaselineFor(t *testing.T) {
	ctx := context.Background()
	ids := func(ts []*Trace) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.TraceID)
		}
		return out
	}
	t.Run("the burst is left out", func(t *testing.T) {
		ts := series(append(steady(30), 400, 420, 390, 410, 430, 400)...)
		src := NewMemorySource(ts)
		src.Now = func() time.Time { return msAt(1e6) }
		tr := ts[len(ts)-1]
		got, info, err := BaselineFor(ctx, src, tr, BaselineOptions{N: 20})
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode != BaselineAuto || info.Burst == nil || info.Burst.Traces != 6 || info.Weak || info.Candidates != 35 {
			t.Fatalf("info %+v", info)
		}
		if want := ids(ts[10:30]); !sameIDs(ids(got), want) || !sameIDs(info.TraceIDs, want) {
			t.Errorf("baseline %v, want the 20 newest before the burst %v", ids(got), want)
		}
		if !info.End.Equal(Summary(ts[30]).Start) {
			t.Errorf("window ends %s, want the burst's start", info.End)
		}
		// the old default: the window ending at the trace, burst included
		got, info, _ = BaselineFor(ctx, src, tr, BaselineOptions{N: 20, Mode: BaselineBeforeTrace})
		if info.Burst != nil || !slices.Contains(ids(got), "t034") {
			t.Errorf("before-trace baseline %v %+v", ids(got), info)
		}
	})
	t.Run("a steady series keeps the normal window", func(t *testing.T) {
		ts := series(steady(30)...)
		src := NewMemorySource(ts)
		src.Now = func() time.Time { return msAt(1e6) }
		got, info, err := BaselineFor(ctx, src, ts[29], BaselineOptions{N: 20})
		if err != nil {
			t.Fatal(err)
		}
		if info.Burst != nil || info.Weak || !sameIDs(ids(got), ids(ts[9:29])) {
			t.Errorf("baseline %v, info %+v", ids(got), info)
		}
	})
	t.Run("too few earlier traces: weak, said so", func(t *testing.T) {
		ts := series(100, 90, 110, 400)
		src := NewMemorySource(ts)
		src.Now = func() time.Time { return msAt(1e6) }
		got, info, err := BaselineFor(ctx, src, ts[3], BaselineOptions{N: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || !info.Weak || info.Note != "baseline weak: 3 traces" {
			t.Errorf("baseline %v, info %+v", ids(got), info)
		}
	})
	t.Run("named traces", func(t *testing.T) {
		ts := series(steady(8)...)
		got, info, err := BaselineFor(ctx, NewMemorySource(ts), ts[7], BaselineOptions{IDs: []string{"t001", "t002"}})
		if err != nil || info.Mode != BaselineTraces || !sameIDs(ids(got), []string{"t001", "t002"}) || !info.Weak {
			t.Errorf("baseline %v, info %+v, %v", ids(got), info, err)
		}
	})
	if _, _, err := BaselineFor(ctx, NewMemorySource(nil), series(100)[0], BaselineOptions{N: 1, Mode: "bogus"}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("bad mode: %v", err)
	}
}

func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

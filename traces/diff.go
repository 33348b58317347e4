package traces

import (
	"cmp"
	"slices"
	"time"
)

// Diff compares two traces call path by call path (the chain of
// service+operation from the root), as Jaeger UI's trace comparison does:
// the calls and time only in A, only in B, and in both but different.
type Diff struct {
	A           string  `json:"a"`
	B           string  `json:"b"`
	DurationAMS float64 `json:"duration_a_ms"`
	DurationBMS float64 `json:"duration_b_ms"`
	// OnlyA and OnlyB are the paths one trace has and the other has not;
	// Changed the paths in both whose calls differ or whose time differs
	// by at least max(1 ms, 5% of the longer trace). Each is ordered by
	// time difference, largest first, and holds at most maxIDs paths
	// (Omitted says how many more there were).
	OnlyA   []PathDiff `json:"only_a"`
	OnlyB   []PathDiff `json:"only_b"`
	Changed []PathDiff `json:"changed"`
	Omitted int        `json:"omitted"`
}

// PathDiff is one call path in a Diff.
type PathDiff struct {
	Path      string  `json:"path"`
	Service   string  `json:"service"`
	Operation string  `json:"operation"`
	CallsA    int     `json:"calls_a"`
	CallsB    int     `json:"calls_b"`
	TimeAMS   float64 `json:"time_a_ms"`
	TimeBMS   float64 `json:"time_b_ms"`
	// DeltaMS is B's time minus A's.
	DeltaMS float64 `json:"delta_ms"`
	// SpanIDs are spans of the path in B (in A for OnlyA), at most maxIDs.
	SpanIDs []string `json:"span_ids"`
}

// NewDiff compares a with b. O(n log n) in their spans.
func NewDiff(a, b *Trace) *Diff {
	aa, ab := Analyze(a), Analyze(b)
	d := &Diff{A: a.TraceID, B: b.TraceID, DurationAMS: ms(aa.Duration()), DurationBMS: ms(ab.Duration()),
		OnlyA: []PathDiff{}, OnlyB: []PathDiff{}, Changed: []PathDiff{}}
	if aa.Root < 0 || ab.Root < 0 {
		return d
	}
	pt := &pathTable{ids: map[pathStep]int32{}}
	pa, pb := pt.paths(aa, true), pt.paths(ab, true)
	minDelta := max(time.Millisecond, max(aa.Duration(), ab.Duration())/20)
	paths := make([]int32, 0, len(pa)+len(pb))
	for p := range pa {
		paths = append(paths, p)
	}
	for p := range pb {
		if pa[p] == nil {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		x, y := pa[p], pb[p]
		step := pt.steps[p].step
		pd := PathDiff{Path: pt.String(p), Service: step.service, Operation: step.operation}
		var delta time.Duration
		if x != nil {
			pd.CallsA, pd.TimeAMS = x.calls, ms(x.time)
			delta -= x.time
		}
		if y != nil {
			pd.CallsB, pd.TimeBMS = y.calls, ms(y.time)
			delta += y.time
		}
		pd.DeltaMS = ms(delta)
		switch {
		case y == nil:
			pd.SpanIDs = ids(aa, x.spans)
			d.OnlyA = append(d.OnlyA, pd)
		case x == nil:
			pd.SpanIDs = ids(ab, y.spans)
			d.OnlyB = append(d.OnlyB, pd)
		case x.calls != y.calls || delta >= minDelta || -delta >= minDelta:
			pd.SpanIDs = ids(ab, y.spans)
			d.Changed = append(d.Changed, pd)
		}
	}
	for _, l := range []*[]PathDiff{&d.OnlyA, &d.OnlyB, &d.Changed} {
		slices.SortStableFunc(*l, func(x, y PathDiff) int {
			return cmp.Or(cmp.Compare(abs(y.DeltaMS), abs(x.DeltaMS)), cmp.Compare(x.Path, y.Path))
		})
		if len(*l) > maxIDs {
			d.Omitted += len(*l) - maxIDs
			*l = (*l)[:maxIDs]
		}
	}
	return d
}

func abs(v float64) float64 { return max(v, -v) }

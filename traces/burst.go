package traces

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// The change-point rule that keeps the current burst out of the default
// baseline (see DetectBurst and docs/traces.md).
const (
	// BurstFactor: a trace is slow when it lasts at least this many times
	// the median of the traces before the candidate burst start.
	BurstFactor = 1.5
	// BurstShare of the traces from the burst's start to the analysed
	// trace (included) must be slow or failed.
	BurstShare = 0.8
	// BurstMin traces (the analysed one included) make a burst: one slow
	// trace is not an incident.
	BurstMin = 3
	// BurstPrior is the fewest earlier traces a median is taken over.
	BurstPrior = 5
	// WeakBaseline: a baseline of fewer traces is reported as weak.
	WeakBaseline = 5
	// burstCandidates is how many recent traces are looked at.
	burstCandidates = 100
)

// Baseline modes.
const (
	// BaselineAuto is the window before the detected burst (default).
	BaselineAuto = "auto"
	// BaselineBeforeTrace is the window ending at the trace's start.
	BaselineBeforeTrace = "before-trace"
	// BaselineWindow is a window ending BaselineOptions.Before earlier.
	BaselineWindow = "window"
	// BaselineTraces are traces named by the user.
	BaselineTraces = "traces"
)

// Burst is the run of slow or failed traces the analysed trace belongs to.
type Burst struct {
	// Start is the start of the burst's first trace.
	Start time.Time `json:"start"`
	// Traces in the burst (the analysed one included), Slow of them slow
	// and Failed with a failed root.
	Traces int `json:"traces"`
	Slow   int `json:"slow"`
	Failed int `json:"failed"`
	// PriorMedianMS is the median duration of the traces before it.
	PriorMedianMS float64 `json:"prior_median_ms"`
	Factor        float64 `json:"factor"`
}

// BaselineInfo says which traces a report's baseline is.
type BaselineInfo struct {
	Mode string `json:"mode"`
	// Start and End bound the window searched (zero for named traces).
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Burst, for the auto mode, is the burst left out (nil: none found).
	Burst *Burst `json:"burst"`
	// Candidates is how many recent traces of the root operation the
	// burst was looked for in.
	Candidates int `json:"candidates,omitempty"`
	// TraceIDs are the baseline traces (at most 50 listed).
	TraceIDs []string `json:"trace_ids"`
	// Weak is set when the baseline has fewer than WeakBaseline traces;
	// Note says so ("baseline weak: 3 traces").
	Weak bool   `json:"weak"`
	Note string `json:"note,omitempty"`
}

// DetectBurst finds the burst the newest trace of series belongs to.
// series holds summaries of one root operation, the analysed trace among
// them, in any order. The rule: the burst starts at the earliest trace i,
// with at least BurstPrior traces before it, such that — m being the median
// duration of the traces before i — trace i is slow (≥ BurstFactor·m) or
// failed, and of the traces from i to the newest (at least BurstMin of
// them) at least BurstShare are slow or failed. Nil when there is none: a
// steady series, a lone slow trace, or too few earlier traces to tell.
// O(n² log n) for the n ≤ 100 traces looked at.
func DetectBurst(series []TraceSummary) *Burst {
	s := slices.Clone(series)
	slices.SortStableFunc(s, func(x, y TraceSummary) int { return x.Start.Compare(y.Start) })
	n := len(s)
	durs := make([]time.Duration, 0, n)
	for i := range s {
		if i >= BurstPrior && n-i >= BurstMin {
			m := median(durs)
			bad := func(t *TraceSummary) (slow, failed bool) {
				return float64(t.Duration) >= BurstFactor*float64(m), t.RootFailed
			}
			if sl, f := bad(&s[i]); sl || f {
				// the slow or failed traces just before i (too few
				// earlier traces to judge them then) belong to it
				first := i
				for first > 0 {
					if sl, f := bad(&s[first-1]); !sl && !f {
						break
					}
					first--
				}
				b := Burst{Start: s[first].Start, Traces: n - first, PriorMedianMS: ms(m), Factor: BurstFactor}
				bads := 0
				for j := first; j < n; j++ {
					sl, f := bad(&s[j])
					if sl {
						b.Slow++
					}
					if f {
						b.Failed++
					}
					if sl || f {
						bads++
					}
				}
				if float64(bads) >= BurstShare*float64(b.Traces) {
					return &b
				}
			}
		}
		durs = append(durs, s[i].Duration)
	}
	return nil
}

// BaselineFor fetches the baseline of t as o says and tells which it is.
// o.Mode "" is BaselineAuto unless o.IDs (BaselineTraces) or o.Before
// (BaselineWindow) is set. In the auto mode the summaries of up to 100
// recent traces of t's root operation in the lookback window before t are
// searched for the burst t belongs to (DetectBurst); the baseline is then
// the window of o.Lookback ending at the burst's start, else the window
// ending at t's start. A baseline of fewer than WeakBaseline traces is
// marked weak, never silently replaced by contended traces.
func BaselineFor(ctx context.Context, src Source, t *Trace, o BaselineOptions) ([]*Trace, *BaselineInfo, error) {
	mode := o.Mode
	switch {
	case mode != "":
	case len(o.IDs) > 0:
		mode = BaselineTraces
	case o.Before > 0:
		mode = BaselineWindow
	default:
		mode = BaselineAuto
	}
	info := &BaselineInfo{Mode: mode, TraceIDs: []string{}}
	root := rootSpan(t)
	if root == nil {
		return nil, info, nil
	}
	start := Summary(t).Start
	lookback := cmp.Or(o.Lookback, DefaultLookback)
	end := start.Add(-o.Before)
	var out []*Trace
	var err error
	switch mode {
	case BaselineTraces:
		out, err = BaselineWith(ctx, src, t, BaselineOptions{IDs: o.IDs})
	case BaselineAuto, BaselineBeforeTrace, BaselineWindow:
		if o.N <= 0 {
			return nil, info, nil
		}
		if mode == BaselineAuto {
			sums, serr := FindSummaries(ctx, src, Query{Service: root.Service, Operation: root.Operation,
				Start: start.Add(-lookback), End: start.Add(-time.Microsecond), Limit: burstCandidates})
			if serr != nil {
				return nil, info, fmt.Errorf("baseline traces: %w", serr)
			}
			sums = slices.DeleteFunc(sums, func(s TraceSummary) bool { return s.TraceID == t.TraceID })
			info.Candidates = len(sums)
			if b := DetectBurst(append(sums, Summary(t))); b != nil {
				info.Burst, end = b, b.Start
			}
		}
		info.Start, info.End = end.Add(-lookback), end
		out, err = BaselineWith(ctx, src, t, BaselineOptions{N: o.N, Lookback: lookback, Before: start.Sub(end)})
	default:
		return nil, info, fmt.Errorf("baseline mode %q: want %s, %s or %s", mode, BaselineAuto, BaselineBeforeTrace, BaselineTraces)
	}
	if err != nil {
		return nil, info, err
	}
	for _, b := range out {
		if len(info.TraceIDs) < maxIDs {
			info.TraceIDs = append(info.TraceIDs, b.TraceID)
		}
	}
	if len(out) < WeakBaseline {
		info.Weak = true
		info.Note = fmt.Sprintf("baseline weak: %d traces", len(out))
		if info.Burst != nil {
			info.Note += " before the burst"
		}
	}
	return out, info, nil
}

// Describe says in one line which traces the baseline is, for the CLI's
// report and the TUI's (times in local time).
func (b *BaselineInfo) Describe() string {
	if b == nil {
		return ""
	}
	n := len(b.TraceIDs)
	clock := func(t time.Time) string { return t.Local().Format("15:04:05") }
	var s string
	switch b.Mode {
	case BaselineTraces:
		s = fmt.Sprintf("%d named traces", n)
	default:
		s = fmt.Sprintf("%d traces of the root operation from %s to %s", n, clock(b.Start), clock(b.End))
		switch {
		case b.Mode != BaselineAuto:
			s += " (" + b.Mode + " window)"
		case b.Burst != nil:
			s += fmt.Sprintf(" (auto: before the burst from %s — %d traces, %d ≥ %.1f× the earlier median %.1fms, %d failed)",
				clock(b.Burst.Start), b.Burst.Traces, b.Burst.Slow, b.Burst.Factor, b.Burst.PriorMedianMS, b.Burst.Failed)
		default:
			s += fmt.Sprintf(" (auto: no burst in %d recent traces)", b.Candidates)
		}
	}
	if b.Note != "" {
		s += "; " + b.Note
	}
	return s
}

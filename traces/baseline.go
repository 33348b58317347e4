package traces

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// pathTable interns call paths: a path is its parent path plus one
// (service, operation) step, so deep traces cost O(n), not O(n²).
type pathTable struct {
	ids   map[pathStep]int32
	steps []pathStep
}

type pathStep struct {
	parent int32
	step   svcOp
}

func (p *pathTable) intern(parent int32, so svcOp) int32 {
	k := pathStep{parent, so}
	if id, ok := p.ids[k]; ok {
		return id
	}
	id := int32(len(p.steps))
	p.ids[k] = id
	p.steps = append(p.steps, k)
	return id
}

// String renders a path as "svc op > svc op".
func (p *pathTable) String(id int32) string {
	var parts []string
	for ; id >= 0 && len(parts) < 4; id = p.steps[id].parent {
		parts = append(parts, p.steps[id].step.service+" "+p.steps[id].step.operation)
	}
	if id >= 0 {
		parts = append(parts, "…")
	}
	slices.Reverse(parts)
	return strings.Join(parts, " > ")
}

type pathStat struct {
	calls int
	time  time.Duration
	spans []int32
}

// paths computes each span's call path and per-path call counts and time.
func (p *pathTable) paths(a *Analysis, keepSpans bool) map[int32]*pathStat {
	spans := a.Trace.Spans
	pid := make([]int32, len(spans))
	out := map[int32]*pathStat{}
	for _, i := range a.Order {
		parent := int32(-1)
		if a.Parent[i] >= 0 {
			parent = pid[a.Parent[i]]
		}
		pid[i] = p.intern(parent, svcOp{spans[i].Service, spans[i].Operation})
		st := out[pid[i]]
		if st == nil {
			st = &pathStat{}
			out[pid[i]] = st
		}
		st.calls++
		st.time += spans[i].Duration
		if keepSpans && len(st.spans) < maxIDs {
			st.spans = append(st.spans, i)
		}
	}
	return out
}

// number is what median works on.
type number interface{ ~int64 | ~float64 }

func median[T number](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// baselineFindings compares a with other traces of the same root
// operation (their call paths, see pathTable.paths, interned in pt). A call
// path (the chain of service/operation steps from the root) deviates when
// it has at least 2 more calls and 1.5 times the baseline median calls, or
// takes at least twice the baseline median time and at least max(5ms, 5% of
// the trace) more. The five biggest deviations by extra time are reported.
// O(P log P + P·B) for P paths and B baseline traces.
func baselineFindings(a *Analysis, pt *pathTable, others []map[int32]*pathStat) []Finding {
	mine := pt.paths(a, true)
	minExtra := max(5*time.Millisecond, a.Duration()/20)
	type dev struct {
		path        int32
		st          *pathStat
		mc          float64
		mt          time.Duration
		extra       time.Duration
		calls, slow bool
	}
	flags := func(d *dev) int {
		f := 0
		if d.calls {
			f |= 1
		}
		if d.slow {
			f |= 2
		}
		return f
	}
	devs := map[int32]*dev{}
	counts := make([]float64, len(others))
	times := make([]time.Duration, len(others))
	paths := make([]int32, 0, len(mine))
	for path, st := range mine {
		paths = append(paths, path)
		for j, o := range others {
			counts[j], times[j] = 0, 0
			if os := o[path]; os != nil {
				counts[j], times[j] = float64(os.calls), os.time
			}
		}
		mc, mt := median(counts), median(times)
		d := &dev{path: path, st: st, mc: mc, mt: mt, extra: st.time - mt}
		d.calls = float64(st.calls) >= mc+2 && float64(st.calls) >= 1.5*mc
		d.slow = st.time >= 2*mt && st.time-mt >= minExtra
		if d.calls || d.slow {
			devs[path] = d
		}
	}
	// An ancestor path deviates whenever a descendant does: keep only the
	// deepest path that explains (80% of) an ancestor's deviation. Paths
	// are interned parent first, so descending ids visit children before
	// parents; below[p][f] is the largest extra of a deviation with flags f
	// strictly below p.
	const none = time.Duration(-1 << 63)
	below := map[int32]*[4]time.Duration{}
	get := func(p int32) *[4]time.Duration {
		b := below[p]
		if b == nil {
			b = &[4]time.Duration{none, none, none, none}
			below[p] = b
		}
		return b
	}
	slices.SortFunc(paths, func(x, y int32) int { return cmp.Compare(y, x) })
	var kept []*dev
	for _, p := range paths {
		b := get(p)
		d := devs[p]
		if d != nil {
			f := flags(d)
			explained := b[f] != none && (!d.slow || float64(b[f]) >= 0.8*float64(d.extra))
			if !explained {
				kept = append(kept, d)
			}
		}
		parent := pt.steps[p].parent
		if parent < 0 {
			continue
		}
		pb := get(parent)
		for f := range pb {
			pb[f] = max(pb[f], b[f])
		}
		if d != nil {
			f := flags(d)
			pb[f] = max(pb[f], d.extra)
		}
	}
	slices.SortFunc(kept, func(x, y *dev) int {
		if r := cmp.Compare(y.extra, x.extra); r != 0 {
			return r
		}
		return cmp.Compare(x.path, y.path)
	})
	var out []Finding
	for _, d := range kept[:min(len(kept), 5)] {
		step := pt.steps[d.path].step
		what := ""
		switch {
		case d.calls && d.slow:
			what = fmt.Sprintf("%d calls (baseline median %.0f) taking %s (baseline %s)", d.st.calls, d.mc, round(d.st.time), round(d.mt))
		case d.calls:
			what = fmt.Sprintf("%d calls (baseline median %.0f)", d.st.calls, d.mc)
		default:
			what = fmt.Sprintf("%s (baseline median %s)", round(d.st.time), round(d.mt))
		}
		out = append(out, Finding{Kind: KindBaseline, SpanIDs: ids(a, d.st.spans), Omitted: max(d.st.calls-len(d.st.spans), 0), Service: step.service, Operation: step.operation,
			ImpactMS: ms(max(d.extra, 0)),
			Summary:  fmt.Sprintf("%s: %s over %d baseline traces", pt.String(d.path), what, len(others))})
	}
	return out
}

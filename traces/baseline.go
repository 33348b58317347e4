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
// operation. A call path (the chain of service/operation steps from the
// root) deviates when it has at least 2 more calls and 1.5 times the
// baseline median calls, or takes at least twice the baseline median time
// and at least max(5ms, 5% of the trace) more. The five biggest deviations
// by extra time are reported.
func baselineFindings(a *Analysis, baseline []*Trace) []Finding {
	pt := &pathTable{ids: map[pathStep]int32{}}
	mine := pt.paths(a, true)
	var others []map[int32]*pathStat
	for _, b := range baseline {
		others = append(others, pt.paths(Analyze(b), false))
	}
	minExtra := max(5*time.Millisecond, a.Duration()/20)
	type dev struct {
		path        int32
		st          *pathStat
		mc          float64
		mt          time.Duration
		extra       time.Duration
		calls, slow bool
	}
	var devs []dev
	counts := make([]float64, len(others))
	times := make([]time.Duration, len(others))
	for path, st := range mine {
		for j, o := range others {
			counts[j], times[j] = 0, 0
			if os := o[path]; os != nil {
				counts[j], times[j] = float64(os.calls), os.time
			}
		}
		mc, mt := median(counts), median(times)
		d := dev{path: path, st: st, mc: mc, mt: mt, extra: st.time - mt}
		d.calls = float64(st.calls) >= mc+2 && float64(st.calls) >= 1.5*mc
		d.slow = st.time >= 2*mt && st.time-mt >= minExtra
		if d.calls || d.slow {
			devs = append(devs, d)
		}
	}
	// An ancestor path deviates whenever a descendant does: keep only the
	// deepest path that explains (80% of) an ancestor's deviation.
	isAncestor := func(anc, p int32) bool {
		for p = pt.steps[p].parent; p >= 0; p = pt.steps[p].parent {
			if p == anc {
				return true
			}
		}
		return false
	}
	kept := devs[:0:0]
	for _, d := range devs {
		explained := false
		for _, e := range devs {
			if e.path != d.path && isAncestor(d.path, e.path) && e.calls == d.calls && e.slow == d.slow &&
				(!d.slow || float64(e.extra) >= 0.8*float64(d.extra)) {
				explained = true
				break
			}
		}
		if !explained {
			kept = append(kept, d)
		}
	}
	devs = kept
	slices.SortFunc(devs, func(x, y dev) int {
		if r := cmp.Compare(y.extra, x.extra); r != 0 {
			return r
		}
		return cmp.Compare(x.path, y.path)
	})
	var out []Finding
	for _, d := range devs[:min(len(devs), 5)] {
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
			Summary:  fmt.Sprintf("%s: %s over %d baseline traces", pt.String(d.path), what, len(baseline))})
	}
	return out
}

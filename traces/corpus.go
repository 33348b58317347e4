package traces

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// MaxBaseline is the most traces one report is compared with: the ones of
// the same root operation nearest in start time.
const MaxBaseline = 20

// maxOverlapScan bounds the intervals looked at for one cross-trace
// overlap query (documented limit: a resource held by more than this many
// spans at once is counted up to it).
const maxOverlapScan = 1000

// Corpus is a set of traces analysed once: the baseline and the evidence
// across traces for the reports of its traces. Building it is O(n log n)
// in the spans of all its traces; each report then costs O(n log n) in its
// own spans plus at most MaxBaseline baseline traces.
type Corpus struct {
	traces []*Trace
	an     []*Analysis
	index  map[*Trace]int
	byRoot map[svcOp][]int // trace indexes by start time
	pt     *pathTable
	paths  []map[int32]*pathStat // per trace, computed when first needed
	// Across traces (only with at least 3 traces): every span's interval
	// by service+operation, by start (absolute ns); a wait span's (lock
	// stock) hold is its parent's time after it.
	spans map[svcOp][]interval
}

// interval is a span's time, absolute ns, in trace tr; from hold on it
// held what it waited for (its start when it did not wait).
type interval struct {
	tr               int32
	span             int32
	start, hold, end int64
	resource         string // what its wait was for, when named
}

// NewCorpus analyses ts once (nil entries are skipped).
func NewCorpus(ts []*Trace) *Corpus {
	c := &Corpus{index: map[*Trace]int{}, byRoot: map[svcOp][]int{}, pt: &pathTable{ids: map[pathStep]int32{}}}
	for _, t := range ts {
		if t == nil || len(t.Spans) == 0 {
			continue
		}
		if _, dup := c.index[t]; dup {
			continue
		}
		a := Analyze(t)
		c.index[t] = len(c.traces)
		c.traces = append(c.traces, t)
		c.an = append(c.an, a)
		root := a.Span(a.Root)
		k := svcOp{root.Service, root.Operation}
		c.byRoot[k] = append(c.byRoot[k], len(c.traces)-1)
	}
	c.paths = make([]map[int32]*pathStat, len(c.traces))
	for _, idx := range c.byRoot {
		slices.SortFunc(idx, func(x, y int) int {
			return cmp.Or(c.an[x].Start.Compare(c.an[y].Start), cmp.Compare(c.traces[x].TraceID, c.traces[y].TraceID))
		})
	}
	if len(c.traces) >= 3 {
		c.spans = map[svcOp][]interval{}
		for ti, a := range c.an {
			base := a.Start.UnixNano()
			sp := a.Trace.Spans
			hold := slices.Clone(a.st)
			res := map[int32]string{}
			for _, w := range findWaits(a) {
				hold[w.span] = max(hold[w.span], w.end) // a wait span holds nothing itself
				if w.resource != "" {
					res[w.span] = w.resource
				}
				if p := a.Parent[w.span]; !w.fromEvents && p >= 0 && w.holdEnd > w.end {
					k := svcOp{sp[w.span].Service, sp[w.span].Operation}
					c.spans[k] = append(c.spans[k], interval{int32(ti), w.span, base + w.end, base + w.end, base + w.holdEnd, w.resource})
				}
			}
			for i := range sp {
				k := svcOp{sp[i].Service, sp[i].Operation}
				c.spans[k] = append(c.spans[k], interval{int32(ti), int32(i), base + a.st[i], base + hold[i], base + a.en[i], res[int32(i)]})
			}
		}
		for _, v := range c.spans {
			slices.SortFunc(v, func(x, y interval) int { return cmp.Or(cmp.Compare(x.start, y.start), cmp.Compare(x.tr, y.tr)) })
		}
	}
	return c
}

// Len is the number of traces of the corpus.
func (c *Corpus) Len() int { return len(c.traces) }

// Report builds the report of t (of the corpus or not) against the corpus.
func (c *Corpus) Report(t *Trace) *Report {
	if i, ok := c.index[t]; ok {
		return c.reportOf(c.an[i], i)
	}
	return c.reportOf(Analyze(t), -1)
}

// baselineOf picks the traces t is compared with: the same root service
// and operation, not t, the MaxBaseline nearest in start time.
func (c *Corpus) baselineOf(a *Analysis, self int) []int {
	root := a.Span(a.Root)
	idx := c.byRoot[svcOp{root.Service, root.Operation}]
	at, _ := slices.BinarySearchFunc(idx, a.Start, func(i int, s time.Time) int { return c.an[i].Start.Compare(s) })
	var out []int
	lo, hi := at-1, at
	for len(out) < MaxBaseline && (lo >= 0 || hi < len(idx)) {
		var pick int
		switch {
		case lo < 0:
			pick, hi = idx[hi], hi+1
		case hi >= len(idx):
			pick, lo = idx[lo], lo-1
		case a.Start.Sub(c.an[idx[lo]].Start) <= c.an[idx[hi]].Start.Sub(a.Start):
			pick, lo = idx[lo], lo-1
		default:
			pick, hi = idx[hi], hi+1
		}
		if pick != self && c.traces[pick].TraceID != a.Trace.TraceID {
			out = append(out, pick)
		}
	}
	slices.Sort(out)
	return out
}

// overlapping lists the intervals in other traces than tr (and than trace
// id) that
// overlap [s, e), at most one per trace and at most maxOverlapScan looked at.
func (c *Corpus) overlapping(iv []interval, tr int32, id string, s, e int64, holding bool, resource string) []interval {
	j, _ := slices.BinarySearchFunc(iv, e, func(x interval, e int64) int { return cmp.Compare(x.start, e) })
	var out []interval
	seen := map[int32]bool{tr: true}
	for k := j - 1; k >= 0 && j-k <= maxOverlapScan; k-- {
		if x := iv[k]; x.end > s && (!holding || x.hold < e) && (resource == "" || x.resource == "" || x.resource == resource) &&
			!seen[x.tr] && c.traces[x.tr].TraceID != id {
			seen[x.tr] = true
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(x, y interval) int { return cmp.Or(cmp.Compare(x.end, y.end), cmp.Compare(x.tr, y.tr)) })
	return out
}

// crossTraceFindings finds contention for a shared resource that one trace
// cannot show:
//
//   - a wait of this trace (see findWaits) during which at least 2 other
//     traces held the same service+operation (their span was running and
//     past its own wait; for a wait span such as "lock stock", its parent
//     after it; the same resource when both name one): the waits line up
//     in time;
//   - without wait evidence, the trace's slowest critical-path span (at
//     least 20% of the critical path) ran while at least 2 other traces ran
//     the same service+operation, all of them running at one instant,
//     and they finished one after another (each end at least half the
//     shortest duration after the previous one), this one lasting at
//     least 1.5 times the shortest: they queued on one resource.
func (c *Corpus) crossTraceFindings(a *Analysis, self int32, keys *keyTable, ws []spanWait) []Finding {
	if c.spans == nil {
		return nil
	}
	spans := a.Trace.Spans
	base := a.Start.UnixNano()
	name := func(i int32) svcOp { return keys.names[keys.key[i]] }
	traceIDs := func(iv []interval) string {
		var s []string
		for _, x := range iv[:min(len(iv), 3)] {
			s = append(s, c.traces[x.tr].TraceID)
		}
		if len(iv) > 3 {
			s = append(s, fmt.Sprintf("+%d", len(iv)-3))
		}
		return fmt.Sprint(s)
	}
	var out []Finding
	done := map[int32]bool{}
	for _, w := range ws {
		if w.retry || done[w.span] {
			continue
		}
		n := name(w.span)
		others := c.overlapping(c.spans[n], self, a.Trace.TraceID, base+w.start, base+w.end, true, w.resource)
		if len(others) < 2 {
			continue
		}
		done[w.span] = true
		d := time.Duration(w.end - w.start)
		out = append(out, Finding{Kind: KindLockContention, SpanIDs: []string{spans[w.span].SpanID}, Service: n.service, Operation: n.operation,
			ImpactMS: ms(onPath(a, w.span, w.start, w.end)),
			Summary: fmt.Sprintf("the %s wait in %s %s lines up with %d other traces holding the same %s at the time (traces %s): contention for a shared resource across requests",
				round(d), n.service, n.operation, len(others), cmp.Or(w.resource, "operation"), traceIDs(others))})
	}
	var cpTotal time.Duration
	for _, s := range a.Segments {
		cpTotal += s.End - s.Start
	}
	best := int32(-1)
	for i, d := range a.CPTime {
		if int32(i) != a.Root && (best < 0 || d > a.CPTime[best]) {
			best = int32(i)
		}
	}
	if best < 0 || done[best] || cpTotal <= 0 || float64(a.CPTime[best]) < 0.2*float64(cpTotal) {
		return out
	}
	n := name(best)
	others := c.overlapping(c.spans[n], self, a.Trace.TraceID, base+a.st[best], base+a.en[best], false, "")
	if len(others) < 2 {
		return out
	}
	group := append(slices.Clone(others), interval{self, best, base + a.st[best], base + a.st[best], base + a.en[best], ""})
	slices.SortFunc(group, func(x, y interval) int { return cmp.Or(cmp.Compare(x.end, y.end), cmp.Compare(x.tr, y.tr)) })
	dmin := group[0].end - group[0].start
	for _, x := range group {
		dmin = min(dmin, x.end-x.start)
	}
	if dmin <= int64(WaitMin) {
		return out
	}
	// A queue: all of them waiting at one instant (the last to start began
	// before the first to finish ended), then released one at a time.
	// Overlapping only pairwise (a chain of requests, each arriving as the
	// one before leaves) is not a queue: noisy latencies make such chains.
	lastIn := slices.MaxFunc(group, func(x, y interval) int { return cmp.Compare(x.start, y.start) })
	if lastIn.start >= group[0].end {
		return out
	}
	for j := 1; j < len(group); j++ {
		if float64(group[j].end-group[j-1].end) < 0.5*float64(dmin) {
			return out
		}
	}
	mine := a.en[best] - a.st[best]
	if float64(mine) < 1.5*float64(dmin) {
		return out
	}
	return append(out, Finding{Kind: KindLockContention, SpanIDs: []string{spans[best].SpanID}, Service: n.service, Operation: n.operation,
		ImpactMS: ms(min(a.CPTime[best], time.Duration(mine-dmin))),
		Summary: fmt.Sprintf("%s %s ran in %d concurrent traces that finished it one after another (%s to %s; this one %s, traces %s): queued on a shared resource across requests",
			n.service, n.operation, len(group), round(time.Duration(dmin)), round(time.Duration(group[len(group)-1].end-group[len(group)-1].start)), round(time.Duration(mine)), traceIDs(others))})
}

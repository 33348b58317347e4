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
				r, ok := res[int32(i)]
				if !ok { // what a span that did not wait holds, when it names it
					r = attrOf(&sp[i], nil, resourceKeys)
				}
				c.spans[k] = append(c.spans[k], interval{int32(ti), int32(i), base + a.st[i], base + hold[i], base + a.en[i], r})
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
//   - without wait evidence, a span carrying at least QueueShare of the
//     critical path ran while at least 2 other traces ran the same
//     service+operation, and every call of it then, this trace's own
//     included, looks like one server taking them one at a time, first
//     come first served (see queued): each arrived while the one before
//     was still in, they were served at one pace, they left in the order
//     they came, and this one waited behind the one before. Timing alone
//     is the weakest evidence the report uses.
func (c *Corpus) crossTraceFindings(a *Analysis, self int32, keys *keyTable, ws []spanWait) []Finding {
	if c.spans == nil {
		return nil
	}
	spans := a.Trace.Spans
	base := a.Start.UnixNano()
	name := func(i int32) svcOp { return keys.names[keys.key[i]] }
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
				round(d), n.service, n.operation, len(others), cmp.Or(w.resource, "operation"), c.traceIDs(others))})
	}
	var cpTotal time.Duration
	for _, s := range a.Segments {
		cpTotal += s.End - s.Start
	}
	if cpTotal <= 0 {
		return out
	}
	for i, d := range a.CPTime {
		if i := int32(i); i != a.Root && !done[i] && float64(d) >= QueueShare*float64(cpTotal) {
			if f, ok := c.queued(a, i, self, keys, base); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// queued is the finding that span i of the trace (a.Trace, self in the
// corpus) waited in a queue with the same service+operation of other
// traces, seen in their timing alone (see crossTraceFindings). The queue
// must explain every call of the operation in its window, this trace's
// own included: a trace that fans out to the operation gives it several
// calls at once, and one of them per trace could be picked to look like a
// queue when the server took them side by side.
func (c *Corpus) queued(a *Analysis, i, self int32, keys *keyTable, base int64) (Finding, bool) {
	n := keys.names[keys.key[i]]
	s, e := base+a.st[i], base+a.en[i]
	// This trace's own calls come from its analysis: it may not be in the
	// corpus (a report against a baseline).
	calls := func(from int64) []interval {
		out := c.window(c.spans[n], self, a.Trace.TraceID, from, e)
		for j := range a.Trace.Spans {
			if j := int32(j); keys.key[j] == keys.key[i] && base+a.en[j] > from && base+a.st[j] < e {
				out = append(out, interval{self, j, base + a.st[j], base + a.st[j], base + a.en[j], ""})
			}
		}
		return out
	}
	group := calls(s)
	// The queue may have begun before this span: take in the calls
	// running since the earliest of these started (once).
	if first := slices.MinFunc(group, func(x, y interval) int { return cmp.Compare(x.start, y.start) }); first.start < s {
		group = calls(first.start)
	}
	slices.SortFunc(group, func(x, y interval) int {
		return cmp.Or(cmp.Compare(x.end, y.end), cmp.Compare(x.tr, y.tr), cmp.Compare(x.span, y.span))
	})
	var others []interval // one per other trace, for the summary
	seen := map[int32]bool{self: true}
	for _, x := range group {
		if !seen[x.tr] {
			seen[x.tr] = true
			others = append(others, x)
		}
	}
	if len(others) < 2 {
		return Finding{}, false
	}
	// One server, first come first served: each after the first arrived
	// while the one before was still in (it waited), and was served from
	// the moment that one left (or it arrived) to its own end.
	serve := make([]int64, len(group))
	for k := 1; k < len(group); k++ {
		if group[k].start >= group[k-1].end {
			return Finding{}, false
		}
		serve[k] = group[k].end - max(group[k].start, group[k-1].end)
	}
	sMin, sMax := slices.Min(serve[1:]), slices.Max(serve[1:])
	// Served at one pace (the slowest at most twice the fastest), each
	// long enough to be told from noise and at least half the shortest
	// stay (the first served waited little: its stay is about a service;
	// requests slowed alike overlap long and leave close together)...
	shortest := group[0].end - group[0].start
	for _, x := range group[1:] {
		shortest = min(shortest, x.end-x.start)
	}
	if sMin < int64(WaitMin) || sMax > 2*sMin || 2*sMin < shortest {
		return Finding{}, false
	}
	// ...in the order they arrived (a queue's release order; concurrent
	// requests slowed at random finish in any order).
	for k := 1; k < len(group); k++ {
		if group[k].start < group[k-1].start-sMin/4 {
			return Finding{}, false
		}
	}
	k := slices.IndexFunc(group, func(x interval) bool { return x.tr == self && x.span == i })
	if k <= 0 { // first served
		return Finding{}, false
	}
	// This one waited behind the one before: at least half a service and
	// WaitTraceShare of its trace, as a wait told by events must be.
	wait := group[k-1].end - group[k].start
	if wait < sMin/2 || float64(wait) < WaitTraceShare*float64(a.Duration()) {
		return Finding{}, false
	}
	return Finding{Kind: KindLockContention, SpanIDs: []string{a.Trace.Spans[i].SpanID}, Service: n.service, Operation: n.operation,
		ImpactMS: ms(min(a.CPTime[i], time.Duration(wait))),
		Summary: fmt.Sprintf("%s %s ran in %d concurrent traces that were served one at a time in the order they arrived (each %s to %s; this one waited %s behind the one before, traces %s): queued on a shared resource across requests",
			n.service, n.operation, len(others)+1, round(time.Duration(sMin)), round(time.Duration(sMax)), round(time.Duration(wait)), c.traceIDs(others))}, true
}

// window lists the intervals of iv in other traces than self and trace id
// that overlap [s, e): every call of the operation then by other traces,
// each span once (a wait span's hold after its wait is left out for the
// span itself), at most maxOverlapScan looked at.
func (c *Corpus) window(iv []interval, self int32, id string, s, e int64) []interval {
	j, _ := slices.BinarySearchFunc(iv, e, func(x interval, e int64) int { return cmp.Compare(x.start, e) })
	type call struct{ tr, span int32 }
	at := map[call]int{}
	var out []interval
	for k := j - 1; k >= 0 && j-k <= maxOverlapScan; k-- {
		x := iv[k]
		if x.end <= s || x.tr == self || c.traces[x.tr].TraceID == id {
			continue
		}
		if p, ok := at[call{x.tr, x.span}]; ok {
			out[p] = x // found later, so it starts earlier: the span itself
			continue
		}
		at[call{x.tr, x.span}] = len(out)
		out = append(out, x)
	}
	return out
}

// traceIDs names the traces of iv: the first three and how many more.
func (c *Corpus) traceIDs(iv []interval) string {
	var s []string
	for _, x := range iv[:min(len(iv), 3)] {
		s = append(s, c.traces[x.tr].TraceID)
	}
	if len(iv) > 3 {
		s = append(s, fmt.Sprintf("+%d", len(iv)-3))
	}
	return fmt.Sprint(s)
}

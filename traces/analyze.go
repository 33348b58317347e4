package traces

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Finding kinds.
const (
	KindErrorOrigin     = "error_origin"
	KindSequentialCalls = "sequential_calls"
	KindPoolSaturation  = "pool_saturation"
	KindLockContention  = "lock_contention"
	KindSlowDependency  = "slow_dependency"
	KindBaseline        = "baseline_deviation"
)

// Thresholds of the finding rules (documented in docs/traces.md).
const (
	// MinGroup is the smallest sibling group judged for sequential calls,
	// pool saturation and serialisation.
	MinGroup = 3
	// SequentialShare: sequential siblings must take at least this share
	// of their parent's duration.
	SequentialShare = 0.2
	// SlowShare: a span whose critical-path time is at least this share of
	// the critical path dominates it.
	SlowShare = 0.5
	// WaitMin is the shortest wait judged as lock contention.
	WaitMin = time.Millisecond
	// WaitTraceShare: waits must add up to at least this share of the
	// trace on its critical path for a lock_contention finding (a few
	// milliseconds in a "lock" span are what a scheduling stall looks
	// like on a loaded host).
	WaitTraceShare = 0.1
	// QueueShare: a span looked at for queueing across traces (seen in
	// timing alone) carries at least this share of the critical path.
	QueueShare = 0.1
	// maxIDs caps the span ids listed in one finding.
	maxIDs = 50
)

// Report is the root-cause report of one trace (`console trace show`).
type Report struct {
	TraceID      string       `json:"trace_id"`
	Root         RootInfo     `json:"root"`
	ErrorOrigin  *ErrorOrigin `json:"error_origin"`
	CriticalPath []TimeShare  `json:"critical_path"`
	Findings     []Finding    `json:"findings"`
	// HandledErrors are errors absorbed below a successful ancestor
	// (retried or tolerated): never the error origin.
	HandledErrors []HandledError `json:"handled_errors"`
	Locations     []Location     `json:"locations"`
	// Spans and Errors count the trace's spans and error spans.
	Spans  int `json:"spans"`
	Errors int `json:"errors"`
	// Baseline is the number of other traces of the same root operation
	// the trace was compared with.
	Baseline int `json:"baseline_traces"`
	// BaselineInfo says which traces the baseline is (nil when the
	// caller did not say, e.g. trace analyze: the other traces of a file).
	BaselineInfo *BaselineInfo `json:"baseline,omitempty"`
	// Analysis is the analysed trace the report rests on.
	Analysis *Analysis `json:"-"`
}

// RootInfo names the root span.
type RootInfo struct {
	SpanID     string  `json:"span_id"`
	Service    string  `json:"service"`
	Operation  string  `json:"operation"`
	DurationMS float64 `json:"duration_ms"`
}

// TimeShare is critical-path self time of one service and operation.
type TimeShare struct {
	Service   string  `json:"service"`
	Operation string  `json:"operation"`
	SelfMS    float64 `json:"self_ms"`
	Share     float64 `json:"share"`
	Spans     int     `json:"spans"`
}

// Finding is one thing the analysis found unusual, with the spans it rests
// on.
type Finding struct {
	Kind    string   `json:"kind"`
	Summary string   `json:"summary"`
	SpanIDs []string `json:"span_ids"`
	// Omitted counts the spans the finding rests on beyond SpanIDs.
	Omitted   int    `json:"span_ids_omitted"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	// ImpactMS is the finding's estimated cost to the trace in ms (the
	// time it adds to the critical path); findings are ranked by it.
	ImpactMS float64 `json:"impact_ms"`

	// group merges the same finding under several parents of one kind.
	group string
}

// mergeGroups folds findings of the same kind, service, operation and
// parent operation (one per parent span) into one, listing every parent's
// spans (up to maxIDs) and saying how many parents showed it.
func mergeGroups(fs []Finding) []Finding {
	var out []Finding
	at := map[string]int{}
	count := map[string]int{}
	for _, f := range fs {
		if f.group == "" {
			out = append(out, f)
			continue
		}
		k := f.Kind + "\x00" + f.Service + "\x00" + f.Operation + "\x00" + f.group
		count[k]++
		if i, ok := at[k]; ok {
			o := &out[i]
			for _, id := range f.SpanIDs {
				if len(o.SpanIDs) < maxIDs {
					o.SpanIDs = append(o.SpanIDs, id)
				} else {
					o.Omitted++
				}
			}
			o.Omitted += f.Omitted
			o.ImpactMS += f.ImpactMS
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	for k, i := range at {
		if n := count[k]; n > 1 {
			out[i].Summary += fmt.Sprintf(" (seen under %d %s spans)", n, out[i].group)
		}
	}
	return out
}

// Location is where a span ran.
type Location struct {
	SpanID  string `json:"span_id"`
	Service string `json:"service"`
	Pod     string `json:"pod"`
	Node    string `json:"node"`
	Zone    string `json:"zone"`
	Host    string `json:"host"`
}

// LocationOf reads where s ran from its attributes.
func LocationOf(s *Span) Location {
	l := Location{SpanID: s.SpanID, Service: s.Service}
	l.Pod, _ = s.Attr("k8s.pod.name")
	l.Node, _ = s.Attr("k8s.node.name")
	l.Zone, _ = s.Attr("cloud.availability_zone")
	l.Host, _ = s.Attr("host.name")
	return l
}

// Empty reports whether the location names no place.
func (l Location) Empty() bool { return l.Pod == "" && l.Node == "" && l.Zone == "" && l.Host == "" }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// NewReport analyses t and builds its report. baseline holds other traces;
// those with the same root service and operation are compared with t.
func NewReport(t *Trace, baseline []*Trace) *Report {
	return ReportOf(Analyze(t), baseline)
}

// ReportOf builds the report of an analysed trace. baseline holds other
// traces: those with the same root service and operation (at most
// MaxBaseline, nearest in time) are compared with it, and all of them are
// the evidence across traces (see Corpus). For many reports over one set of
// traces, build a Corpus once instead.
func ReportOf(a *Analysis, baseline []*Trace) *Report {
	return NewCorpus(baseline).reportOf(a, -1)
}

// reportOf builds the report of a; self is its index in the corpus (-1
// when it is not in it).
func (c *Corpus) reportOf(a *Analysis, self int) *Report {
	t := a.Trace
	r := &Report{TraceID: t.TraceID, Analysis: a, Spans: len(t.Spans), CriticalPath: []TimeShare{}, Findings: []Finding{}, HandledErrors: []HandledError{}, Locations: []Location{}}
	if a.Root < 0 {
		return r
	}
	root := a.Span(a.Root)
	r.Root = RootInfo{SpanID: root.SpanID, Service: root.Service, Operation: root.Operation, DurationMS: ms(root.Duration)}
	for i := range t.Spans {
		if t.Spans[i].Error {
			r.Errors++
		}
	}
	keys := newKeyTable(a)
	r.ErrorOrigin = errorOrigin(a)
	r.CriticalPath = whereTimeWent(a, keys)
	if o := r.ErrorOrigin; o != nil {
		r.Findings = append(r.Findings, originFinding(o))
	}
	r.HandledErrors = handledErrors(a, keys, r.ErrorOrigin)
	for _, h := range r.HandledErrors {
		r.Findings = append(r.Findings, handledFinding(h))
	}
	ws := findWaits(a)
	r.Findings = append(r.Findings, mergeGroups(siblingFindings(a, keys))...)
	r.Findings = append(r.Findings, waitFindings(a, keys, ws)...)
	r.Findings = append(r.Findings, slowDependency(a, waitingMask(a, ws))...)
	r.Findings = append(r.Findings, c.crossTraceFindings(a, int32(self), keys, ws)...)
	if same := c.baselineOf(a, self); len(same) > 0 {
		others := make([]map[int32]*pathStat, len(same))
		for j, i := range same {
			if c.paths[i] == nil {
				c.paths[i] = c.pt.paths(c.an[i], false)
			}
			others[j] = c.paths[i]
		}
		r.Baseline = len(same)
		r.Findings = append(r.Findings, baselineFindings(a, c.pt, others)...)
	}
	rankFindings(r.Findings)
	r.Locations = locations(a, r)
	return r
}

// rankFindings orders findings by impact: the error origin first (it is
// the failure), then by estimated time added to the trace, largest first;
// ties by kind, service, operation, first span id and summary, so the order
// does not depend on the order of the source's spans.
func rankFindings(fs []Finding) {
	first := func(f *Finding) string {
		if len(f.SpanIDs) == 0 {
			return ""
		}
		return f.SpanIDs[0]
	}
	slices.SortStableFunc(fs, func(x, y Finding) int {
		if xo, yo := x.Kind == KindErrorOrigin, y.Kind == KindErrorOrigin; xo != yo {
			if xo {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(y.ImpactMS, x.ImpactMS), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Service, y.Service),
			cmp.Compare(x.Operation, y.Operation), cmp.Compare(first(&x), first(&y)), cmp.Compare(x.Summary, y.Summary))
	})
}

func orDash(s string) string {
	if s == "" {
		return "(no message)"
	}
	return s
}

// rootSpan returns the root of t without building the whole tree: the
// longest span with no parent id (or the longest span).
func rootSpan(t *Trace) *Span {
	var best *Span
	bestTrue := false
	for i := range t.Spans {
		s := &t.Spans[i]
		isTrue := s.ParentID == ""
		if best == nil || (isTrue && !bestTrue) || (isTrue == bestTrue && s.Duration > best.Duration) {
			best, bestTrue = s, isTrue
		}
	}
	return best
}

// keyTable interns (service, operation) per span.
type keyTable struct {
	key   []int32 // per span
	names []svcOp
}

type svcOp struct{ service, operation string }

func newKeyTable(a *Analysis) *keyTable {
	spans := a.Trace.Spans
	k := &keyTable{key: make([]int32, len(spans))}
	ids := map[svcOp]int32{}
	for i := range spans {
		so := svcOp{spans[i].Service, spans[i].Operation}
		id, ok := ids[so]
		if !ok {
			id = int32(len(k.names))
			ids[so] = id
			k.names = append(k.names, so)
		}
		k.key[i] = id
	}
	return k
}

func whereTimeWent(a *Analysis, keys *keyTable) []TimeShare {
	total := time.Duration(0)
	byKey := map[int32]*TimeShare{}
	times := map[int32]time.Duration{}
	for _, seg := range a.Segments {
		total += seg.End - seg.Start
	}
	for i, d := range a.CPTime {
		if d <= 0 {
			continue
		}
		k := keys.key[i]
		ts := byKey[k]
		if ts == nil {
			ts = &TimeShare{Service: keys.names[k].service, Operation: keys.names[k].operation}
			byKey[k] = ts
		}
		ts.Spans++
		times[k] += d
	}
	out := make([]TimeShare, 0, len(byKey))
	for k, ts := range byKey {
		ts.SelfMS = ms(times[k])
		if total > 0 {
			ts.Share = float64(times[k]) / float64(total)
		}
		out = append(out, *ts)
	}
	slices.SortFunc(out, func(x, y TimeShare) int {
		if r := cmp.Compare(y.SelfMS, x.SelfMS); r != 0 {
			return r
		}
		return cmp.Compare(x.Service+x.Operation, y.Service+y.Operation)
	})
	if len(out) > 20 {
		out = out[:20]
	}
	return out
}

// ids lists the span ids of idx (at most maxIDs).
func ids(a *Analysis, idx []int32) []string {
	out := make([]string, 0, min(len(idx), maxIDs))
	for _, i := range idx {
		if len(out) == maxIDs {
			break
		}
		out = append(out, a.Trace.Spans[i].SpanID)
	}
	return out
}

// serialised implements the serialised-requests rule (see siblingFindings).
func serialised(a *Analysis, g []int32, shortest time.Duration) bool {
	if shortest <= WaitMin {
		return false
	}
	first, last := a.st[g[0]], a.st[g[len(g)-1]]
	if float64(last-first) > 0.25*float64(shortest) {
		return false
	}
	ends := make([]int64, len(g))
	for gi, i := range g {
		ends[gi] = a.en[i]
	}
	slices.Sort(ends)
	for j := 1; j < len(ends); j++ {
		if float64(ends[j]-ends[j-1]) < 0.5*float64(shortest) {
			return false
		}
	}
	return true
}

func byEnd(a *Analysis, g []int32) []int32 {
	out := slices.Clone(g)
	slices.SortFunc(out, func(x, y int32) int {
		return cmp.Or(cmp.Compare(a.en[x], a.en[y]), cmp.Compare(a.Span(x).SpanID, a.Span(y).SpanID))
	})
	return out
}

// round renders a duration for summaries.
func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// slowDependency reports a single span (not the root, not a waiting span)
// whose critical-path time is at least SlowShare of the critical path.
func slowDependency(a *Analysis, waits []bool) []Finding {
	spans := a.Trace.Spans
	var total time.Duration
	for _, s := range a.Segments {
		total += s.End - s.Start
	}
	if total <= 0 {
		return nil
	}
	best := int32(-1)
	for i, d := range a.CPTime {
		if int32(i) == a.Root || waits[i] {
			continue
		}
		if best < 0 || d > a.CPTime[best] {
			best = int32(i)
		}
	}
	if best < 0 || float64(a.CPTime[best]) < SlowShare*float64(total) {
		return nil
	}
	s := &spans[best]
	caller := ""
	if p := a.Parent[best]; p >= 0 && spans[p].Service != s.Service {
		caller = " called by " + spans[p].Service
	}
	return []Finding{{Kind: KindSlowDependency, SpanIDs: []string{s.SpanID}, Service: s.Service, Operation: s.Operation, ImpactMS: ms(a.CPTime[best]),
		Summary: fmt.Sprintf("%s %s%s took %s, %.0f%% of the critical path", s.Service, s.Operation, caller, round(s.Duration), 100*float64(a.CPTime[best])/float64(total))}}
}

// locations lists where the spans the report names ran (the error origin
// and its chain's first spans, the findings' spans, the critical path's
// biggest spans) and the first span of every service, skipping spans that
// carry no location attribute.
func locations(a *Analysis, r *Report) []Location {
	spans := a.Trace.Spans
	seen := map[string]bool{}
	out := []Location{}
	add := func(id string) {
		if len(out) >= 200 || seen[id] {
			return
		}
		seen[id] = true
		i, ok := a.byID[id]
		if !ok {
			return
		}
		if l := LocationOf(&spans[i]); !l.Empty() {
			out = append(out, l)
		}
	}
	if o := r.ErrorOrigin; o != nil {
		for _, id := range o.Chain[:min(len(o.Chain), 20)] {
			add(id)
		}
	}
	for _, f := range r.Findings {
		for _, id := range f.SpanIDs[:min(len(f.SpanIDs), 10)] {
			add(id)
		}
	}
	top := slices.Clone(a.Order)
	slices.SortStableFunc(top, func(x, y int32) int { return cmp.Compare(a.CPTime[y], a.CPTime[x]) })
	for _, i := range top[:min(len(top), 5)] {
		if a.CPTime[i] > 0 {
			add(spans[i].SpanID)
		}
	}
	services := map[string]bool{}
	for _, i := range a.Order {
		if !services[spans[i].Service] {
			services[spans[i].Service] = true
			add(spans[i].SpanID)
		}
	}
	return out
}

// Summary summarises a trace for a list (see SummaryBuilder).
func Summary(t *Trace) TraceSummary {
	var b SummaryBuilder
	for i := range t.Spans {
		b.Add(&t.Spans[i])
	}
	return b.Summary(t.TraceID)
}

// SummaryBuilder summarises a trace span by span without keeping its
// spans, so a trace streamed from a backend is listed in constant memory.
// The root is chosen as rootSpan does (the longest span without a parent,
// else the longest span); errors count spans in error.
type SummaryBuilder struct {
	n, looked, errors int
	root              struct {
		set, parentless bool
		service, op     string
		err             bool
		dur             time.Duration
	}
	start, end time.Time
	services   map[string]bool
}

// Add summarises one span.
func (b *SummaryBuilder) Add(s *Span) {
	if b.looked == 0 {
		b.start, b.end = s.Start, s.End()
		b.services = map[string]bool{}
	}
	b.n++
	b.looked++
	parentless := s.ParentID == ""
	if r := &b.root; !r.set || (parentless && !r.parentless) || (parentless == r.parentless && s.Duration > r.dur) {
		r.set, r.parentless, r.service, r.op, r.err, r.dur = true, parentless, s.Service, s.Operation, s.Error, s.Duration
	}
	if s.Start.Before(b.start) {
		b.start = s.Start
	}
	if e := s.End(); e.After(b.end) {
		b.end = e
	}
	if s.Error {
		b.errors++
	}
	b.services[s.Service] = true
}

// Skip counts a span that was not looked at (over a span cap): the
// summary is then marked Truncated.
func (b *SummaryBuilder) Skip() { b.n++ }

// Spans is the number of spans added or skipped so far.
func (b *SummaryBuilder) Spans() int { return b.n }

// Summary returns the summary of the spans so far.
func (b *SummaryBuilder) Summary(traceID string) TraceSummary {
	ts := TraceSummary{TraceID: traceID, Spans: b.n, Services: []string{}, Truncated: b.looked < b.n}
	if b.looked == 0 {
		return ts
	}
	ts.Service, ts.Operation, ts.RootFailed = b.root.service, b.root.op, b.root.err
	for s := range b.services {
		ts.Services = append(ts.Services, s)
	}
	slices.Sort(ts.Services)
	ts.Errors = b.errors
	ts.Start = b.start
	ts.Duration = b.end.Sub(b.start)
	ts.DurationMS = ms(ts.Duration)
	if ts.Truncated {
		ts.Summarised = b.looked
	}
	return ts
}

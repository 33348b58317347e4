package traces

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned by Source.Get for an unknown trace id.
var ErrNotFound = errors.New("trace not found")

// Query selects traces.
type Query struct {
	// Service is required by Jaeger; Operation is optional.
	Service   string
	Operation string
	// Tags must all match a span's tag or resource attribute.
	Tags map[string]string
	// MinDuration and MaxDuration bound the root span's duration (zero:
	// no bound).
	MinDuration time.Duration
	MaxDuration time.Duration
	// Lookback is how far back to search (default DefaultLookback); Start
	// and End, when set, override it.
	Lookback   time.Duration
	Start, End time.Time
	// Limit caps the number of traces (default DefaultLimit).
	Limit int
}

// Defaults of a Query.
const (
	DefaultLookback = time.Hour
	DefaultLimit    = 20
)

// Window returns the query's time window, applying the defaults.
func (q Query) Window(now time.Time) (start, end time.Time) {
	end = q.End
	if end.IsZero() {
		end = now
	}
	start = q.Start
	if start.IsZero() {
		lb := q.Lookback
		if lb <= 0 {
			lb = DefaultLookback
		}
		start = end.Add(-lb)
	}
	return start, end
}

// Source is where traces come from: a Jaeger query service or traces in
// memory (the demo).
type Source interface {
	// Find returns the traces matching q, newest first.
	Find(ctx context.Context, q Query) ([]*Trace, error)
	// Get returns one trace; ErrNotFound when there is none.
	Get(ctx context.Context, traceID string) (*Trace, error)
	// Services lists the services that sent traces.
	Services(ctx context.Context) ([]string, error)
	// Dependencies returns the service graph of the last lookback.
	Dependencies(ctx context.Context, lookback time.Duration) ([]Dependency, error)
}

// Summarizer is a Source that can list traces without keeping their
// spans (the Jaeger client: a huge trace costs a summary, not its spans).
type Summarizer interface {
	// FindSummaries returns the summaries of the traces matching q,
	// newest first.
	FindSummaries(ctx context.Context, q Query) ([]TraceSummary, error)
}

// ProgressGetter is a Source that streams a trace: progress is called
// with the spans received so far while it arrives.
type ProgressGetter interface {
	GetProgress(ctx context.Context, traceID string, progress func(spans int)) (*Trace, error)
}

// FindSummaries lists the summaries of the traces of src matching q,
// through Summarizer when src is one, else by summarising Find's traces.
func FindSummaries(ctx context.Context, src Source, q Query) ([]TraceSummary, error) {
	if s, ok := src.(Summarizer); ok {
		return s.FindSummaries(ctx, q)
	}
	ts, err := src.Find(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]TraceSummary, 0, len(ts))
	for _, t := range ts {
		out = append(out, Summary(t))
	}
	return out, nil
}

// GetProgress fetches a trace through ProgressGetter when src is one,
// else with Get (progress is then called once, at the end).
func GetProgress(ctx context.Context, src Source, traceID string, progress func(spans int)) (*Trace, error) {
	if g, ok := src.(ProgressGetter); ok {
		return g.GetProgress(ctx, traceID, progress)
	}
	t, err := src.Get(ctx, traceID)
	if err == nil && progress != nil {
		progress(len(t.Spans))
	}
	return t, err
}

// MemorySource is a Source over traces held in memory.
type MemorySource struct {
	traces []*Trace
	// Now is the clock for lookback windows (default time.Now).
	Now func() time.Time
}

// NewMemorySource returns a Source over ts.
func NewMemorySource(ts []*Trace) *MemorySource { return &MemorySource{traces: ts} }

func (m *MemorySource) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Find implements Source. Like Jaeger, a trace matches when one of its
// spans has the service (and operation and tags); durations bound that
// span's duration.
func (m *MemorySource) Find(ctx context.Context, q Query) ([]*Trace, error) {
	start, end := q.Window(m.now())
	var out []*Trace
	for _, t := range m.traces {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("find traces: %w", err)
		}
		if matches(t, q, start, end) {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(x, y *Trace) int { return traceStart(y).Compare(traceStart(x)) })
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func traceStart(t *Trace) time.Time {
	var st time.Time
	for i := range t.Spans {
		if i == 0 || t.Spans[i].Start.Before(st) {
			st = t.Spans[i].Start
		}
	}
	return st
}

func matches(t *Trace, q Query, start, end time.Time) bool {
	if len(t.Spans) == 0 {
		return false
	}
	ts := traceStart(t)
	if ts.Before(start) || ts.After(end) {
		return false
	}
	for i := range t.Spans {
		s := &t.Spans[i]
		if q.Service != "" && s.Service != q.Service {
			continue
		}
		if q.Operation != "" && s.Operation != q.Operation {
			continue
		}
		if q.MinDuration > 0 && s.Duration < q.MinDuration {
			continue
		}
		if q.MaxDuration > 0 && s.Duration > q.MaxDuration {
			continue
		}
		ok := true
		for k, v := range q.Tags {
			got, found := s.Attr(k)
			if k == "error" && !found {
				got, found = fmt.Sprint(s.Error), true
			}
			if !found || !strings.EqualFold(got, v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// Get implements Source.
func (m *MemorySource) Get(_ context.Context, traceID string) (*Trace, error) {
	id := normalizeID(strings.TrimSpace(traceID))
	for _, t := range m.traces {
		if t.TraceID == id || strings.TrimLeft(t.TraceID, "0") == strings.TrimLeft(id, "0") {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, Sanitize(traceID))
}

// Services implements Source.
func (m *MemorySource) Services(context.Context) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, t := range m.traces {
		for i := range t.Spans {
			if s := t.Spans[i].Service; !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Dependencies implements Source, computing the graph from the traces.
func (m *MemorySource) Dependencies(_ context.Context, lookback time.Duration) ([]Dependency, error) {
	start, end := Query{Lookback: lookback}.Window(m.now())
	var in []*Trace
	for _, t := range m.traces {
		if ts := traceStart(t); !ts.Before(start) && !ts.After(end) {
			in = append(in, t)
		}
	}
	return Dependencies(in), nil
}

// BaselineOptions choose the traces a trace is compared with.
type BaselineOptions struct {
	// N is the most traces (0: none).
	N int
	// Lookback is the window's length (default DefaultLookback).
	Lookback time.Duration
	// Before ends the window this long before the trace's start, to leave
	// out the burst the trace belongs to (0: the window ends at its start).
	Before time.Duration
	// IDs, when set, are the baseline traces (the window is not used).
	IDs []string
	// Mode is one of BaselineAuto, BaselineBeforeTrace, BaselineWindow,
	// BaselineTraces for BaselineFor ("": chosen from the fields).
	Mode string
}

// Baseline fetches up to n other traces of t's root service and operation
// from the lookback window ending at t's start (see BaselineWith).
func Baseline(ctx context.Context, src Source, t *Trace, n int, lookback time.Duration) ([]*Trace, error) {
	return BaselineWith(ctx, src, t, BaselineOptions{N: n, Lookback: lookback})
}

// BaselineWith fetches the baseline of t: the traces named by o.IDs, or up
// to o.N other traces of t's root service and operation that started in
// the window of o.Lookback ending o.Before before t's start. Traces after
// t are never in the default baseline: during an incident, the newest
// traces are the incident.
func BaselineWith(ctx context.Context, src Source, t *Trace, o BaselineOptions) ([]*Trace, error) {
	root := rootSpan(t)
	if root == nil {
		return nil, nil
	}
	if len(o.IDs) > 0 {
		var out []*Trace
		for _, id := range o.IDs {
			b, err := src.Get(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("baseline trace %s: %w", id, err)
			}
			out = append(out, b)
		}
		return out, nil
	}
	if o.N <= 0 {
		return nil, nil
	}
	// the window ends just before t (a search's end is inclusive: the
	// trace itself, however big, would come back with the baseline)
	end := Summary(t).Start.Add(-o.Before - time.Microsecond)
	lookback := cmp.Or(o.Lookback, DefaultLookback)
	// The baseline is the N newest traces of the window. A backend asked
	// for N traces of a larger window may return any N of them (Jaeger's
	// memory store does), so ask for more, order by start and keep the
	// newest; where the backend can summarise, only those N are fetched.
	q := Query{Service: root.Service, Operation: root.Operation, Start: end.Add(-lookback), End: end, Limit: max(o.N+1, burstCandidates)}
	newestFirst := func(a, b TraceSummary) int {
		return cmp.Or(b.Start.Compare(a.Start), strings.Compare(a.TraceID, b.TraceID))
	}
	if _, ok := src.(Summarizer); ok {
		sums, err := FindSummaries(ctx, src, q)
		if err != nil {
			return nil, fmt.Errorf("baseline traces: %w", err)
		}
		sums = slices.DeleteFunc(sums, func(s TraceSummary) bool { return s.TraceID == t.TraceID })
		slices.SortFunc(sums, newestFirst)
		out := make([]*Trace, 0, min(o.N, len(sums)))
		for _, s := range sums[:min(o.N, len(sums))] {
			b, err := src.Get(ctx, s.TraceID)
			if err != nil {
				return nil, fmt.Errorf("baseline trace %s: %w", s.TraceID, err)
			}
			out = append(out, b)
		}
		return out, nil
	}
	ts, err := src.Find(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("baseline traces: %w", err)
	}
	type found struct {
		s TraceSummary
		t *Trace
	}
	fs := make([]found, 0, len(ts))
	for _, b := range ts {
		if b.TraceID != t.TraceID {
			fs = append(fs, found{Summary(b), b})
		}
	}
	slices.SortFunc(fs, func(a, b found) int { return newestFirst(a.s, b.s) })
	out := make([]*Trace, 0, min(o.N, len(fs)))
	for _, f := range fs[:min(o.N, len(fs))] {
		out = append(out, f.t)
	}
	return out, nil
}

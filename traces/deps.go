package traces

import (
	"cmp"
	"slices"
)

// Dependency is one edge of the service graph: Parent called Child.
type Dependency struct {
	Parent string `json:"parent"`
	Child  string `json:"child"`
	Calls  int    `json:"calls"`
	// Errors and ErrorRate count the errored calls among SampledCalls,
	// the calls seen in the traces the graph was computed from (Jaeger's
	// own graph has call counts only).
	Errors       int     `json:"errors"`
	ErrorRate    float64 `json:"error_rate"`
	SampledCalls int     `json:"sampled_calls"`
}

// MergeErrors fills the error counts of graph (e.g. Jaeger's, calls only)
// from sample (computed from traces); edges only in sample are added.
func MergeErrors(graph, sample []Dependency) []Dependency {
	type edge struct{ p, c string }
	idx := map[edge]int{}
	out := make([]Dependency, 0, len(graph))
	for _, d := range graph {
		idx[edge{d.Parent, d.Child}] = len(out)
		d.Errors, d.ErrorRate, d.SampledCalls = 0, 0, 0
		out = append(out, d)
	}
	for _, d := range sample {
		i, ok := idx[edge{d.Parent, d.Child}]
		if !ok {
			out = append(out, d)
			continue
		}
		out[i].Errors, out[i].ErrorRate, out[i].SampledCalls = d.Errors, d.ErrorRate, d.SampledCalls
	}
	SortDependencies(out)
	return out
}

// Dependencies computes the service graph of traces: an edge for every
// span whose parent span belongs to another service, counting calls and
// errored calls (the child span errored). Calls within a service are not
// edges.
func Dependencies(ts []*Trace) []Dependency {
	type edge struct{ p, c string }
	m := map[edge]*Dependency{}
	for _, t := range ts {
		if t == nil {
			continue
		}
		idx := make(map[string]int, len(t.Spans))
		for i := range t.Spans {
			idx[t.Spans[i].SpanID] = i
		}
		for i := range t.Spans {
			s := &t.Spans[i]
			pi, ok := idx[s.ParentID]
			if !ok || s.ParentID == "" {
				continue
			}
			p := &t.Spans[pi]
			if p.Service == s.Service {
				continue
			}
			e := edge{p.Service, s.Service}
			d := m[e]
			if d == nil {
				d = &Dependency{Parent: e.p, Child: e.c}
				m[e] = d
			}
			d.Calls++
			if s.Error {
				d.Errors++
			}
		}
	}
	out := make([]Dependency, 0, len(m))
	for _, d := range m {
		d.SampledCalls = d.Calls
		if d.Calls > 0 {
			d.ErrorRate = float64(d.Errors) / float64(d.Calls)
		}
		out = append(out, *d)
	}
	SortDependencies(out)
	return out
}

// SortDependencies orders edges by parent, then child.
func SortDependencies(ds []Dependency) {
	slices.SortFunc(ds, func(x, y Dependency) int {
		if r := cmp.Compare(x.Parent, y.Parent); r != 0 {
			return r
		}
		return cmp.Compare(x.Child, y.Child)
	})
}

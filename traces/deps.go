package traces

import (
	"cmp"
	"math"
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

// OpEdge is one operation-level call in the deep dependency graph around
// a focal service: the caller's service and operation to the callee's.
type OpEdge struct {
	FromService   string `json:"from_service"`
	FromOperation string `json:"from_operation"`
	ToService     string `json:"to_service"`
	ToOperation   string `json:"to_operation"`
	// Hops is the callee's distance from the focal service in service
	// boundaries: positive downstream, negative upstream (the caller's).
	Hops   int `json:"hops"`
	Calls  int `json:"calls"`
	Errors int `json:"errors"`
}

// DeepDependencies is the operation-level dependency graph around focal,
// like Jaeger UI's deep dependency graph: the calls (parent and child spans
// of different services) on the paths through a span of focal, up to hops
// service boundaries upstream and downstream. Edges are ordered by hops,
// then caller and callee. O(n) per trace after its tree.
func DeepDependencies(ts []*Trace, focal string, hops int) []OpEdge {
	type key struct {
		from, to svcOp
		hops     int
	}
	agg := map[key]*OpEdge{}
	add := func(from, to *Span, h int) {
		k := key{svcOp{from.Service, from.Operation}, svcOp{to.Service, to.Operation}, h}
		e := agg[k]
		if e == nil {
			e = &OpEdge{FromService: from.Service, FromOperation: from.Operation, ToService: to.Service, ToOperation: to.Operation, Hops: h}
			agg[k] = e
		}
		e.Calls++
		if to.Error {
			e.Errors++
		}
	}
	const none = math.MaxInt32
	for _, t := range ts {
		if t == nil || len(t.Spans) == 0 {
			continue
		}
		a := Analyze(t)
		sp := t.Spans
		down := make([]int32, len(sp)) // boundaries below the nearest focal ancestor (or self)
		up := make([]int32, len(sp))   // boundaries above the nearest focal descendant (or self)
		for _, i := range a.Order {
			down[i] = none
			if sp[i].Service == focal {
				down[i] = 0
			} else if p := a.Parent[i]; p >= 0 && down[p] != none {
				down[i] = down[p]
				if sp[p].Service != sp[i].Service {
					down[i]++
				}
			}
		}
		for i := range up {
			up[i] = none
		}
		for k := len(a.Order) - 1; k >= 0; k-- { // children before parents
			i := a.Order[k]
			if sp[i].Service == focal {
				up[i] = 0
			}
			if p := a.Parent[i]; p >= 0 && up[i] != none {
				d := up[i]
				if sp[p].Service != sp[i].Service {
					d++
				}
				up[p] = min(up[p], d)
			}
		}
		for _, i := range a.Order {
			p := a.Parent[i]
			if p < 0 || sp[p].Service == sp[i].Service {
				continue
			}
			switch {
			case down[i] != none && down[i] <= int32(hops) && down[p] != none:
				add(&sp[p], &sp[i], int(down[i]))
			case up[p] != none && up[p] <= int32(hops) && up[i] != none:
				add(&sp[p], &sp[i], -int(up[p]))
			}
		}
	}
	out := make([]OpEdge, 0, len(agg))
	for _, e := range agg {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(x, y OpEdge) int {
		return cmp.Or(cmp.Compare(x.Hops, y.Hops), cmp.Compare(x.FromService, y.FromService), cmp.Compare(x.FromOperation, y.FromOperation),
			cmp.Compare(x.ToService, y.ToService), cmp.Compare(x.ToOperation, y.ToOperation))
	})
	return out
}

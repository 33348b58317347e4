package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/traces"
)

// spanIndex maps span ids to spans.
func spanIndex(tr *traces.Trace) map[string]*traces.Span {
	m := make(map[string]*traces.Span, len(tr.Spans))
	for i := range tr.Spans {
		m[tr.Spans[i].SpanID] = &tr.Spans[i]
	}
	return m
}

func rootOf(t *testing.T, tr *traces.Trace) *traces.Span {
	t.Helper()
	var root *traces.Span
	for i := range tr.Spans {
		if tr.Spans[i].ParentID == "" {
			if root != nil {
				t.Fatalf("trace %s has two roots", tr.TraceID)
			}
			root = &tr.Spans[i]
		}
	}
	if root == nil {
		t.Fatalf("trace %s has no root", tr.TraceID)
	}
	return root
}

func TestTracesWellFormed(t *testing.T) {
	s := newTest(t, Options{})
	inv := s.Snapshot()
	pods := map[string]string{} // pod → node
	for _, p := range inv.Pods {
		pods[p.Name] = p.Node
	}
	ids := map[string]bool{}
	ops := map[string]int{}
	for _, tr := range s.Traces() {
		if len(tr.TraceID) != 32 || ids[tr.TraceID] {
			t.Errorf("trace id %q bad or repeated", tr.TraceID)
		}
		ids[tr.TraceID] = true
		root := rootOf(t, tr)
		ops[root.Operation]++
		byID := spanIndex(tr)
		for i := range tr.Spans {
			sp := &tr.Spans[i]
			if sp.ParentID != "" {
				parent := byID[sp.ParentID]
				if parent == nil {
					t.Fatalf("span %s has unknown parent", sp.SpanID)
				}
				if sp.Start.Before(parent.Start) || sp.End().After(parent.End()) {
					t.Errorf("trace %s: span %s %s [%v,%v] outside its parent %s [%v,%v]", tr.TraceID, sp.Service, sp.Operation,
						sp.Start, sp.End(), parent.Operation, parent.Start, parent.End())
				}
			}
			for _, key := range []string{"service.name", "k8s.pod.name", "k8s.node.name", "cloud.availability_zone", "host.name"} {
				if v, ok := sp.Attr(key); !ok || v == "" {
					t.Errorf("trace %s span %s: no %s", tr.TraceID, sp.Operation, key)
				}
			}
			pod, _ := sp.Attr("k8s.pod.name")
			node, _ := sp.Attr("k8s.node.name")
			if n, ok := pods[pod]; !ok || n != node {
				t.Errorf("span %s: pod %q on node %q is not a pod of the estate (on %q)", sp.Operation, pod, node, n)
			}
		}
	}
	for _, op := range []string{"GET /checkout", "GET /search", "POST /login"} {
		if ops[op] < 4 {
			t.Errorf("%d traces of %s, want a baseline of several", ops[op], op)
		}
	}
	for i, sum := range inv.Traces {
		tr := s.Traces()[i]
		if sum.TraceID != tr.TraceID || sum.Spans != len(tr.Spans) || sum.Duration <= 0 || len(sum.Services) < 3 {
			t.Errorf("summary %+v", sum)
		}
	}
}

// find returns the traces of op with (errors) or without errors.
func tracesOf(s *Sim, t *testing.T, op string) []*traces.Trace {
	var out []*traces.Trace
	for _, tr := range s.Traces() {
		if rootOf(t, tr).Operation == op {
			out = append(out, tr)
		}
	}
	return out
}

func TestErrorTracePropagatesFromDeepDBTimeout(t *testing.T) {
	s := newTest(t, Options{})
	var failed *traces.Trace
	for _, tr := range tracesOf(s, t, "GET /checkout") {
		if rootOf(t, tr).Error {
			if failed != nil {
				t.Fatal("two failed checkout traces")
			}
			failed = tr
		}
	}
	if failed == nil {
		t.Fatal("no failed checkout trace")
	}
	byID := spanIndex(failed)
	depth := func(sp *traces.Span) int {
		d := 0
		for sp.ParentID != "" {
			sp = byID[sp.ParentID]
			d++
		}
		return d
	}
	// The deepest error span is the database call, and every ancestor is in error.
	var deepest *traces.Span
	for i := range failed.Spans {
		sp := &failed.Spans[i]
		if sp.Error && (deepest == nil || depth(sp) > depth(deepest)) {
			deepest = sp
		}
	}
	if sys, _ := deepest.Attr("db.system"); sys == "" || !strings.Contains(deepest.StatusMessage, "timeout") || depth(deepest) < 4 {
		t.Fatalf("deepest error span %s %s (db %q, depth %d): %s", deepest.Service, deepest.Operation, sys, depth(deepest), deepest.StatusMessage)
	}
	services := map[string]bool{}
	for sp := deepest; ; sp = byID[sp.ParentID] {
		if !sp.Error || sp.StatusMessage == "" {
			t.Errorf("ancestor %s %s is not in error", sp.Service, sp.Operation)
		}
		services[sp.Service] = true
		if sp.ParentID == "" {
			break
		}
	}
	if !services["payments"] || !services["checkout"] || !services["frontend"] {
		t.Errorf("error path through %v", services)
	}
	for _, tr := range tracesOf(s, t, "GET /checkout") {
		if tr != failed {
			for _, sp := range tr.Spans {
				if sp.Error {
					t.Errorf("baseline trace %s has an error span", tr.TraceID)
				}
			}
		}
	}
}

func TestLockContentionTrace(t *testing.T) {
	s := newTest(t, Options{})
	contended := 0
	for _, tr := range tracesOf(s, t, "POST /login") {
		byID := spanIndex(tr)
		var waits []*traces.Span
		for i := range tr.Spans {
			if tr.Spans[i].Operation == "db.lock.wait" {
				waits = append(waits, &tr.Spans[i])
			}
		}
		if len(waits) == 0 {
			continue
		}
		contended++
		if len(waits) < 3 {
			t.Fatalf("%d lock waits", len(waits))
		}
		// The waits are on one resource, their callers are siblings that
		// start together and end one after another.
		res, _ := waits[0].Attr("db.lock.resource")
		parent := byID[waits[0].ParentID].ParentID
		var ends []time.Time
		for _, w := range waits {
			if r, _ := w.Attr("db.lock.resource"); r != res {
				t.Errorf("lock on %q and %q", res, r)
			}
			call := byID[w.ParentID]
			if call.ParentID != parent {
				t.Errorf("db calls are not siblings")
			}
			ends = append(ends, call.End())
		}
		for i := 1; i < len(ends); i++ {
			if !ends[i].After(ends[i-1].Add(100 * time.Millisecond)) {
				t.Errorf("db call %d ends at %v, not well after call %d at %v", i, ends[i], i-1, ends[i-1])
			}
		}
	}
	if contended != 1 {
		t.Errorf("%d contended login traces, want 1", contended)
	}
}

func TestStaircaseTrace(t *testing.T) {
	s := newTest(t, Options{})
	stairs := 0
	for _, tr := range tracesOf(s, t, "GET /search") {
		// The product detail calls made by the search service, in start order.
		var calls []*traces.Span
		for i := range tr.Spans {
			if sp := &tr.Spans[i]; sp.Service == "search" && sp.Kind == "client" && sp.Operation == "product-details.ProductDetails/Get" {
				calls = append(calls, sp)
			}
		}
		if len(calls) < 5 {
			t.Fatalf("search makes %d product detail calls", len(calls))
		}
		sequential := true
		for i := 1; i < len(calls); i++ {
			if calls[i].Start.Before(calls[i-1].End()) {
				sequential = false
			}
		}
		if sequential {
			stairs++
		}
	}
	if stairs != 1 {
		t.Errorf("%d staircase search traces, want 1", stairs)
	}
}

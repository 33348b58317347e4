package traces

import (
	"fmt"
	"time"
)

// genStart is the start time of generated traces.
var genStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// WideTrace generates a trace of n spans: a root fanning out to n-1
// children that overlap in waves (for benchmarks and tests).
func WideTrace(n int) *Trace {
	t := &Trace{TraceID: fmt.Sprintf("%032x", n), Spans: make([]Span, n)}
	t.Spans[0] = Span{SpanID: spanID(0), Service: "frontend", Operation: "GET /fanout", Start: genStart, Duration: time.Duration(n) * time.Millisecond,
		Resource: []KeyValue{{"k8s.pod.name", "frontend-0"}, {"k8s.node.name", "node-a"}}}
	for i := 1; i < n; i++ {
		st := genStart.Add(time.Duration(i) * time.Millisecond)
		t.Spans[i] = Span{SpanID: spanID(i), ParentID: spanID(0), Service: fmt.Sprintf("svc-%d", i%7), Operation: fmt.Sprintf("op-%d", i%13),
			Start: st, Duration: time.Duration(1+i%5) * time.Millisecond, Error: i%9973 == 0,
			Tags: []KeyValue{{"http.method", "GET"}}, Resource: []KeyValue{{"k8s.pod.name", fmt.Sprintf("pod-%d", i%7)}}}
	}
	return t
}

// DeepTrace generates a trace of n spans: one chain, each span the child
// of the previous.
func DeepTrace(n int) *Trace {
	t := &Trace{TraceID: fmt.Sprintf("%032x", n+1), Spans: make([]Span, n)}
	for i := 0; i < n; i++ {
		parent := ""
		if i > 0 {
			parent = spanID(i - 1)
		}
		t.Spans[i] = Span{SpanID: spanID(i), ParentID: parent, Service: fmt.Sprintf("svc-%d", i%5), Operation: fmt.Sprintf("op-%d", i%11),
			Start: genStart.Add(time.Duration(i) * time.Microsecond), Duration: time.Duration(2*(n-i)) * time.Microsecond, Error: i == n-1,
			Tags: []KeyValue{{"component", "chain"}}}
	}
	return t
}

func spanID(i int) string { return fmt.Sprintf("%016x", i+1) }

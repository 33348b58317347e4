package traces

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// withMsg sets the status message of span id.
func withMsg(t *Trace, id, msg string) *Trace {
	for i := range t.Spans {
		if t.Spans[i].SpanID == id {
			t.Spans[i].StatusMessage = msg
		}
	}
	return t
}

func TestErrorOriginOnlyWhenTheRootFailed(t *testing.T) {
	// A dependency timed out, its caller retried and succeeded: handled.
	retried := mkTrace(
		sp{id: "r", start: 0, end: 100, service: "frontend", op: "GET /dispatch"},
		sp{id: "a", parent: "r", start: 1, end: 99, service: "driver", op: "FindNearest"},
		sp{id: "t1", parent: "a", start: 2, end: 40, service: "redis", op: "GetDriver", err: true},
		sp{id: "t1c", parent: "t1", start: 3, end: 39, service: "redis", op: "net.read", err: true},
		sp{id: "t2", parent: "a", start: 41, end: 50, service: "redis", op: "GetDriver"},
	)
	withMsg(retried, "t1c", "redis timeout")
	retried.Spans[1].Events = []Event{{Name: "retrying", Fields: []KeyValue{{"attempt", "2"}}}}
	// The root reports the error of a span under one that is not marked.
	unmarked := withMsg(withMsg(mkTrace(
		sp{id: "r", start: 0, end: 100, service: "frontend", op: "GET /dispatch", err: true},
		sp{id: "a", parent: "r", start: 1, end: 99, service: "frontend", op: "HTTP GET"},
		sp{id: "b", parent: "a", start: 2, end: 98, service: "customer", op: "GET /customer", err: true},
		sp{id: "h", parent: "r", start: 1, end: 5, service: "frontend", op: "cache", err: true},
	), "r", "customer: invalid customer ID"), "b", "invalid customer ID")
	// Two failures under a failed parent: the one the root reports wins,
	// though the other is deeper.
	parallel := withMsg(withMsg(withMsg(withMsg(mkTrace(
		sp{id: "r", start: 0, end: 100, service: "checkout", op: "Place", err: true},
		sp{id: "x", parent: "r", start: 1, end: 50, service: "inventory", op: "Reserve", err: true},
		sp{id: "xc", parent: "x", start: 2, end: 49, service: "db", op: "UPDATE", err: true},
		sp{id: "y", parent: "r", start: 1, end: 20, service: "payment", op: "Charge", err: true},
	), "r", "charge: card declined"), "y", "card declined"), "xc", "context canceled"), "x", "context canceled")
	// The root failed by itself; a handled error below it is not the cause.
	own := withMsg(mkTrace(
		sp{id: "r", start: 0, end: 100, service: "api", op: "POST /order", err: true},
		sp{id: "a", parent: "r", start: 1, end: 50, service: "api", op: "validate"},
		sp{id: "b", parent: "a", start: 2, end: 10, service: "db", op: "SELECT", err: true},
	), "r", "quota exceeded")
	tests := []struct {
		name       string
		tr         *Trace
		origin     string // "" for none
		propagated bool
		message    string
		handled    int // handled error spans
	}{
		{"retried timeout", retried, "", false, "", 1},
		{"unmarked path", unmarked, "b", false, "invalid customer ID", 0},
		{"root reports the shallower error", parallel, "y", true, "card declined", 0},
		{"root failed by itself", own, "r", true, "quota exceeded", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReport(tc.tr, nil)
			o := r.ErrorOrigin
			switch {
			case tc.origin == "" && o != nil:
				t.Fatalf("error origin %+v, want none", o)
			case tc.origin != "" && (o == nil || o.SpanID != tc.origin || o.Propagated != tc.propagated || o.Message != tc.message):
				t.Fatalf("error origin %+v, want %s (propagated %v, %q)", o, tc.origin, tc.propagated, tc.message)
			}
			if (find(r, KindErrorOrigin) != nil) != (tc.origin != "") {
				t.Errorf("error_origin finding present = %v, want %v", find(r, KindErrorOrigin) != nil, tc.origin != "")
			}
			if s := Summary(tc.tr); s.RootFailed != (tc.origin != "") {
				t.Errorf("summary root_failed %v, want %v", s.RootFailed, tc.origin != "")
			}
			n := 0
			for _, h := range r.HandledErrors {
				n += h.Count
			}
			if n != tc.handled {
				t.Errorf("handled errors %+v, want %d", r.HandledErrors, tc.handled)
			}
		})
	}
	r := NewReport(retried, nil)
	h := r.HandledErrors[0]
	if h.Service != "redis" || h.Operation != "GetDriver" || h.HandledBy != "driver FindNearest" || h.Retried != 1 || h.RetryEvents != 1 ||
		h.Message != "redis timeout" || h.CostMS != 38 || !slices.Equal(h.SpanIDs, []string{"t1"}) {
		t.Errorf("handled error %+v", h)
	}
	f := find(r, KindHandledErrors)
	if f == nil || !strings.Contains(f.Summary, "not the cause") || strings.Contains(f.Summary, "propagated") {
		t.Errorf("handled finding %+v", f)
	}
}

func TestErrorOriginChainIsCapped(t *testing.T) {
	var s []sp
	for i := 0; i < 500; i++ {
		p := ""
		if i > 0 {
			p = spanName(i - 1)
		}
		s = append(s, sp{id: spanName(i), parent: p, start: float64(i) / 1000, end: 1000 - float64(i)/1000, err: true})
	}
	o := NewReport(mkTrace(s...), nil).ErrorOrigin
	if o == nil || o.SpanID != spanName(499) || o.Hops != 499 || len(o.Chain) != maxIDs || o.ChainOmitted != 500-maxIDs || o.Chain[maxIDs-1] != spanName(0) {
		t.Fatalf("origin %+v", o)
	}
}

func spanName(i int) string { return fmt.Sprintf("s%04d", i) }

func TestErrorMessageTakesTheMostSpecificEvidence(t *testing.T) {
	kv := func(k, v string) KeyValue { return KeyValue{k, v} }
	tests := []struct {
		name string
		span Span
		want string
	}{
		{"exception event beats a generic status", Span{StatusMessage: "Internal Server Error",
			Events: []Event{{Name: "exception", Fields: []KeyValue{kv("exception.type", "ValueError"), kv("exception.message", "bad customer id 12")}}}}, "bad customer id 12"},
		{"exception type when no message", Span{Events: []Event{{Name: "exception", Fields: []KeyValue{kv("exception.type", "java.net.SocketTimeoutException")}}}}, "java.net.SocketTimeoutException"},
		{"Jaeger error log field at level error", Span{Tags: []KeyValue{kv("http.response.status_code", "500"), kv("error", "true")},
			Events: []Event{{Fields: []KeyValue{kv("level", "error"), kv("error", "invalid customer ID")}}}}, "invalid customer ID"},
		{"error event's message", Span{Events: []Event{{Name: "log", Fields: []KeyValue{kv("event", "error"), kv("message", "pool exhausted")}}}}, "pool exhausted"},
		{"info log with an error field is not evidence", Span{StatusMessage: "upstream failed",
			Events: []Event{{Fields: []KeyValue{kv("level", "info"), kv("error", "cache miss")}}}}, "upstream failed"},
		{"error.message attribute", Span{StatusMessage: "failed", Tags: []KeyValue{kv("error.message", "disk full")}}, "disk full"},
		{"status description", Span{StatusMessage: "card declined", Tags: []KeyValue{kv("rpc.grpc.status_code", "13")}}, "card declined"},
		{"error.type", Span{Tags: []KeyValue{kv("error.type", "timeout"), kv("http.response.status_code", "504")}}, "timeout"},
		{"status code last", Span{Tags: []KeyValue{kv("http.response.status_code", "500")}}, "http.response.status_code=500"},
		{"nothing", Span{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorMessage(&tc.span); got != tc.want {
				t.Errorf("ErrorMessage = %q, want %q", got, tc.want)
			}
		})
	}
}

// Package traces holds the console's trace model, the Jaeger client, the
// parsers for trace files (Jaeger JSON and OTLP JSON) and the analysis that
// finds a trace's critical path and root cause.
package traces

import "time"

// Trace is one distributed trace. Spans are in no particular order; use
// the analysis functions to build the tree.
type Trace struct {
	TraceID string
	Spans   []Span
}

// Span is one operation in a trace.
type Span struct {
	SpanID    string
	ParentID  string // empty for a root span
	Service   string
	Operation string
	Start     time.Time
	Duration  time.Duration
	Error     bool
	// StatusMessage is the error message, if any (status message, or the
	// error/exception event's message).
	StatusMessage string
	Kind          string // server, client, internal, producer, consumer
	Tags          []KeyValue
	// Resource holds the process/resource attributes (service.name,
	// k8s.pod.name, k8s.node.name, host.name, cloud.availability_zone...).
	Resource []KeyValue
	Events   []Event
}

// KeyValue is one attribute, its value rendered as text.
type KeyValue struct {
	Key   string
	Value string
}

// Event is a span event (a Jaeger log).
type Event struct {
	Time   time.Time
	Name   string
	Fields []KeyValue
}

// End is the span's end time.
func (s *Span) End() time.Time { return s.Start.Add(s.Duration) }

// Attr returns the value of key from the span's tags, then its resource.
func (s *Span) Attr(key string) (string, bool) {
	for _, kv := range s.Tags {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	for _, kv := range s.Resource {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// TraceSummary is one trace as listed in the Traces view.
type TraceSummary struct {
	TraceID    string        `json:"trace_id"`
	Service    string        `json:"service"`
	Operation  string        `json:"operation"`
	Start      time.Time     `json:"start"`
	Duration   time.Duration `json:"-"`
	DurationMS float64       `json:"duration_ms"`
	Spans      int           `json:"spans"`
	Errors     int           `json:"errors"`
	// RootFailed is whether the root span failed (the request failed);
	// errors below a root that did not fail were handled.
	RootFailed bool     `json:"root_failed"`
	Services   []string `json:"services"`
	// Truncated is set when only the first Summarised spans of the trace
	// were looked at (a span cap of the listing): Spans is exact, while
	// Errors, Services and the timing count those spans (and the root).
	Truncated  bool `json:"truncated,omitempty"`
	Summarised int  `json:"summarised_spans,omitempty"`
}

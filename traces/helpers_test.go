package traces

import (
	"fmt"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// sp is a hand-made span: times in milliseconds from t0.
type sp struct {
	id, parent  string
	start, end  float64
	service, op string
	err         bool
}

func msAt(v float64) time.Time { return t0.Add(time.Duration(v * float64(time.Millisecond))) }

func mkTrace(spans ...sp) *Trace {
	t := &Trace{TraceID: "t1"}
	for _, s := range spans {
		svc := s.service
		if svc == "" {
			svc = "svc"
		}
		op := s.op
		if op == "" {
			op = "op-" + s.id
		}
		t.Spans = append(t.Spans, Span{SpanID: s.id, ParentID: s.parent, Service: svc, Operation: op,
			Start: msAt(s.start), Duration: time.Duration((s.end - s.start) * float64(time.Millisecond)), Error: s.err})
	}
	return t
}

func dms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// cpByID maps span id to its critical-path time in ms.
func cpByID(a *Analysis) map[string]float64 {
	out := map[string]float64{}
	for i, d := range a.CPTime {
		if d > 0 {
			out[a.Trace.Spans[i].SpanID] = float64(d) / float64(time.Millisecond)
		}
	}
	return out
}

func segString(a *Analysis) string {
	s := ""
	off := a.Start.Sub(t0) // segments are relative to the trace start
	for _, g := range a.Segments {
		s += fmt.Sprintf("%s[%g,%g] ", a.Trace.Spans[g.Span].SpanID, float64(g.Start+off)/1e6, float64(g.End+off)/1e6)
	}
	return s
}

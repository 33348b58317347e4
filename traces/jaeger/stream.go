package jaeger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
	api "github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/opsconsole/console/traces"
)

// DefaultSummarySpans is how many spans of one trace FindSummaries looks
// at; the others are counted, not decoded (their root still is).
const DefaultSummarySpans = 10_000

// findTracesMethod is the api_v2 FindTraces method (a server stream).
const findTracesMethod = "/jaeger.api_v2.QueryService/FindTraces"

var findTracesDesc = grpc.StreamDesc{StreamName: "FindTraces", ServerStreams: true}

// FindSummaries implements traces.Summarizer: the summaries of the traces
// matching q, newest first, without keeping their spans. Jaeger's api_v2
// (and api_v3) FindTraces can only return whole traces, so the stream is
// summarised chunk by chunk as it is decoded: of each trace, the first
// c.SummarySpans (DefaultSummarySpans) spans are decoded and summarised,
// later ones are only counted from the wire (and decoded when they have no
// parent: the root), and the summary is marked Truncated. Memory is one
// chunk plus a summary per trace, whatever the traces' sizes. Tags are
// matched by Jaeger (error tags are not searchable in Jaeger v2: they are
// refused here; use Find).
func (c *Client) FindSummaries(ctx context.Context, q traces.Query) ([]traces.TraceSummary, error) {
	if q.Service == "" {
		return nil, errors.New("jaeger: find traces: a service is required")
	}
	for k := range q.Tags {
		if k == "error" || k == "otel.status_code" {
			return nil, fmt.Errorf("jaeger: find summaries: tag %s cannot be searched (use Find)", k)
		}
	}
	start, end := q.Window(c.now())
	limit := q.Limit
	if limit <= 0 {
		limit = traces.DefaultLimit
	}
	req := &api.FindTracesRequest{Query: &api.TraceQueryParameters{
		ServiceName: q.Service, OperationName: q.Operation, Tags: q.Tags,
		StartTimeMin: start, StartTimeMax: end,
		DurationMin: q.MinDuration, DurationMax: q.MaxDuration,
		SearchDepth: int32(min(limit, 1<<20)), RawTraces: true,
	}}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.conn.NewStream(sctx, &findTracesDesc, findTracesMethod)
	if err != nil {
		return nil, c.wrap("find traces", err)
	}
	if err := stream.SendMsg(req); err != nil {
		return nil, c.wrap("find traces", err)
	}
	if err := stream.CloseSend(); err != nil {
		return nil, c.wrap("find traces", err)
	}
	sum := &summarizer{max: c.summarySpans(), byID: map[model.TraceID]*traceSum{}}
	for {
		err := stream.RecvMsg(&summaryChunk{s: sum})
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, c.wrap("find traces", err)
		}
	}
	out := make([]traces.TraceSummary, 0, len(sum.order))
	for _, t := range sum.order {
		out = append(out, t.b.Summary(t.id.String()))
	}
	slices.SortStableFunc(out, func(x, y traces.TraceSummary) int { return y.Start.Compare(x.Start) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (c *Client) summarySpans() int {
	if c.SummarySpans > 0 {
		return c.SummarySpans
	}
	return DefaultSummarySpans
}

// summarizer accumulates the summaries of a FindTraces stream.
type summarizer struct {
	max   int
	byID  map[model.TraceID]*traceSum
	order []*traceSum
}

type traceSum struct {
	id model.TraceID
	b  traces.SummaryBuilder
}

// summaryChunk is a SpansResponseChunk summarised while it is unmarshalled
// (the codec calls Unmarshal): its spans are never kept.
type summaryChunk struct{ s *summarizer }

// Marshal implements gogoMessage; a chunk is only received.
func (*summaryChunk) Marshal() ([]byte, error) {
	return nil, errors.New("jaeger: a summary chunk is not sent")
}

// Unmarshal summarises the chunk's spans (field 1 of SpansResponseChunk).
func (c *summaryChunk) Unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("jaeger: bad chunk: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			span, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("jaeger: bad span: %w", protowire.ParseError(n))
			}
			b = b[n:]
			if err := c.s.span(span); err != nil {
				return err
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return fmt.Errorf("jaeger: bad chunk: %w", protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

// span summarises one encoded model.Span: decoded when its trace has had
// fewer than max spans or it has no references (a root), else counted.
func (s *summarizer) span(b []byte) error {
	var tid []byte
	refs := false
	for rest := b; len(rest) > 0; {
		num, typ, n := protowire.ConsumeField(rest)
		if n < 0 {
			return fmt.Errorf("jaeger: bad span: %w", protowire.ParseError(n))
		}
		switch {
		case num == 1 && typ == protowire.BytesType:
			_, _, m := protowire.ConsumeTag(rest)
			tid, _ = protowire.ConsumeBytes(rest[m:])
		case num == 4:
			refs = true
		}
		rest = rest[n:]
	}
	var id model.TraceID
	if err := id.Unmarshal(tid); err != nil {
		return fmt.Errorf("jaeger: bad trace id: %w", err)
	}
	t := s.byID[id]
	if t == nil {
		t = &traceSum{id: id}
		s.byID[id] = t
		s.order = append(s.order, t)
	}
	if t.b.Spans() >= s.max && refs {
		t.b.Skip()
		return nil
	}
	var ms model.Span
	if err := ms.Unmarshal(b); err != nil {
		return fmt.Errorf("jaeger: bad span: %w", err)
	}
	sp := ConvertSpan(&ms)
	t.b.Add(&sp)
	return nil
}

// GetProgress is Get streamed: the trace is built chunk by chunk as
// Jaeger sends it (10 spans a chunk), each chunk dropped once converted,
// and progress (when not nil) is called with the spans received so far
// after every chunk. Names, tag keys and process attributes are shared
// between spans, so the trace costs about what the console's own parser
// makes of it. Cancelling ctx stops the transfer.
func (c *Client) GetProgress(ctx context.Context, traceID string, progress func(spans int)) (*traces.Trace, error) {
	id, err := model.TraceIDFromString(strings.TrimSpace(traceID))
	if err != nil {
		return nil, fmt.Errorf("jaeger: bad trace id %q: %w", traces.Sanitize(traceID), err)
	}
	stream, err := c.api.GetTrace(ctx, &api.GetTraceRequest{TraceID: id, RawTraces: true})
	if err != nil {
		return nil, c.wrap("get trace", err)
	}
	t := &traces.Trace{TraceID: id.String()}
	cv := newConverter()
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, c.wrap("get trace "+id.String(), err)
		}
		for i := range chunk.Spans {
			t.Spans = append(t.Spans, cv.span(&chunk.Spans[i]))
		}
		if progress != nil {
			progress(len(t.Spans))
		}
	}
	if len(t.Spans) == 0 {
		return nil, fmt.Errorf("jaeger %s: %w: %s", c.addr, traces.ErrNotFound, id)
	}
	t.Spans = slices.Clip(t.Spans)
	return t, nil
}

// converter converts spans sharing strings and process attributes.
type converter struct {
	strs map[string]string
	// the last process's attributes, reused while spans share them
	procTags []model.KeyValue
	resource []traces.KeyValue
}

func newConverter() *converter { return &converter{strs: map[string]string{}} }

// maxInterned bounds the interning table (unique values are not worth it).
const maxInterned = 50_000

func (cv *converter) intern(s string) string {
	if v, ok := cv.strs[s]; ok {
		return v
	}
	if len(cv.strs) < maxInterned && len(s) <= 256 {
		cv.strs[s] = s
	}
	return s
}

func (cv *converter) span(in *model.Span) traces.Span {
	s := ConvertSpan(in)
	s.Service, s.Operation = cv.intern(s.Service), cv.intern(s.Operation)
	for i := range s.Tags {
		s.Tags[i].Key, s.Tags[i].Value = cv.intern(s.Tags[i].Key), cv.intern(s.Tags[i].Value)
	}
	for i := range s.Events {
		s.Events[i].Name = cv.intern(s.Events[i].Name)
		for j := range s.Events[i].Fields {
			s.Events[i].Fields[j].Key = cv.intern(s.Events[i].Fields[j].Key)
		}
	}
	if in.Process != nil {
		if slices.EqualFunc(in.Process.Tags, cv.procTags, func(a, b model.KeyValue) bool { return a.Equal(&b) }) && cv.resource != nil {
			s.Resource = cv.resource
		} else {
			for i := range s.Resource {
				s.Resource[i].Key, s.Resource[i].Value = cv.intern(s.Resource[i].Key), cv.intern(s.Resource[i].Value)
			}
			cv.procTags, cv.resource = in.Process.Tags, s.Resource
		}
	}
	return s
}

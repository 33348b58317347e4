// Package jaeger is a client of Jaeger's query service (the api_v2
// QueryService over gRPC, from github.com/jaegertracing/jaeger-idl) that
// returns traces in the console's model and implements traces.Source.
//
// jaeger-idl v0.14.0 ships only the gogo-generated api_v2 Go package (there
// is no api_v3 Go package in it), so the client registers its own gRPC
// codec that calls the gogo messages' Marshal and Unmarshal methods.
package jaeger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
	api "github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/opsconsole/console/traces"
)

// gogoCodec marshals the gogo-generated messages of jaeger-idl. It keeps
// the name "proto" so the content type is the standard application/grpc+proto.
type gogoCodec struct{}

type gogoMessage interface {
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

// Name implements encoding.Codec.
func (gogoCodec) Name() string { return "proto" }

// Marshal implements encoding.Codec.
func (gogoCodec) Marshal(v any) ([]byte, error) {
	m, ok := v.(gogoMessage)
	if !ok {
		return nil, fmt.Errorf("jaeger codec: cannot marshal %T", v)
	}
	return m.Marshal()
}

// Unmarshal implements encoding.Codec.
func (gogoCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(gogoMessage)
	if !ok {
		return fmt.Errorf("jaeger codec: cannot unmarshal into %T", v)
	}
	return m.Unmarshal(data)
}

// Client talks to a Jaeger query service.
type Client struct {
	addr string
	conn *grpc.ClientConn
	api  api.QueryServiceClient
	// Now is the clock for lookback windows (default time.Now).
	Now func() time.Time
	// SummarySpans is how many spans of a trace FindSummaries decodes
	// (default DefaultSummarySpans).
	SummarySpans int
}

var _ traces.Source = (*Client)(nil)

// Dial connects (lazily) to the Jaeger query gRPC address host:port.
func Dial(addr string, opts ...grpc.DialOption) (*Client, error) {
	if strings.TrimSpace(addr) == "" {
		return nil, errors.New("jaeger: no query address (set jaeger: in the config or --jaeger host:port)")
	}
	opts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(gogoCodec{}), grpc.MaxCallRecvMsgSize(256<<20)),
	}, opts...)
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("jaeger %s: %w", addr, err)
	}
	return &Client{addr: addr, conn: conn, api: api.NewQueryServiceClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Addr is the query address.
func (c *Client) Addr() string { return c.addr }

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) wrap(op string, err error) error {
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.Unavailable:
			return fmt.Errorf("jaeger %s: %s: unreachable: %s", c.addr, op, traces.Sanitize(s.Message()))
		case codes.NotFound:
			return fmt.Errorf("jaeger %s: %s: %w", c.addr, op, traces.ErrNotFound)
		}
		return fmt.Errorf("jaeger %s: %s: %s: %s", c.addr, op, s.Code(), traces.Sanitize(s.Message()))
	}
	return fmt.Errorf("jaeger %s: %s: %w", c.addr, op, err)
}

// Find implements traces.Source (FindTraces).
func (c *Client) Find(ctx context.Context, q traces.Query) ([]*traces.Trace, error) {
	if q.Service == "" {
		return nil, errors.New("jaeger: find traces: a service is required")
	}
	start, end := q.Window(c.now())
	limit := q.Limit
	if limit <= 0 {
		limit = traces.DefaultLimit
	}
	// Jaeger v2 derives the error and otel.status_code tags from the span
	// status when it reads spans, but its storage cannot search them: such
	// tags are filtered here, over a deeper search.
	tags := map[string]string{}
	var wantErr *bool
	for k, v := range q.Tags {
		switch k {
		case "error":
			b := strings.EqualFold(v, "true")
			wantErr = &b
		case "otel.status_code":
			b := strings.EqualFold(v, "ERROR")
			wantErr = &b
		default:
			tags[k] = v
		}
	}
	depth := limit
	if wantErr != nil {
		depth = max(limit*10, 200)
	}
	req := &api.FindTracesRequest{Query: &api.TraceQueryParameters{
		ServiceName: q.Service, OperationName: q.Operation, Tags: tags,
		StartTimeMin: start, StartTimeMax: end,
		DurationMin: q.MinDuration, DurationMax: q.MaxDuration,
		SearchDepth: int32(min(depth, 1<<20)), RawTraces: true,
	}}
	stream, err := c.api.FindTraces(ctx, req)
	if err != nil {
		return nil, c.wrap("find traces", err)
	}
	out, err := recvTraces(stream)
	if err != nil {
		return nil, c.wrap("find traces", err)
	}
	if wantErr != nil {
		out = slices.DeleteFunc(out, func(t *traces.Trace) bool { return hasError(t, q.Service, q.Operation) != *wantErr })
	}
	slices.SortStableFunc(out, func(x, y *traces.Trace) int { return traces.Summary(y).Start.Compare(traces.Summary(x).Start) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// hasError reports whether a span of service (and operation) errored.
func hasError(t *traces.Trace, service, operation string) bool {
	for i := range t.Spans {
		s := &t.Spans[i]
		if s.Error && (service == "" || s.Service == service) && (operation == "" || s.Operation == operation) {
			return true
		}
	}
	return false
}

type chunkStream interface {
	Recv() (*api.SpansResponseChunk, error)
}

// recvTraces reads span chunks, grouping spans by trace in arrival order.
func recvTraces(stream chunkStream) ([]*traces.Trace, error) {
	byID := map[string]*traces.Trace{}
	var out []*traces.Trace
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := range chunk.Spans {
			s := ConvertSpan(&chunk.Spans[i])
			tid := chunk.Spans[i].TraceID.String()
			t := byID[tid]
			if t == nil {
				t = &traces.Trace{TraceID: tid}
				byID[tid] = t
				out = append(out, t)
			}
			t.Spans = append(t.Spans, s)
		}
	}
}

// Get implements traces.Source (GetTrace, see GetProgress).
func (c *Client) Get(ctx context.Context, traceID string) (*traces.Trace, error) {
	return c.GetProgress(ctx, traceID, nil)
}

// Services implements traces.Source (GetServices).
func (c *Client) Services(ctx context.Context) ([]string, error) {
	r, err := c.api.GetServices(ctx, &api.GetServicesRequest{})
	if err != nil {
		return nil, c.wrap("get services", err)
	}
	out := slices.Clone(r.Services)
	slices.Sort(out)
	return out, nil
}

// Operation is one operation of a service.
type Operation struct {
	Name     string `json:"name"`
	SpanKind string `json:"span_kind"`
}

// Operations lists a service's operations (GetOperations).
func (c *Client) Operations(ctx context.Context, service, spanKind string) ([]Operation, error) {
	r, err := c.api.GetOperations(ctx, &api.GetOperationsRequest{Service: service, SpanKind: spanKind})
	if err != nil {
		return nil, c.wrap("get operations", err)
	}
	var out []Operation
	for _, o := range r.Operations {
		out = append(out, Operation{Name: o.Name, SpanKind: o.SpanKind})
	}
	if len(out) == 0 {
		for _, n := range r.OperationNames {
			out = append(out, Operation{Name: n})
		}
	}
	slices.SortFunc(out, func(x, y Operation) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// Dependencies implements traces.Source: the call counts of Jaeger's
// GetDependencies (without calls within a service), with error counts from
// up to 50 recent traces of every service; when Jaeger's storage returns no
// graph (or cannot), the graph computed from those traces.
func (c *Client) Dependencies(ctx context.Context, lookback time.Duration) ([]traces.Dependency, error) {
	start, end := traces.Query{Lookback: lookback}.Window(c.now())
	r, err := c.api.GetDependencies(ctx, &api.GetDependenciesRequest{StartTime: start, EndTime: end})
	if err != nil && ctx.Err() != nil {
		return nil, c.wrap("get dependencies", err)
	}
	sample, serr := c.ComputeDependencies(ctx, lookback, 50)
	var graph []traces.Dependency
	if err == nil {
		for _, d := range r.Dependencies {
			if d.Parent != d.Child {
				graph = append(graph, traces.Dependency{Parent: d.Parent, Child: d.Child, Calls: int(d.CallCount)})
			}
		}
	}
	switch {
	case len(graph) > 0 && serr == nil:
		return traces.MergeErrors(graph, sample), nil
	case len(graph) > 0:
		traces.SortDependencies(graph)
		return graph, nil
	}
	return sample, serr
}

// ComputeDependencies computes the service graph (with error counts) from
// up to perService recent traces of every service.
func (c *Client) ComputeDependencies(ctx context.Context, lookback time.Duration, perService int) ([]traces.Dependency, error) {
	svcs, err := c.Services(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var all []*traces.Trace
	for _, s := range svcs {
		ts, err := c.Find(ctx, traces.Query{Service: s, Lookback: lookback, Limit: perService})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if !seen[t.TraceID] {
				seen[t.TraceID] = true
				all = append(all, t)
			}
		}
	}
	return traces.Dependencies(all), nil
}

// ConvertSpan converts a Jaeger model span to the console's model.
func ConvertSpan(in *model.Span) traces.Span {
	s := traces.Span{
		SpanID:    in.SpanID.String(),
		Operation: in.OperationName,
		Start:     in.StartTime.UTC(),
		Duration:  max(in.Duration, 0),
		Tags:      kvs(in.Tags),
	}
	for _, r := range in.References {
		if r.RefType == model.SpanRefType_CHILD_OF && r.TraceID == in.TraceID {
			s.ParentID = r.SpanID.String()
			break
		}
	}
	if s.ParentID == "" && len(in.References) > 0 {
		s.ParentID = in.References[0].SpanID.String()
	}
	if in.Process != nil {
		s.Service = in.Process.ServiceName
		s.Resource = kvs(in.Process.Tags)
	}
	for _, l := range in.Logs {
		ev := traces.Event{Time: l.Timestamp.UTC(), Fields: kvs(l.Fields)}
		for _, f := range ev.Fields {
			if f.Key == "event" {
				ev.Name = f.Value
				break
			}
		}
		s.Events = append(s.Events, ev)
	}
	traces.DeriveStatus(&s)
	return s
}

func kvs(in []model.KeyValue) []traces.KeyValue {
	if len(in) == 0 {
		return nil
	}
	out := make([]traces.KeyValue, len(in))
	for i := range in {
		out[i] = traces.KeyValue{Key: in[i].Key, Value: in[i].AsString()}
	}
	return out
}

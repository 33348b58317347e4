package jaeger

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
	api "github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	"google.golang.org/grpc"

	"github.com/opsconsole/console/traces"
)

// stubQuery is an in-process api_v2 QueryService used to check the gogo
// codec and the conversion over a real gRPC connection; the integration
// test runs against a real Jaeger.
type stubQuery struct {
	api.UnimplementedQueryServiceServer
	spans []model.Span
	last  *api.TraceQueryParameters
}

func (s *stubQuery) GetTrace(req *api.GetTraceRequest, srv api.QueryService_GetTraceServer) error {
	var out []model.Span
	for _, sp := range s.spans {
		if sp.TraceID == req.TraceID {
			out = append(out, sp)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return srv.Send(&api.SpansResponseChunk{Spans: out})
}

func (s *stubQuery) FindTraces(req *api.FindTracesRequest, srv api.QueryService_FindTracesServer) error {
	s.last = req.Query
	return srv.Send(&api.SpansResponseChunk{Spans: s.spans})
}

func (s *stubQuery) GetServices(context.Context, *api.GetServicesRequest) (*api.GetServicesResponse, error) {
	return &api.GetServicesResponse{Services: []string{"payment", "frontend"}}, nil
}

func (s *stubQuery) GetDependencies(context.Context, *api.GetDependenciesRequest) (*api.GetDependenciesResponse, error) {
	return &api.GetDependenciesResponse{}, nil // empty: the client computes the graph
}

func startStub(t *testing.T, s *stubQuery) *Client {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(gogoCodec{}))
	api.RegisterQueryServiceServer(srv, s)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	c, err := Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestClientOverGRPC(t *testing.T) {
	tid := model.NewTraceID(0x1234, 0xabcd)
	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	proc := &model.Process{ServiceName: "frontend", Tags: []model.KeyValue{model.String("k8s.pod.name", "fe-0"), model.String("k8s.node.name", "node-1")}}
	pay := &model.Process{ServiceName: "payment", Tags: []model.KeyValue{model.String("k8s.pod.name", "pay-0")}}
	s := &stubQuery{spans: []model.Span{
		{TraceID: tid, SpanID: 1, OperationName: "GET /", StartTime: start, Duration: 100 * time.Millisecond, Process: proc},
		{TraceID: tid, SpanID: 2, OperationName: "Charge", StartTime: start.Add(time.Millisecond), Duration: 50 * time.Millisecond, Process: pay,
			References: []model.SpanRef{{TraceID: tid, SpanID: 1, RefType: model.SpanRefType_CHILD_OF}},
			Tags:       []model.KeyValue{model.Bool("error", true), model.Int64("http.status_code", 503)},
			Logs:       []model.Log{{Timestamp: start.Add(2 * time.Millisecond), Fields: []model.KeyValue{model.String("event", "exception"), model.String("exception.message", "card declined")}}}},
	}}
	c := startStub(t, s)
	ctx := context.Background()
	tr, err := c.Get(ctx, tid.String())
	if err != nil {
		t.Fatal(err)
	}
	if tr.TraceID != tid.String() || len(tr.Spans) != 2 {
		t.Fatalf("trace %+v", tr)
	}
	ch := tr.Spans[1]
	if ch.ParentID != tr.Spans[0].SpanID || ch.Service != "payment" || !ch.Error || ch.StatusMessage != "card declined" || !ch.Start.Equal(start.Add(time.Millisecond)) {
		t.Errorf("child span %+v", ch)
	}
	if v, _ := ch.Attr("http.status_code"); v != "503" {
		t.Errorf("tag %q", v)
	}
	if _, err := c.Get(ctx, "ffff"); !errors.Is(err, traces.ErrNotFound) {
		t.Errorf("missing trace: %v", err)
	}
	if _, err := c.Get(ctx, "not-hex"); err == nil {
		t.Error("bad id accepted")
	}
	ts, err := c.Find(ctx, traces.Query{Service: "payment", Tags: map[string]string{"error": "true"}, MinDuration: time.Millisecond, Limit: 5})
	if err != nil || len(ts) != 1 {
		t.Fatalf("find: %v %d", err, len(ts))
	}
	// error=true is filtered by the client (Jaeger v2 cannot search it).
	if s.last.ServiceName != "payment" || len(s.last.Tags) != 0 || s.last.DurationMin != time.Millisecond || s.last.SearchDepth != 200 {
		t.Errorf("query sent %+v", s.last)
	}
	if ts, err := c.Find(ctx, traces.Query{Service: "frontend", Tags: map[string]string{"error": "true"}}); err != nil || len(ts) != 0 {
		t.Errorf("frontend did not error, found %d traces (%v)", len(ts), err)
	}
	deps, err := c.Dependencies(ctx, time.Hour)
	if err != nil || len(deps) != 1 || deps[0] != (traces.Dependency{Parent: "frontend", Child: "payment", Calls: 1, Errors: 1, ErrorRate: 1, SampledCalls: 1}) {
		t.Errorf("computed dependencies %v %+v", err, deps)
	}
}

func TestClientUnreachable(t *testing.T) {
	c, err := Dial("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Services(ctx); err == nil {
		t.Fatal("no error from a closed port")
	}
	if _, err := Dial(""); err == nil {
		t.Fatal("empty address accepted")
	}
}

// TestFindSummariesSpanCap: over the per-trace cap, spans are counted and
// not decoded, except a root arriving last (as SDKs export it); another
// trace in the same stream is summarised whole.
func TestFindSummariesSpanCap(t *testing.T) {
	big, small := model.NewTraceID(1, 1), model.NewTraceID(2, 2)
	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	fe, db := &model.Process{ServiceName: "frontend"}, &model.Process{ServiceName: "db"}
	var spans []model.Span
	for i := range 50 {
		sp := model.Span{TraceID: big, SpanID: model.SpanID(i + 2), OperationName: "SELECT", StartTime: start.Add(time.Duration(i) * time.Millisecond),
			Duration: time.Millisecond, Process: db, References: []model.SpanRef{{TraceID: big, SpanID: 1, RefType: model.SpanRefType_CHILD_OF}}}
		if i == 40 { // past the cap: not seen
			sp.Tags = []model.KeyValue{model.Bool("error", true)}
		}
		spans = append(spans, sp)
	}
	spans = append(spans,
		model.Span{TraceID: big, SpanID: 1, OperationName: "GET /export", StartTime: start, Duration: time.Second, Process: fe},
		model.Span{TraceID: small, SpanID: 100, OperationName: "GET /", StartTime: start.Add(time.Second), Duration: time.Millisecond, Process: fe,
			Tags: []model.KeyValue{model.Bool("error", true)}})
	c := startStub(t, &stubQuery{spans: spans})
	c.SummarySpans = 10
	sums, err := c.FindSummaries(context.Background(), traces.Query{Service: "frontend"})
	if err != nil || len(sums) != 2 {
		t.Fatalf("find summaries: %v %+v", err, sums)
	}
	b, s := sums[1], sums[0] // newest first
	if b.TraceID != big.String() || b.Spans != 51 || !b.Truncated || b.Summarised != 11 || b.Service != "frontend" || b.Operation != "GET /export" ||
		b.Errors != 0 || b.Duration != time.Second || len(b.Services) != 2 {
		t.Errorf("big trace summary %+v", b)
	}
	if s.TraceID != small.String() || s.Truncated || s.Spans != 1 || !s.RootFailed || s.Errors != 1 {
		t.Errorf("small trace summary %+v", s)
	}
	if _, err := c.FindSummaries(context.Background(), traces.Query{Service: "frontend", Tags: map[string]string{"error": "true"}}); err == nil {
		t.Error("an error tag was searched")
	}
}

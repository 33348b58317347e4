// Package workload is a small multi-service application instrumented with
// the OpenTelemetry Go SDK, used to test the console's trace analysis
// against a real Jaeger. Five services run in one process on 127.0.0.1
// free ports, each with its own tracer provider and resource (service.name,
// k8s.pod.name, k8s.node.name, cloud.availability_zone, host.name):
//
//	frontend (HTTP) → checkout (HTTP) → inventory (gRPC) → db (gRPC)
//	                                  → payment (gRPC)   → db (gRPC)
//
// Trace context crosses every process boundary in W3C traceparent headers
// (HTTP headers and gRPC metadata). gRPC calls use a JSON codec over real
// gRPC (no generated stubs). Faults are chosen per request:
//
//   - FaultError: db fails INSERT payments; the error propagates to the root.
//   - FaultLock: inventory serialises Reserve calls on one stock lock.
//   - FaultSequential: checkout looks items up one after another.
//   - FaultPool: checkout looks items up through a pool of 2 workers.
//   - FaultSlow: db answers payment's query slowly.
//   - FaultNPlusOne: inventory reads each item's attributes with one query
//     each (N+1 queries), more calls than the baseline.
//
// Faults written the way other people's services record them (issue 12),
// each with the report it must and must not produce:
//
//   - FaultRetry: payment's first INSERT times out (a client deadline of
//     RetryTimeout), payment records a "retrying" event, backs off and
//     succeeds: a handled error, the request succeeds, no error origin.
//   - FaultLockEvents: inventory serialises Reserve on one lock and says so
//     only in span events ("waiting for lock", "lock acquired").
//   - FaultContention: db serialises INSERT payments of concurrent requests
//     on one lock (ContentionHold each), with no event or span saying so:
//     contention seen only across traces.
//   - FaultPoolMixed: checkout looks items up through a pool of PoolSize
//     while one call of the same operation name goes to payment, which is
//     slow (SlowQuery): a pool of calls to inventory, not to payment.
//   - FaultLogError: inventory fails GetItem of item 0 with an error status
//     and no description; the message is only in an error log event
//     (level=error, error=LogErrorMessage).
package workload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Fault is a fault injected into one request.
type Fault string

// The faults.
const (
	FaultNone       Fault = ""
	FaultError      Fault = "error"
	FaultLock       Fault = "lock"
	FaultSequential Fault = "sequential"
	FaultPool       Fault = "pool"
	FaultSlow       Fault = "slow"
	FaultNPlusOne   Fault = "nplus1"
	FaultRetry      Fault = "retry"
	FaultLockEvents Fault = "lockevents"
	FaultContention Fault = "contention"
	FaultPoolMixed  Fault = "poolmixed"
	FaultLogError   Fault = "logerror"
)

// ReportFaults are the faults written in other services' conventions
// (FaultContention needs concurrent requests and is not among them).
var ReportFaults = []Fault{FaultRetry, FaultLockEvents, FaultPoolMixed, FaultLogError}

// More timings of the report faults.
const (
	RetryTimeout    = 40 * time.Millisecond // payment's deadline for its first INSERT
	RetryBackoff    = 5 * time.Millisecond
	ContentionHold  = 25 * time.Millisecond // db's hold of the shared lock per INSERT
	LogErrorMessage = "invalid customer ID"
)

// Faults lists every fault.
var Faults = []Fault{FaultError, FaultLock, FaultSequential, FaultPool, FaultSlow, FaultNPlusOne}

// Timings of the workload's work.
const (
	ItemLookup  = 10 * time.Millisecond // inventory GetItem's db query
	StockUpdate = 10 * time.Millisecond // db UPDATE stock (under the lock)
	Query       = 8 * time.Millisecond  // an ordinary db query (INSERT payments)
	SlowQuery   = 300 * time.Millisecond
	Attributes  = 4                    // extra queries per lookup of FaultNPlusOne
	AttrQuery   = 2 * time.Millisecond // one of those queries
	Items       = 4                    // items reserved per order
	Lookups     = 6                    // items looked up per order
	PoolSize    = 2                    // workers of the pool fault
)

// SpansPerRequest is the number of spans one order makes (every fault but
// FaultNPlusOne): frontend 2; checkout 3 + a client span per lookup and
// reservation; inventory 2 per lookup and 3 per reservation; payment 2; db
// one per query.
const SpansPerRequest = 2 + (3 + Lookups + Items) + 2*Lookups + 3*Items + 2 + (Lookups + Items + 1)

// Spans is the number of spans an order with fault f makes.
func Spans(f Fault) int {
	switch f {
	case FaultNPlusOne:
		return SpansPerRequest + 2*Attributes*Lookups // a client and a db span per extra query
	case FaultRetry:
		return SpansPerRequest + 2 // the failed attempt's client and db spans
	case FaultLockEvents:
		return SpansPerRequest - Items // no "lock stock" spans
	case FaultPoolMixed:
		return SpansPerRequest + 2 // the call to payment and its server span
	case FaultLogError:
		return 2 + (2 + Lookups) + 2*Lookups + Lookups // the order stops after the lookups
	}
	return SpansPerRequest
}

// Config configures the workload.
type Config struct {
	// OTLPEndpoint is the collector's host:port.
	OTLPEndpoint string
	// Protocol is "grpc" (default) or "http".
	Protocol string
	// Places overrides the resource attributes of some services (by
	// service name), e.g. to name pods and nodes that exist in a seeded
	// cluster; the others keep their Places entry.
	Places map[string]Place
}

// Place is where a service "runs": its resource attributes.
type Place struct {
	Service, Pod, Node, Zone, Host string
}

// Places are the services' resource attributes.
var Places = map[string]Place{
	"frontend":  {"frontend", "frontend-6f7c9d-x2k4p", "ip-10-0-1-11.ec2.internal", "us-east-1a", "ip-10-0-1-11"},
	"checkout":  {"checkout", "checkout-5b8d7c-qw9zt", "ip-10-0-1-11.ec2.internal", "us-east-1a", "ip-10-0-1-11"},
	"inventory": {"inventory", "inventory-7c4f8b-m3n5j", "ip-10-0-2-21.ec2.internal", "us-east-1b", "ip-10-0-2-21"},
	"payment":   {"payment", "payment-84d6f9-h7r2s", "ip-10-0-2-22.ec2.internal", "us-east-1b", "ip-10-0-2-22"},
	"db":        {"db", "db-0", "ip-10-0-3-31.ec2.internal", "us-east-1c", "ip-10-0-3-31"},
}

var propagator = propagation.TraceContext{}

// Workload is the running application.
type Workload struct {
	// FrontendURL is the frontend's base URL.
	FrontendURL string
	providers   []*sdktrace.TracerProvider
	closers     []func()
	client      *http.Client
}

type service struct {
	name   string
	tracer trace.Tracer
}

// Start starts the five services and their exporters.
func Start(ctx context.Context, cfg Config) (w *Workload, err error) {
	w = &Workload{client: &http.Client{Timeout: 30 * time.Second}}
	defer func() {
		if err != nil {
			_ = w.Close(context.Background())
		}
	}()
	svc := map[string]*service{}
	for _, name := range []string{"frontend", "checkout", "inventory", "payment", "db"} {
		place := Places[name]
		if p, ok := cfg.Places[name]; ok {
			place = p
			place.Service = name
		}
		tp, err := newProvider(ctx, cfg, place)
		if err != nil {
			return nil, err
		}
		w.providers = append(w.providers, tp)
		svc[name] = &service{name: name, tracer: tp.Tracer("github.com/opsconsole/console/e2e/workload")}
	}
	db := &dbServer{service: svc["db"]}
	dbAddr, err := w.serveGRPC(db.handle)
	if err != nil {
		return nil, err
	}
	dbConn, err := w.dial(dbAddr)
	if err != nil {
		return nil, err
	}
	inv := &inventoryServer{service: svc["inventory"], db: dbConn}
	invAddr, err := w.serveGRPC(inv.handle)
	if err != nil {
		return nil, err
	}
	pay := &paymentServer{service: svc["payment"], db: dbConn}
	payAddr, err := w.serveGRPC(pay.handle)
	if err != nil {
		return nil, err
	}
	invConn, err := w.dial(invAddr)
	if err != nil {
		return nil, err
	}
	payConn, err := w.dial(payAddr)
	if err != nil {
		return nil, err
	}
	co := &checkoutServer{service: svc["checkout"], inventory: invConn, payment: payConn}
	coURL, err := w.serveHTTP(svc["checkout"], co.handle)
	if err != nil {
		return nil, err
	}
	fe := &frontendServer{service: svc["frontend"], checkoutURL: coURL, client: w.client}
	w.FrontendURL, err = w.serveHTTP(svc["frontend"], fe.handle)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func newProvider(ctx context.Context, cfg Config, p Place) (*sdktrace.TracerProvider, error) {
	var exp sdktrace.SpanExporter
	var err error
	switch cfg.Protocol {
	case "", "grpc":
		exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(cfg.OTLPEndpoint), otlptracegrpc.WithInsecure())
	case "http":
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(cfg.OTLPEndpoint), otlptracehttp.WithInsecure())
	default:
		return nil, fmt.Errorf("workload: unknown OTLP protocol %q (grpc or http)", cfg.Protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("workload: OTLP exporter for %s: %w", p.Service, err)
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", p.Service),
		attribute.String("k8s.pod.name", p.Pod),
		attribute.String("k8s.node.name", p.Node),
		attribute.String("k8s.namespace.name", "shop"),
		attribute.String("cloud.availability_zone", p.Zone),
		attribute.String("host.name", p.Host),
	)
	return sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(50*time.Millisecond)),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
	), nil
}

// Flush exports every finished span now.
func (w *Workload) Flush(ctx context.Context) error {
	var errs []error
	for _, tp := range w.providers {
		if err := tp.ForceFlush(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close stops the servers and flushes and stops the exporters.
func (w *Workload) Close(ctx context.Context) error {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
	w.closers = nil
	var errs []error
	for _, tp := range w.providers {
		if err := tp.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	w.providers = nil
	return errors.Join(errs...)
}

// Result is the answer to one request.
type Result struct {
	TraceID string
	Status  int
}

// Request sends one order to the frontend with a fault and returns the
// trace id it started (the frontend's root span).
func (w *Workload) Request(ctx context.Context, f Fault) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.FrontendURL+"/checkout?fault="+string(f), nil)
	if err != nil {
		return Result{}, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("workload request: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	id := resp.Header.Get("X-Trace-Id")
	if id == "" {
		return Result{}, errors.New("workload request: no X-Trace-Id in the answer")
	}
	return Result{TraceID: id, Status: resp.StatusCode}, nil
}

// ---- HTTP plumbing ----

func (w *Workload) serveHTTP(s *service, h func(ctx context.Context, r *http.Request) (int, string)) (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("workload: listen: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := s.tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		code, body := h(ctx, r)
		span.SetAttributes(attribute.Int("http.response.status_code", code))
		if code >= 500 {
			span.SetStatus(codes.Error, body)
		}
		rw.Header().Set("X-Trace-Id", span.SpanContext().TraceID().String())
		span.End()
		rw.WriteHeader(code)
		_, _ = io.WriteString(rw, body)
	})}
	go func() { _ = srv.Serve(lis) }()
	w.closers = append(w.closers, func() { _ = srv.Close() })
	return "http://" + lis.Addr().String(), nil
}

// httpCall is an instrumented HTTP GET (a client span, traceparent injected).
func httpCall(ctx context.Context, s *service, client *http.Client, url string) (int, string, error) {
	ctx, span := s.tracer.Start(ctx, "GET", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attribute.String("url.full", url)))
	defer span.End()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return 0, "", err
	}
	propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := client.Do(req)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, string(b))
	}
	return resp.StatusCode, string(b), nil
}

// ---- gRPC plumbing: one generic method with JSON messages ----

// jsonCodec carries the workload's messages as JSON over gRPC.
type jsonCodec struct{}

func (jsonCodec) Name() string                    { return "json" }
func (jsonCodec) Marshal(v any) ([]byte, error)   { return json.Marshal(v) }
func (jsonCodec) Unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// call is a gRPC request.
type call struct {
	Method string `json:"method"`
	Fault  Fault  `json:"fault"`
	Item   int    `json:"item"`
	SQL    string `json:"sql,omitempty"`
	// Attempt numbers the retries of FaultRetry (1: the first).
	Attempt int `json:"attempt,omitempty"`
}

// reply is a gRPC answer.
type reply struct {
	OK bool `json:"ok"`
}

type grpcHandler func(ctx context.Context, c *call) error

const fullMethod = "/workload.Service/Call"

func (w *Workload) serveGRPC(h grpcHandler) (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("workload: listen: %w", err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(jsonCodec{}))
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "workload.Service",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Call", Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var c call
			if err := dec(&c); err != nil {
				return nil, err
			}
			if err := h(ctx, &c); err != nil {
				return nil, status.Error(grpccodes.Internal, err.Error())
			}
			return &reply{OK: true}, nil
		}}},
	}, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	w.closers = append(w.closers, srv.Stop)
	return lis.Addr().String(), nil
}

func (w *Workload) dial(addr string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodec(jsonCodec{})))
	if err != nil {
		return nil, fmt.Errorf("workload: dial %s: %w", addr, err)
	}
	w.closers = append(w.closers, func() { _ = conn.Close() })
	return conn, nil
}

// mdCarrier adapts gRPC metadata to the propagator.
type mdCarrier metadata.MD

func (m mdCarrier) Get(k string) string {
	if v := metadata.MD(m).Get(k); len(v) > 0 {
		return v[0]
	}
	return ""
}
func (m mdCarrier) Set(k, v string) { metadata.MD(m).Set(k, v) }
func (m mdCarrier) Keys() []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// grpcCall is an instrumented gRPC call (client span, metadata injected).
func grpcCall(ctx context.Context, s *service, conn *grpc.ClientConn, peer string, c call) error {
	ctx, span := s.tracer.Start(ctx, "workload.Service/"+c.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("rpc.system", "grpc"), attribute.String("rpc.method", c.Method), attribute.String("peer.service", peer)))
	defer span.End()
	md := metadata.MD{}
	propagator.Inject(ctx, mdCarrier(md))
	ctx = metadata.NewOutgoingContext(ctx, md)
	var r reply
	if err := conn.Invoke(ctx, fullMethod, &c, &r); err != nil {
		st, _ := status.FromError(err)
		span.SetAttributes(attribute.Int("rpc.grpc.status_code", int(st.Code())))
		span.SetStatus(codes.Error, st.Message())
		return errors.New(st.Message())
	}
	return nil
}

// serverSpan starts the server span of an incoming gRPC call.
func serverSpan(ctx context.Context, s *service, c *call) (context.Context, trace.Span) {
	md, _ := metadata.FromIncomingContext(ctx)
	ctx = propagator.Extract(ctx, mdCarrier(md))
	return s.tracer.Start(ctx, c.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("rpc.system", "grpc"), attribute.String("rpc.service", "workload.Service"), attribute.String("rpc.method", c.Method)))
}

func fail(span trace.Span, err error) error {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	return err
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ---- services ----

type frontendServer struct {
	*service
	checkoutURL string
	client      *http.Client
}

func (f *frontendServer) handle(ctx context.Context, r *http.Request) (int, string) {
	fault := r.URL.Query().Get("fault")
	code, body, err := httpCall(ctx, f.service, f.client, f.checkoutURL+"/order?fault="+fault)
	if err != nil {
		return http.StatusBadGateway, err.Error()
	}
	if code != http.StatusOK {
		return http.StatusInternalServerError, "checkout failed: " + body
	}
	return http.StatusOK, "ordered"
}

type checkoutServer struct {
	*service
	inventory, payment *grpc.ClientConn
	orders             atomic.Int64 // numbers the orders: concurrent orders reserve different items
}

func (c *checkoutServer) handle(ctx context.Context, r *http.Request) (int, string) {
	fault := Fault(r.URL.Query().Get("fault"))
	ctx, span := c.tracer.Start(ctx, "PlaceOrder")
	defer span.End()
	if err := c.lookup(ctx, fault); err != nil {
		return http.StatusInternalServerError, fail(span, err).Error()
	}
	// Reserve the items in parallel (each order its own items, so
	// concurrent orders do not contend on the per-item locks).
	first := int(c.orders.Add(1)%16) * Items
	var wg sync.WaitGroup
	errs := make([]error, Items)
	for i := 0; i < Items; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = grpcCall(ctx, c.service, c.inventory, "inventory", call{Method: "Reserve", Fault: fault, Item: first + i})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return http.StatusInternalServerError, fail(span, err).Error()
	}
	if err := grpcCall(ctx, c.service, c.payment, "payment", call{Method: "Charge", Fault: fault}); err != nil {
		return http.StatusInternalServerError, fail(span, fmt.Errorf("charge: %w", err)).Error()
	}
	return http.StatusOK, "ok"
}

// lookup fetches the items' details: in parallel normally, one after
// another (FaultSequential) or through a pool of PoolSize (FaultPool).
func (c *checkoutServer) lookup(ctx context.Context, fault Fault) error {
	get := func(i int) error {
		return grpcCall(ctx, c.service, c.inventory, "inventory", call{Method: "GetItem", Fault: fault, Item: i})
	}
	if fault == FaultSequential {
		for i := 0; i < Lookups; i++ {
			if err := get(i); err != nil {
				return err
			}
		}
		return nil
	}
	workers := Lookups
	if fault == FaultPool || fault == FaultPoolMixed {
		workers = PoolSize
	}
	var slow chan error
	if fault == FaultPoolMixed {
		// The same client operation to another service, outside the pool.
		slow = make(chan error, 1)
		go func() {
			slow <- grpcCall(ctx, c.service, c.payment, "payment", call{Method: "GetItem", Fault: fault})
		}()
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	errs := make([]error, Lookups)
	for i := 0; i < Lookups; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			errs[i] = get(i)
			<-sem
		}()
	}
	wg.Wait()
	if slow != nil {
		errs = append(errs, <-slow)
	}
	return errors.Join(errs...)
}

type inventoryServer struct {
	*service
	db        *grpc.ClientConn
	stockLock sync.Mutex     // the one lock of FaultLock
	itemLocks [64]sync.Mutex // per-item locks otherwise
}

func (s *inventoryServer) handle(ctx context.Context, c *call) error {
	ctx, span := serverSpan(ctx, s.service, c)
	defer span.End()
	switch c.Method {
	case "GetItem":
		if err := grpcCall(ctx, s.service, s.db, "db", call{Method: "Query", SQL: "SELECT item", Fault: c.Fault, Item: c.Item}); err != nil {
			return fail(span, err)
		}
		if c.Fault == FaultLogError && c.Item == 0 {
			// The error is told only by a log event; the status has no
			// description.
			span.AddEvent("log", trace.WithAttributes(attribute.String("level", "error"), attribute.String("error", LogErrorMessage)))
			span.SetStatus(codes.Error, "")
			return errors.New("internal error")
		}
		if c.Fault == FaultNPlusOne {
			for a := 0; a < Attributes; a++ {
				if err := grpcCall(ctx, s.service, s.db, "db", call{Method: "Query", SQL: "SELECT attribute", Fault: c.Fault, Item: c.Item}); err != nil {
					return fail(span, err)
				}
			}
		}
		return nil
	case "Reserve":
		mu := &s.itemLocks[c.Item%len(s.itemLocks)]
		lockName := "stock/item-" + strconv.Itoa(c.Item)
		if c.Fault == FaultLock {
			mu, lockName = &s.stockLock, "stock"
		}
		if c.Fault == FaultLockEvents {
			mu = &s.stockLock
			span.AddEvent("waiting for lock", trace.WithAttributes(attribute.String("lock.name", "stock")))
			mu.Lock()
			span.AddEvent("lock acquired", trace.WithAttributes(attribute.String("lock.name", "stock")))
		} else {
			_, wait := s.tracer.Start(ctx, "lock stock", trace.WithAttributes(attribute.String("lock.name", lockName)))
			mu.Lock()
			wait.End()
		}
		defer mu.Unlock()
		if err := grpcCall(ctx, s.service, s.db, "db", call{Method: "Query", SQL: "UPDATE stock", Fault: c.Fault, Item: c.Item}); err != nil {
			return fail(span, err)
		}
		return nil
	}
	return fail(span, fmt.Errorf("inventory: unknown method %q", c.Method))
}

type paymentServer struct {
	*service
	db *grpc.ClientConn
}

func (s *paymentServer) handle(ctx context.Context, c *call) error {
	ctx, span := serverSpan(ctx, s.service, c)
	defer span.End()
	if c.Method == "GetItem" { // FaultPoolMixed: a slow answer under a shared operation name
		return sleep(ctx, SlowQuery)
	}
	if c.Fault == FaultRetry {
		first, cancel := context.WithTimeout(ctx, RetryTimeout)
		err := grpcCall(first, s.service, s.db, "db", call{Method: "Query", SQL: "INSERT payments", Fault: c.Fault, Attempt: 1})
		cancel()
		if err == nil {
			return nil
		}
		span.AddEvent("retrying", trace.WithAttributes(attribute.Int("attempt", 2), attribute.String("error", err.Error()),
			attribute.Int64("backoff_ms", RetryBackoff.Milliseconds())))
		if err := sleep(ctx, RetryBackoff); err != nil {
			return fail(span, err)
		}
		c = &call{Method: c.Method, Fault: c.Fault, Attempt: 2}
	}
	if err := grpcCall(ctx, s.service, s.db, "db", call{Method: "Query", SQL: "INSERT payments", Fault: c.Fault, Attempt: c.Attempt}); err != nil {
		return fail(span, fmt.Errorf("payment declined: %w", err))
	}
	return nil
}

type dbServer struct {
	*service
	balance sync.Mutex // the shared resource of FaultContention
}

func (s *dbServer) handle(ctx context.Context, c *call) error {
	ctx, span := serverSpan(ctx, s.service, c)
	defer span.End()
	span.SetName(c.SQL)
	span.SetAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.query.text", c.SQL))
	d := Query
	switch c.SQL {
	case "SELECT item":
		d = ItemLookup
	case "SELECT attribute":
		d = AttrQuery
	case "UPDATE stock":
		d = StockUpdate
	case "INSERT payments":
		switch {
		case c.Fault == FaultSlow, c.Fault == FaultRetry && c.Attempt == 1:
			d = SlowQuery
		case c.Fault == FaultContention:
			s.balance.Lock() // no span or event says so
			defer s.balance.Unlock()
			d = ContentionHold
		}
	}
	if err := sleep(ctx, d); err != nil {
		return fail(span, err)
	}
	if c.Fault == FaultError && c.SQL == "INSERT payments" {
		return fail(span, errors.New("deadlock detected"))
	}
	return nil
}

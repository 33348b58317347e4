package lab

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// TraceSeedOptions size the seeded traces.
type TraceSeedOptions struct {
	// Traces to send (default 20); every fifth fails in payments.
	Traces int
	// Now is the end of the newest trace (default time.Now()).
	Now time.Time
	// SlowFrom, when > 0, makes the traces from this index on (oldest
	// first) an incident's burst: bank-gateway answers in 1.5 s (no error).
	SlowFrom int
	// NoFailures sends no failing traces.
	NoFailures bool
}

// SeedTraces sends traces of a small multi-service shop (frontend →
// checkout → cart (redis), payments → bank-gateway, orders (postgres)) to
// an OTLP/HTTP receiver (JSON encoding), e.g. JaegerServer.OTLPHTTP. Every
// fifth trace fails: bank-gateway times out and the error propagates up.
// It returns the trace ids, the failing ones marked in failed.
func SeedTraces(ctx context.Context, otlpHTTP string, o TraceSeedOptions) (ids []string, failed map[string]bool, err error) {
	if o.Traces <= 0 {
		o.Traces = 20
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	failed = map[string]bool{}
	byService := map[string][]otlpSpan{}
	for i := range o.Traces {
		end := o.Now.Add(-time.Duration(o.Traces-i) * 3 * time.Second)
		fail := i%5 == 4 && !o.NoFailures
		tid := randomHex(16)
		ids = append(ids, tid)
		if fail {
			failed[tid] = true
		}
		for svc, spans := range shopTrace(tid, end, fail, o.SlowFrom > 0 && i >= o.SlowFrom) {
			byService[svc] = append(byService[svc], spans...)
		}
	}
	if err := postOTLP(ctx, otlpHTTP, byService); err != nil {
		return nil, nil, err
	}
	return ids, failed, nil
}

// postOTLP sends spans grouped by service to an OTLP/HTTP receiver (JSON).
func postOTLP(ctx context.Context, otlpHTTP string, byService map[string][]otlpSpan) error {
	var rs []map[string]any
	for svc, spans := range byService {
		rs = append(rs, map[string]any{
			"resource":   map[string]any{"attributes": []any{attr("service.name", svc), attr("deployment.environment", "lab")}},
			"scopeSpans": []any{map[string]any{"scope": map[string]any{"name": "lab"}, "spans": spans}},
		})
	}
	body, err := json.Marshal(map[string]any{"resourceSpans": rs})
	if err != nil {
		return fmt.Errorf("encode traces: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+otlpHTTP+"/v1/traces", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("send traces: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return fmt.Errorf("send traces: %s: %s", resp.Status, firstLine(string(msg)))
	}
	return nil
}

// BigTraceOptions shape the trace SeedBigTrace sends.
type BigTraceOptions struct {
	// Spans in the trace (default 100,000).
	Spans int
	// End is the end of the trace (default time.Now()).
	End time.Time
	// Duration of the trace (default 5 s).
	Duration time.Duration
}

// SeedBigTrace sends one large trace of the shop's services to an
// OTLP/HTTP receiver, in batches of 5,000 spans: frontend GET /export →
// orders ExportOrders → Spans-2 evenly spaced orders "SELECT orders page"
// calls to PostgreSQL (a dense fan-out, no pool). It returns the trace id.
func SeedBigTrace(ctx context.Context, otlpHTTP string, o BigTraceOptions) (string, error) {
	o.Spans = cmp.Or(o.Spans, 100_000)
	o.Duration = cmp.Or(o.Duration, 5*time.Second)
	if o.End.IsZero() {
		o.End = time.Now()
	}
	if o.Spans < 3 {
		return "", fmt.Errorf("seed big trace: %d spans: want at least 3", o.Spans)
	}
	tid := randomHex(16)
	begin := o.End.Add(-o.Duration)
	nano := func(d time.Duration) string { return strconv.FormatInt(begin.Add(d).UnixNano(), 10) }
	rootID, exportID := randomHex(8), randomHex(8)
	batch := map[string][]otlpSpan{
		"frontend": {{"traceId": tid, "spanId": rootID, "name": "GET /export", "kind": 2,
			"startTimeUnixNano": nano(0), "endTimeUnixNano": nano(o.Duration),
			"attributes": []any{attr("http.request.method", "GET"), attr("http.route", "/export"), attr("http.response.status_code", 200)}}},
		"orders": {{"traceId": tid, "spanId": exportID, "parentSpanId": rootID, "name": "ExportOrders", "kind": 2,
			"startTimeUnixNano": nano(time.Millisecond), "endTimeUnixNano": nano(o.Duration - time.Millisecond),
			"attributes": []any{attr("rpc.system", "grpc"), attr("rpc.service", "OrderService")}}},
	}
	calls := o.Spans - 2
	step := (o.Duration - 4*time.Millisecond) / time.Duration(calls)
	sent := 0
	for i := range calls {
		st := 2*time.Millisecond + time.Duration(i)*step
		batch["orders"] = append(batch["orders"], otlpSpan{"traceId": tid, "spanId": randomHex(8), "parentSpanId": exportID,
			"name": "SELECT orders page", "kind": 3,
			"startTimeUnixNano": nano(st), "endTimeUnixNano": nano(st + max(step, time.Microsecond)),
			"attributes": []any{attr("db.system", "postgresql"), attr("server.address", "orders-pg"), attr("db.query.text", "SELECT * FROM orders LIMIT 100 OFFSET $1")}})
		if n := sent + len(batch["frontend"]) + len(batch["orders"]); n-sent >= 5000 || i == calls-1 {
			if err := postOTLP(ctx, otlpHTTP, batch); err != nil {
				return "", fmt.Errorf("seed big trace: %w", err)
			}
			sent = n
			batch = map[string][]otlpSpan{}
		}
	}
	return tid, nil
}

type otlpSpan = map[string]any

func attr(k string, v any) map[string]any {
	switch x := v.(type) {
	case int:
		return map[string]any{"key": k, "value": map[string]any{"intValue": fmt.Sprint(x)}}
	default:
		return map[string]any{"key": k, "value": map[string]any{"stringValue": fmt.Sprint(x)}}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// shopTrace builds one checkout trace ending at end, grouped by service.
func shopTrace(tid string, end time.Time, fail, slow bool) map[string][]otlpSpan {
	out := map[string][]otlpSpan{}
	type node struct {
		svc, name, parent string
		start, dur        time.Duration
		kind              int // 2 server, 3 client
		attrs             []any
		err               string
	}
	total := 180 * time.Millisecond
	gateway := 70 * time.Millisecond
	if fail {
		total = 2100 * time.Millisecond
	} else if slow {
		total, gateway = 1610*time.Millisecond, 1500*time.Millisecond
	}
	begin := end.Add(-total)
	ids := map[string]string{}
	nodes := []node{
		{svc: "frontend", name: "POST /checkout", start: 0, dur: total, kind: 2,
			attrs: []any{attr("http.request.method", "POST"), attr("http.route", "/checkout"), attr("http.response.status_code", map[bool]int{false: 200, true: 502}[fail])}},
		{svc: "checkout", name: "PlaceOrder", parent: "POST /checkout", start: 5 * time.Millisecond, dur: total - 10*time.Millisecond, kind: 2,
			attrs: []any{attr("rpc.system", "grpc"), attr("rpc.service", "CheckoutService")}},
		{svc: "cart", name: "GetCart", parent: "PlaceOrder", start: 10 * time.Millisecond, dur: 20 * time.Millisecond, kind: 2},
		{svc: "cart", name: "HGETALL", parent: "GetCart", start: 12 * time.Millisecond, dur: 3 * time.Millisecond, kind: 3,
			attrs: []any{attr("db.system", "redis"), attr("db.statement", "HGETALL cart:{id}"), attr("server.address", "sessions")}},
		{svc: "payments", name: "Charge", parent: "PlaceOrder", start: 35 * time.Millisecond, dur: map[bool]time.Duration{false: gateway + 20*time.Millisecond, true: 2030 * time.Millisecond}[fail], kind: 2,
			attrs: []any{attr("rpc.system", "grpc"), attr("rpc.service", "PaymentService")}},
		{svc: "payments", name: "POST bank-gateway/authorize", parent: "Charge", start: 40 * time.Millisecond, dur: map[bool]time.Duration{false: gateway, true: 2000 * time.Millisecond}[fail], kind: 3,
			attrs: []any{attr("http.request.method", "POST"), attr("server.address", "bank-gateway")}},
	}
	if !fail {
		nodes = append(nodes, node{svc: "orders", name: "INSERT orders", parent: "PlaceOrder", start: gateway + 60*time.Millisecond, dur: 25 * time.Millisecond, kind: 3,
			attrs: []any{attr("db.system", "postgresql"), attr("db.statement", "INSERT INTO orders VALUES ($1, $2)"), attr("server.address", "orders-pg")}})
	} else {
		nodes[5].err = "context deadline exceeded: bank-gateway did not answer in 2s"
		nodes[4].err = "charge failed: upstream timeout"
		nodes[1].err = "payment failed"
		nodes[0].err = "502 Bad Gateway"
	}
	for _, n := range nodes {
		sid := randomHex(8)
		ids[n.name] = sid
		span := otlpSpan{
			"traceId": tid, "spanId": sid, "name": n.name, "kind": n.kind,
			"startTimeUnixNano": fmt.Sprint(begin.Add(n.start).UnixNano()),
			"endTimeUnixNano":   fmt.Sprint(begin.Add(n.start + n.dur).UnixNano()),
			"attributes":        n.attrs,
		}
		if n.parent != "" {
			span["parentSpanId"] = ids[n.parent]
		}
		if n.err != "" {
			span["status"] = map[string]any{"code": 2, "message": n.err}
			span["events"] = []any{map[string]any{"name": "exception", "timeUnixNano": fmt.Sprint(begin.Add(n.start + n.dur).UnixNano()),
				"attributes": []any{attr("exception.message", n.err)}}}
		}
		out[n.svc] = append(out[n.svc], span)
	}
	return out
}

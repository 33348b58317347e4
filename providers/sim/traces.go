package sim

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/console/traces"
)

// call is one step of a demo request: a call to another service (a client
// span in the caller and a server span in the callee), a database query (a
// client span with db.* tags) or an internal span (e.g. a lock wait).
type call struct {
	svc, op  string        // callee service (unused for db and internal spans) and operation
	at, dur  time.Duration // start offset from the parent's start, duration
	err      string        // error status message; empty when the call succeeded
	db       *dbCall
	internal bool
	tags     []traces.KeyValue
	kids     []call
}

// dbCall describes a database query.
type dbCall struct {
	system, name, statement, peer string
}

const ms = time.Millisecond

// traceBuilder builds the spans of one trace.
type traceBuilder struct {
	st     *state
	ci     int
	scale  float64
	tr     *traces.Trace
	podFor map[string][]traces.KeyValue
}

func (b *traceBuilder) d(v time.Duration) time.Duration { return time.Duration(float64(v) * b.scale) }

func (b *traceBuilder) spanID() string { return b.st.hexN(16) }

// resource returns the resource attributes of service svc: a real running
// pod of that service in the estate, its node and zone.
func (b *traceBuilder) resource(svc string) []traces.KeyValue {
	if r, ok := b.podFor[svc]; ok {
		return r
	}
	c := b.st.cl[b.ci]
	res := []traces.KeyValue{{Key: "service.name", Value: svc}, {Key: "k8s.cluster.name", Value: c.name}, {Key: "cloud.region", Value: c.region}}
	var ns string
	for _, s := range services {
		if s.name == svc {
			ns = s.ns
		}
	}
	if w, ok := b.st.wlKey[c.name+"/"+ns+"/"+svc]; ok {
		if p := b.st.nthPod(w, b.st.rng.IntN(8)); p != nil {
			zone := ""
			if ni := b.st.nodeIndex(p.Node); ni >= 0 {
				zone = b.st.inv.Nodes[ni].Zone
			}
			res = append(res,
				traces.KeyValue{Key: "k8s.namespace.name", Value: p.Namespace},
				traces.KeyValue{Key: "k8s.pod.name", Value: p.Name},
				traces.KeyValue{Key: "k8s.node.name", Value: p.Node},
				traces.KeyValue{Key: "host.name", Value: p.Node},
				traces.KeyValue{Key: "cloud.availability_zone", Value: zone},
			)
		}
	}
	b.podFor[svc] = res
	return res
}

func errTags(err string, tags []traces.KeyValue) []traces.KeyValue {
	if err == "" {
		return tags
	}
	return append(append([]traces.KeyValue(nil), tags...), traces.KeyValue{Key: "otel.status_code", Value: "ERROR"}, traces.KeyValue{Key: "error", Value: "true"})
}

// server adds the server span of c (in service c.svc) and its children.
func (b *traceBuilder) server(parent string, c call, start time.Time) {
	id := b.spanID()
	res := b.resource(c.svc)
	sp := traces.Span{SpanID: id, ParentID: parent, Service: c.svc, Operation: c.op, Start: start, Duration: b.d(c.dur),
		Error: c.err != "", StatusMessage: c.err, Kind: "server", Tags: errTags(c.err, c.tags), Resource: res}
	b.tr.Spans = append(b.tr.Spans, sp)
	for _, k := range c.kids {
		b.child(id, c.svc, res, k, start.Add(b.d(k.at)))
	}
}

// child adds the span(s) of call k made by service svc.
func (b *traceBuilder) child(parent, svc string, res []traces.KeyValue, k call, start time.Time) {
	id := b.spanID()
	sp := traces.Span{SpanID: id, ParentID: parent, Service: svc, Operation: k.op, Start: start, Duration: b.d(k.dur),
		Error: k.err != "", StatusMessage: k.err, Resource: res}
	switch {
	case k.db != nil:
		sp.Kind = "client"
		sp.Tags = errTags(k.err, append([]traces.KeyValue{
			{Key: "db.system", Value: k.db.system}, {Key: "db.name", Value: k.db.name},
			{Key: "db.statement", Value: k.db.statement}, {Key: "net.peer.name", Value: k.db.peer},
			{Key: "peer.service", Value: k.db.peer},
		}, k.tags...))
		if k.err != "" {
			sp.Events = []traces.Event{{Time: start.Add(b.d(k.dur)), Name: "exception", Fields: []traces.KeyValue{
				{Key: "exception.type", Value: "*pq.Error"}, {Key: "exception.message", Value: k.err}}}}
		}
	case k.internal:
		sp.Kind = "internal"
		sp.Tags = errTags(k.err, k.tags)
	default:
		sp.Kind = "client"
		sp.Tags = errTags(k.err, append([]traces.KeyValue{{Key: "peer.service", Value: k.svc}, {Key: "rpc.system", Value: "grpc"}}, k.tags...))
	}
	b.tr.Spans = append(b.tr.Spans, sp)
	if k.db == nil && !k.internal {
		// The callee's server span, a little inside the client span.
		srv := k
		srv.dur = k.dur - 600*time.Microsecond
		srv.tags = nil
		b.server(id, srv, start.Add(b.d(300*time.Microsecond)))
		return
	}
	for _, kk := range k.kids {
		b.child(id, svc, res, kk, start.Add(b.d(kk.at)))
	}
}

func httpRoot(op string, dur time.Duration, status int, err string, kids ...call) call {
	method, route, _ := strings.Cut(op, " ")
	return call{svc: "frontend", op: op, dur: dur, err: err, kids: kids, tags: []traces.KeyValue{
		{Key: "http.method", Value: method}, {Key: "http.route", Value: route},
		{Key: "http.status_code", Value: strconv.Itoa(status)},
	}}
}

// --- the request types ---

func auroraDB(name, stmt string) *dbCall {
	return &dbCall{system: "postgresql", name: name, statement: stmt, peer: "payments-aurora"}
}

// checkout is GET /checkout; with fail set, a database timeout deep in the
// call graph (ledger → Aurora) fails every level up to the root.
func checkout(fail bool) call {
	const timeout = "pq: canceling statement due to statement timeout"
	ledgerDB := call{op: "UPDATE accounts", at: 1 * ms, dur: 6 * ms,
		db: auroraDB("ledger", "UPDATE accounts SET balance = balance - $1 WHERE id = $2")}
	ledger := call{svc: "ledger", op: "ledger.Ledger/Append", at: 52 * ms, dur: 12 * ms,
		kids: []call{ledgerDB, {op: "INSERT ledger_entries", at: 8 * ms, dur: 3 * ms,
			db: auroraDB("ledger", "INSERT INTO ledger_entries (account_id, amount, order_id) VALUES ($1, $2, $3)")}}}
	payments := call{svc: "payments", op: "payments.Payments/Charge", at: 36 * ms, dur: 70 * ms, kids: []call{
		{svc: "fraud-detection", op: "fraud.Fraud/Score", at: 3 * ms, dur: 18 * ms},
		{svc: "payment-gateway", op: "gateway.Gateway/Authorize", at: 22 * ms, dur: 28 * ms},
		ledger,
	}}
	checkoutSvc := call{svc: "checkout", op: "checkout.Checkout/PlaceOrder", at: 32 * ms, dur: 140 * ms, kids: []call{
		{svc: "currency", op: "currency.Currency/Convert", at: 4 * ms, dur: 8 * ms},
		{svc: "pricing", op: "pricing.Pricing/Quote", at: 13 * ms, dur: 20 * ms},
		payments,
		{svc: "orders", op: "orders.Orders/Create", at: 108 * ms, dur: 22 * ms, kids: []call{
			{op: "insert orders", at: 2 * ms, dur: 5 * ms, db: &dbCall{system: "mongodb", name: "orders", statement: `{"insert":"orders","ordered":true}`, peer: "orders-mongo"}},
		}},
		{svc: "notifications", op: "notifications.Notifications/Enqueue", at: 131 * ms, dur: 6 * ms},
	}}
	cart := call{svc: "cart", op: "cart.Cart/Get", at: 5 * ms, dur: 24 * ms, kids: []call{
		{op: "GET", at: 2 * ms, dur: 2 * ms, db: &dbCall{system: "redis", name: "0", statement: "GET cart:{user}", peer: "sessions-redis"}},
		{svc: "catalog", op: "catalog.Catalog/GetProducts", at: 6 * ms, dur: 15 * ms},
	}}
	if !fail {
		return httpRoot("GET /checkout", 180*ms, 200, "", cart, checkoutSvc)
	}
	// The statement times out after 5s; every caller fails in turn.
	ledgerDB.dur, ledgerDB.err = 5000*ms, timeout
	ledger.kids = []call{ledgerDB}
	ledger.dur, ledger.err = 5002*ms, "append entry: update account balance: "+timeout
	payments.kids[2] = ledger
	payments.dur, payments.err = 5058*ms, "charge failed: ledger.Append: rpc error: code = Internal desc = append entry: update account balance: "+timeout
	checkoutSvc.kids = checkoutSvc.kids[:3]
	checkoutSvc.kids[2] = payments
	checkoutSvc.dur, checkoutSvc.err = 5096*ms, "place order: payments.Charge: rpc error: code = Internal desc = charge failed"
	return httpRoot("GET /checkout", 5132*ms, 500, "500 Internal Server Error: place order failed", cart, checkoutSvc)
}

// login is POST /login; with contended set, the session writes of one user
// wait on the same row lock and run one after another.
func login(contended bool) call {
	writes := []string{
		"INSERT INTO sessions (user_id, token, expires_at) VALUES ($1, $2, $3)",
		"UPDATE users SET last_login_at = now() WHERE id = $1",
		"UPDATE login_stats SET count = count + 1 WHERE user_id = $1",
		"DELETE FROM sessions WHERE user_id = $1 AND expires_at < now()",
	}
	var kids []call
	for i, stmt := range writes {
		verb, _, _ := strings.Cut(stmt, " ")
		c := call{op: verb + " " + table(stmt), at: 2 * ms, dur: 7 * ms, db: auroraDB("identity", stmt),
			tags: []traces.KeyValue{{Key: "db.lock.resource", Value: "users:id=48213"}}}
		if contended {
			wait := time.Duration(i+1) * 310 * ms
			c.dur = wait + 7*ms
			c.kids = []call{{op: "db.lock.wait", internal: true, at: 0, dur: wait, tags: []traces.KeyValue{
				{Key: "db.lock.resource", Value: "users:id=48213"}, {Key: "db.lock.mode", Value: "RowExclusiveLock"},
				{Key: "db.lock.holder", Value: "reporting: UPDATE users SET segment = ... (pid 24113)"}}}}
		}
		kids = append(kids, c)
	}
	var end time.Duration
	for _, k := range kids {
		end = max(end, k.at+k.dur)
	}
	sessions := call{svc: "sessions", op: "sessions.Sessions/Create", at: 26 * ms, dur: end + 3*ms, kids: kids}
	auth := call{svc: "auth", op: "auth.Auth/Login", at: 4 * ms, dur: sessions.at + sessions.dur + 4*ms, kids: []call{
		{svc: "users", op: "users.Users/GetByEmail", at: 2 * ms, dur: 11 * ms, kids: []call{
			{op: "SELECT users", at: 2 * ms, dur: 6 * ms, db: auroraDB("identity", "SELECT id, password_hash, mfa FROM users WHERE email = $1")},
		}},
		{svc: "permissions", op: "permissions.Permissions/Roles", at: 14 * ms, dur: 9 * ms},
		sessions,
	}}
	return httpRoot("POST /login", auth.at+auth.dur+3*ms, 200, "", auth)
}

func table(stmt string) string {
	for _, kw := range []string{" INTO ", " FROM ", "UPDATE "} {
		if _, rest, ok := strings.Cut(stmt, kw); ok {
			name, _, _ := strings.Cut(rest, " ")
			return name
		}
	}
	return ""
}

// search is GET /search: a catalog search, then the details of the six
// products found, then prices and ratings. With staircase set, the six
// independent detail calls run one after another instead of in parallel.
func search(staircase bool) call {
	kids := []call{
		{svc: "spellcheck", op: "spellcheck.Spellcheck/Correct", at: 1 * ms, dur: 6 * ms},
		{svc: "catalog", op: "catalog.Catalog/Search", at: 8 * ms, dur: 24 * ms},
	}
	at := 33 * ms
	end := at
	for i, d := range []time.Duration{17, 14, 19, 15, 16, 18} {
		c := call{svc: "product-details", op: "product-details.ProductDetails/Get", at: at + time.Duration(i)*300*time.Microsecond, dur: d * ms,
			tags: []traces.KeyValue{{Key: "product.id", Value: strconv.Itoa(10417 + 37*i)}}}
		if staircase {
			c.at = at
			at += c.dur + 1*ms
		}
		end = max(end, c.at+c.dur)
		kids = append(kids, c)
	}
	end += 1 * ms
	kids = append(kids,
		call{svc: "pricing", op: "pricing.Pricing/BatchQuote", at: end, dur: 22 * ms},
		call{svc: "ratings", op: "ratings.Ratings/Batch", at: end + 300*time.Microsecond, dur: 15 * ms},
		call{svc: "personalization", op: "personalization.Personalization/Boost", at: end + 600*time.Microsecond, dur: 19 * ms},
	)
	searchSvc := call{svc: "search", op: "search.Search/Query", at: 6 * ms, dur: end + 26*ms, kids: kids}
	return httpRoot("GET /search", searchSvc.at+searchSvc.dur+5*ms, 200, "", searchSvc)
}

// buildTraces generates the demo's traces: per request type a few normal
// traces and one anomaly.
func buildTraces(st *state, o Options) []*traces.Trace {
	type spec struct {
		root  call
		scale float64
	}
	var specs []spec
	for i := 0; i < 4; i++ {
		specs = append(specs,
			spec{checkout(false), 0.85 + 0.3*st.rng.Float64()},
			spec{search(false), 0.85 + 0.3*st.rng.Float64()},
			spec{login(false), 0.85 + 0.3*st.rng.Float64()},
		)
	}
	specs = append(specs, spec{checkout(true), 1}, spec{login(true), 1}, spec{search(true), 1})
	out := make([]*traces.Trace, 0, len(specs))
	for i, sp := range specs {
		b := &traceBuilder{st: st, ci: 0, scale: sp.scale, tr: &traces.Trace{TraceID: st.hexN(32)}, podFor: map[string][]traces.KeyValue{}}
		if i%5 == 4 {
			b.ci = 1 // some requests are served in the other region
		}
		start := o.Start.Add(-time.Duration(len(specs)-i)*37*time.Second - time.Duration(st.rng.IntN(30000))*time.Millisecond)
		b.server("", sp.root, start)
		out = append(out, b.tr)
	}
	return out
}

// summarize computes the trace summaries listed in Inventory.Traces.
func summarize(ts []*traces.Trace) []traces.TraceSummary {
	out := make([]traces.TraceSummary, 0, len(ts))
	for _, t := range ts {
		s := traces.TraceSummary{TraceID: t.TraceID, Spans: len(t.Spans)}
		seen := map[string]bool{}
		var first, last time.Time
		for i := range t.Spans {
			sp := &t.Spans[i]
			if sp.Error {
				s.Errors++
			}
			if !seen[sp.Service] {
				seen[sp.Service] = true
				s.Services = append(s.Services, sp.Service)
			}
			if first.IsZero() || sp.Start.Before(first) {
				first = sp.Start
			}
			if sp.End().After(last) {
				last = sp.End()
			}
			if sp.ParentID == "" {
				s.Service, s.Operation, s.RootFailed = sp.Service, sp.Operation, sp.Error
			}
		}
		sort.Strings(s.Services)
		s.Start = first
		s.Duration = last.Sub(first)
		s.DurationMS = float64(s.Duration.Microseconds()) / 1000
		out = append(out, s)
	}
	return out
}

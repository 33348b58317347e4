package traces

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// KindHandledErrors is the finding of errors absorbed below a successful
// ancestor (failed calls that were retried or tolerated).
const KindHandledErrors = "handled_errors"

// ErrorOrigin is where the error the root reports started: the start of
// the chain of error spans that reaches the root (every span from it up to
// the root in error), or the span whose error message the root reports.
type ErrorOrigin struct {
	SpanID    string `json:"span_id"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Message   string `json:"message"`
	// Chain holds the span ids from the origin up to the root: at most
	// maxIDs of them (the origin's end of the chain and the root);
	// ChainOmitted says how many were left out.
	Chain        []string `json:"chain"`
	ChainOmitted int      `json:"chain_omitted"`
	// Hops is the number of spans between the origin and the root, plus 1.
	Hops int `json:"hops"`
	// Propagated is true when every span of the chain is in error; false
	// when the root reports the origin's message through spans that are not
	// marked as errors (missing instrumentation).
	Propagated bool `json:"propagated"`
}

// HandledError is a group of errors absorbed below a successful ancestor:
// the failed calls (each the top error span under a span that did not
// fail) of one service and operation under one handling operation.
type HandledError struct {
	Service   string `json:"service"`
	Operation string `json:"operation"`
	// HandledBy is the service and operation of the successful span that
	// absorbed the errors (the failed calls' parent).
	HandledBy string `json:"handled_by"`
	Count     int    `json:"count"`
	// Retried counts the failed calls followed by a later call of the same
	// service and operation under the same parent (a retry); RetryEvents
	// counts the retry/backoff events of the handling spans.
	Retried     int `json:"retried"`
	RetryEvents int `json:"retry_events"`
	// CostMS is the failed calls' time (sum of their durations); OnPathMS
	// is the part of it on the critical path.
	CostMS   float64 `json:"cost_ms"`
	OnPathMS float64 `json:"critical_path_ms"`
	Message  string  `json:"message"`
	// SpanIDs lists the failed calls (at most maxIDs; Omitted more).
	SpanIDs []string `json:"span_ids"`
	Omitted int      `json:"span_ids_omitted"`
}

// ErrorMessage is the most specific description of a span's error, the
// same wherever it is shown: an exception event's exception.message (with
// its exception.type when the message is empty), then the message fields
// of an error log (level error, or an "error" event: error.message, error,
// error.object, message, msg), then exception.message/error.message
// attributes, then the status description, then error.type, then the
// HTTP/gRPC status code.
func ErrorMessage(s *Span) string {
	if m := eventMessage(s.Events); m != "" {
		return m
	}
	for _, k := range []string{"exception.message", "error.message"} {
		if v, ok := s.Attr(k); ok && v != "" {
			return v
		}
	}
	if s.StatusMessage != "" {
		return s.StatusMessage
	}
	for _, k := range []string{"error.type", "exception.type"} {
		if v, ok := s.Attr(k); ok && v != "" {
			return v
		}
	}
	for _, k := range []string{"http.response.status_code", "http.status_code", "rpc.grpc.status_code"} {
		if v, ok := s.Attr(k); ok && v != "" {
			return k + "=" + v
		}
	}
	return ""
}

// exceptionMessage reads an OpenTelemetry exception event (name
// "exception", or Jaeger's log with event=exception or exception.* fields).
func exceptionMessage(ev Event) string {
	isExc := ev.Name == "exception"
	var msg, typ string
	for _, f := range ev.Fields {
		switch f.Key {
		case "exception.message":
			msg, isExc = f.Value, true
		case "exception.type":
			typ, isExc = f.Value, true
		case "event":
			isExc = isExc || f.Value == "exception"
		}
	}
	if !isExc {
		return ""
	}
	return cmp.Or(msg, typ)
}

// errorLevels are the log levels that mark an error log.
var errorLevels = []string{"error", "err", "fatal", "critical", "crit", "panic", "severe"}

// errorLogMessage reads the message of an error log: an event named
// "error" (or with event=error), or any event at an error level (level,
// log.level, severity fields).
func errorLogMessage(ev Event) string {
	isErr := ev.Name == "error"
	fields := map[string]string{}
	for _, f := range ev.Fields {
		switch f.Key {
		case "event":
			isErr = isErr || f.Value == "error"
		case "level", "log.level", "severity", "log.severity", "severity_text":
			isErr = isErr || slices.Contains(errorLevels, strings.ToLower(f.Value))
		}
		if _, ok := fields[f.Key]; !ok {
			fields[f.Key] = f.Value
		}
	}
	if !isErr {
		return ""
	}
	for _, k := range []string{"error.message", "error", "error.object", "message", "msg"} {
		if v := fields[k]; v != "" && v != "true" && v != "false" {
			return v
		}
	}
	if ev.Name != "" && ev.Name != "error" && ev.Name != "log" {
		return ev.Name
	}
	return ""
}

// retryWords mark a retry, backoff or timeout event.
var retryWords = []string{"retry", "retrying", "retried", "backoff", "back-off", "attempt", "reattempt"}

// isRetryEvent reports whether an event says the span retried or backed off.
func isRetryEvent(ev Event) bool {
	if hasWord(ev.Name, retryWords) {
		return true
	}
	for _, f := range ev.Fields {
		if (f.Key == "event" || f.Key == "message" || f.Key == "msg") && hasWord(f.Value, retryWords) {
			return true
		}
	}
	return false
}

// hasWord reports whether s holds one of words as a whole word (case
// insensitive; words are split at anything but letters, digits and '-').
func hasWord(s string, words []string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	}) {
		if slices.Contains(words, w) {
			return true
		}
	}
	return false
}

// errorOrigin finds the error the root reports. A root that did not fail
// has no error origin. Otherwise the candidates are the ends of the error
// chains that reach the root (error spans whose ancestors up to the root
// are all in error, with no error child); a span anywhere whose message
// the root's message contains (the error the root reports) is preferred
// when it is deeper. Ties: the root's message, depth, earliest end, tree
// order.
func errorOrigin(a *Analysis) *ErrorOrigin {
	spans := a.Trace.Spans
	if a.Root < 0 || !spans[a.Root].Error {
		return nil
	}
	n := len(spans)
	inChain := make([]bool, n)
	hasChainChild := make([]bool, n)
	for _, i := range a.Order { // parents before children
		if !spans[i].Error {
			continue
		}
		if i == a.Root || inChain[a.Parent[i]] {
			inChain[i] = true
			if p := a.Parent[i]; p >= 0 {
				hasChainChild[p] = true
			}
		}
	}
	rootMsg := ErrorMessage(&spans[a.Root])
	msgs := map[int32]string{}
	message := func(i int32) string {
		m, ok := msgs[i]
		if !ok {
			m = ErrorMessage(&spans[i])
			msgs[i] = m
		}
		return m
	}
	reports := func(i int32) bool { // the root's message names i's error
		m := message(i)
		return i != a.Root && len(m) >= 3 && strings.Contains(rootMsg, m)
	}
	better := func(i, j int32) bool { // is i a better origin than j?
		if ri, rj := reports(i), reports(j); ri != rj {
			return ri
		}
		if a.Depth[i] != a.Depth[j] {
			return a.Depth[i] > a.Depth[j]
		}
		if a.en[i] != a.en[j] {
			return a.en[i] < a.en[j]
		}
		return false // tree order: the earlier one stays
	}
	best := int32(-1)
	for _, i := range a.Order {
		if inChain[i] && !hasChainChild[i] && (best < 0 || better(i, best)) {
			best = i
		}
	}
	// The error the root reports, through spans not marked as errors.
	if rootMsg != "" && !reports(best) {
		for _, i := range a.Order {
			if spans[i].Error && !inChain[i] && reports(i) && a.Depth[i] > a.Depth[best] {
				best = i
			}
		}
	}
	s := &spans[best]
	o := &ErrorOrigin{SpanID: s.SpanID, Service: s.Service, Operation: s.Operation, Message: message(best),
		Hops: int(a.Depth[best]), Propagated: inChain[best], Chain: []string{}}
	for j := best; j >= 0; j = a.Parent[j] {
		if len(o.Chain) < maxIDs-1 || j == a.Root {
			o.Chain = append(o.Chain, spans[j].SpanID)
		} else {
			o.ChainOmitted++
		}
	}
	return o
}

// originFinding is the error_origin finding of o.
func originFinding(o *ErrorOrigin) Finding {
	how := fmt.Sprintf("propagated through %d spans to the root", o.Hops)
	switch {
	case o.Hops == 0:
		how = "the root itself failed"
	case !o.Propagated:
		how = fmt.Sprintf("the root reports this error %d spans up, through spans not marked as errors", o.Hops)
	}
	return Finding{Kind: KindErrorOrigin, SpanIDs: o.Chain, Omitted: o.ChainOmitted, Service: o.Service, Operation: o.Operation,
		Summary: fmt.Sprintf("error started in %s %s: %s (%s)", o.Service, o.Operation, orDash(o.Message), how)}
}

// handledErrors groups the errors absorbed below a successful ancestor:
// each error span whose parent did not fail starts a handled error, except
// the error origin (the root reports its error through unmarked spans).
// Groups are keyed by the failed call's
// service and operation and its parent's, largest cost first.
func handledErrors(a *Analysis, keys *keyTable, origin *ErrorOrigin) []HandledError {
	spans := a.Trace.Spans
	type gkey struct{ call, handler int32 }
	groups := map[gkey]*HandledError{}
	var order []gkey
	retryEvents := map[int32]int{}
	var subCP []time.Duration // critical-path time of each subtree
	var deepest []int32       // deepest error span with a message in each subtree
	type latest struct {
		start int64
		span  int32
	}
	lastCall := map[[2]int32]latest{} // (parent, key) → latest-starting child
	for _, i := range a.Order {
		p := a.Parent[i]
		if !spans[i].Error || p < 0 || spans[p].Error || origin != nil && spans[i].SpanID == origin.SpanID {
			continue
		}
		if subCP == nil {
			subCP, deepest = subtreeErrors(a)
		}
		k := gkey{keys.key[i], keys.key[p]}
		g := groups[k]
		if g == nil {
			name, handler := keys.names[k.call], keys.names[k.handler]
			msg := ""
			if d := deepest[i]; d >= 0 {
				msg = ErrorMessage(&spans[d])
			}
			g = &HandledError{Service: name.service, Operation: name.operation, HandledBy: handler.service + " " + handler.operation,
				Message: cmp.Or(msg, ErrorMessage(&spans[i])), SpanIDs: []string{}}
			groups[k] = g
			order = append(order, k)
		}
		g.Count++
		g.CostMS += ms(spans[i].Duration)
		g.OnPathMS += ms(subCP[i])
		if len(g.SpanIDs) < maxIDs {
			g.SpanIDs = append(g.SpanIDs, spans[i].SpanID)
		} else {
			g.Omitted++
		}
		if _, seen := retryEvents[p]; !seen {
			n := 0
			for _, ev := range spans[p].Events {
				if isRetryEvent(ev) {
					n++
				}
			}
			retryEvents[p] = n
			g.RetryEvents += n
			for _, c := range a.Children(p) { // once per parent
				lk := [2]int32{p, keys.key[c]}
				if l, ok := lastCall[lk]; !ok || a.st[c] >= l.start {
					lastCall[lk] = latest{a.st[c], c}
				}
			}
		}
		// A retry: a later sibling of the same service and operation.
		if l := lastCall[[2]int32{p, keys.key[i]}]; l.span != i && l.start >= a.en[i] {
			g.Retried++
		}
	}
	out := make([]HandledError, 0, len(order))
	for _, k := range order {
		out = append(out, *groups[k])
	}
	slices.SortStableFunc(out, func(x, y HandledError) int { return cmp.Compare(y.CostMS, x.CostMS) })
	return out
}

// subtreeErrors computes, bottom-up, each subtree's critical-path time and
// its deepest error span with a message (-1 if none). O(n).
func subtreeErrors(a *Analysis) ([]time.Duration, []int32) {
	spans := a.Trace.Spans
	sub := slices.Clone(a.CPTime)
	deep := make([]int32, len(spans))
	for i := range deep {
		deep[i] = -1
		if spans[i].Error && ErrorMessage(&spans[i]) != "" {
			deep[i] = int32(i)
		}
	}
	for k := len(a.Order) - 1; k >= 0; k-- {
		i := a.Order[k]
		p := a.Parent[i]
		if p < 0 {
			continue
		}
		sub[p] += sub[i]
		if d := deep[i]; d >= 0 && (deep[p] < 0 || a.Depth[d] >= a.Depth[deep[p]] && deep[p] != p) {
			deep[p] = d
		}
	}
	return sub, deep
}

// handledFinding is the handled_errors finding of one group.
func handledFinding(h HandledError) Finding {
	retry := ""
	switch {
	case h.Retried > 0:
		retry = fmt.Sprintf("; %d retried", h.Retried)
	case h.RetryEvents > 0:
		retry = fmt.Sprintf("; %d retry events", h.RetryEvents)
	}
	return Finding{Kind: KindHandledErrors, SpanIDs: h.SpanIDs, Omitted: h.Omitted, Service: h.Service, Operation: h.Operation,
		ImpactMS: h.OnPathMS,
		Summary: fmt.Sprintf("%d handled error(s) in %s %s (%s), absorbed by %s which did not fail%s: the failed calls took %s (%s on the critical path); not the cause of a failure",
			h.Count, h.Service, h.Operation, orDash(h.Message), h.HandledBy, retry,
			round(time.Duration(h.CostMS*float64(time.Millisecond))), round(time.Duration(h.OnPathMS*float64(time.Millisecond))))}
}

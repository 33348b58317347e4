package traces

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KindRetryBackoff is the finding of time spent backing off between
// retries, read from span events.
const KindRetryBackoff = "retry_backoff"

// spanWait is one wait of a span: when it waited (ns from the trace
// start) and until when it then held what it waited for.
type spanWait struct {
	span       int32
	start, end int64
	holdEnd    int64
	fromEvents bool
	retry      bool   // a backoff between retries, not a queue or lock
	resource   string // what it waited for, when named
	ahead      int    // waiters ahead of it, when an event says so
	evidence   string // the events' text, e.g. "waiting for lock → lock acquired"
}

// waitWords are the operation-name words that mark a span as waiting.
var waitWords = []string{"lock", "locked", "locking", "acquire", "wait", "waiting", "mutex", "semaphore", "contention", "blocked"}

// Event words (see docs/traces.md): an event that starts a wait, one that
// ends it, and the ones that make the wait a backoff between retries.
var (
	waitStartWords = []string{"wait", "waiting", "waits", "queued", "enqueued", "queueing", "queuing", "blocked", "blocking",
		"acquiring", "contention", "contended", "backoff", "back-off", "backing", "sleeping", "throttled"}
	waitEndWords = []string{"acquired", "granted", "obtained", "dequeued", "resumed", "unblocked", "proceeding", "woke"}
	backoffWords = []string{"backoff", "back-off", "backing", "retry", "retrying", "sleeping", "throttled"}
)

// resourceKeys name what a wait is for (event fields, then span tags).
var resourceKeys = []string{"lock.name", "lock", "resource", "mutex", "db.sql.table", "db.collection.name", "queue", "table"}

// eventText is what an event says: its name and its event/message fields.
func eventText(ev Event) string {
	var parts []string
	if ev.Name != "" {
		parts = append(parts, ev.Name)
	}
	for _, f := range ev.Fields {
		switch f.Key {
		case "event", "message", "msg":
			if f.Value != ev.Name { // Jaeger's parser names the event from its event field
				parts = append(parts, f.Value)
			}
		}
	}
	return strings.Join(parts, " ")
}

// findWaits lists every wait of the trace: spans whose operation name says
// they wait (duration >= WaitMin, self time >= half of it; held until their
// parent's end), and waits told by span events: an event saying the span
// waits (waiting, queued, blocked, acquiring, backoff…) up to the next
// event of the span (or its end), at least WaitMin long, held until the
// span's end. O(n + events log events).
func findWaits(a *Analysis) []spanWait {
	spans := a.Trace.Spans
	var out []spanWait
	named := map[string]bool{}
	for _, i := range a.Order {
		s := &spans[i]
		if s.Duration >= WaitMin && a.Self[i]*2 >= s.Duration {
			v, ok := named[s.Operation]
			if !ok {
				v = hasWord(s.Operation, waitWords)
				named[s.Operation] = v
			}
			if v {
				hold := a.en[i]
				if p := a.Parent[i]; p >= 0 {
					hold = max(hold, a.en[p])
				}
				w := spanWait{span: i, start: a.st[i], end: a.en[i], holdEnd: hold}
				w.resource = attrOf(s, nil, resourceKeys)
				out = append(out, w)
			}
		}
		if len(s.Events) > 0 {
			out = append(out, eventWaits(a, i)...)
		}
	}
	return out
}

// eventWaits reads the waits of span i from its events.
func eventWaits(a *Analysis, i int32) []spanWait {
	s := a.Span(i)
	evs := s.Events
	if !slices.IsSortedFunc(evs, func(x, y Event) int { return x.Time.Compare(y.Time) }) {
		evs = slices.Clone(evs)
		slices.SortStableFunc(evs, func(x, y Event) int { return x.Time.Compare(y.Time) })
	}
	var out []spanWait
	for k := 0; k < len(evs); k++ {
		text := eventText(evs[k])
		if !hasWord(text, waitStartWords) || hasWord(text, waitEndWords) {
			continue
		}
		w := spanWait{span: i, start: a.rel(evs[k].Time), end: a.en[i], holdEnd: a.en[i], fromEvents: true,
			retry: hasWord(text, backoffWords), resource: attrOf(s, evs[k].Fields, resourceKeys), ahead: aheadOf(evs[k], text)}
		w.evidence = "“" + text + "”"
		// Repeated "still waiting" events extend the wait.
		for k+1 < len(evs) {
			next := eventText(evs[k+1])
			if hasWord(next, waitEndWords) || !hasWord(next, waitStartWords) {
				break
			}
			k++
		}
		if k+1 < len(evs) {
			w.end = a.rel(evs[k+1].Time)
			end := eventText(evs[k+1])
			w.evidence += " → “" + end + "”"
			w.ahead = max(w.ahead, aheadOf(evs[k+1], end))
			if w.resource == "" {
				w.resource = attrOf(s, evs[k+1].Fields, resourceKeys)
			}
		}
		w.start = max(w.start, a.st[i])
		w.end = min(w.end, a.en[i])
		if time.Duration(w.end-w.start) >= WaitMin {
			out = append(out, w)
		}
	}
	return out
}

// attrOf returns the first of keys in fields, then in the span's tags.
func attrOf(s *Span, fields []KeyValue, keys []string) string {
	for _, k := range keys {
		for _, f := range fields {
			if f.Key == k && f.Value != "" {
				return f.Value
			}
		}
	}
	for _, k := range keys {
		if v, ok := s.Attr(k); ok && v != "" {
			return v
		}
	}
	return ""
}

// aheadOf reads how many waiters were ahead: a waiters/queue length field,
// or "behind N" in the event's text.
func aheadOf(ev Event, text string) int {
	for _, f := range ev.Fields {
		switch f.Key {
		case "waiters", "queue.length", "queue_length", "ahead", "position", "queue_position", "waiting", "blocked_by":
			if n, err := strconv.Atoi(f.Value); err == nil && n > 0 {
				return n
			}
		}
	}
	fs := strings.Fields(strings.ToLower(text))
	for j := 0; j+1 < len(fs); j++ {
		if fs[j] == "behind" {
			if n, err := strconv.Atoi(fs[j+1]); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// waitingMask marks the spans that mostly waited (waits >= half their
// duration): they are not slow dependencies.
func waitingMask(a *Analysis, ws []spanWait) []bool {
	m := make([]bool, len(a.Trace.Spans))
	sum := map[int32]int64{}
	for _, w := range ws {
		sum[w.span] += w.end - w.start
	}
	for i, d := range sum {
		m[i] = 2*d >= int64(a.Span(i).Duration)
	}
	return m
}

// onPath is the part of [s, e) during which span i was on the critical
// path (its critical-path time clipped to the interval's length).
func onPath(a *Analysis, i int32, s, e int64) time.Duration {
	return min(a.CPTime[i], time.Duration(e-s))
}

// waitFindings groups the waits by service and operation and by kind
// (lock/queue or retry backoff); a group whose waits add up to
// WaitTraceShare of the trace on its critical path is lock contention (or
// retry_backoff).
func waitFindings(a *Analysis, keys *keyTable, ws []spanWait) []Finding {
	spans := a.Trace.Spans
	type gk struct {
		key   int32
		retry bool
	}
	groups := map[gk][]spanWait{}
	var order []gk
	for _, w := range ws {
		k := gk{keys.key[w.span], w.retry}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], w)
	}
	var out []Finding
	total := a.Duration()
	for _, k := range order {
		g := groups[k]
		var sum, longest, path time.Duration
		ahead, fromEvents := 0, 0
		for _, w := range g {
			d := time.Duration(w.end - w.start)
			sum += d
			longest = max(longest, d)
			path += onPath(a, w.span, w.start, w.end)
			ahead = max(ahead, w.ahead)
			if w.fromEvents {
				fromEvents++
			}
		}
		// A wait off the critical path (a parallel branch that finished
		// before the request's slowest one) did not delay the response:
		// only the part on the path counts.
		if total <= 0 || float64(path) < WaitTraceShare*float64(total) {
			continue
		}
		slices.SortStableFunc(g, func(x, y spanWait) int {
			return cmp.Or(cmp.Compare(y.end-y.start, x.end-x.start), cmp.Compare(spans[x.span].SpanID, spans[y.span].SpanID))
		})
		var idx []int32
		for _, w := range g {
			if len(idx) == 0 || idx[len(idx)-1] != w.span {
				idx = append(idx, w.span)
			}
		}
		name := keys.names[k.key]
		resource := ""
		if g[0].resource != "" {
			resource = " on " + g[0].resource
		}
		evidence := ""
		if fromEvents > 0 {
			evidence = "; from span events " + g[0].evidence
			if ahead > 0 {
				evidence += fmt.Sprintf(", %d ahead", ahead)
			}
		}
		kind, what := KindLockContention, "waits"
		if k.retry {
			kind, what = KindRetryBackoff, "backoffs between retries"
		}
		out = append(out, Finding{Kind: kind, SpanIDs: ids(a, idx), Omitted: max(len(idx)-maxIDs, 0), Service: name.service, Operation: name.operation,
			ImpactMS: ms(path),
			Summary: fmt.Sprintf("%d %s in %s %s%s took %s in all (longest %s, %s on the critical path)%s",
				len(g), what, name.service, name.operation, resource, round(sum), round(longest), round(path), evidence)})
	}
	return out
}

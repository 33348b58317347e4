package traces

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Callee names what a client call calls, from OpenTelemetry's and
// Jaeger's conventions, most specific first: peer.service, server.address
// (with server.port), net.peer.name / net.peer.ip (with net.peer.port),
// the host of url.full / http.url, db.system with db.name / db.namespace,
// rpc.service, else the service of the call's first child when it is
// another service. Empty when nothing names it.
func Callee(a *Analysis, i int32) string {
	s := a.Span(i)
	attr := func(k string) string { v, _ := s.Attr(k); return v }
	if v := attr("peer.service"); v != "" {
		return v
	}
	for _, hp := range [][2]string{{"server.address", "server.port"}, {"net.peer.name", "net.peer.port"}, {"net.peer.ip", "net.peer.port"}} {
		if h := attr(hp[0]); h != "" {
			if p := attr(hp[1]); p != "" {
				return h + ":" + p
			}
			return h
		}
	}
	for _, k := range []string{"url.full", "http.url"} {
		if h := urlHost(attr(k)); h != "" {
			return h
		}
	}
	if d := attr("db.system"); d != "" {
		return d + "/" + cmp.Or(attr("db.namespace"), attr("db.name"))
	}
	if v := attr("rpc.service"); v != "" && s.Kind == "client" {
		return v
	}
	if c := a.Children(i); len(c) > 0 && a.Span(c[0]).Service != s.Service {
		return a.Span(c[0]).Service
	}
	return ""
}

// urlHost returns the host[:port] of an absolute URL ("" if none).
func urlHost(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest
}

// int64Heap is a min-heap of end times.
type int64Heap []int64

func (h int64Heap) Len() int           { return len(h) }
func (h int64Heap) Less(i, j int) bool { return h[i] < h[j] }
func (h int64Heap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *int64Heap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *int64Heap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// siblingFindings looks at the groups of siblings with the same service,
// operation and callee (see Callee) under one parent:
//
//   - sequential_calls: at least MinGroup siblings, no two overlapping, that
//     together take at least SequentialShare of the parent: they could run
//     in parallel.
//   - pool_saturation: see poolWaits.
//   - lock_contention (serialised requests): at least MinGroup siblings
//     issued together (their starts spread over less than 25% of the
//     shortest one's duration) that finish one at a time (each end at
//     least 50% of the shortest duration after the previous end): they
//     queued on one resource.
func siblingFindings(a *Analysis, keys *keyTable) []Finding {
	spans := a.Trace.Spans
	callee := make([]string, len(spans)) // filled for the spans judged
	var out []Finding
	var buf []int32
	var groups [][]int32
	var h int64Heap
	for _, p := range a.Order {
		kids := a.Children(p)
		if len(kids) < MinGroup {
			continue
		}
		buf = append(buf[:0], kids...) // already by start; stable sorts keep that
		slices.SortStableFunc(buf, func(x, y int32) int { return cmp.Compare(keys.key[x], keys.key[y]) })
		groups = groups[:0]
		for lo := 0; lo < len(buf); {
			hi := lo + 1
			for hi < len(buf) && keys.key[buf[hi]] == keys.key[buf[lo]] {
				hi++
			}
			g := buf[lo:hi]
			lo = hi
			if len(g) < MinGroup {
				continue
			}
			// Split by callee (computed only for groups worth judging).
			for _, c := range g {
				callee[c] = Callee(a, c)
			}
			slices.SortStableFunc(g, func(x, y int32) int { return strings.Compare(callee[x], callee[y]) })
			for clo := 0; clo < len(g); {
				chi := clo + 1
				for chi < len(g) && callee[g[chi]] == callee[g[clo]] {
					chi++
				}
				if chi-clo >= MinGroup {
					groups = append(groups, g[clo:chi])
				}
				clo = chi
			}
		}
		for _, g := range groups {
			name := keys.names[keys.key[g[0]]]
			to := ""
			if c := callee[g[0]]; c != "" && c != name.service {
				to = " → " + c
			}
			parentName := spans[p].Service + " " + spans[p].Operation
			h = h[:0]
			k := 0
			var sum, longest time.Duration
			shortest := spans[g[0]].Duration
			durs := make([]time.Duration, len(g))
			for gi, i := range g {
				s := a.st[i]
				d := spans[i].Duration
				durs[gi] = d
				sum += d
				longest, shortest = max(longest, d), min(shortest, d)
				for h.Len() > 0 && h[0] <= s {
					heap.Pop(&h)
				}
				heap.Push(&h, satAdd(s, d))
				k = max(k, h.Len())
			}
			slices.Sort(durs)
			median := durs[len(durs)/2]
			parentDur := spans[p].Duration
			switch {
			case k == 1 && parentDur > 0 && float64(sum) >= SequentialShare*float64(parentDur):
				out = append(out, Finding{Kind: KindSequentialCalls, SpanIDs: ids(a, g), Omitted: max(len(g)-maxIDs, 0), Service: name.service, Operation: name.operation, group: parentName,
					ImpactMS: ms(sum - longest),
					Summary: fmt.Sprintf("%d sequential calls to %s %s%s from %s %s took %s one after another; in parallel they could take about %s",
						len(g), name.service, name.operation, to, spans[p].Service, spans[p].Operation, round(sum), round(longest))})
			case k >= 2 && len(g) >= k+2:
				if pw := poolWaits(a, g, k, median); pw != nil {
					out = append(out, Finding{Kind: KindPoolSaturation, SpanIDs: ids(a, pw.waited), Omitted: max(len(pw.waited)-maxIDs, 0), Service: name.service, Operation: name.operation, group: parentName,
						ImpactMS: ms(pw.added),
						Summary: fmt.Sprintf("%d calls to %s %s%s from %s %s ran at most %d at a time (a pool of %d?): %d waited for a free slot (longest wait %s); replayed with unlimited concurrency they would finish %s sooner",
							len(g), name.service, name.operation, to, spans[p].Service, spans[p].Operation, k, k, len(pw.waited), round(pw.longest), round(pw.added))})
				}
			}
			if serialised(a, g, shortest) {
				out = append(out, Finding{Kind: KindLockContention, SpanIDs: ids(a, byEnd(a, g)), Omitted: max(len(g)-maxIDs, 0), Service: name.service, Operation: name.operation, group: parentName,
					ImpactMS: ms(longest - shortest),
					Summary: fmt.Sprintf("%d concurrent calls to %s %s%s from %s %s finished one at a time (%s to %s): serialised on a shared resource",
						len(g), name.service, name.operation, to, spans[p].Service, spans[p].Operation, round(shortest), round(longest))})
			}
		}
	}
	return out
}

// poolWait is the evidence of a pool: the calls that waited for a slot and
// the time the waiting added.
type poolWait struct {
	waited  []int32 // longest wait first
	longest time.Duration
	added   time.Duration
}

// poolWaits judges a sibling group (by start) that ran at most k at a
// time. A pool of k fed by a backlog shows (1) a burst: the first k calls
// start together (within a third of the median call duration), and (2)
// every later call starting when a slot frees: within max(2 ms, half the
// median duration) after an earlier call's end, each end freeing one slot.
// At least 75% of the later calls must have started so. A call that took a
// slot freed by call p was ready when p was; replaying every call from its
// ready time with unlimited concurrency and its real duration gives the
// group's end without the pool; the added time is the real end minus that,
// and must be at least WaitMin. An evenly spaced fan-out has no burst and
// is never a pool. O(g log g).
func poolWaits(a *Analysis, g []int32, k int, median time.Duration) *poolWait {
	if a.st[g[k-1]]-a.st[g[0]] > int64(median/3) {
		return nil // no burst: the calls arrived over time
	}
	tol := int64(max(2*time.Millisecond, median/2))
	byEnd := slices.Clone(g)
	slices.SortFunc(byEnd, func(x, y int32) int {
		if r := cmp.Compare(a.en[x], a.en[y]); r != 0 {
			return r
		}
		return cmp.Compare(a.Span(x).SpanID, a.Span(y).SpanID)
	})
	ready := map[int32]int64{}
	for _, i := range g {
		ready[i] = a.st[i]
	}
	var free []int32 // ended calls whose slot is unused, latest last
	e := 0
	var waited []int32
	for _, i := range g[k:] {
		s := a.st[i]
		for e < len(byEnd) && a.en[byEnd[e]] <= s {
			free = append(free, byEnd[e])
			e++
		}
		if n := len(free); n > 0 && s-a.en[free[n-1]] <= tol {
			ready[i] = ready[free[n-1]]
			free = free[:n-1]
			waited = append(waited, i)
		} else {
			free = free[:0] // those slots stayed free: no backlog then
		}
	}
	late := len(g) - k
	if late == 0 || float64(len(waited)) < 0.75*float64(late) {
		return nil
	}
	var realEnd, replayEnd int64
	for _, i := range g {
		realEnd = max(realEnd, a.en[i])
		replayEnd = max(replayEnd, satAdd(ready[i], a.Span(i).Duration))
	}
	pw := &poolWait{waited: waited, added: time.Duration(realEnd - replayEnd)}
	if pw.added < WaitMin {
		return nil
	}
	slices.SortStableFunc(pw.waited, func(x, y int32) int { return cmp.Compare(a.st[y]-ready[y], a.st[x]-ready[x]) })
	pw.longest = time.Duration(a.st[pw.waited[0]] - ready[pw.waited[0]])
	return pw
}

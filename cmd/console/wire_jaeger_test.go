package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

func TestTraceListerListsEveryService(t *testing.T) {
	now := time.Now()
	mk := func(id, svc string, at time.Duration) *traces.Trace {
		return &traces.Trace{TraceID: id, Spans: []traces.Span{{SpanID: id + "1", Service: svc, Operation: "op", Start: now.Add(-at), Duration: time.Millisecond}}}
	}
	src := traces.NewMemorySource([]*traces.Trace{mk("a", "x", time.Minute), mk("b", "y", time.Second), mk("old", "y", 2*time.Hour)})
	l := newTraceLister(src, "jaeger:test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := make(chan providers.Update, 1)
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, out) }()
	var u providers.Update
	select {
	case u = <-out:
	case <-ctx.Done():
		t.Fatal("no update")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if u.Err != nil || u.Source != "jaeger:test" || l.Kind() != "jaeger" {
		t.Fatalf("update %+v", u)
	}
	var ids []string
	for _, s := range u.Inventory.Traces {
		ids = append(ids, s.TraceID)
	}
	if len(ids) != 2 || ids[0] != "b" || ids[1] != "a" {
		t.Errorf("listed %v, want [b a] (newest first, within the lookback)", ids)
	}
}

// TestTraceListerBigTraceAgainstJaeger: with a 100,000-span trace in the
// window of a real Jaeger, the Traces list still holds every trace, the big
// one as a truncated summary, and no service is hidden.
func TestTraceListerBigTraceAgainstJaeger(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	j := lab.Jaeger(t)
	shop, _, err := lab.SeedTraces(ctx, j.OTLPHTTP, lab.TraceSeedOptions{Now: time.Now().Add(-10 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	big, err := lab.SeedBigTrace(ctx, j.OTLPHTTP, lab.BigTraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		t.Fatal(err)
	}
	l := newTraceLister(c, "jaeger:lab")
	var sums []traces.TraceSummary
	var hidden []providers.Hidden
	i := -1
	lab.WaitFor(t, "the big trace listed whole", 3*time.Minute, func() (bool, string) {
		var err error
		sums, hidden, err = l.list(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i = slices.IndexFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == big })
		return i >= 0 && sums[i].Spans == 100_000, fmt.Sprintf("%d traces, the big one at %d", len(sums), i)
	})
	if len(hidden) > 0 {
		t.Errorf("hidden: %+v", hidden)
	}
	if !sums[i].Truncated || sums[i].Service != "frontend" || sums[i].Operation != "GET /export" {
		t.Errorf("big trace summary %+v", sums[i])
	}
	for _, id := range shop {
		if !slices.ContainsFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == id }) {
			t.Errorf("shop trace %s not listed", id)
		}
	}
}

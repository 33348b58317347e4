package main

import (
	"context"
	"testing"
	"time"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
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

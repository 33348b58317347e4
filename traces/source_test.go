package traces

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestMemorySource(t *testing.T) {
	mk := func(id string, startMS float64, svc string, dur float64, err bool) *Trace {
		tr := mkTrace(sp{id: "r" + id, start: startMS, end: startMS + dur, service: "frontend", op: "GET /"},
			sp{id: "c" + id, parent: "r" + id, start: startMS + 1, end: startMS + dur - 1, service: svc, op: "Do", err: err})
		tr.Spans[1].Tags = []KeyValue{{"http.status_code", "500"}}
		tr.TraceID = id
		return tr
	}
	ts := []*Trace{mk("a", 0, "db", 10, false), mk("b", 1000, "cache", 500, true), mk("c", 2000, "db", 50, true)}
	m := NewMemorySource(ts)
	m.Now = func() time.Time { return t0.Add(time.Minute) }
	ctx := context.Background()
	ids := func(q Query) []string {
		got, err := m.Find(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range got {
			out = append(out, x.TraceID)
		}
		return out
	}
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"all, newest first", Query{}, []string{"c", "b", "a"}},
		{"service", Query{Service: "db"}, []string{"c", "a"}},
		{"error tag", Query{Service: "db", Tags: map[string]string{"error": "true"}}, []string{"c"}},
		{"attribute tag", Query{Tags: map[string]string{"http.status_code": "500"}}, []string{"c", "b", "a"}},
		{"min duration", Query{MinDuration: 100 * time.Millisecond}, []string{"b"}},
		{"limit", Query{Limit: 1}, []string{"c"}},
		{"outside lookback", Query{Lookback: time.Second, End: t0.Add(500 * time.Millisecond)}, []string{"a"}},
	}
	for _, tc := range tests {
		if got := ids(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if got, err := m.Get(ctx, "b"); err != nil || got != ts[1] {
		t.Errorf("get: %v", err)
	}
	if _, err := m.Get(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	// The baseline never holds traces after the one compared.
	baseIDs := func(tr *Trace, o BaselineOptions) []string {
		base, err := BaselineWith(ctx, m, tr, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range base {
			out = append(out, b.TraceID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		tr   *Trace
		o    BaselineOptions
		want []string
	}{
		{"before b", ts[1], BaselineOptions{N: 5, Lookback: time.Hour}, []string{"a"}},
		{"before c, newest first", ts[2], BaselineOptions{N: 5}, []string{"b", "a"}},
		{"leaving out the last 1.5 s", ts[2], BaselineOptions{N: 5, Before: 1500 * time.Millisecond}, []string{"a"}},
		{"named traces", ts[0], BaselineOptions{IDs: []string{"c"}}, []string{"c"}},
		{"none", ts[2], BaselineOptions{}, nil},
	} {
		if got := baseIDs(tc.tr, tc.o); !slices.Equal(got, tc.want) {
			t.Errorf("baseline %s: %v, want %v", tc.name, got, tc.want)
		}
	}
	svcs, _ := m.Services(ctx)
	if !slices.Equal(svcs, []string{"cache", "db", "frontend"}) {
		t.Errorf("services %v", svcs)
	}
	deps, _ := m.Dependencies(ctx, time.Hour)
	if len(deps) != 2 || deps[1] != (Dependency{"frontend", "db", 2, 1, 0.5, 2}) {
		t.Errorf("deps %+v", deps)
	}
}

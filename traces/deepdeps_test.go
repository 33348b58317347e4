package traces

import (
	"fmt"
	"testing"
)

func TestDeepDependencies(t *testing.T) {
	// web → api → orders → db, api → auth; batch → orders (another entry).
	tr := mkTrace(
		sp{id: "w", start: 0, end: 100, service: "web", op: "GET /"},
		sp{id: "a", parent: "w", start: 1, end: 99, service: "api", op: "Order"},
		sp{id: "u", parent: "a", start: 2, end: 10, service: "auth", op: "Check", err: true},
		sp{id: "o", parent: "a", start: 11, end: 90, service: "orders", op: "Place"},
		sp{id: "oi", parent: "o", start: 12, end: 80, service: "orders", op: "validate"},
		sp{id: "d", parent: "oi", start: 13, end: 70, service: "db", op: "INSERT"},
		sp{id: "x", parent: "d", start: 14, end: 20, service: "disk", op: "write"},
	)
	got := DeepDependencies([]*Trace{tr, tr}, "orders", 1)
	var s []string
	for _, e := range got {
		s = append(s, fmt.Sprintf("%d %s %s>%s %s ×%d", e.Hops, e.FromService, e.FromOperation, e.ToService, e.ToOperation, e.Calls))
	}
	want := []string{"-1 api Order>orders Place ×2", "1 orders validate>db INSERT ×2"}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("hops 1: %v, want %v", s, want)
	}
	// Two hops: web above api, disk below db; auth is beside the path, not on it.
	got = DeepDependencies([]*Trace{tr}, "orders", 2)
	if len(got) != 4 || got[0].FromService != "web" || got[0].Hops != -2 || got[3].ToService != "disk" || got[3].Hops != 2 {
		t.Errorf("hops 2: %+v", got)
	}
}

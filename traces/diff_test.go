package traces

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	a := mkTrace(sp{id: "r", start: 0, end: 100, service: "frontend", op: "GET /"},
		sp{id: "c", parent: "r", start: 5, end: 40, service: "cache", op: "GET"},
		sp{id: "d1", parent: "r", start: 41, end: 60, service: "db", op: "SELECT"})
	a.TraceID = "a"
	b := mkTrace(sp{id: "R", start: 0, end: 300, service: "frontend", op: "GET /"},
		sp{id: "D1", parent: "R", start: 5, end: 100, service: "db", op: "SELECT"},
		sp{id: "D2", parent: "R", start: 100, end: 200, service: "db", op: "SELECT"},
		sp{id: "L", parent: "R", start: 200, end: 290, service: "db", op: "lock"})
	b.TraceID = "b"
	d := NewDiff(a, b)
	if len(d.OnlyA) != 1 || d.OnlyA[0].Service != "cache" || !slices.Equal(d.OnlyA[0].SpanIDs, []string{"c"}) {
		t.Errorf("only in A: %+v", d.OnlyA)
	}
	if len(d.OnlyB) != 1 || d.OnlyB[0].Operation != "lock" || d.OnlyB[0].DeltaMS != 90 {
		t.Errorf("only in B: %+v", d.OnlyB)
	}
	// The root path took 200 ms more; db SELECT 2 calls instead of 1.
	if len(d.Changed) != 2 || d.Changed[0].Operation != "GET /" || d.Changed[0].DeltaMS != 200 ||
		d.Changed[1].Operation != "SELECT" || d.Changed[1].CallsA != 1 || d.Changed[1].CallsB != 2 || d.Changed[1].DeltaMS != 176 {
		t.Errorf("changed: %+v", d.Changed)
	}
	if d := NewDiff(a, a); len(d.OnlyA)+len(d.OnlyB)+len(d.Changed) != 0 {
		t.Errorf("a trace differs from itself: %+v", d)
	}
}

package traces

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func kinds(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Kind+":"+f.Service+":"+f.Operation)
	}
	return out
}

func find(r *Report, kind string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Kind == kind {
			return &r.Findings[i]
		}
	}
	return nil
}

func TestFindings(t *testing.T) {
	seq := []sp{{id: "r", start: 0, end: 100, service: "checkout", op: "PlaceOrder"}}
	for i := 0; i < 5; i++ {
		seq = append(seq, sp{id: fmt.Sprintf("c%d", i), parent: "r", start: float64(5 + 18*i), end: float64(5 + 18*i + 15), service: "inventory", op: "GetItem"})
	}
	pool := []sp{{id: "r", start: 0, end: 100, service: "checkout", op: "PlaceOrder"}}
	for i := 0; i < 8; i++ { // pool of 2: waves of 2, each 20ms
		w := float64(i / 2)
		pool = append(pool, sp{id: fmt.Sprintf("p%d", i), parent: "r", start: 10 + 20*w, end: 10 + 20*w + 20, service: "pricing", op: "Quote"})
	}
	lock := []sp{{id: "r", start: 0, end: 100, service: "inventory", op: "Reserve"},
		{id: "l1", parent: "r", start: 0, end: 60, service: "inventory", op: "lock stock"},
		{id: "w1", parent: "r", start: 60, end: 90, service: "inventory", op: "UPDATE stock"}}
	serial := []sp{{id: "r", start: 0, end: 100, service: "checkout", op: "PlaceOrder"}}
	for i := 0; i < 4; i++ { // issued together, finish one at a time
		serial = append(serial, sp{id: fmt.Sprintf("s%d", i), parent: "r", start: 1, end: float64(1 + 20*(i+1)), service: "inventory", op: "Reserve"})
	}
	slow := []sp{{id: "r", start: 0, end: 100, service: "frontend", op: "GET /"},
		{id: "a", parent: "r", start: 5, end: 95, service: "payment", op: "Charge"},
		{id: "b", parent: "a", start: 10, end: 90, service: "db", op: "SELECT"}}
	errs := []sp{{id: "r", start: 0, end: 100, service: "frontend", op: "GET /", err: true},
		{id: "a", parent: "r", start: 5, end: 95, service: "checkout", op: "Place", err: true},
		{id: "b", parent: "a", start: 10, end: 20, service: "payment", op: "Charge", err: true},
		{id: "b2", parent: "a", start: 30, end: 40, service: "payment", op: "Charge", err: true},
		{id: "c", parent: "b", start: 12, end: 18, service: "db", op: "INSERT", err: true},
		{id: "d", parent: "a", start: 50, end: 60, service: "inventory", op: "Get"}}
	par := []sp{{id: "r", start: 0, end: 100, service: "checkout", op: "PlaceOrder"}}
	for i := 0; i < 6; i++ { // truly parallel: no finding
		par = append(par, sp{id: fmt.Sprintf("q%d", i), parent: "r", start: 10, end: 30, service: "inventory", op: "GetItem"})
	}
	tests := []struct {
		name  string
		spans []sp
		kind  string
		svc   string
		op    string
		ids   []string
	}{
		{"sequential", seq, KindSequentialCalls, "inventory", "GetItem", []string{"c0", "c1", "c2", "c3", "c4"}},
		{"pool", pool, KindPoolSaturation, "pricing", "Quote", []string{"p6", "p7", "p4", "p5", "p2", "p3"}}, // the calls that waited, longest wait first
		{"lock wait", lock, KindLockContention, "inventory", "lock stock", []string{"l1"}},
		{"serialised", serial, KindLockContention, "inventory", "Reserve", []string{"s0", "s1", "s2", "s3"}},
		{"slow", slow, KindSlowDependency, "db", "SELECT", []string{"b"}},
		{"error", errs, KindErrorOrigin, "db", "INSERT", []string{"c", "b", "a", "r"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReport(mkTrace(tc.spans...), nil)
			f := find(r, tc.kind)
			if f == nil {
				t.Fatalf("no %s finding; findings: %v", tc.kind, kinds(r))
			}
			if f.Service != tc.svc || f.Operation != tc.op || !slices.Equal(f.SpanIDs, tc.ids) {
				t.Errorf("finding %+v, want %s %s %v", f, tc.svc, tc.op, tc.ids)
			}
			if f.Summary == "" {
				t.Error("empty summary")
			}
		})
	}
	if r := NewReport(mkTrace(par...), nil); len(r.Findings) != 0 {
		t.Errorf("parallel calls: unexpected findings %v", kinds(r))
	}
	if r := NewReport(mkTrace(seq...), nil); find(r, KindSlowDependency) != nil || find(r, KindErrorOrigin) != nil {
		t.Errorf("sequential: unexpected findings %v", kinds(r))
	}
}

func TestWhereTimeWent(t *testing.T) {
	r := NewReport(mkTrace(
		sp{id: "r", start: 0, end: 100, service: "frontend", op: "GET /"},
		sp{id: "a", parent: "r", start: 10, end: 30, service: "db", op: "q"},
		sp{id: "b", parent: "r", start: 40, end: 90, service: "db", op: "q"},
	), nil)
	want := []TimeShare{{"db", "q", 70, 0.7, 2}, {"frontend", "GET /", 30, 0.3, 1}}
	if !slices.Equal(r.CriticalPath, want) {
		t.Errorf("critical path %+v, want %+v", r.CriticalPath, want)
	}
}

func TestBaseline(t *testing.T) {
	mk := func(id string, calls int) *Trace {
		s := []sp{{id: "r", start: 0, end: 200, service: "checkout", op: "PlaceOrder"}}
		for i := 0; i < calls; i++ {
			s = append(s, sp{id: fmt.Sprintf("c%d", i), parent: "r", start: float64(1 + 10*i), end: float64(1 + 10*i + 8), service: "inventory", op: "GetItem"})
		}
		tr := mkTrace(s...)
		tr.TraceID = id
		return tr
	}
	base := []*Trace{mk("b1", 3), mk("b2", 3), mk("b3", 4), mk("b4", 12)}
	r := NewReport(mk("x", 12), base)
	f := find(r, KindBaseline)
	if r.Baseline != 4 || f == nil || f.Service != "inventory" || f.Operation != "GetItem" || len(f.SpanIDs) != 12 {
		t.Fatalf("baseline %d, finding %+v (all %v)", r.Baseline, f, kinds(r))
	}
	if !strings.Contains(f.Summary, "12 calls (baseline median 4)") {
		t.Errorf("summary %q", f.Summary)
	}
	if r := NewReport(mk("y", 3), base); find(r, KindBaseline) != nil {
		t.Errorf("normal trace flagged: %v", kinds(r))
	}
}

func TestReportJSON(t *testing.T) {
	r := NewReport(mkTrace(sp{id: "r", start: 0, end: 10, service: "a", op: "b"}), nil)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"trace_id", "root", "error_origin", "critical_path", "findings", "locations"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["error_origin"] != nil || m["findings"] == nil {
		t.Errorf("error_origin must be null and findings [] : %s", b)
	}
}

func TestDependenciesAndSummary(t *testing.T) {
	tr := mkTrace(
		sp{id: "r", start: 0, end: 100, service: "frontend", op: "GET /"},
		sp{id: "a", parent: "r", start: 5, end: 50, service: "checkout", op: "Place", err: true},
		sp{id: "b", parent: "r", start: 55, end: 90, service: "checkout", op: "Place"},
		sp{id: "c", parent: "a", start: 6, end: 40, service: "checkout", op: "internal"},
		sp{id: "d", parent: "c", start: 7, end: 30, service: "db", op: "q"},
	)
	got := Dependencies([]*Trace{tr})
	want := []Dependency{{"checkout", "db", 1, 0, 0, 1}, {"frontend", "checkout", 2, 1, 0.5, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("deps %+v, want %+v", got, want)
	}
	s := Summary(tr)
	if s.Service != "frontend" || s.Operation != "GET /" || s.Spans != 5 || s.Errors != 1 || s.DurationMS != 100 || !slices.Equal(s.Services, []string{"checkout", "db", "frontend"}) {
		t.Errorf("summary %+v", s)
	}
}

func TestSameFindingUnderSeveralParentsIsMerged(t *testing.T) {
	s := []sp{{id: "r", start: 0, end: 200, service: "checkout", op: "PlaceOrder"}}
	for p := 0; p < 2; p++ {
		pid := fmt.Sprintf("g%d", p)
		base := float64(100 * p)
		s = append(s, sp{id: pid, parent: "r", start: base, end: base + 90, service: "inventory", op: "GetItem"})
		for i := 0; i < 4; i++ {
			s = append(s, sp{id: fmt.Sprintf("%s-q%d", pid, i), parent: pid, start: base + float64(1+20*i), end: base + float64(1+20*i+18), service: "inventory", op: "Query"})
		}
	}
	r := NewReport(mkTrace(s...), nil)
	var seq []Finding
	for _, f := range r.Findings {
		if f.Kind == KindSequentialCalls {
			seq = append(seq, f)
		}
	}
	if len(seq) != 1 || len(seq[0].SpanIDs) != 8 || !strings.Contains(seq[0].Summary, "seen under 2 inventory GetItem spans") {
		t.Fatalf("sequential findings %+v", seq)
	}
}

func TestMergeErrors(t *testing.T) {
	graph := []Dependency{{Parent: "a", Child: "b", Calls: 100}, {Parent: "b", Child: "c", Calls: 40}}
	sample := []Dependency{{"a", "b", 10, 2, 0.2, 10}, {"a", "d", 3, 0, 0, 3}}
	got := MergeErrors(graph, sample)
	want := []Dependency{{"a", "b", 100, 2, 0.2, 10}, {"a", "d", 3, 0, 0, 3}, {"b", "c", 40, 0, 0, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("merged %+v, want %+v", got, want)
	}
}

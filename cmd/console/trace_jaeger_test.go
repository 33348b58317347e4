package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/e2e/workload"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

// TestTraceCommandsAgainstJaeger: the subcommands, against a real Jaeger fed
// by the workload, name the injected fault and where it ran.
func TestTraceCommandsAgainstJaeger(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, c, j := workload.StartLab(ctx, t, "http")
	slow, err := w.Request(ctx, workload.FaultSlow)
	if err != nil {
		t.Fatal(err)
	}
	normal, err := w.Request(ctx, workload.FaultNone)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Wait until Jaeger has every span of both traces.
	if _, err := workload.WaitStored(ctx, c, slow.TraceID, workload.SpansPerRequest); err != nil {
		t.Fatal(err)
	}
	normalTrace, err := workload.WaitStored(ctx, c, normal.TraceID, workload.SpansPerRequest)
	if err != nil {
		t.Fatal(err)
	}

	// --min-duration keeps the slow trace (its INSERT alone sleeps
	// SlowQuery) and drops the normal one unless the machine's load made
	// it as slow: which it did is read from Jaeger, not assumed.
	const minDuration = 250 * time.Millisecond
	code, out, errs := runConsole(t, "--jaeger", j.QueryGRPC, "trace", "find", "--service", "frontend", "--min-duration", minDuration.String(), "--json")
	var sums []traces.TraceSummary
	if code != 0 || json.Unmarshal([]byte(out), &sums) != nil {
		t.Fatalf("find: exit %d %s %s", code, out, errs)
	}
	if !slices.ContainsFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == slow.TraceID }) {
		t.Errorf("find: the slow trace %s is not listed: %s", slow.TraceID, out)
	}
	if slices.ContainsFunc(sums, func(s traces.TraceSummary) bool { return s.TraceID == normal.TraceID }) != (traces.Summary(normalTrace).Duration >= minDuration) {
		t.Errorf("find: the normal trace (%v) listed against --min-duration %v: %s", traces.Summary(normalTrace).Duration, minDuration, out)
	}
	for _, s := range sums {
		if s.DurationMS < float64(minDuration.Milliseconds()) {
			t.Errorf("find: %s lasted %v ms, under --min-duration %v", s.TraceID, s.DurationMS, minDuration)
		}
	}
	code, out, errs = runConsole(t, "--jaeger", j.QueryGRPC, "trace", "show", slow.TraceID, "--json")
	if code != 0 {
		t.Fatalf("show: exit %d %s", code, errs)
	}
	var r traces.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var f *traces.Finding
	for i := range r.Findings {
		if r.Findings[i].Kind == traces.KindSlowDependency {
			f = &r.Findings[i]
		}
	}
	if f == nil || f.Service != "db" || f.Operation != "INSERT payments" || r.Root.Operation != "GET /checkout" {
		t.Fatalf("report: root %+v findings %+v", r.Root, r.Findings)
	}
	if r.CriticalPath[0].Service != "db" || r.CriticalPath[0].Share < 0.5 {
		t.Errorf("critical path %+v", r.CriticalPath)
	}
	if !slices.ContainsFunc(r.Locations, func(l traces.Location) bool {
		return l.SpanID == f.SpanIDs[0] && l.Pod == workload.Places["db"].Pod && l.Node == workload.Places["db"].Node
	}) {
		t.Errorf("no db location for span %s: %+v", f.SpanIDs[0], r.Locations)
	}
	code, out, errs = runConsole(t, "--jaeger", j.QueryGRPC, "trace", "deps", "--json")
	var deps []traces.Dependency
	if code != 0 || json.Unmarshal([]byte(out), &deps) != nil || !slices.ContainsFunc(deps, func(d traces.Dependency) bool { return d.Parent == "payment" && d.Child == "db" }) {
		t.Errorf("deps: exit %d %s %s", code, out, errs)
	}
	if code, _, _ = runConsole(t, "--jaeger", j.QueryGRPC, "trace", "show", "00000000000000000000000000000bad"); code != exitFailed {
		t.Errorf("unknown trace: exit %d", code)
	}
}

// TestTraceShowBaselineBurstAgainstJaeger: in a real Jaeger holding 24
// normal checkouts then a burst of 6 slow ones, the report of the newest
// is compared with traces from before the burst (named in the JSON); the
// report of a normal trace before it finds no burst.
func TestTraceShowBaselineBurstAgainstJaeger(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	j := lab.Jaeger(t)
	ids, _, err := lab.SeedTraces(ctx, j.OTLPHTTP, lab.TraceSeedOptions{Traces: 30, SlowFrom: 24, NoFailures: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lab.WaitFor(t, "the seeded traces stored", 2*time.Minute, func() (bool, string) {
		sums, err := c.FindSummaries(ctx, traces.Query{Service: "frontend", Limit: 50})
		return err == nil && len(sums) == len(ids), fmt.Sprintf("%d of %d traces (%v)", len(sums), len(ids), err)
	})
	show := func(id string, extra ...string) traces.Report {
		t.Helper()
		code, out, errs := runConsole(t, append([]string{"--jaeger", j.QueryGRPC, "trace", "show", id, "--json"}, extra...)...)
		var r traces.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.BaselineInfo == nil {
			t.Fatalf("show %s: exit %d %s", id, code, errs)
		}
		return r
	}
	r := show(ids[29])
	b := r.BaselineInfo
	if b.Mode != traces.BaselineAuto || b.Burst == nil || b.Burst.Traces != 6 || b.Burst.Slow != 6 || b.Weak || len(b.TraceIDs) != 20 {
		t.Fatalf("baseline %+v burst %+v", b, b.Burst)
	}
	for _, id := range b.TraceIDs {
		if !slices.Contains(ids[:24], id) {
			t.Errorf("baseline trace %s is not from before the burst", id)
		}
	}
	r = show(ids[29], "--baseline-mode", "before-trace")
	if b := r.BaselineInfo; b.Burst != nil || !slices.Contains(b.TraceIDs, ids[28]) {
		t.Errorf("before-trace baseline %+v", b)
	}
	r = show(ids[20])
	if b := r.BaselineInfo; b.Burst != nil || b.Weak || len(b.TraceIDs) != 20 || b.Candidates != 20 {
		t.Errorf("steady series: baseline %+v burst %+v", b, b.Burst)
	}
}

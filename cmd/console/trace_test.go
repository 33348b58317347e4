package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/traces"
)

func runConsole(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestTraceDemo(t *testing.T) {
	code, out, errs := runConsole(t, "--demo", "trace", "find", "--tag", "error=true", "--json", "--limit", "50")
	if code != 0 {
		t.Fatalf("find: %d %s", code, errs)
	}
	var sums []traces.TraceSummary
	if err := json.Unmarshal([]byte(out), &sums); err != nil || len(sums) == 0 {
		t.Fatalf("find JSON: %v %s", err, out)
	}
	for _, s := range sums {
		if s.Errors == 0 {
			t.Errorf("trace %s without errors matched error=true", s.TraceID)
		}
	}
	code, out, errs = runConsole(t, "--demo", "trace", "show", sums[0].TraceID, "--json")
	if code != 0 {
		t.Fatalf("show: %d %s", code, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	o, _ := r["error_origin"].(map[string]any)
	if o == nil || o["span_id"] == "" || len(o["chain"].([]any)) < 2 {
		t.Errorf("error_origin %v", r["error_origin"])
	}
	if root := r["root"].(map[string]any); root["service"] != sums[0].Service {
		t.Errorf("root %v, listed as %s", root, sums[0].Service)
	}
	// The 16-character id the TUI's list shows names the same trace.
	code, out, errs = runConsole(t, "--demo", "trace", "show", traces.ShortID(sums[0].TraceID), "--json")
	var short map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &short) != nil || short["trace_id"] != sums[0].TraceID {
		t.Errorf("show by short id: exit %d, trace %v, want %s; %s", code, short["trace_id"], sums[0].TraceID, errs)
	}
	code, out, _ = runConsole(t, "--demo", "trace", "deps", "--json")
	var deps []traces.Dependency
	if code != 0 || json.Unmarshal([]byte(out), &deps) != nil || len(deps) == 0 {
		t.Fatalf("deps: %d %s", code, out)
	}
	if code, _, _ = runConsole(t, "--demo", "trace", "show", "ffffffffffffffffffffffffffffffff"); code != exitFailed {
		t.Errorf("unknown trace: exit %d", code)
	}
}

func TestTraceAnalyzeFile(t *testing.T) {
	code, out, errs := runConsole(t, "trace", "analyze", "--file", filepath.Join("..", "..", "traces", "testdata", "jaeger.json"), "--json")
	if code != 0 {
		t.Fatalf("analyze: %d %s", code, errs)
	}
	var r traces.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.ErrorOrigin == nil || r.ErrorOrigin.Service != "db" || r.Root.Service != "frontend" {
		t.Errorf("report %+v", r)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{\"data\": [}"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runConsole(t, "trace", "analyze", "--file", bad)
	if code != exitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "line 1") {
		t.Errorf("bad file: exit %d, %q", code, errs)
	}
	if code, _, _ = runConsole(t, "trace", "analyze", "--file", "/nonexistent"); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ = runConsole(t, "trace", "find", "--service", "x", "--jaeger", "127.0.0.1:1", "--tag", "novalue"); code != exitUsage {
		t.Errorf("bad tag: exit %d", code)
	}
}

func TestTraceAnalyzeBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jaeger := filepath.Join("..", "..", "traces", "testdata", "jaeger.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"2.5 MB of nested [", []string{"--file", write("nested.json", bytes.Repeat([]byte("["), 2_500_000))}, "bad trace file"},
		{"nested [ in an ignored value", []string{"--file", write("skip.json", append([]byte(`{"x":`), bytes.Repeat([]byte("["), 2_500_000)...))}, "nested deeper than 64"},
		{"nested objects in an attribute", []string{"--file", write("objs.json", []byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":`+strings.Repeat(`{"kvlistValue":`, 100000)))}, "nested deeper than 64"},
		{"/dev/zero", []string{"--file", "/dev/zero"}, "not JSON"},
		{"/dev/urandom", []string{"--file", "/dev/urandom"}, "bad trace file"},
		{"more spans than --max-spans", []string{"--file", jaeger, "--max-spans", "2"}, "more than 2 spans"},
		{"negative --max-spans", []string{"--file", jaeger, "--max-spans", "-1"}, "--max-spans"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runConsole(t, append([]string{"trace", "analyze"}, tc.args...)...)
			if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and one line with %q", code, out, errs, exitUsage, tc.want)
			}
		})
	}
}

func TestTraceDiffFile(t *testing.T) {
	file := filepath.Join("..", "..", "traces", "testdata", "otlp_exceptions.json")
	code, out, errs := runConsole(t, "trace", "diff", "--file", file, "4bf92f3577b34da6a3ce929d0e0e4736", "5cf92f3577b34da6a3ce929d0e0e4737", "--json")
	var d traces.Diff
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("diff: exit %d %s %s", code, out, errs)
	}
	if len(d.OnlyA) != 2 || len(d.OnlyB) != 2 || len(d.Changed) != 1 || d.Changed[0].DeltaMS != 100 {
		t.Errorf("diff %+v", d)
	}
	if code, _, errs = runConsole(t, "trace", "diff", "--file", file, "4bf92f3577b34da6a3ce929d0e0e4736", "ffff"); code != exitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("unknown trace: exit %d %q", code, errs)
	}
}

// stuckSource is a MemorySource whose search of one service waits until
// its context ends (a service with one huge trace).
type stuckSource struct {
	*traces.MemorySource
	stuck map[string]bool
}

func (s stuckSource) Find(ctx context.Context, q traces.Query) ([]*traces.Trace, error) {
	if s.stuck[q.Service] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.MemorySource.Find(ctx, q)
}

func TestTraceListDegradesPerService(t *testing.T) {
	ts, _, err := traces.ParseFile(filepath.Join("..", "..", "traces", "testdata", "otlp_exceptions.json"))
	if err != nil {
		t.Fatal(err)
	}
	mem := traces.NewMemorySource(ts)
	mem.Now = func() time.Time { return time.Unix(0, 1764590000000000000).Add(time.Minute) }
	l := newTraceLister(stuckSource{mem, map[string]bool{"driver": true}}, "jaeger:test")
	l.Interval = 200 * time.Millisecond
	sums, hidden, err := l.list(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || len(hidden) != 1 || !strings.Contains(hidden[0].What, "driver") || !strings.Contains(hidden[0].Reason, "deadline") {
		t.Errorf("listed %d traces, hidden %+v", len(sums), hidden)
	}
	l.src = stuckSource{traces.NewMemorySource(ts[:1]), map[string]bool{"frontend": true, "customer": true}}
	if _, _, err := l.list(context.Background()); err == nil {
		t.Error("every service failing is not an error")
	}
}

func TestTraceJSONEscapesControls(t *testing.T) {
	// A hostile operation name with a C1 control, DEL and a bidi override.
	doc := `{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"a","operationName":"op\u0085\u007f\u202e","startTime":1,"duration":5,"processID":"p"}],"processes":{"p":{"serviceName":"s"}}}]}`
	p := filepath.Join(t.TempDir(), "t.json")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runConsole(t, "trace", "analyze", "--file", p, "--json")
	if code != 0 || strings.ContainsAny(out, "\u0085\u007f\u202e") || !strings.Contains(out, `\u0085`) {
		t.Errorf("exit %d %s: %q", code, errs, out)
	}
}

func TestTraceDeepDeps(t *testing.T) {
	code, out, errs := runConsole(t, "--demo", "trace", "deps", "--focus", "checkout", "--hops", "1", "--json")
	var edges []traces.OpEdge
	if code != 0 || json.Unmarshal([]byte(out), &edges) != nil || len(edges) == 0 {
		t.Fatalf("deps --focus: exit %d %s %s", code, out, errs)
	}
	for _, e := range edges {
		if e.Hops < -1 || e.Hops > 1 || e.Hops == 0 || (e.Hops < 0) != (e.ToService == "checkout") {
			t.Errorf("edge %+v outside one hop of checkout", e)
		}
	}
	if code, _, _ = runConsole(t, "--demo", "trace", "deps", "--focus", "checkout", "--hops", "0"); code != exitUsage {
		t.Errorf("--hops 0: exit %d", code)
	}
}

// TestTraceShowBaselineInfo: the report says which traces its baseline is,
// in JSON and text; a bad mode is a usage error.
func TestTraceShowBaselineInfo(t *testing.T) {
	code, out, errs := runConsole(t, "--demo", "trace", "find", "--json", "--limit", "1")
	var sums []traces.TraceSummary
	if code != 0 || json.Unmarshal([]byte(out), &sums) != nil || len(sums) != 1 {
		t.Fatalf("find: %d %s %s", code, out, errs)
	}
	id := sums[0].TraceID
	for _, mode := range []string{"", "auto", "before-trace"} {
		args := []string{"--demo", "trace", "show", id, "--json"}
		if mode != "" {
			args = append(args, "--baseline-mode", mode)
		}
		code, out, errs = runConsole(t, args...)
		var r traces.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.BaselineInfo == nil {
			t.Fatalf("show %s: %d %s", mode, code, errs)
		}
		want := cmp.Or(mode, traces.BaselineAuto)
		if b := r.BaselineInfo; b.Mode != want || len(b.TraceIDs) != r.Baseline || b.End.IsZero() || b.Weak != (r.Baseline < traces.WeakBaseline) {
			t.Errorf("mode %q: baseline %+v (%d traces)", mode, b, r.Baseline)
		}
	}
	if code, out, _ = runConsole(t, "--demo", "trace", "show", id); code != 0 || !strings.Contains(out, "\nBASELINE  ") {
		t.Errorf("text report without its baseline: %d\n%s", code, out)
	}
	if code, _, errs = runConsole(t, "--demo", "trace", "show", id, "--baseline-mode", "newest"); code != exitUsage || !strings.Contains(errs, "--baseline-mode") {
		t.Errorf("bad mode: exit %d %s", code, errs)
	}
}

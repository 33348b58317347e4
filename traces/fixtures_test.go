package traces

import (
	"strings"
	"testing"
)

// The fixtures are written in conventions other than the workload's SDK:
// Jaeger JSON with logs (HotROD-style, some spans without span.kind, one
// with peer.service) and OTLP JSON with exception events and enum names.
func TestFixturesInOtherConventions(t *testing.T) {
	tests := []struct {
		file, trace   string
		origin        string // span id, "" for none
		message       string
		handled       int
		wantKinds     []string
		mustNotKinds  []string
		summaryHas    string
		summaryHasNot string
	}{
		{file: "testdata/jaeger_logs.json", trace: "7c1f3e2d9a8b4c5d6e7f8091a2b3c4d5", origin: "0000000000000003", message: "invalid customer ID",
			wantKinds: []string{KindErrorOrigin, KindLockContention}, mustNotKinds: []string{KindSlowDependency, KindHandledErrors},
			summaryHas: "16 ahead"},
		{file: "testdata/otlp_exceptions.json", trace: "4bf92f3577b34da6a3ce929d0e0e4736", origin: "a000000000000003", message: "invalid customer ID",
			wantKinds: []string{KindErrorOrigin}, mustNotKinds: []string{KindHandledErrors}},
		{file: "testdata/otlp_exceptions.json", trace: "5cf92f3577b34da6a3ce929d0e0e4737", handled: 1,
			wantKinds: []string{KindHandledErrors}, mustNotKinds: []string{KindErrorOrigin}, summaryHas: "redis timeout", summaryHasNot: "propagated"},
	}
	for _, tc := range tests {
		t.Run(tc.trace, func(t *testing.T) {
			ts, _, err := ParseFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var tr *Trace
			for _, x := range ts {
				if x.TraceID == tc.trace {
					tr = x
				}
			}
			if tr == nil {
				t.Fatalf("no trace %s in %s", tc.trace, tc.file)
			}
			r := NewCorpus(ts).Report(tr)
			switch o := r.ErrorOrigin; {
			case tc.origin == "" && o != nil:
				t.Errorf("error origin %+v, want none", o)
			case tc.origin != "" && (o == nil || o.SpanID != tc.origin || o.Message != tc.message || !o.Propagated):
				t.Errorf("error origin %+v, want %s %q", o, tc.origin, tc.message)
			}
			n := 0
			for _, h := range r.HandledErrors {
				n += h.Count
				if h.Retried != 1 || h.RetryEvents != 1 {
					t.Errorf("handled %+v: want 1 retried and 1 retry event", h)
				}
			}
			if n != tc.handled {
				t.Errorf("handled errors %+v, want %d", r.HandledErrors, tc.handled)
			}
			all := ""
			for _, k := range tc.wantKinds {
				if find(r, k) == nil {
					t.Errorf("no %s finding: %v", k, kinds(r))
				}
			}
			for _, k := range tc.mustNotKinds {
				if f := find(r, k); f != nil {
					t.Errorf("unexpected %s finding: %s", k, f.Summary)
				}
			}
			for _, f := range r.Findings {
				all += f.Summary + "\n"
			}
			if tc.summaryHas != "" && !strings.Contains(all, tc.summaryHas) {
				t.Errorf("findings lack %q:\n%s", tc.summaryHas, all)
			}
			if tc.summaryHasNot != "" && strings.Contains(all, tc.summaryHasNot) {
				t.Errorf("findings say %q:\n%s", tc.summaryHasNot, all)
			}
		})
	}
}

package traces

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseJaeger(t *testing.T) {
	ts, f, err := ParseFile("testdata/jaeger.json")
	if err != nil {
		t.Fatal(err)
	}
	if f != FormatJaeger || len(ts) != 1 || len(ts[0].Spans) != 3 {
		t.Fatalf("format %s, %d traces", f, len(ts))
	}
	tr := ts[0]
	if tr.TraceID != "00000000000000000a1b2c3d4e5f6071" {
		t.Errorf("trace id %q", tr.TraceID)
	}
	db := tr.Spans[2]
	if db.Service != "db" || db.ParentID != "aaaa000000000002" || !db.Error || db.StatusMessage != "deadlock detected" {
		t.Errorf("db span = %+v", db)
	}
	if db.Duration != 80*time.Millisecond || !db.Start.Equal(time.UnixMicro(1700000000020000)) {
		t.Errorf("db times %v %v", db.Start, db.Duration)
	}
	if v, _ := tr.Spans[0].Attr("http.status_code"); v != "500" || tr.Spans[0].Kind != "server" {
		t.Errorf("root tags: status %q kind %q", v, tr.Spans[0].Kind)
	}
	r := NewReport(tr, nil)
	if r.ErrorOrigin == nil || r.ErrorOrigin.SpanID != "aaaa000000000003" || strings.Join(r.ErrorOrigin.Chain, ",") != "aaaa000000000003,aaaa000000000002,aaaa000000000001" {
		t.Fatalf("error origin %+v", r.ErrorOrigin)
	}
	var pay *Location
	for i := range r.Locations {
		if r.Locations[i].Service == "payment" {
			pay = &r.Locations[i]
		}
	}
	if pay == nil || pay.Pod != "payment-5c-xyz" || pay.Node != "node-2" || pay.Zone != "eu-west-1a" {
		t.Errorf("payment location %+v in %+v", pay, r.Locations)
	}
}

func TestParseOTLP(t *testing.T) {
	ts, f, err := ParseFile("testdata/otlp.json")
	if err != nil {
		t.Fatal(err)
	}
	if f != FormatOTLP || len(ts) != 1 || len(ts[0].Spans) != 2 {
		t.Fatalf("format %s, traces %d", f, len(ts))
	}
	root, inv := ts[0].Spans[0], ts[0].Spans[1]
	if !root.Error || root.StatusMessage != "upstream failed" || root.Kind != "server" || root.Duration != 100*time.Millisecond {
		t.Errorf("root %+v", root)
	}
	if inv.Service != "inventory" || !inv.Error || inv.StatusMessage != "out of stock" || inv.Kind != "server" || inv.ParentID != root.SpanID {
		t.Errorf("inventory %+v", inv)
	}
	if v, _ := root.Attr("http.response.status_code"); v != "500" {
		t.Errorf("status attr %q", v)
	}
	// JSON lines: two documents.
	b, _ := os.ReadFile("testdata/otlp.json")
	line := strings.ReplaceAll(string(b), "\n", "")
	ts, _, err = Parse([]byte(line + "\n" + strings.ReplaceAll(line, "5b8efff798038103d269b633813fc60c", "5b8efff798038103d269b633813fc60d")))
	if err != nil || len(ts) != 2 {
		t.Fatalf("json lines: %v, %d traces", err, len(ts))
	}
	// base64 ids (protojson) become hex.
	ts, _, err = Parse([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ=","name":"x"}]}]}]}`))
	if err != nil || ts[0].TraceID != "5b8efff798038103d269b633813fc60c" || ts[0].Spans[0].SpanID != "eee19b7ec3c1b174" {
		t.Fatalf("base64 ids: %v %+v", err, ts)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty input"},
		{"not json", "hello", "not JSON"},
		{"truncated", `{"data":[{"traceID":"1","spans":[`, "unexpected end"},
		{"syntax", "{\n\"data\": [}", "line 2"},
		{"wrong type", `{"data":[{"traceID":"1","spans":[{"spanID":"a","startTime":true}]}]}`, "startTime"},
		{"unknown shape", `{"foo":1}`, "neither Jaeger JSON"},
		{"no span id", `{"data":[{"traceID":"1","spans":[{"operationName":"x"}]}]}`, "has no spanID"},
		{"missing process", `{"data":[{"traceID":"1","spans":[{"spanID":"a","processID":"p9"}],"processes":{}}]}`, "processID \"p9\""},
		{"jaeger errors", `{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`, "404 trace not found"},
		{"otlp without ids", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x"}]}]}]}`, "no traceId"},
		{"escape in message", "{\"data\":null,\"errors\":[{\"code\":1,\"msg\":\"\\u001b[31mred\"}]}", "\uFFFD[31mred"},
		{"bad number", `{"data":[{"traceID":"1","spans":[{"spanID":"a","startTime":"12x"}]}]}`, "startTime: not an integer"},
		{"huge duration", `{"data":[{"traceID":"1","spans":[{"spanID":"a","duration":9223372036854775807}]}]}`, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrBadTraceFile) {
				t.Errorf("error %v does not wrap ErrBadTraceFile", err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.ContainsAny(err.Error(), "\n\x1b") {
				t.Errorf("error %q, want one line containing %q", err, tc.want)
			}
		})
	}
}

// FuzzParse feeds the parsers arbitrary input: no panic, no hang, errors
// one safe line wrapping ErrBadTraceFile, and whatever parses analyses and
// reports. Its corpus is committed in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/jaeger.json", "testdata/otlp.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":[{"traceID":"1","spans":[{"spanID":"a","references":[{"refType":"CHILD_OF","spanID":"a"}]}]}]}`))
	f.Add([]byte(`[{"traceID":"1","spans":[{"spanID":"a","startTime":-9223372036854775808,"duration":1}]}]`))
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"1","spanId":"2","parentSpanId":"2","startTimeUnixNano":"9223372036854775807","endTimeUnixNano":"-1"}]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := ParseLimits(b, Limits{MaxSpans: 5000})
		if err != nil {
			if !errors.Is(err, ErrBadTraceFile) {
				t.Fatalf("error does not wrap ErrBadTraceFile: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Fatalf("error is not one safe line: %q", err)
			}
			return
		}
		c := NewCorpus(ts)
		for _, tr := range ts {
			r := c.Report(tr)
			if len(tr.Spans) > 0 && len(r.Analysis.Order) != len(tr.Spans) {
				t.Fatalf("tree lost spans: %d of %d", len(r.Analysis.Order), len(tr.Spans))
			}
			if o := r.ErrorOrigin; o != nil && len(o.Chain) > maxIDs {
				t.Fatalf("error origin chain of %d ids: not capped", len(o.Chain))
			}
			_ = Summary(tr)
		}
		_ = Dependencies(ts)
	})
}

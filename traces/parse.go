package traces

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Format is a trace file format.
type Format string

// The formats Parse understands.
const (
	// FormatJaeger is Jaeger's JSON as served by its HTTP API
	// (/api/traces/{id}, /api/traces?service=...) and the UI's download.
	FormatJaeger Format = "jaeger"
	// FormatOTLP is OTLP JSON (ExportTraceServiceRequest: resourceSpans),
	// one document or one document per line.
	FormatOTLP Format = "otlp"
)

// ErrBadTraceFile marks input that is not a trace file this package reads.
var ErrBadTraceFile = errors.New("bad trace file")

// ParseFile reads and parses a trace file (see Parse).
func ParseFile(path string) ([]*Trace, Format, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read trace file: %w", err)
	}
	return Parse(b)
}

// Parse detects the format of a trace document (Jaeger JSON or OTLP JSON)
// and returns its traces. Errors are one line and wrap ErrBadTraceFile.
func Parse(b []byte) ([]*Trace, Format, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, "", fmt.Errorf("%w: empty input", ErrBadTraceFile)
	}
	if b[0] == '[' {
		// A bare array of Jaeger traces.
		var ts []jaegerTrace
		if err := json.Unmarshal(b, &ts); err != nil {
			return nil, FormatJaeger, jsonError(b, err)
		}
		out, err := convertJaeger(ts)
		return out, FormatJaeger, err
	}
	if b[0] != '{' {
		return nil, "", fmt.Errorf("%w: not JSON (starts with %q); expected Jaeger JSON or OTLP JSON", ErrBadTraceFile, sanitizeSnippet(b, 12))
	}
	var docs []fileDoc
	var d fileDoc
	err := json.Unmarshal(b, &d)
	if err == nil {
		docs = append(docs, d)
	} else {
		var se *json.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Error(), "after top-level value") {
			return nil, "", jsonError(b, err)
		}
		// Several documents: JSON lines (the collector's file exporter).
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var d fileDoc
			if err := dec.Decode(&d); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, "", jsonErrorAt(b, err, dec.InputOffset())
			}
			docs = append(docs, d)
		}
	}
	var jt []jaegerTrace
	var rs []otlpResourceSpans
	var errs []string
	for _, d := range docs {
		switch {
		case d.ResourceSpans != nil:
			rs = append(rs, d.ResourceSpans...)
		case d.Data != nil:
			jt = append(jt, d.Data...)
		case d.Spans != nil:
			jt = append(jt, jaegerTrace{TraceID: d.TraceID, Spans: d.Spans, Processes: d.Processes})
		case len(d.Errors) > 0:
			for _, e := range d.Errors {
				errs = append(errs, fmt.Sprintf("%d %s", e.Code, e.Msg))
			}
		}
	}
	switch {
	case len(rs) > 0 && len(jt) > 0:
		return nil, "", fmt.Errorf("%w: mixes Jaeger JSON and OTLP JSON documents", ErrBadTraceFile)
	case len(rs) > 0:
		out, err := convertOTLP(rs)
		return out, FormatOTLP, err
	case len(jt) > 0:
		out, err := convertJaeger(jt)
		return out, FormatJaeger, err
	case len(errs) > 0:
		return nil, FormatJaeger, fmt.Errorf("%w: Jaeger returned errors: %s", ErrBadTraceFile, sanitizeText(strings.Join(errs, "; ")))
	case len(docs) == 1 && (docs[0].Data != nil || docs[0].ResourceSpans != nil):
		return nil, "", fmt.Errorf("%w: the file holds no traces", ErrBadTraceFile)
	}
	return nil, "", fmt.Errorf("%w: neither Jaeger JSON (a \"data\" array of traces) nor OTLP JSON (\"resourceSpans\")", ErrBadTraceFile)
}

// fileDoc is the union of the top-level shapes Parse accepts, so one
// decoding pass tells the format.
type fileDoc struct {
	// Jaeger HTTP API / UI download.
	Data   []jaegerTrace `json:"data"`
	Errors []struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"errors"`
	// A single Jaeger trace object.
	TraceID   string                   `json:"traceID"`
	Spans     []jaegerSpan             `json:"spans"`
	Processes map[string]jaegerProcess `json:"processes"`
	// OTLP.
	ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
}

// jsonError turns a decoding error into one line with a line number.
func jsonError(b []byte, err error) error {
	return jsonErrorAt(b, err, -1)
}

func jsonErrorAt(b []byte, err error, fallback int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: %s: %s", ErrBadTraceFile, position(b, se.Offset), se.Error())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		where := ""
		if te.Offset > 0 {
			where = position(b, te.Offset) + ": "
		}
		return fmt.Errorf("%w: %s%s: expected %s, got %s", ErrBadTraceFile, where, field, te.Type.String(), sanitizeText(te.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: unexpected end of input (truncated file?)", ErrBadTraceFile)
	}
	if fallback >= 0 {
		return fmt.Errorf("%w: %s: %s", ErrBadTraceFile, position(b, fallback), sanitizeText(err.Error()))
	}
	return fmt.Errorf("%w: %s", ErrBadTraceFile, sanitizeText(err.Error()))
}

// position renders a byte offset as "line L col C".
func position(b []byte, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line := 1 + bytes.Count(b[:off], []byte{'\n'})
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("line %d col %d", line, col)
}

func sanitizeSnippet(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return sanitizeText(string(b))
}

// ---- Jaeger JSON ----

type jaegerTrace struct {
	TraceID   string                   `json:"traceID"`
	Spans     []jaegerSpan             `json:"spans"`
	Processes map[string]jaegerProcess `json:"processes"`
}

type jaegerSpan struct {
	TraceID       string         `json:"traceID"`
	SpanID        string         `json:"spanID"`
	ParentSpanID  string         `json:"parentSpanID"`
	OperationName string         `json:"operationName"`
	References    []jaegerRef    `json:"references"`
	StartTime     jsonInt        `json:"startTime"`
	Duration      jsonInt        `json:"duration"`
	Tags          []jaegerKV     `json:"tags"`
	Logs          []jaegerLog    `json:"logs"`
	ProcessID     string         `json:"processID"`
	Process       *jaegerProcess `json:"process"`
	Warnings      []string       `json:"warnings"`
}

type jaegerRef struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

type jaegerKV struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type jaegerLog struct {
	Timestamp jsonInt    `json:"timestamp"`
	Fields    []jaegerKV `json:"fields"`
}

type jaegerProcess struct {
	ServiceName string     `json:"serviceName"`
	Tags        []jaegerKV `json:"tags"`
}

// jsonInt is an integer that may be written as a JSON number or string.
type jsonInt int64

// UnmarshalJSON accepts 123, 123.0, "123".
func (n *jsonInt) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	if string(b) == "null" || len(b) == 0 {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || math.IsNaN(f) || f > math.MaxInt64 || f < math.MinInt64 {
			return &json.UnmarshalTypeError{Value: "not an integer " + strconv.Quote(sanitizeSnippet(b, 24)), Type: reflect.TypeFor[int64]()}
		}
		v = int64(f)
	}
	*n = jsonInt(v)
	return nil
}

// kvValue renders a JSON attribute value as text.
func kvValue(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

func jaegerKVs(in []jaegerKV) []KeyValue {
	if len(in) == 0 {
		return nil
	}
	out := make([]KeyValue, len(in))
	for i, kv := range in {
		out[i] = KeyValue{Key: kv.Key, Value: kvValue(kv.Value)}
	}
	return out
}

func convertJaeger(ts []jaegerTrace) ([]*Trace, error) {
	out := make([]*Trace, 0, len(ts))
	for ti, jt := range ts {
		t := &Trace{TraceID: normalizeID(jt.TraceID), Spans: make([]Span, len(jt.Spans))}
		procs := make(map[string]*processInfo, len(jt.Processes))
		for id, p := range jt.Processes {
			procs[id] = &processInfo{service: p.ServiceName, tags: jaegerKVs(p.Tags)}
		}
		for i := range jt.Spans {
			js := &jt.Spans[i]
			if js.SpanID == "" {
				return nil, fmt.Errorf("%w: trace %d span %d has no spanID", ErrBadTraceFile, ti+1, i+1)
			}
			if t.TraceID == "" {
				t.TraceID = normalizeID(js.TraceID)
			}
			s := &t.Spans[i]
			s.SpanID = normalizeID(js.SpanID)
			s.Operation = js.OperationName
			s.Start = time.UnixMicro(int64(js.StartTime)).UTC()
			if js.Duration > math.MaxInt64/1000 {
				return nil, fmt.Errorf("%w: trace %s span %s: duration %d µs out of range", ErrBadTraceFile, sanitizeText(t.TraceID), sanitizeText(s.SpanID), js.Duration)
			}
			if js.Duration > 0 {
				s.Duration = time.Duration(js.Duration) * time.Microsecond
			}
			s.ParentID = normalizeID(js.ParentSpanID)
			for _, r := range js.References {
				if strings.EqualFold(r.RefType, "CHILD_OF") && r.SpanID != "" {
					s.ParentID = normalizeID(r.SpanID)
					break
				}
			}
			if s.ParentID == "" {
				for _, r := range js.References {
					if r.SpanID != "" {
						s.ParentID = normalizeID(r.SpanID)
						break
					}
				}
			}
			s.Tags = jaegerKVs(js.Tags)
			var p *processInfo
			if js.Process != nil {
				p = &processInfo{service: js.Process.ServiceName, tags: jaegerKVs(js.Process.Tags)}
			} else if js.ProcessID != "" {
				p = procs[js.ProcessID]
				if p == nil {
					return nil, fmt.Errorf("%w: trace %s span %s names processID %q that is not in processes", ErrBadTraceFile, sanitizeText(t.TraceID), sanitizeText(s.SpanID), sanitizeText(js.ProcessID))
				}
			}
			if p != nil {
				s.Service = p.service
				s.Resource = p.tags
			}
			for _, l := range js.Logs {
				ev := Event{Time: time.UnixMicro(int64(l.Timestamp)).UTC(), Fields: jaegerKVs(l.Fields)}
				for _, f := range ev.Fields {
					if f.Key == "event" {
						ev.Name = f.Value
						break
					}
				}
				s.Events = append(s.Events, ev)
			}
			deriveStatus(s)
		}
		out = append(out, t)
	}
	return out, nil
}

type processInfo struct {
	service string
	tags    []KeyValue
}

// DeriveStatus fills a span's Error, StatusMessage and Kind from its tags
// and events (Jaeger's conventions and OpenTelemetry's). Sources that build
// spans from tags (the Jaeger client) call it.
func DeriveStatus(s *Span) { deriveStatus(s) }

// deriveStatus fills Error, StatusMessage and Kind from the span's tags and
// events (Jaeger's conventions and OpenTelemetry's).
func deriveStatus(s *Span) {
	for _, kv := range s.Tags {
		switch kv.Key {
		case "error":
			if kv.Value == "true" {
				s.Error = true
			}
		case "otel.status_code":
			if strings.EqualFold(kv.Value, "ERROR") {
				s.Error = true
			}
		case "otel.status_description", "error.message":
			if s.StatusMessage == "" {
				s.StatusMessage = kv.Value
			}
		case "span.kind":
			if s.Kind == "" {
				s.Kind = strings.ToLower(kv.Value)
			}
		}
	}
	if s.Error && s.StatusMessage == "" {
		s.StatusMessage = eventMessage(s.Events)
	}
}

// eventMessage returns the message of the first error/exception event.
func eventMessage(evs []Event) string {
	for _, ev := range evs {
		isErr := ev.Name == "exception" || ev.Name == "error"
		msg := ""
		for _, f := range ev.Fields {
			switch f.Key {
			case "exception.message", "message", "error.object", "error.message":
				if msg == "" {
					msg = f.Value
				}
			case "event":
				if f.Value == "error" || f.Value == "exception" {
					isErr = true
				}
			case "level":
				if strings.EqualFold(f.Value, "error") {
					isErr = true
				}
			}
		}
		if isErr && msg != "" {
			return msg
		}
	}
	return ""
}

// normalizeID lowercases a hex id and converts base64 ids (protojson's
// encoding of OTLP bytes) to hex.
func normalizeID(id string) string {
	if id == "" {
		return ""
	}
	if isHex(id) {
		return strings.ToLower(id)
	}
	if len(id) == 12 || len(id) == 24 {
		if b, err := base64.StdEncoding.DecodeString(id); err == nil {
			return hex.EncodeToString(b)
		}
	}
	return id
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ---- OTLP JSON ----

type otlpResourceSpans struct {
	Resource struct {
		Attributes []otlpKV `json:"attributes"`
	} `json:"resource"`
	ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
	// InstrumentationLibrarySpans is the pre-1.0 name of scopeSpans.
	InstrumentationLibrarySpans []otlpScopeSpans `json:"instrumentationLibrarySpans"`
}

type otlpScopeSpans struct {
	Spans []otlpSpan `json:"spans"`
}

type otlpSpan struct {
	TraceID           string      `json:"traceId"`
	SpanID            string      `json:"spanId"`
	ParentSpanID      string      `json:"parentSpanId"`
	Name              string      `json:"name"`
	Kind              jsonEnum    `json:"kind"`
	StartTimeUnixNano jsonInt     `json:"startTimeUnixNano"`
	EndTimeUnixNano   jsonInt     `json:"endTimeUnixNano"`
	Attributes        []otlpKV    `json:"attributes"`
	Events            []otlpEvent `json:"events"`
	Links             []struct {
		TraceID string `json:"traceId"`
		SpanID  string `json:"spanId"`
	} `json:"links"`
	Status struct {
		Code    jsonEnum `json:"code"`
		Message string   `json:"message"`
	} `json:"status"`
}

type otlpEvent struct {
	TimeUnixNano jsonInt  `json:"timeUnixNano"`
	Name         string   `json:"name"`
	Attributes   []otlpKV `json:"attributes"`
}

type otlpKV struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

type otlpValue struct {
	StringValue *string          `json:"stringValue"`
	BoolValue   *bool            `json:"boolValue"`
	IntValue    *jsonInt         `json:"intValue"`
	DoubleValue *float64         `json:"doubleValue"`
	BytesValue  *string          `json:"bytesValue"`
	ArrayValue  *json.RawMessage `json:"arrayValue"`
	KvlistValue *json.RawMessage `json:"kvlistValue"`
}

func (v otlpValue) String() string {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue)
	case v.IntValue != nil:
		return strconv.FormatInt(int64(*v.IntValue), 10)
	case v.DoubleValue != nil:
		return strconv.FormatFloat(*v.DoubleValue, 'g', -1, 64)
	case v.BytesValue != nil:
		return *v.BytesValue
	case v.ArrayValue != nil:
		return string(*v.ArrayValue)
	case v.KvlistValue != nil:
		return string(*v.KvlistValue)
	}
	return ""
}

// jsonEnum is a protobuf enum in JSON: a number or its name.
type jsonEnum struct {
	Num  int
	Name string
}

// UnmarshalJSON accepts 2 or "STATUS_CODE_ERROR".
func (e *jsonEnum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Name)
	}
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &e.Num)
}

func otlpKVs(in []otlpKV) []KeyValue {
	if len(in) == 0 {
		return nil
	}
	out := make([]KeyValue, len(in))
	for i, kv := range in {
		out[i] = KeyValue{Key: kv.Key, Value: kv.Value.String()}
	}
	return out
}

var otlpKinds = map[int]string{1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

func convertOTLP(rs []otlpResourceSpans) ([]*Trace, error) {
	byID := map[string]*Trace{}
	var order []*Trace
	for ri := range rs {
		r := &rs[ri]
		res := otlpKVs(r.Resource.Attributes)
		service := ""
		for _, kv := range res {
			if kv.Key == "service.name" {
				service = kv.Value
			}
		}
		scopes := append(slices.Clip(r.ScopeSpans), r.InstrumentationLibrarySpans...)
		for si := range scopes {
			for i := range scopes[si].Spans {
				sp := &scopes[si].Spans[i]
				if sp.SpanID == "" || sp.TraceID == "" {
					return nil, fmt.Errorf("%w: resourceSpans[%d] span %d has no traceId or spanId", ErrBadTraceFile, ri, i)
				}
				tid := normalizeID(sp.TraceID)
				t := byID[tid]
				if t == nil {
					t = &Trace{TraceID: tid}
					byID[tid] = t
					order = append(order, t)
				}
				s := Span{
					SpanID:    normalizeID(sp.SpanID),
					ParentID:  normalizeID(sp.ParentSpanID),
					Service:   service,
					Operation: sp.Name,
					Start:     time.Unix(0, int64(sp.StartTimeUnixNano)).UTC(),
					Tags:      otlpKVs(sp.Attributes),
					Resource:  res,
				}
				if d := int64(sp.EndTimeUnixNano) - int64(sp.StartTimeUnixNano); d > 0 {
					s.Duration = time.Duration(d)
				}
				if sp.Kind.Name != "" {
					s.Kind = strings.ToLower(strings.TrimPrefix(sp.Kind.Name, "SPAN_KIND_"))
				} else {
					s.Kind = otlpKinds[sp.Kind.Num]
				}
				if s.Kind == "unspecified" {
					s.Kind = ""
				}
				if sp.Status.Code.Num == 2 || sp.Status.Code.Name == "STATUS_CODE_ERROR" {
					s.Error = true
					s.StatusMessage = sp.Status.Message
				}
				for _, e := range sp.Events {
					s.Events = append(s.Events, Event{Time: time.Unix(0, int64(e.TimeUnixNano)).UTC(), Name: e.Name, Fields: otlpKVs(e.Attributes)})
				}
				deriveStatus(&s)
				t.Spans = append(t.Spans, s)
			}
		}
	}
	return order, nil
}

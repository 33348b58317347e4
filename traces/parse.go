package traces

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
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

// Limits bound what a trace document may cost (documented in
// docs/traces.md). Zero fields take the defaults.
type Limits struct {
	// MaxBytes is the largest input read (DefaultMaxBytes).
	MaxBytes int64
	// MaxDepth is the deepest nesting of JSON objects and arrays
	// (DefaultMaxDepth).
	MaxDepth int
	// MaxSpans is the most spans read, over all traces (DefaultMaxSpans).
	MaxSpans int
}

// The default limits.
const (
	DefaultMaxBytes = 512 << 20
	DefaultMaxDepth = 64
	DefaultMaxSpans = 1_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxSpans <= 0 {
		l.MaxSpans = DefaultMaxSpans
	}
	return l
}

// ParseFile reads and parses a trace file (see Parse) within the default
// limits.
func ParseFile(path string) ([]*Trace, Format, error) { return ParseFileLimits(path, Limits{}) }

// ParseFileLimits reads and parses a trace file within l. It reads the file
// as a stream: input that does not start like JSON is refused after its
// first bytes, and input longer than l.MaxBytes after that many (so
// /dev/zero, /dev/urandom or a runaway pipe cost a bounded amount).
func ParseFileLimits(path string, l Limits) ([]*Trace, Format, error) {
	l = l.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("read trace file: %w", err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	b, err := readLimited(f, l.MaxBytes, size)
	if err != nil {
		return nil, "", err
	}
	return ParseLimits(b, l)
}

// readLimited reads r (size bytes when known) up to max bytes, failing early on input that cannot
// be JSON (its first non-space byte is not '{' or '[').
func readLimited(r io.Reader, max, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= max {
		buf.Grow(int(size) + 1)
	}
	chunk := make([]byte, 64<<10)
	checked := false
	for {
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if !checked {
			if t := bytes.TrimLeft(buf.Bytes(), " \t\r\n"); len(t) > 0 {
				checked = true
				if t[0] != '{' && t[0] != '[' {
					return nil, fmt.Errorf("%w: not JSON (starts with %q); expected Jaeger JSON or OTLP JSON", ErrBadTraceFile, sanitizeSnippet(t, 12))
				}
			}
		}
		if int64(buf.Len()) > max {
			return nil, fmt.Errorf("%w: larger than the %d MiB limit", ErrBadTraceFile, max>>20)
		}
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read trace file: %w", err)
		}
	}
}

// Parse detects the format of a trace document (Jaeger JSON or OTLP JSON,
// one document or several, one per line) and returns its traces, within
// the default limits (see ParseLimits).
func Parse(b []byte) ([]*Trace, Format, error) { return ParseLimits(b, Limits{}) }

// ParseLimits is Parse within l: deeper nesting than l.MaxDepth or more
// spans than l.MaxSpans is an error. Errors are one line, name the line and
// column, and wrap ErrBadTraceFile.
func ParseLimits(b []byte, l Limits) ([]*Trace, Format, error) {
	l = l.withDefaults()
	if int64(len(b)) > l.MaxBytes {
		return nil, "", fmt.Errorf("%w: larger than the %d MiB limit", ErrBadTraceFile, l.MaxBytes>>20)
	}
	b = bytes.TrimRight(b, " \t\r\n")
	s := &scanner{b: b, intern: map[string]string{}, maxDepth: l.MaxDepth}
	switch c := s.peek(); c {
	case 0:
		return nil, "", fmt.Errorf("%w: empty input", ErrBadTraceFile)
	case '{', '[':
	default:
		return nil, "", fmt.Errorf("%w: not JSON (starts with %q); expected Jaeger JSON or OTLP JSON", ErrBadTraceFile, sanitizeSnippet(b[s.i:], 12))
	}
	p := &parser{s: s, otlpByID: map[string]*Trace{}, maxSpans: l.MaxSpans}
	// Jaeger spans go to one shared backing array, sized from a count of
	// their operationName keys (each trace's spans are contiguous).
	if hint := estimateCount(b, []byte(`"operationName"`)); hint > 0 {
		p.all = make([]Span, 0, hint)
	}
	docs := 0
	for s.err == nil && s.peek() != 0 {
		docs++
		if s.b[s.i] == '[' {
			p.sawData = true
			s.array("traces", p.jaegerTrace)
		} else {
			p.document()
		}
	}
	if s.err != nil {
		var se *scanError
		if errors.As(s.err, &se) {
			return nil, "", fmt.Errorf("%w: %s: %s", ErrBadTraceFile, position(b, int64(se.off)), Sanitize(se.msg))
		}
		return nil, "", fmt.Errorf("%w: %s", ErrBadTraceFile, Sanitize(s.err.Error()))
	}
	switch {
	case p.sawOTLP && p.sawData:
		return nil, "", fmt.Errorf("%w: mixes Jaeger JSON and OTLP JSON documents", ErrBadTraceFile)
	case len(p.otlp) > 0:
		return p.otlp, FormatOTLP, nil
	case len(p.jaeger) > 0:
		return p.jaeger, FormatJaeger, nil
	case len(p.errs) > 0:
		return nil, FormatJaeger, fmt.Errorf("%w: Jaeger returned errors: %s", ErrBadTraceFile, Sanitize(strings.Join(p.errs, "; ")))
	case p.sawOTLP || p.sawData:
		return nil, "", fmt.Errorf("%w: the file holds no traces", ErrBadTraceFile)
	}
	return nil, "", fmt.Errorf("%w: neither Jaeger JSON (a \"data\" array of traces) nor OTLP JSON (\"resourceSpans\")", ErrBadTraceFile)
}

// estimateCount estimates the occurrences of sep in b from its first MiB.
func estimateCount(b, sep []byte) int {
	const sample = 1 << 20
	if len(b) <= sample {
		return bytes.Count(b, sep)
	}
	n := bytes.Count(b[:sample], sep)
	return int(float64(n) * float64(len(b)) / sample * 1.05)
}

// parser decodes trace documents with a scanner.
type parser struct {
	s                *scanner
	jaeger           []*Trace
	otlp             []*Trace
	otlpByID         map[string]*Trace
	errs             []string
	sawData, sawOTLP bool
	all              []Span         // backing array of the Jaeger traces' spans
	single           *jaegerBuilder // a top-level Jaeger trace object
	spans, maxSpans  int            // spans read, and the limit
}

// countSpan counts one span read; false (and a failed scan) past the limit.
func (p *parser) countSpan() bool {
	p.spans++
	if p.spans > p.maxSpans {
		p.s.fail("more than %d spans (the limit; see --max-spans)", p.maxSpans)
		return false
	}
	return true
}

// document reads one top-level object: Jaeger's {"data": [...]}, a single
// Jaeger trace, or OTLP's {"resourceSpans": [...]}.
func (p *parser) document() {
	s := p.s
	p.single = nil
	s.object("document", p.docKey)
	if p.single != nil && s.err == nil {
		p.sawData = true
		if t := p.single.finish(s); t != nil {
			p.jaeger = append(p.jaeger, t)
		}
	}
	p.single = nil
}

// docKey reads one key of a top-level document.
func (p *parser) docKey(k []byte) {
	s := p.s
	switch string(k) {
	case "data":
		p.sawData = true
		s.array("data", p.jaegerTrace)
	case "result":
		// Jaeger's api_v3 HTTP answer: {"result": {"resourceSpans": [...]}}.
		s.object("result", p.docKey)
	case "errors":
		s.array("errors", func() {
			var code int64
			var msg string
			s.object("error", func(k []byte) {
				switch string(k) {
				case "code":
					code = s.int64("code")
				case "msg", "message":
					msg = s.text()
				default:
					s.skip()
				}
			})
			p.errs = append(p.errs, fmt.Sprintf("%d %s", code, msg))
		})
	case "error":
		var code int64
		var msg string
		s.object("error", func(k []byte) {
			switch string(k) {
			case "code", "httpCode", "http_code":
				code = s.int64("code")
			case "msg", "message":
				msg = s.text()
			default:
				s.skip()
			}
		})
		p.errs = append(p.errs, fmt.Sprintf("%d %s", code, msg))
	case "resourceSpans":
		p.sawOTLP = true
		s.array("resourceSpans", p.resourceSpans)
	case "traceID", "spans", "processes":
		if p.single == nil {
			p.single = p.newJaegerBuilder()
		}
		p.single.key(s, k)
	default:
		s.skip()
	}
}

// ---- Jaeger JSON ----

type jaegerBuilder struct {
	p       *parser
	t       *Trace
	first   int      // index of the trace's first span in p.all
	procIDs []string // per span; "" when the span embeds its process
	procs   map[string]processInfo
}

func (p *parser) newJaegerBuilder() *jaegerBuilder {
	return &jaegerBuilder{p: p, t: &Trace{}, first: len(p.all), procs: map[string]processInfo{}}
}

func (p *parser) jaegerTrace() {
	s := p.s
	jb := p.newJaegerBuilder()
	s.object("trace", func(k []byte) { jb.key(s, k) })
	if s.err == nil {
		if t := jb.finish(s); t != nil {
			p.jaeger = append(p.jaeger, t)
		}
	}
}

func (jb *jaegerBuilder) key(s *scanner, k []byte) {
	switch string(k) {
	case "traceID":
		jb.t.TraceID = normalizeID(s.str())
	case "spans":
		s.array("spans", func() { jb.span(s) })
	case "processes":
		s.object("processes", func(id []byte) {
			pid := string(id)
			jb.procs[pid] = jaegerProcess(s)
		})
	default:
		s.skip()
	}
}

func jaegerProcess(s *scanner) processInfo {
	var pi processInfo
	s.object("process", func(k []byte) {
		switch string(k) {
		case "serviceName":
			pi.service = s.istr()
		case "tags":
			pi.tags = jaegerKVs(s, "tags")
		default:
			s.skip()
		}
	})
	return pi
}

func jaegerKVs(s *scanner, what string) []KeyValue {
	var out []KeyValue
	s.array(what, func() {
		var kv KeyValue
		s.object(what, func(k []byte) {
			switch string(k) {
			case "key":
				kv.Key = s.istr()
			case "value":
				kv.Value = s.text()
			default:
				s.skip()
			}
		})
		out = append(out, kv)
	})
	return out
}

func (jb *jaegerBuilder) span(s *scanner) {
	var sp Span
	var procID string
	var traceID []byte
	var start, dur int64
	var embedded *processInfo
	var childOf, firstRef []byte
	off := s.i
	s.object("span", func(k []byte) {
		switch string(k) {
		case "traceID":
			traceID = s.strBytes()
		case "spanID":
			sp.SpanID = normalizeID(s.str())
		case "parentSpanID":
			sp.ParentID = normalizeID(s.str())
		case "operationName":
			sp.Operation = s.istr()
		case "references":
			s.array("references", func() {
				var typ, id []byte
				s.object("reference", func(k []byte) {
					switch string(k) {
					case "refType":
						typ = s.strBytes()
					case "spanID":
						id = s.strBytes()
					default:
						s.skip()
					}
				})
				if len(id) > 0 && firstRef == nil {
					firstRef = id
				}
				if len(id) > 0 && childOf == nil && bytes.EqualFold(typ, []byte("CHILD_OF")) {
					childOf = id
				}
			})
		case "startTime":
			start = s.int64("startTime")
		case "duration":
			dur = s.int64("duration")
		case "tags":
			sp.Tags = jaegerKVs(s, "tags")
		case "logs":
			s.array("logs", func() {
				var ev Event
				s.object("log", func(k []byte) {
					switch string(k) {
					case "timestamp":
						ev.Time = time.UnixMicro(s.int64("timestamp")).UTC()
					case "fields":
						ev.Fields = jaegerKVs(s, "fields")
					default:
						s.skip()
					}
				})
				for _, f := range ev.Fields {
					if f.Key == "event" {
						ev.Name = f.Value
						break
					}
				}
				sp.Events = append(sp.Events, ev)
			})
		case "processID":
			procID = s.str()
		case "process":
			pi := jaegerProcess(s)
			embedded = &pi
		default:
			s.skip()
		}
	})
	if s.err != nil {
		return
	}
	if sp.SpanID == "" {
		s.i = off
		s.fail("span %d of trace %s has no spanID", len(jb.procIDs)+1, Sanitize(jb.t.TraceID))
		return
	}
	if dur > math.MaxInt64/1000 {
		s.i = off
		s.fail("span %s: duration %d µs out of range", Sanitize(sp.SpanID), dur)
		return
	}
	if jb.t.TraceID == "" {
		jb.t.TraceID = normalizeID(string(traceID))
	}
	if childOf != nil {
		sp.ParentID = normalizeID(string(childOf))
	} else if sp.ParentID == "" && firstRef != nil {
		sp.ParentID = normalizeID(string(firstRef))
	}
	sp.Start = time.UnixMicro(start).UTC()
	if dur > 0 {
		sp.Duration = time.Duration(dur) * time.Microsecond
	}
	if embedded != nil {
		sp.Service, sp.Resource = embedded.service, embedded.tags
		procID = ""
	}
	if !jb.p.countSpan() {
		return
	}
	jb.p.all = append(jb.p.all, sp)
	jb.procIDs = append(jb.procIDs, procID)
}

// finish resolves the spans' processes (the processes may follow the spans).
func (jb *jaegerBuilder) finish(s *scanner) *Trace {
	t := jb.t
	all := jb.p.all
	t.Spans = all[jb.first:len(all):len(all)]
	for i := range t.Spans {
		if id := jb.procIDs[i]; id != "" {
			p, ok := jb.procs[id]
			if !ok {
				s.fail("trace %s span %s names processID %q that is not in processes", Sanitize(t.TraceID), Sanitize(t.Spans[i].SpanID), Sanitize(id))
				return nil
			}
			t.Spans[i].Service, t.Spans[i].Resource = p.service, p.tags
		}
		deriveStatus(&t.Spans[i])
	}
	return t
}

// ---- OTLP JSON ----

var otlpKinds = map[int]string{1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}

// otlpKVs reads OTLP attributes: [{"key": k, "value": {"stringValue": v}}].
func otlpKVs(s *scanner) []KeyValue {
	var out []KeyValue
	s.array("attributes", func() {
		var kv KeyValue
		s.object("attribute", func(k []byte) {
			switch string(k) {
			case "key":
				kv.Key = s.istr()
			case "value":
				s.object("value", func([]byte) { kv.Value = s.text() })
			default:
				s.skip()
			}
		})
		out = append(out, kv)
	})
	return out
}

func (p *parser) resourceSpans() {
	s := p.s
	var res []KeyValue
	var spans []Span
	var tids []string
	off := s.i
	scopes := func() {
		s.array("scopeSpans", func() {
			s.object("scopeSpans", func(k []byte) {
				if string(k) != "spans" {
					s.skip()
					return
				}
				s.array("spans", func() {
					sp, tid := otlpSpan(s)
					if s.err == nil && p.countSpan() {
						spans, tids = append(spans, sp), append(tids, tid)
					}
				})
			})
		})
	}
	s.object("resourceSpans", func(k []byte) {
		switch string(k) {
		case "resource":
			s.object("resource", func(k []byte) {
				if string(k) == "attributes" {
					res = otlpKVs(s)
				} else {
					s.skip()
				}
			})
		case "scopeSpans", "instrumentationLibrarySpans":
			scopes()
		default:
			s.skip()
		}
	})
	if s.err != nil {
		return
	}
	service := ""
	for _, kv := range res {
		if kv.Key == "service.name" {
			service = kv.Value
		}
	}
	for i := range spans {
		sp := &spans[i]
		if sp.SpanID == "" || tids[i] == "" {
			s.i = off
			s.fail("resourceSpans span %d has no traceId or spanId", i+1)
			return
		}
		sp.Service, sp.Resource = service, res
		deriveStatus(sp)
		t := p.otlpByID[tids[i]]
		if t == nil {
			t = &Trace{TraceID: tids[i]}
			p.otlpByID[tids[i]] = t
			p.otlp = append(p.otlp, t)
		}
		t.Spans = append(t.Spans, *sp)
	}
}

func otlpSpan(s *scanner) (Span, string) {
	var sp Span
	var tid string
	var start, end int64
	s.object("span", func(k []byte) {
		switch string(k) {
		case "traceId":
			tid = normalizeID(s.str())
		case "spanId":
			sp.SpanID = normalizeID(s.str())
		case "parentSpanId":
			sp.ParentID = normalizeID(s.str())
		case "name":
			sp.Operation = s.istr()
		case "kind":
			n, name := s.enum("kind")
			if name != "" {
				sp.Kind = strings.ToLower(strings.TrimPrefix(name, "SPAN_KIND_"))
			} else {
				sp.Kind = otlpKinds[n]
			}
			if sp.Kind == "unspecified" {
				sp.Kind = ""
			}
		case "startTimeUnixNano":
			start = s.int64("startTimeUnixNano")
		case "endTimeUnixNano":
			end = s.int64("endTimeUnixNano")
		case "attributes":
			sp.Tags = otlpKVs(s)
		case "events":
			s.array("events", func() {
				var ev Event
				s.object("event", func(k []byte) {
					switch string(k) {
					case "timeUnixNano":
						ev.Time = time.Unix(0, s.int64("timeUnixNano")).UTC()
					case "name":
						ev.Name = s.istr()
					case "attributes":
						ev.Fields = otlpKVs(s)
					default:
						s.skip()
					}
				})
				sp.Events = append(sp.Events, ev)
			})
		case "status":
			var code int
			var name, msg string
			s.object("status", func(k []byte) {
				switch string(k) {
				case "code":
					code, name = s.enum("status.code")
				case "message":
					msg = s.str()
				default:
					s.skip()
				}
			})
			if code == 2 || name == "STATUS_CODE_ERROR" {
				sp.Error = true
				sp.StatusMessage = msg
			}
		default:
			s.skip()
		}
	})
	sp.Start = time.Unix(0, start).UTC()
	if end > start && (start >= 0 || end < math.MaxInt64+start) {
		sp.Duration = time.Duration(end - start)
	}
	return sp, tid
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

// eventMessage returns the message of the first exception event, else
// of the first error log (see ErrorMessage).
func eventMessage(evs []Event) string {
	for _, ev := range evs {
		if m := exceptionMessage(ev); m != "" {
			return m
		}
	}
	for _, ev := range evs {
		if m := errorLogMessage(ev); m != "" {
			return m
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
	return Sanitize(string(b))
}

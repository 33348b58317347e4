package podlog

import (
	"strings"
	"time"

	"github.com/opsconsole/console/ui/common"
)

// entry is one stored line: already terminal-safe (sanitised at ingest),
// folded for search, with the trace id it carries.
type entry struct {
	t     time.Time
	src   uint16 // index into Model.srcs (pod, container)
	text  string
	fold  string // common.Fold(text): the same string when text has no upper case
	trace string // 32 lower-case hex digits, or ""
}

// ring is a bounded buffer of lines; when full, the oldest line goes. Lines
// are addressed by an absolute id (base + index) that stays the same while
// older lines are dropped.
type ring struct {
	buf   []entry
	start int   // index in buf of the oldest line
	n     int   // lines held
	base  int64 // absolute id of the oldest line (= lines dropped so far)
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]entry, 0, min(capacity, 4096))}
}

// push appends e, dropping the oldest line when limit lines are held; it
// reports whether a line was dropped.
func (r *ring) push(e entry, limit int) bool {
	if r.n < limit {
		if len(r.buf) < limit && r.start == 0 && r.n == len(r.buf) {
			r.buf = append(r.buf, e)
			r.n++
			return false
		}
		r.buf[(r.start+r.n)%len(r.buf)] = e
		r.n++
		return false
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % len(r.buf)
	r.base++
	return true
}

// at returns the line with absolute id id (which must be held).
func (r *ring) at(id int64) *entry {
	return &r.buf[(r.start+int(id-r.base))%len(r.buf)]
}

// end is the absolute id after the newest line.
func (r *ring) end() int64 { return r.base + int64(r.n) }

// traceID returns the trace id a line carries ("" when none): a W3C
// traceparent value (<2 hex>-<32 hex>-<16 hex>-<2 hex>) or a field named
// trace_id, trace.id, trace-id, traceid (any case, e.g. traceID, "traceId":)
// followed by = or : and 32 hex digits. fold is the line in lower case
// (common.Fold). A hand-written scan: it runs on every line at ingest.
func traceID(fold string) string {
	for from := 0; ; {
		k := strings.Index(fold[from:], "trace")
		if k < 0 {
			break
		}
		k += from
		from = k + 5
		rest := fold[from:]
		if rest != "" && (rest[0] == '_' || rest[0] == '.' || rest[0] == '-') {
			rest = rest[1:]
		}
		rest, ok := strings.CutPrefix(rest, "id")
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, `"' `)
		if rest == "" || (rest[0] != '=' && rest[0] != ':') {
			continue
		}
		rest = strings.TrimLeft(rest[1:], `"' `)
		if id, ok := hexRun(rest, 32); ok {
			return id
		}
	}
	for from := 0; ; {
		k := strings.IndexByte(fold[from:], '-')
		if k < 0 {
			return ""
		}
		k += from
		from = k + 1
		// version: two hex digits before, not part of a longer word
		if k < 2 || !isHex(fold[k-1]) || !isHex(fold[k-2]) || (k > 2 && isWord(fold[k-3])) {
			continue
		}
		rest := fold[k+1:]
		id, ok := hexRun(rest, 32)
		if !ok || len(rest) < 32+1+16+1+2 || rest[32] != '-' || rest[49] != '-' {
			continue
		}
		if _, ok := hexRun(rest[33:], 16); !ok {
			continue
		}
		if _, ok := hexRun(rest[50:], 2); ok {
			return id
		}
	}
}

// hexRun returns s's first n bytes when they are hex digits not followed
// by another word character, and not all zeros (an invalid id).
func hexRun(s string, n int) (string, bool) {
	if len(s) < n || (len(s) > n && isWord(s[n])) {
		return "", false
	}
	zero := true
	for i := range n {
		if !isHex(s[i]) {
			return "", false
		}
		zero = zero && s[i] == '0'
	}
	return s[:n], !zero
}

func isHex(c byte) bool  { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
func isWord(c byte) bool { return isHex(c) || c >= 'g' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// newEntry makes a stored line from raw text.
func newEntry(t time.Time, src uint16, raw string) entry {
	text := common.Sanitize(raw)
	fold := common.Fold(text)
	return entry{t: t, src: src, text: text, fold: fold, trace: traceID(fold)}
}

package traces

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small, allocation-frugal JSON reader used by the trace
// parsers: it decodes straight into the trace model, with no reflection and
// no intermediate tree, so a 100,000-span file parses in a fraction of the
// time encoding/json needs. Errors carry the byte offset.
type scanner struct {
	b        []byte
	i        int
	err      error
	intern   map[string]string
	depth    int // objects and arrays open
	maxDepth int // 0: DefaultMaxDepth
}

// enter opens an object or array; false (and a failed scan) past maxDepth.
func (s *scanner) enter() bool {
	s.depth++
	limit := s.maxDepth
	if limit <= 0 {
		limit = DefaultMaxDepth
	}
	if s.depth > limit {
		s.fail("nested deeper than %d levels (the limit)", limit)
		return false
	}
	return true
}

// scanError is a syntax or type error at an offset.
type scanError struct {
	off int
	msg string
}

func (e *scanError) Error() string { return e.msg }

func (s *scanner) fail(format string, args ...any) {
	if s.err == nil {
		msg := fmt.Sprintf(format, args...)
		if s.i >= len(s.b) {
			msg = "unexpected end of input (truncated file?): " + msg
		}
		s.err = &scanError{off: s.i, msg: msg}
	}
	s.i = len(s.b) // stop every loop
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func describe(c byte) string {
	switch {
	case c == 0:
		return "the end of input"
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return fmt.Sprintf("%q", c)
}

// object calls fn for each key of an object; fn must consume the value.
// A null counts as an empty object.
func (s *scanner) object(what string, fn func(key []byte)) {
	switch s.peek() {
	case 'n':
		s.literal("null")
		return
	case '{':
	default:
		s.fail("%s: expected an object, found %s", what, describe(s.peek()))
		return
	}
	if !s.enter() {
		return
	}
	s.objectBody(what, fn)
	s.depth--
}

// objectBody reads an object's keys and values after its '{'.
func (s *scanner) objectBody(what string, fn func(key []byte)) {
	s.i++
	if s.peek() == '}' {
		s.i++
		return
	}
	for s.err == nil {
		if s.peek() != '"' {
			s.fail("%s: expected a key in quotes, found %s", what, describe(s.peek()))
			return
		}
		k := s.strBytes()
		if s.peek() != ':' {
			s.fail("%s: expected ':' after key %q, found %s", what, sanitizeSnippet(k, 40), describe(s.peek()))
			return
		}
		s.i++
		fn(k)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.fail("%s: expected ',' or '}' in object, found %s", what, describe(s.peek()))
		}
	}
}

// array calls fn for each element; fn must consume it. null is empty.
func (s *scanner) array(what string, fn func()) {
	switch s.peek() {
	case 'n':
		s.literal("null")
		return
	case '[':
	default:
		s.fail("%s: expected an array, found %s", what, describe(s.peek()))
		return
	}
	if !s.enter() {
		return
	}
	s.arrayBody(what, fn)
	s.depth--
}

// arrayBody reads an array's elements after its '['.
func (s *scanner) arrayBody(what string, fn func()) {
	s.i++
	if s.peek() == ']' {
		s.i++
		return
	}
	for s.err == nil {
		fn()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return
		default:
			s.fail("%s: expected ',' or ']' in array, found %s", what, describe(s.peek()))
		}
	}
}

func (s *scanner) literal(lit string) {
	s.ws()
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return
	}
	s.fail("invalid literal, expected %s", lit)
}

// strBytes reads a string; the result aliases the input when the string
// has no escapes (do not keep it: copy with string()).
func (s *scanner) strBytes() []byte {
	if s.peek() != '"' {
		s.fail("expected a string, found %s", describe(s.peek()))
		return nil
	}
	s.i++
	start := s.i
	q := bytes.IndexByte(s.b[start:], '"')
	if q < 0 {
		s.i = len(s.b)
		s.fail("unexpected end of input in a string")
		return nil
	}
	if bytes.IndexByte(s.b[start:start+q], '\\') < 0 {
		s.i = start + q + 1
		return s.b[start : start+q]
	}
	s.i = start + bytes.IndexByte(s.b[start:], '\\')
	return s.unescape(start)
}

func (s *scanner) unescape(start int) []byte {
	out := make([]byte, 0, s.i-start+16)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := s.hex4()
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					s.i += 2
					r2 = s.hex4()
				}
				r = utf16.DecodeRune(r, r2)
			}
			out = utf8.AppendRune(out, r)
		default:
			s.i -= 2
			s.fail("invalid escape \\%s in a string", describe(e))
			return nil
		}
	}
	s.fail("unexpected end of input in a string")
	return nil
}

func (s *scanner) hex4() rune {
	if s.i+4 > len(s.b) {
		s.fail("invalid \\u escape")
		return utf8.RuneError
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		s.fail("invalid \\u escape")
		return utf8.RuneError
	}
	s.i += 4
	return rune(v)
}

// str reads a string as a new Go string.
func (s *scanner) str() string { return string(s.strBytes()) }

// istr reads a string, interning it (operation names, keys, services
// repeat across spans).
func (s *scanner) istr() string {
	b := s.strBytes()
	if v, ok := s.intern[string(b)]; ok {
		return v
	}
	v := string(b)
	if len(s.intern) < 1<<16 {
		s.intern[v] = v
	}
	return v
}

// number returns the raw bytes of a number.
func (s *scanner) number() []byte {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		s.fail("expected a number, found %s", describe(s.peek()))
	}
	return s.b[start:s.i]
}

// int64 reads an integer written as a number or a string ("123"); null is 0.
func (s *scanner) int64(what string) int64 {
	var raw []byte
	switch c := s.peek(); {
	case c == '"':
		raw = s.strBytes()
	case c == 'n':
		s.literal("null")
		return 0
	case c == '-' || c >= '0' && c <= '9':
		raw = s.number()
	default:
		s.fail("%s: expected an integer, found %s", what, describe(c))
		return 0
	}
	if s.err != nil {
		return 0
	}
	var v int64
	neg := false
	j := 0
	if len(raw) > 0 && raw[0] == '-' {
		neg, j = true, 1
	}
	if j == len(raw) {
		s.fail("%s: not an integer: %q", what, sanitizeSnippet(raw, 24))
		return 0
	}
	for ; j < len(raw); j++ {
		c := raw[j]
		if c < '0' || c > '9' {
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil || math.IsNaN(f) || f >= math.MaxInt64 || f <= math.MinInt64 {
				s.fail("%s: not an integer: %q", what, sanitizeSnippet(raw, 24))
				return 0
			}
			return int64(f)
		}
		if v > (math.MaxInt64-int64(c-'0'))/10 {
			s.fail("%s: integer out of range: %s", what, sanitizeSnippet(raw, 24))
			return 0
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v
}

// skip consumes any value.
func (s *scanner) skip() {
	switch c := s.peek(); {
	case c == '"':
		s.strBytes()
	case c == '{':
		s.object("value", func([]byte) { s.skip() })
	case c == '[':
		s.array("value", s.skip)
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		s.number()
	default:
		s.fail("expected a value, found %s", describe(c))
	}
}

// text reads any value as text: strings unescaped, other values as their
// JSON text.
func (s *scanner) text() string {
	switch s.peek() {
	case '"':
		return s.str()
	case 'n':
		s.literal("null")
		return ""
	}
	start := s.i
	s.skip()
	return string(s.b[start:s.i])
}

// boolOrText reads true/false/other as text; used for enum-like values.
func (s *scanner) enum(what string) (int, string) {
	switch c := s.peek(); {
	case c == '"':
		return 0, s.str()
	case c == 'n':
		s.literal("null")
		return 0, ""
	default:
		return int(s.int64(what)), ""
	}
}

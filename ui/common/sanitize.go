package common

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes a string from outside (API data, trace files, names) safe
// to draw: control characters, escape sequences included, are replaced by
// U+FFFD and line breaks and tabs by spaces, so that nothing foreign ever
// reaches the terminal raw. Invalid UTF-8 is replaced as well.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteRune('\uFFFD')
		case r == '\u200b' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			// zero-width and bidirectional controls would break alignment
			// or reorder what the user reads
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isClean reports whether s is printable ASCII only (the common case, kept
// allocation-free).
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

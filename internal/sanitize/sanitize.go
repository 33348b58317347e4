// Package sanitize is the one place where text from outside the console
// (API data, trace files, tool output, error messages) is made safe to put
// on a terminal: no escape sequence, control character or bidirectional
// override ever reaches the screen raw.
package sanitize

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Replacement is what a dropped control character becomes.
const Replacement = '\uFFFD'

// Line makes s safe to draw as one line: line breaks and tabs become
// spaces; control characters (ESC included, so escape sequences are
// defused), C1 controls, invalid UTF-8, zero-width and bidirectional
// controls become U+FFFD. Printable ASCII is returned as is, without
// allocating.
func Line(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(Replacement)
			i++
			continue
		}
		i += size
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unsafeRune(r):
			b.WriteRune(Replacement)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Output cleans one line of a tool's output (terraform, kubectl): ANSI
// CSI and OSC sequences are removed whole (colours are dropped rather than
// shown as garbage), tabs become four spaces, and what remains goes
// through Line.
func Output(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[': // CSI: ESC [ params final
			i += 2
			for i < len(s) && !(s[i] >= 0x40 && s[i] <= 0x7e) {
				i++
			}
		case c == 0x1b && i+1 < len(s) && s[i+1] == ']': // OSC: ESC ] ... BEL or ESC \
			i += 2
			for i < len(s) && s[i] != 0x07 && !(s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\') {
				i++
			}
			if i < len(s) && s[i] == 0x1b {
				i++
			}
		case c == '\t':
			b.WriteString("    ")
		default:
			b.WriteByte(c)
		}
	}
	return Line(b.String())
}

// Truncate bounds s to at most max bytes, cutting on a rune boundary and
// marking the cut with "…".
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r == '\u200b' || r == '\u200e' || r == '\u200f' || r == '\u2028' || r == '\u2029' || r == '\ufeff':
		return true
	case (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
		return true
	}
	return false
}

// MaxLine bounds a line held by a LineWriter: a longer run of output
// without a newline is passed on as a line of its own.
const MaxLine = 64 * 1024

// LineWriter passes a tool's output to W one complete line at a time,
// each cleaned by Output and ending in "\n". A trailing partial line waits
// for its newline (or for Flush, or until it reaches MaxLine). It is the
// one line splitter of the console (the executor's run output, the child
// processes of actions/proc, the CLI's progress) and is safe for
// concurrent use.
type LineWriter struct {
	W   io.Writer
	mu  sync.Mutex
	buf []byte
}

// NewLineWriter returns a LineWriter writing to w.
func NewLineWriter(w io.Writer) *LineWriter { return &LineWriter{W: w} }

// Write implements io.Writer.
func (l *LineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSuffix(string(l.buf[:i]), "\r")
		l.buf = l.buf[i+1:]
		if _, err := io.WriteString(l.W, Output(line)+"\n"); err != nil {
			return len(p), err
		}
	}
	if len(l.buf) >= MaxLine {
		line := string(l.buf)
		l.buf = nil
		if _, err := io.WriteString(l.W, Output(line)+"\n"); err != nil {
			return len(p), err
		}
	}
	if len(l.buf) == 0 {
		l.buf = nil // do not keep a large array alive
	}
	return len(p), nil
}

// Flush writes a pending partial line, if any.
func (l *LineWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(l.W, Output(string(l.buf))+"\n")
	l.buf = nil
	return err
}

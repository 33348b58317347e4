package sanitize

import (
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// EncodeJSON writes v to w as indented JSON, one value and a newline,
// with the characters Line replaces (DEL, C1 controls, zero-width and
// bidirectional controls) escaped as \uXXXX, in addition to the C0
// controls encoding/json escapes itself. The value decodes unchanged; a
// terminal showing the JSON sees no control character.
func EncodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(&jsonWriter{w: w})
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// jsonWriter escapes unsafe runes of an encoded JSON value. json.Encoder
// writes each value with one Write, so no rune is split across Writes;
// such runes can only occur inside JSON strings, where \uXXXX is valid.
type jsonWriter struct{ w io.Writer }

func (j *jsonWriter) Write(p []byte) (int, error) {
	clean := true
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if jsonUnsafe(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return j.w.Write(p)
	}
	out := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if jsonUnsafe(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonUnsafe: the runes Line replaces that encoding/json leaves raw (it
// escapes C0 controls inside strings; outside them C0 is JSON's own
// whitespace).
func jsonUnsafe(r rune) bool { return r >= 0x7f && unsafeRune(r) }

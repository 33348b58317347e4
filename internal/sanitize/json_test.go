package sanitize

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEncodeJSONEscapesWhatLineReplaces(t *testing.T) {
	tests := []struct {
		name, in, escaped string
	}{
		{"DEL", "a\x7fb", `a\u007fb`},
		{"C1 CSI", "a\u009b31mb", `a\u009b31mb`},
		{"bidi override", "evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"isolate", "x\u2066y", `x\u2066y`},
		{"zero width", "a\u200bb", `a\u200bb`},
		{"ESC (encoding/json)", "a\x1b[31mb", `a\u001b[31mb`},
		{"plain", "web-7d9f", `web-7d9f`},
		{"non-ASCII text kept", "café ✓", `café ✓`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := EncodeJSON(&b, map[string]string{"v": tt.in}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.escaped) {
				t.Errorf("JSON %q lacks %q", b.String(), tt.escaped)
			}
			for _, r := range b.String() {
				if jsonUnsafe(r) {
					t.Errorf("raw %U in %q", r, b.String())
				}
			}
			var back map[string]string
			if err := json.Unmarshal([]byte(b.String()), &back); err != nil || back["v"] != tt.in {
				t.Errorf("round trip: %q, %v; want %q", back["v"], err, tt.in)
			}
		})
	}
}

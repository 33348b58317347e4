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

// FuzzEncodeJSON: the output always decodes to the input and never holds
// a raw control that Line would replace.
func FuzzEncodeJSON(f *testing.F) {
	f.Add("evil\u202etxt \u009b \x7f \x1b[2J")
	f.Add("\xff\xfe invalid")
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		if err := EncodeJSON(&b, []string{s}); err != nil {
			t.Fatal(err)
		}
		for _, r := range b.String() {
			if jsonUnsafe(r) {
				t.Fatalf("raw %U in %q", r, b.String())
			}
		}
		var back []string
		if err := json.Unmarshal([]byte(b.String()), &back); err != nil || len(back) != 1 {
			t.Fatalf("not JSON: %v %q", err, b.String())
		}
		want, _ := json.Marshal(s) // invalid UTF-8 becomes U+FFFD in both
		var w string
		_ = json.Unmarshal(want, &w)
		if back[0] != w {
			t.Fatalf("decoded %q, want %q", back[0], w)
		}
	})
}

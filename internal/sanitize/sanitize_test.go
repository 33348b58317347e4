package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\nb\tc\rd", "a b c d"},
		{"\x1b[2Jclear", "\uFFFD[2Jclear"},
		{"title\x1b]0;x\x07", "title\uFFFD]0;x\uFFFD"},
		{"c1\u009bcsi", "c1\uFFFDcsi"},
		{"bidi\u202eevil", "bidi\uFFFDevil"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"zoné ✓ 日本", "zoné ✓ 日本"},
	}
	for _, tc := range tests {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOutput(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\x1b[1m\x1b[32mApply complete!\x1b[0m", "Apply complete!"},
		{"\x1b]0;title\x07after", "after"},
		{"\x1b]8;;http://x\x1b\\link", "link"},
		{"a\tb", "a    b"},
		{"bell\x07", "bell\uFFFD"},
	}
	for _, tc := range tests {
		if got := Output(tc.in); got != tc.want {
			t.Errorf("Output(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo", 2); got != "h…" {
		t.Errorf("Truncate cut inside a rune: %q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate changed a short string: %q", got)
	}
}

func FuzzLine(f *testing.F) {
	f.Add("\x1b[31mred\x1b[0m\n")
	f.Add("\u202e\xff\x9b")
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Output(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q", s)
			}
			for _, r := range out {
				if r != ' ' && unsafeRune(r) || r == '\n' || r == '\t' {
					t.Fatalf("unsafe rune %U survived in %q", r, out)
				}
			}
			if strings.ContainsRune(out, 0x1b) {
				t.Fatalf("ESC survived in %q", out)
			}
		}
	})
}

func TestLineWriter(t *testing.T) {
	var b strings.Builder
	w := NewLineWriter(&b)
	_, _ = w.Write([]byte("\x1b[32mone\x1b[0m\ntw"))
	_, _ = w.Write([]byte("o\npartial"))
	if b.String() != "one\ntwo\n" {
		t.Fatalf("before flush: %q", b.String())
	}
	w.Flush()
	if b.String() != "one\ntwo\npartial\n" {
		t.Fatalf("after flush: %q", b.String())
	}
}

func TestLineWriterBoundsAndCRLF(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   []string // lines written before Flush
	}{
		{name: "crlf", writes: []string{"a\r\nb\r\n"}, want: []string{"a", "b"}},
		{name: "no newline over MaxLine", writes: []string{strings.Repeat("x", MaxLine-1), "yz"}, want: []string{strings.Repeat("x", MaxLine-1) + "yz"}},
		{name: "under MaxLine waits", writes: []string{strings.Repeat("x", 10)}, want: nil},
		{name: "escape split across writes", writes: []string{"red \x1b[3", "1mtext\n"}, want: []string{"red text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			w := NewLineWriter(&b)
			for _, s := range tt.writes {
				if _, err := w.Write([]byte(s)); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			if b.Len() > 0 {
				got = strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

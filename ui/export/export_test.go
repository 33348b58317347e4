package export

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestParseSGR(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Line
	}{
		{"plain", "ab", []Line{{{Col: 0, Text: "ab"}}}},
		{"16 colours and reset", "\x1b[31mred\x1b[0m ok", []Line{{
			{Col: 0, Text: "red", Style: Style{FG: "#cd0000"}}, {Col: 3, Text: " ok"}}}},
		{"256 and bold", "\x1b[1;38;5;196m✗ bad\x1b[m", []Line{{{Col: 0, Text: "✗ bad", Style: Style{FG: "#ff0000", Bold: true}}}}},
		{"true colour background", "\x1b[48;2;1;2;3mx", []Line{{{Col: 0, Text: "x", Style: Style{BG: "#010203"}}}}},
		{"wide glyph columns", "日本\x1b[4mx", []Line{{{Col: 0, Text: "日本"}, {Col: 4, Text: "x", Style: Style{Underline: true}}}}},
		{"lines and dropped sequences", "a\x1b[2J\x1b]0;title\x07\nb\x1b]8;;http://x\x1b\\c", []Line{{{Col: 0, Text: "a"}}, {{Col: 0, Text: "bc"}}}},
		{"grey ramp and reverse off", "\x1b[7;38;5;232mg\x1b[27mh", []Line{{
			{Col: 0, Text: "g", Style: Style{FG: "#080808", Reverse: true}}, {Col: 1, Text: "h", Style: Style{FG: "#080808"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Parse(tc.in)
			if len(got) != len(tc.want) {
				t.Fatalf("Parse(%q) = %d lines %+v, want %+v", tc.in, len(got), got, tc.want)
			}
			for i := range got {
				if len(got[i]) != len(tc.want[i]) {
					t.Fatalf("line %d = %+v, want %+v", i, got[i], tc.want[i])
				}
				for j := range got[i] {
					if got[i][j] != tc.want[i][j] {
						t.Errorf("line %d run %d = %+v, want %+v", i, j, got[i][j], tc.want[i][j])
					}
				}
			}
		})
	}
}

// frame is a small frame drawn the way the views draw theirs.
func frame() string {
	bad := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("196"))
	badge := lipgloss.NewStyle().Background(lipgloss.Color("205")).Foreground(lipgloss.Color("255"))
	return badge.Render("DEMO") + " console <env> & \"prod\"\n" + bad.Render("✗ 2 pods not ready") + "\n  ● primary ○ replica"
}

// wellFormed parses doc as XML to its end.
func wellFormed(t *testing.T, doc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, doc)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, f, frame(), "console <summary>"); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, glyph := range []string{"✗ 2 pods not ready", "●", "○"} {
				if !strings.Contains(out, glyph) {
					t.Errorf("%s lost %q:\n%s", f, glyph, out)
				}
			}
			switch f {
			case Text:
				if strings.ContainsRune(out, 0x1b) {
					t.Errorf("text has escape codes: %q", out)
				}
			case ANSI:
				if !strings.Contains(out, "\x1b[") {
					t.Errorf("ansi lost its styles: %q", out)
				}
			case HTML:
				wellFormed(t, out)
				for _, want := range []string{"color:#ff0000", "font-weight:bold", "background:#ff5faf", "&lt;env&gt; &amp; &#34;prod&#34;"} {
					if !strings.Contains(out, want) {
						t.Errorf("html lacks %q:\n%s", want, out)
					}
				}
			case SVG:
				wellFormed(t, out)
				for _, want := range []string{`fill="#ff0000"`, `font-weight="bold"`, `fill="#ff5faf"`, "&lt;env&gt;"} {
					if !strings.Contains(out, want) {
						t.Errorf("svg lacks %q:\n%s", want, out)
					}
				}
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"text", "ANSI", "html", "svg"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("png"); err == nil {
		t.Error("ParseFormat(png) accepted")
	}
}

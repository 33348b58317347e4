// Package export turns a rendered console frame (ANSI text, as the views
// draw it) into the formats of `console snapshot`: plain text, ANSI, HTML
// and SVG. HTML and SVG come from one conversion of the ANSI text into
// styled cells (Parse), so both keep the same colours and glyphs; text
// drops every style.
package export

import (
	"fmt"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Format is an output format of a snapshot.
type Format string

// The formats.
const (
	Text Format = "text"
	ANSI Format = "ansi"
	HTML Format = "html"
	SVG  Format = "svg"
)

// Formats are every format, in the order the help lists them.
var Formats = []Format{Text, ANSI, HTML, SVG}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(s))
	if !slices.Contains(Formats, f) {
		return "", fmt.Errorf("unknown format %q (one of text, ansi, html, svg)", s)
	}
	return f, nil
}

// Ext is the usual file extension of the format.
func (f Format) Ext() string {
	switch f {
	case ANSI:
		return ".ans"
	case HTML:
		return ".html"
	case SVG:
		return ".svg"
	default:
		return ".txt"
	}
}

// Style is the look of a run of cells. Colours are "#rrggbb" ("" for the
// terminal's default).
type Style struct {
	FG, BG                         string
	Bold, Faint, Italic, Underline bool
	Reverse, Strike                bool
}

// Run is text of one style starting at column Col (cells, wide glyphs
// count two).
type Run struct {
	Col   int
	Text  string
	Style Style
}

// Line is one line of runs.
type Line []Run

// Width is the line's width in cells.
func (l Line) Width() int {
	if len(l) == 0 {
		return 0
	}
	r := l[len(l)-1]
	return r.Col + ansi.StringWidth(r.Text)
}

// Parse converts ANSI text into styled lines: SGR sequences (16, 256 and
// true colours, bold, faint, italic, underline, reverse, strike) set the
// style; every other escape sequence (cursor moves, OSC titles and
// links) is dropped.
func Parse(s string) []Line {
	var (
		lines []Line
		cur   Line
		st    Style
		buf   strings.Builder
		col   int
		start int
	)
	flush := func() {
		if buf.Len() == 0 {
			return
		}
		t := buf.String()
		if n := len(cur); n > 0 && cur[n-1].Style == st && cur[n-1].Col+ansi.StringWidth(cur[n-1].Text) == start {
			cur[n-1].Text += t // same style, adjacent: one run
		} else {
			cur = append(cur, Run{Col: start, Text: t, Style: st})
		}
		col = start + ansi.StringWidth(t)
		buf.Reset()
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			flush()
			lines = append(lines, cur)
			cur, col, start = nil, 0, 0
			i++
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				flush()
				start = col
				st = applySGR(st, s[i+2:j])
			}
			i = j + 1
		case c == 0x1b && i+1 < len(s) && (s[i+1] == ']' || s[i+1] == 'P' || s[i+1] == '_'):
			// OSC, DCS, APC: up to BEL or ST
			j := i + 2
			for j < len(s) && s[j] != 0x07 && !(s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\') {
				j++
			}
			if j < len(s) && s[j] == 0x1b {
				j++
			}
			i = j + 1
		case c == 0x1b:
			i += 2
		case c < 0x20 || c == 0x7f:
			i++ // other control characters draw nothing
		default:
			if buf.Len() == 0 {
				start = col
			}
			buf.WriteByte(c)
			i++
		}
	}
	flush()
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// applySGR applies the parameters of one SGR sequence to st.
func applySGR(st Style, params string) Style {
	if params == "" {
		return Style{}
	}
	ps := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	num := func(i int) int {
		if i >= len(ps) {
			return -1
		}
		n, err := strconv.Atoi(ps[i])
		if err != nil {
			return -1
		}
		return n
	}
	for i := 0; i < len(ps); i++ {
		n := num(i)
		switch {
		case n == 0:
			st = Style{}
		case n == 1:
			st.Bold = true
		case n == 2:
			st.Faint = true
		case n == 3:
			st.Italic = true
		case n == 4:
			st.Underline = true
		case n == 7:
			st.Reverse = true
		case n == 9:
			st.Strike = true
		case n == 22:
			st.Bold, st.Faint = false, false
		case n == 23:
			st.Italic = false
		case n == 24:
			st.Underline = false
		case n == 27:
			st.Reverse = false
		case n == 29:
			st.Strike = false
		case n >= 30 && n <= 37:
			st.FG = palette256(n - 30)
		case n >= 90 && n <= 97:
			st.FG = palette256(n - 90 + 8)
		case n == 39:
			st.FG = ""
		case n >= 40 && n <= 47:
			st.BG = palette256(n - 40)
		case n >= 100 && n <= 107:
			st.BG = palette256(n - 100 + 8)
		case n == 49:
			st.BG = ""
		case n == 38 || n == 48:
			var c string
			switch num(i + 1) {
			case 5:
				c = palette256(num(i + 2))
				i += 2
			case 2:
				r, g, b := num(i+2), num(i+3), num(i+4)
				if r >= 0 && g >= 0 && b >= 0 {
					c = fmt.Sprintf("#%02x%02x%02x", r&0xff, g&0xff, b&0xff)
				}
				i += 4
			}
			if n == 38 {
				st.FG = c
			} else {
				st.BG = c
			}
		}
	}
	return st
}

// base16 are the xterm defaults of the 16 ANSI colours.
var base16 = [16]string{
	"#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
	"#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
}

// palette256 is the xterm colour of a 256-colour index ("" when out of range).
func palette256(n int) string {
	switch {
	case n < 0 || n > 255:
		return ""
	case n < 16:
		return base16[n]
	case n < 232:
		n -= 16
		lv := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return fmt.Sprintf("#%02x%02x%02x", lv(n/36), lv(n/6%6), lv(n%6))
	default:
		g := 8 + 10*(n-232)
		return fmt.Sprintf("#%02x%02x%02x", g, g, g)
	}
}

// Default colours of the page behind the cells (a dark terminal).
const (
	defaultFG = "#d0d0d0"
	defaultBG = "#1c1c1c"
)

// colours resolves a style's foreground and background (reverse swaps
// them; defaults filled in).
func (s Style) colours() (fg, bg string) {
	fg, bg = s.FG, s.BG
	if fg == "" {
		fg = defaultFG
	}
	if s.Reverse {
		if bg == "" {
			bg = defaultBG
		}
		fg, bg = bg, fg
	}
	return fg, bg
}

// css is the inline CSS of a style ("" for the default look).
func (s Style) css() string {
	var parts []string
	fg, bg := s.colours()
	if fg != defaultFG {
		parts = append(parts, "color:"+fg)
	}
	if bg != "" {
		parts = append(parts, "background:"+bg)
	}
	if s.Bold {
		parts = append(parts, "font-weight:bold")
	}
	if s.Faint {
		parts = append(parts, "opacity:0.6")
	}
	if s.Italic {
		parts = append(parts, "font-style:italic")
	}
	switch {
	case s.Underline && s.Strike:
		parts = append(parts, "text-decoration:underline line-through")
	case s.Underline:
		parts = append(parts, "text-decoration:underline")
	case s.Strike:
		parts = append(parts, "text-decoration:line-through")
	}
	return strings.Join(parts, ";")
}

// Write converts the ANSI frame to format f and writes it to w; title
// names the document (HTML, SVG).
func Write(w io.Writer, f Format, frame, title string) error {
	var out string
	switch f {
	case Text:
		out = ansi.Strip(frame)
		if !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
	case ANSI:
		out = frame
		if !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
	case HTML:
		out = ToHTML(Parse(frame), title)
	case SVG:
		out = ToSVG(Parse(frame), title)
	default:
		return fmt.Errorf("unknown format %q", f)
	}
	_, err := io.WriteString(w, out)
	return err
}

// fontStack is the monospace font of the HTML and SVG documents.
const fontStack = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"

// ToHTML renders lines as a standalone HTML document (well-formed XML as
// well: every element closed, every text escaped).
func ToHTML(lines []Line, title string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>")
	b.WriteString(html.EscapeString(title))
	fmt.Fprintf(&b, "</title><style>body{margin:0;background:%s}pre{margin:0;padding:1em;color:%s;background:%s;font-family:%s;font-size:14px;line-height:1.25}</style></head><body><pre>",
		defaultBG, defaultFG, defaultBG, fontStack)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		col := 0
		for _, r := range l {
			if r.Col > col {
				b.WriteString(strings.Repeat(" ", r.Col-col))
			}
			t := html.EscapeString(r.Text)
			if css := r.Style.css(); css != "" {
				b.WriteString(`<span style="` + css + `">` + t + "</span>")
			} else {
				b.WriteString(t)
			}
			col = r.Col + ansi.StringWidth(r.Text)
		}
	}
	b.WriteString("</pre></body></html>\n")
	return b.String()
}

// SVG cell metrics at a 14px font.
const (
	cellW   = 8.4
	cellH   = 17.0
	padding = 12.0
)

// ToSVG renders lines as a standalone SVG image: a dark background, one
// rectangle per coloured background run, one text element per line with
// a tspan per styled run, placed at its column.
func ToSVG(lines []Line, title string) string {
	cols := 0
	for _, l := range lines {
		cols = max(cols, l.Width())
	}
	w := float64(cols)*cellW + 2*padding
	h := float64(len(lines))*cellH + 2*padding
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">`, w, h, w, h)
	b.WriteString("\n<title>" + html.EscapeString(title) + "</title>\n")
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="%s"/>`+"\n", defaultBG)
	fmt.Fprintf(&b, `<g font-family="%s" font-size="14px" fill="%s" xml:space="preserve">`+"\n", html.EscapeString(fontStack), defaultFG)
	for i, l := range lines {
		y := padding + float64(i)*cellH
		for _, r := range l {
			if _, bg := r.Style.colours(); bg != "" {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`+"\n",
					padding+float64(r.Col)*cellW, y, float64(ansi.StringWidth(r.Text))*cellW, cellH, bg)
			}
		}
		if len(l) == 0 {
			continue
		}
		fmt.Fprintf(&b, `<text y="%.1f">`, y+cellH*0.78)
		for _, r := range l {
			fmt.Fprintf(&b, `<tspan x="%.1f"%s>%s</tspan>`, padding+float64(r.Col)*cellW, svgAttrs(r.Style), html.EscapeString(r.Text))
		}
		b.WriteString("</text>\n")
	}
	b.WriteString("</g>\n</svg>\n")
	return b.String()
}

// svgAttrs are the presentation attributes of a style.
func svgAttrs(s Style) string {
	var b strings.Builder
	if fg, _ := s.colours(); fg != defaultFG {
		b.WriteString(` fill="` + fg + `"`)
	}
	if s.Bold {
		b.WriteString(` font-weight="bold"`)
	}
	if s.Faint {
		b.WriteString(` fill-opacity="0.6"`)
	}
	if s.Italic {
		b.WriteString(` font-style="italic"`)
	}
	switch {
	case s.Underline && s.Strike:
		b.WriteString(` text-decoration="underline line-through"`)
	case s.Underline:
		b.WriteString(` text-decoration="underline"`)
	case s.Strike:
		b.WriteString(` text-decoration="line-through"`)
	}
	return b.String()
}

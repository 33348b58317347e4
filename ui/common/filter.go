package common

import (
	"regexp"
	"strings"
)

// FilterMode is how a filter's pattern matches a row's text.
type FilterMode int

// The filter modes, chosen by the pattern's prefix.
const (
	// Substring: the text contains the pattern (the default).
	Substring FilterMode = iota
	// Regex: the pattern after "~" is a regular expression (RE2 syntax).
	Regex
	// Fuzzy: the pattern after "%" has its characters in the text in order.
	Fuzzy
)

// Filter is a parsed filter: a case-insensitive substring by default,
// a regular expression after "~", a fuzzy pattern after "%"; inverted
// when it starts with "!".
type Filter struct {
	Pattern string
	Invert  bool
	Mode    FilterMode
	// Err says why a regular expression does not compile (the filter then
	// keeps every row).
	Err string
	re  *regexp.Regexp
}

// ParseFilter parses what the user typed after "/".
func ParseFilter(s string) Filter {
	var f Filter
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "!"); ok {
		f.Invert, s = true, strings.TrimSpace(rest)
	}
	switch {
	case strings.HasPrefix(s, "~"):
		f.Mode, s = Regex, s[1:]
	case strings.HasPrefix(s, "%"):
		f.Mode, s = Fuzzy, s[1:]
	}
	f.Pattern = s
	if f.Mode == Regex && s != "" {
		re, err := regexp.Compile("(?i)" + s)
		if err != nil {
			f.Err = "not a regular expression: " + Sanitize(err.Error())
		}
		f.re = re
	}
	return f
}

// Empty reports whether the filter keeps every row.
func (f Filter) Empty() bool { return f.Pattern == "" || f.Err != "" }

// Narrows reports whether every row kept by f is among the rows kept by
// prev, so that f can be applied to prev's result instead of every row
// (typing one more letter of a substring or fuzzy pattern only narrows).
func (f Filter) Narrows(prev Filter) bool {
	return !f.Invert && !prev.Invert && f.Mode == prev.Mode && f.Mode != Regex && !prev.Empty() &&
		strings.HasPrefix(f.Pattern, prev.Pattern)
}

// Fold prepares a row's text for matching (lower case); pages fold their
// filter texts once when they build rows, not on every keystroke.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c >= 'A' && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// Apply returns the indexes (into texts, in order) of the rows f keeps.
// texts must be folded (see Fold). When within is not nil only those
// indexes are considered (see Narrows).
//
// The fuzzy mode has sahilm/fuzzy's semantics (the pattern's characters
// appear in the text in order, case-insensitively; see the differential
// test) without its scoring and allocations: at 50,000 rows a keystroke
// must stay well under a frame.
func (f Filter) Apply(texts []string, within []int) []int {
	out, _ := f.apply(texts, within, false)
	return out
}

// ApplyExactFirst is Apply, and the same rows with the exact matches
// first (the pattern a whole word of the text, between spaces or
// slashes), each group in order: kept is what Narrows may reuse, shown is
// what the user sees.
func (f Filter) ApplyExactFirst(texts []string, within []int) (kept, shown []int) {
	return f.apply(texts, within, true)
}

func (f Filter) apply(texts []string, within []int, exactFirst bool) (kept, shown []int) {
	if f.Empty() {
		if within != nil {
			return within, within
		}
		out := make([]int, len(texts))
		for i := range out {
			out[i] = i
		}
		return out, out
	}
	pat := Fold(f.Pattern)
	var match func(pat, text string) bool
	switch f.Mode {
	case Regex:
		match = func(_, text string) bool { return f.re.MatchString(text) }
	case Fuzzy:
		match = matchASCII
		for i := 0; i < len(pat); i++ {
			if pat[i] >= 0x80 {
				match = matchRunes
				break
			}
		}
	default:
		match = func(pat, text string) bool { return strings.Contains(text, pat) }
	}
	exactFirst = exactFirst && !f.Invert && f.Mode != Regex
	out := make([]int, 0, 64)
	var exact []int
	keep := func(i int) {
		if match(pat, texts[i]) != f.Invert {
			out = append(out, i)
			if exactFirst && wholeWord(texts[i], pat) {
				exact = append(exact, i)
			}
		}
	}
	if within != nil {
		for _, i := range within {
			keep(i)
		}
	} else {
		for i := range texts {
			keep(i)
		}
	}
	if len(exact) == 0 || len(exact) == len(out) {
		return out, out
	}
	shown = make([]int, 0, len(out))
	shown = append(shown, exact...)
	for _, i := range out {
		if !wholeWord(texts[i], pat) {
			shown = append(shown, i)
		}
	}
	return out, shown
}

// wholeWord reports whether pat occurs in text between word boundaries
// (start, end, a space or a slash).
func wholeWord(text, pat string) bool {
	for from := 0; ; {
		k := strings.Index(text[from:], pat)
		if k < 0 {
			return false
		}
		k += from
		end := k + len(pat)
		if (k == 0 || text[k-1] == ' ' || text[k-1] == '/') && (end == len(text) || text[end] == ' ' || text[end] == '/') {
			return true
		}
		from = k + 1
	}
}

// matchASCII reports whether the ASCII pattern is a subsequence of text
// (an ASCII byte never matches inside a multi-byte UTF-8 sequence).
func matchASCII(pat, text string) bool {
	for j := 0; j < len(pat); j++ {
		k := strings.IndexByte(text, pat[j])
		if k < 0 {
			return false
		}
		text = text[k+1:]
	}
	return true
}

// matchRunes is matchASCII for patterns with non-ASCII letters.
func matchRunes(pat, text string) bool {
	p := []rune(pat)
	j := 0
	for _, r := range text {
		if j < len(p) && r == p[j] {
			j++
		}
	}
	return j == len(p)
}

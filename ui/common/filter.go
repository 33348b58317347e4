package common

import (
	"strings"
)

// Filter is a parsed filter: a fuzzy pattern, inverted when it starts with "!".
type Filter struct {
	Pattern string
	Invert  bool
}

// ParseFilter parses what the user typed after "/".
func ParseFilter(s string) Filter {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "!") {
		return Filter{Pattern: strings.TrimSpace(s[1:]), Invert: true}
	}
	return Filter{Pattern: s}
}

// Empty reports whether the filter keeps every row.
func (f Filter) Empty() bool { return f.Pattern == "" }

// Narrows reports whether every row kept by f is among the rows kept by
// prev, so that f can be applied to prev's result instead of every row
// (typing one more letter of a fuzzy pattern only narrows).
func (f Filter) Narrows(prev Filter) bool {
	return !f.Invert && !prev.Invert && strings.HasPrefix(f.Pattern, prev.Pattern)
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
// Matching has sahilm/fuzzy's semantics (the pattern's characters appear
// in the text in order, case-insensitively; see the differential test)
// without its scoring and allocations: at 50,000 rows a keystroke must
// stay well under a frame.
func (f Filter) Apply(texts []string, within []int) []int {
	if f.Empty() {
		if within != nil {
			return within
		}
		out := make([]int, len(texts))
		for i := range out {
			out[i] = i
		}
		return out
	}
	pat := Fold(f.Pattern)
	match := matchASCII
	for i := 0; i < len(pat); i++ {
		if pat[i] >= 0x80 {
			match = matchRunes
			break
		}
	}
	out := make([]int, 0, 64)
	keep := func(i int) {
		if match(pat, texts[i]) != f.Invert {
			out = append(out, i)
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
	return out
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

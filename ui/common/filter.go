package common

import (
	"strings"

	"github.com/sahilm/fuzzy"
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

type subset struct {
	texts []string
	idx   []int
}

func (s subset) String(i int) string { return s.texts[s.idx[i]] }
func (s subset) Len() int            { return len(s.idx) }

type all []string

func (s all) String(i int) string { return s[i] }
func (s all) Len() int            { return len(s) }

// Apply returns the indexes (into texts, in order) of the rows f keeps.
// When within is not nil only those indexes are considered (see Narrows).
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
	var matches fuzzy.Matches
	var mapIdx func(int) int
	if within != nil {
		matches = fuzzy.FindFromNoSort(f.Pattern, subset{texts, within})
		mapIdx = func(i int) int { return within[i] }
	} else {
		matches = fuzzy.FindFromNoSort(f.Pattern, all(texts))
		mapIdx = func(i int) int { return i }
	}
	if !f.Invert {
		out := make([]int, len(matches))
		for i, m := range matches {
			out[i] = mapIdx(m.Index)
		}
		return out
	}
	n := len(texts)
	if within != nil {
		n = len(within)
	}
	hit := make([]bool, n)
	for _, m := range matches {
		hit[m.Index] = true
	}
	out := make([]int, 0, n-len(matches))
	for i := 0; i < n; i++ {
		if !hit[i] {
			out = append(out, mapIdx(i))
		}
	}
	return out
}

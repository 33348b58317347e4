package common

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	texts := []string{"shop/web-1 node-a Running", "shop/cart-1 node-b CrashLoopBackOff", "ops/webhooks-2 node-a Running", "db/pg-0 node-c Running"}
	cases := []struct {
		in   string
		want []int
	}{
		{"", []int{0, 1, 2, 3}},
		{"web", []int{0, 2}},
		{"wb1", []int{}},   // substring by default
		{"%wb1", []int{0}}, // fuzzy: letters in order, not adjacent
		{"!%wb1", []int{1, 2, 3}},
		{"~^(shop|db)/[a-z]+-[01] ", []int{0, 1, 3}}, // regex
		{"!~web", []int{1, 3}},
		{"~web(", []int{0, 1, 2, 3}}, // not a regex: keeps every row (the error is shown)
		{"WEB", []int{0, 2}},         // case-insensitive
		{"!web", []int{1, 3}},
		{"! web", []int{1, 3}},
		{"crash", []int{1}},
		{"zzz", []int{}},
		{"!zzz", []int{0, 1, 2, 3}},
		{"!", []int{0, 1, 2, 3}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			folded := make([]string, len(texts))
			for i, s := range texts {
				folded[i] = Fold(s)
			}
			got := ParseFilter(c.in).Apply(folded, nil)
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("filter %q = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

// TestFilterExactFirst: the rows where the pattern is a whole word come
// first, each group in its order; a regex or an inverted filter keeps the
// order.
func TestFilterExactFirst(t *testing.T) {
	texts := []string{"shop/web-10 node-a", "shop/web-1 node-b", "ops/webhooks node-a", "shop/web node-c", "x/web-1"}
	cases := []struct {
		in         string
		kept, show []int
	}{
		{"web-1", []int{0, 1, 4}, []int{1, 4, 0}},
		{"web", []int{0, 1, 2, 3, 4}, []int{3, 0, 1, 2, 4}},
		{"node-a", []int{0, 2}, []int{0, 2}},
		{"~web-1", []int{0, 1, 4}, []int{0, 1, 4}},
		{"!webhooks", []int{0, 1, 3, 4}, []int{0, 1, 3, 4}},
	}
	for _, c := range cases {
		kept, shown := ParseFilter(c.in).ApplyExactFirst(texts, nil)
		if !reflect.DeepEqual(kept, c.kept) || !reflect.DeepEqual(shown, c.show) {
			t.Errorf("filter %q: kept %v shown %v, want %v %v", c.in, kept, shown, c.kept, c.show)
		}
	}
	if f := ParseFilter("~web("); f.Err == "" || !f.Empty() {
		t.Errorf("a bad regex should say so and keep every row: %+v", f)
	}
}

func TestFilterNarrowing(t *testing.T) {
	texts := []string{"alpha", "alpine", "beta", "alps"}
	prev := ParseFilter("al")
	within := prev.Apply(texts, nil)
	next := ParseFilter("alp")
	if !next.Narrows(prev) {
		t.Fatal("alp should narrow al")
	}
	if got, want := next.Apply(texts, within), next.Apply(texts, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("incremental %v != full %v", got, want)
	}
	if ParseFilter("!alp").Narrows(prev) || ParseFilter("b").Narrows(prev) {
		t.Error("inverted or unrelated filters must not narrow")
	}
}

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"web-1":                   "web-1",
		"evil\x1b[2Jname":         "evil\uFFFD[2Jname",
		"title\x1b]0;pwned\x07":   "title\uFFFD]0;pwned\uFFFD",
		"line\nbreak\ttab\r":      "line break tab ",
		"c1\u009bcsi":             "c1\uFFFDcsi",
		"bidi\u202egnp.exe":       "bidi\uFFFDgnp.exe",
		"ünïcødé ok":              "ünïcødé ok",
		string([]byte{0xff, 'a'}): "\uFFFDa",
	}
	for in, want := range cases {
		got := Sanitize(in)
		if got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "\x1b\x07\n\r\t\u009b") {
			t.Errorf("Sanitize(%q) left a control character: %q", in, got)
		}
	}
}

func TestAge(t *testing.T) {
	cases := map[int64]string{0: "0s", 45: "45s", 90: "1m", 7200: "2h", 3 * 86400: "3d", -5: "0s"}
	for secs, want := range cases {
		if got := Age(time.Duration(secs) * time.Second); got != want {
			t.Errorf("Age(%ds) = %q, want %q", secs, got, want)
		}
	}
}

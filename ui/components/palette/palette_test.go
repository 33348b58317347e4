package palette

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in      string
		want    Command
		wantErr string
	}{
		{"pods", Command{Name: "pods"}, ""},
		{"  po  ", Command{Name: "pods"}, ""},
		{"topology", Command{Name: "topology"}, ""},
		{"asg", Command{Name: "asg"}, ""},
		{"db", Command{Name: "db"}, ""},
		{"lb", Command{Name: "lb"}, ""},
		{"traces", Command{Name: "traces"}, ""},
		{"deps", Command{Name: "deps"}, ""},
		{"services", Command{Name: "deps"}, ""},
		{"graph", Command{Name: "deps"}, ""},
		{"actions", Command{Name: "actions"}, ""},
		{"region eu-west-1", Command{Name: "region", Arg: "eu-west-1"}, ""},
		{"region", Command{Name: "region"}, ""},
		{"region all", Command{Name: "region"}, ""},
		{"env staging", Command{Name: "env", Arg: "staging"}, ""},
		{"trace abc123", Command{Name: "trace", Arg: "abc123"}, ""},
		{"q", Command{Name: "quit"}, ""},
		{"Q", Command{Name: "quit"}, ""},
		{"", Command{}, "empty command"},
		{"bogus", Command{}, "unknown command"},
		{"pods extra", Command{}, "takes no argument"},
		{"env", Command{}, "usage: :env NAME"},
		{"trace a b", Command{}, "usage: :trace ID"},
		{"region a b", Command{}, "usage: :region NAME"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %q", c.in, err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	got := Suggest("p")
	if len(got) != 1 || !strings.HasPrefix(got[0], ":pods") {
		t.Errorf("Suggest(p) = %v", got)
	}
	if n := len(Suggest("")); n != len(specs) {
		t.Errorf("Suggest('') lists %d commands, want %d", n, len(specs))
	}
	if got := Suggest("region eu"); len(got) != 1 || !strings.HasPrefix(got[0], ":region") {
		t.Errorf("Suggest(region eu) = %v", got)
	}
}

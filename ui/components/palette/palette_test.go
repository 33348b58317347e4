package palette

import (
	"slices"
	"strings"
	"testing"
)

// views are the views' commands as the page registry gives them.
var views = []Spec{
	{Name: "topology", Aliases: []string{"top", "tree"}, Help: "the estate as a tree"},
	{Name: "pods", Aliases: []string{"pod", "po"}, Help: "pods"},
	{Name: "asg", Help: "autoscaling groups"},
	{Name: "lb", Help: "load balancers"},
	{Name: "db", Help: "databases"},
	{Name: "traces", Help: "recent traces"},
	{Name: "deps", Aliases: []string{"services", "graph"}, Help: "service dependency graph"},
	{Name: "actions", Aliases: []string{"runs"}, Help: "running and past actions"},
}

func TestParse(t *testing.T) {
	p := New(views)
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
		{"runs", Command{Name: "actions"}, ""},
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
		{"reach bastion orders-1 5432", Command{Name: "reach", Args: []string{"bastion", "orders-1", "5432"}}, ""},
		{"reach bastion orders-1", Command{}, "usage: :reach FROM TO PORT"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := p.Parse(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %q", c.in, err, c.wantErr)
				}
				return
			}
			if err != nil || got.Name != c.want.Name || got.Arg != c.want.Arg || !slices.Equal(got.Args, c.want.Args) {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	p := New(views)
	got := p.Suggest("po")
	if len(got) != 1 || got[0] != ":pods — pods" {
		t.Errorf("Suggest(po) = %v", got)
	}
	all := p.Suggest("")
	if n := len(all); n != len(views)+len(builtins) {
		t.Errorf("Suggest('') lists %d commands, want %d", n, len(views)+len(builtins))
	}
	if all[0] != ":topology — the estate as a tree" || all[len(views)] != ":region NAME — show one region (no name or 'all': every region)" {
		t.Errorf("the views' commands come first, then the built-ins: %v", all)
	}
	if got := p.Suggest("region eu"); len(got) != 1 || !strings.HasPrefix(got[0], ":region") {
		t.Errorf("Suggest(region eu) = %v", got)
	}
	if _, err := New(nil).Parse("pods"); err == nil {
		t.Error("a palette without views should not know :pods")
	}
}

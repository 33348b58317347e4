package actions

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

func TestParamValidate(t *testing.T) {
	replicas := CountParam("replicas", "Replicas", 3, 4, 0, 10)
	unbounded := CountParam("desired", "Desired capacity", 2, 3, 1, -1)
	backup := Param{Name: "backup", Kind: ParamChoice, Choices: []Choice{{Value: "b2"}, {Value: "b1"}}}
	member := Param{Name: "member", Kind: ParamChoice, Choices: []Choice{{Value: "db-2"}, {Value: "db-3", Unavailable: "it is not healthy"}}}
	none := Param{Name: "backup", Kind: ParamChoice}
	cases := []struct {
		name  string
		p     Param
		in    string
		want  string
		wrong string // part of the error, "" when accepted
	}{
		{"count in range", replicas, "7", "7", ""},
		{"count trimmed and normalised", replicas, " 007 ", "7", ""},
		{"count at the bounds", replicas, "0", "0", ""},
		{"count at the max", replicas, "10", "10", ""},
		{"count above the max", replicas, "11", "", "above the maximum 10"},
		{"count below the min", replicas, "-1", "", "below the minimum 0"},
		{"count not a number", replicas, "three", "", "not a whole number"},
		{"count empty", replicas, "", "", "give a whole number"},
		{"no upper bound", unbounded, "500", "500", ""},
		{"min still holds", unbounded, "0", "", "below the minimum 1"},
		{"a listed choice", backup, "b1", "b1", ""},
		{"an unknown choice names the others", backup, "b9", "", "one of: b2, b1"},
		{"an unavailable choice says why", member, "db-3", "", "db-3 cannot be chosen: it is not healthy"},
		{"unavailable ones are not suggested", member, "x", "", "one of: db-2"},
		{"nothing to choose from", none, "b1", "", "nothing to choose from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.p.Validate(c.in)
			if c.wrong == "" {
				if err != nil || got != c.want {
					t.Errorf("Validate(%q) = %q, %v; want %q", c.in, got, err, c.want)
				}
				return
			}
			if !errors.Is(err, ErrBadParam) || !strings.Contains(err.Error(), c.wrong) {
				t.Errorf("Validate(%q) = %q, %v; want ErrBadParam saying %q", c.in, got, err, c.wrong)
			}
		})
	}
	if replicas.Help != "now 3; 0 to 10" || unbounded.Help != "now 2; at least 1" {
		t.Errorf("help lines %q, %q", replicas.Help, unbounded.Help)
	}
}

// sized is an action with one count parameter.
type sized struct {
	Steps
	n   int
	err error
}

func (s *sized) Params() []Param { return []Param{CountParam("replicas", "Replicas", 1, s.n, 0, 5)} }
func (s *sized) SetParam(_, v string) error {
	if s.err != nil {
		return s.err
	}
	s.n, _ = strconv.Atoi(v)
	return nil
}

func TestSetParam(t *testing.T) {
	a := &sized{Steps: Steps{Def: Spec{Name: VerbScale}, DoPreview: func(context.Context, io.Writer) (Plan, error) { return Plan{}, nil }}}
	if err := SetParam(a, "replicas", "4"); err != nil || a.n != 4 {
		t.Fatalf("SetParam: %v, n=%d", err, a.n)
	}
	if err := SetParam(a, "replicas", "9"); !errors.Is(err, ErrBadParam) || a.n != 4 {
		t.Errorf("out of bounds: %v, n=%d (must not change)", err, a.n)
	}
	if err := SetParam(a, "backup", "x"); !errors.Is(err, ErrNoParam) || !strings.Contains(err.Error(), "it takes --replicas") {
		t.Errorf("undeclared parameter: %v", err)
	}
	a.err = errors.New("the group is gone")
	if err := SetParam(a, "replicas", "2"); !errors.Is(err, ErrBadParam) || !strings.Contains(err.Error(), "the group is gone") {
		t.Errorf("the action's own refusal: %v", err)
	}
	plain := &Steps{Def: Spec{Name: VerbRestart}}
	if ParamsOf(plain) != nil {
		t.Error("an action without parameters declares some")
	}
	if err := SetParam(plain, "replicas", "1"); !errors.Is(err, ErrNoParam) || !strings.Contains(err.Error(), "restart takes no --replicas (it takes no parameters)") {
		t.Errorf("no parameters: %v", err)
	}
}

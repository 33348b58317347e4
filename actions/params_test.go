package actions

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// validateCase is one value given to a parameter's Validate.
type validateCase struct {
	name  string
	p     Param
	in    string
	want  string
	wrong string // part of the error, "" when accepted
}

// checkValidate runs Validate on each case.
func checkValidate(t *testing.T, cases []validateCase) {
	t.Helper()
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
}

func TestParamValidate(t *testing.T) {
	replicas := CountParam("replicas", "Replicas", 3, 4, 0, 10)
	unbounded := CountParam("desired", "Desired capacity", 2, 3, 1, -1)
	backup := Param{Name: "backup", Kind: ParamChoice, Choices: []Choice{{Value: "b2"}, {Value: "b1"}}}
	member := Param{Name: "member", Kind: ParamChoice, Choices: []Choice{{Value: "db-2"}, {Value: "db-3", Unavailable: "it is not healthy"}}}
	none := Param{Name: "backup", Kind: ParamChoice}
	cases := []validateCase{
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
	checkValidate(t, cases)
	if replicas.Help != "now 3; 0 to 10" || unbounded.Help != "now 2; at least 1" {
		t.Errorf("help lines %q, %q", replicas.Help, unbounded.Help)
	}
}

// TestParamValidateTimeAndName: a point in time (absolute or relative,
// inside the restorable window) and the name of a new object (its syntax,
// not the live one, not one that exists), as the form and the flags check
// them.
func TestParamValidateTimeAndName(t *testing.T) {
	now := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	at := Param{Name: "at", Kind: ParamTime, Optional: true, Now: func() time.Time { return now },
		Earliest: now.Add(-2 * time.Hour), Latest: now.Add(-5 * time.Minute)}
	required := at
	required.Optional = false
	open := Param{Name: "at", Kind: ParamTime, Now: func() time.Time { return now }}
	dns := Param{Name: "target", Kind: ParamName, Optional: true, Rule: NameDNSLabel, Current: "orders", Taken: []string{"orders-copy"}}
	rds := Param{Name: "target", Kind: ParamName, Rule: NameRDSIdentifier, Current: "aurora-main", Taken: []string{"Aurora-Old"}}
	cases := []validateCase{
		{"RFC 3339 in the window, normalised to UTC", at, "2026-12-01T21:30:00+01:00", "2026-12-01T20:30:00Z", ""},
		{"fractions of a second kept", at, "2026-12-01T20:47:44.123456Z", "2026-12-01T20:47:44.123456Z", ""},
		{"relative, counted back from now", at, "-15m", "2026-12-01T20:45:00Z", ""},
		{"relative with hours", at, " -1h30m ", "2026-12-01T19:30:00Z", ""},
		{"the earliest itself", at, "2026-12-01T19:00:00Z", "2026-12-01T19:00:00Z", ""},
		{"the latest itself", at, "-5m", "2026-12-01T20:55:00Z", ""},
		{"before the window", at, "-3h", "", "before the earliest restorable time 2026-12-01T19:00:00Z"},
		{"after the window", at, "-1m", "", "after the latest restorable time 2026-12-01T20:55:00Z"},
		{"in the future", at, "+15m", "", "in the future"},
		{"not a duration", at, "-15 minutes", "", "not a duration"},
		{"not a time", at, "yesterday", "", "not an RFC 3339 time"},
		{"a date alone is not a time", at, "2026-12-01", "", "not an RFC 3339 time"},
		{"empty and optional: none", at, "", "", ""},
		{"empty and required", required, "", "", "give a time"},
		{"no window: any past time", open, "-720h", "2026-11-01T21:00:00Z", ""},
		{"a DNS label", dns, "orders-pitr-1", "orders-pitr-1", ""},
		{"empty and optional: generated", dns, "", "", ""},
		{"uppercase is not a DNS label", dns, "Orders", "", "not a DNS-1123 label"},
		{"an underscore", dns, "orders_pitr", "", "not a DNS-1123 label"},
		{"ending with a hyphen", dns, "orders-", "", "not a DNS-1123 label"},
		{"64 characters", dns, strings.Repeat("a", 64), "", "not a DNS-1123 label"},
		{"63 characters", dns, strings.Repeat("a", 63), strings.Repeat("a", 63), ""},
		{"the live one", dns, "orders", "", "orders is the live one"},
		{"one that exists", dns, "orders-copy", "", "orders-copy already exists"},
		{"an RDS identifier, lowercased", rds, "Aurora-PITR", "aurora-pitr", ""},
		{"two hyphens in a row", rds, "aurora--pitr", "", "not a DB cluster identifier"},
		{"starting with a digit", rds, "1aurora", "", "not a DB cluster identifier"},
		{"the live one, whatever its case", rds, "AURORA-MAIN", "", "aurora-main is the live one"},
		{"an existing one, whatever its case", rds, "aurora-old", "", "aurora-old already exists"},
		{"required and empty", rds, "", "", "give a name"},
	}
	checkValidate(t, cases)
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

package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
)

// TestParamForm: the form checks each value with the parameter's own
// Validate before it lets the preview start, says why it refuses, and
// hands over the values chosen.
func TestParamForm(t *testing.T) {
	count := actions.CountParam("desired", "Desired capacity", 3, 4, 1, 6)
	choice := actions.Param{Name: "member", Kind: actions.ParamChoice, Value: "db-2", Choices: []actions.Choice{
		{Value: "db-2", Label: "lag 0s"}, {Value: "db-3", Label: "lag 9s", Unavailable: "it is not healthy"}, {Value: "db-4", Label: "lag 1s"}}}
	cases := []struct {
		name   string
		params []actions.Param
		keys   []string
		done   bool
		want   string // values when done; the error shown when not
	}{
		{"the defaults", []actions.Param{count}, []string{"enter"}, true, "desired=4"},
		{"a number typed", []actions.Param{count}, []string{"backspace", "6", "enter"}, true, "desired=6"},
		{"above the group's max", []actions.Param{count}, []string{"backspace", "9", "enter"}, false, "9 is above the maximum 6"},
		{"letters are not typed into a count", []actions.Param{count}, []string{"x", "enter"}, true, "desired=4"},
		{"emptied", []actions.Param{count}, []string{"backspace", "enter"}, false, "give a whole number"},
		{"stepped within bounds", []actions.Param{count}, []string{"up", "up", "up", "up", "enter"}, true, "desired=6"},
		{"a choice moved", []actions.Param{choice}, []string{"down", "down", "enter"}, true, "member=db-4"},
		{"an unavailable choice refused", []actions.Param{choice}, []string{"down", "enter"}, false, "db-3 cannot be chosen: it is not healthy"},
		{"two fields, the second wrong", []actions.Param{choice, count}, []string{"tab", "backspace", "0", "enter"}, false, "0 is below the minimum 1"},
		{"two fields", []actions.Param{choice, count}, []string{"down", "down", "tab", "backspace", "2", "enter"}, true, "member=db-4,desired=2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newParamForm(c.params)
			done := false
			for _, k := range c.keys {
				done = f.key(keyMsg(k))
			}
			if done != c.done {
				t.Fatalf("done = %v, want %v (errors %q)", done, c.done, f.fields[f.focus].err)
			}
			if done {
				var got []string
				for _, v := range f.values() {
					got = append(got, v[0]+"="+v[1])
				}
				if strings.Join(got, ",") != c.want {
					t.Errorf("values %v, want %s", got, c.want)
				}
				return
			}
			if err := f.fields[f.focus].err; !strings.Contains(err, c.want) {
				t.Errorf("error %q, want %q", err, c.want)
			}
		})
	}
}

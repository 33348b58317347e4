package ui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/ui/common"
)

// paramForm asks for the parameters an action declares
// (actions.Parameterized) before its preview: a list to choose from for a
// choice (a backup, a replica), a number for a count (replicas, a desired
// capacity), a line of text for a point in time (RFC 3339 or -15m, the
// restorable window in its hint) or a new name (a restore's target). Each value is checked by the parameter's own Validate — the
// rule the command line's flags go through — before the form lets the
// preview start. It is the action flow's, drawn in its panel (wrapped,
// scrolling with the cursor) so nothing in it is ever cut.
type paramForm struct {
	fields []paramField
	focus  int
}

// paramField is one parameter being filled in.
type paramField struct {
	p      actions.Param
	cursor int          // choice: the highlighted choice
	input  common.Input // count, time, name: the text typed
	err    string       // what Validate said of the last value tried
}

// newParamForm starts a form on the declared parameters, each on its
// current value (the action's default).
func newParamForm(ps []actions.Param) *paramForm {
	f := &paramForm{}
	for _, p := range ps {
		fl := paramField{p: p}
		switch p.Kind {
		case actions.ParamChoice:
			for i, c := range p.Choices {
				if c.Value == p.Value {
					fl.cursor = i
				}
			}
		default:
			fl.input.Value = p.Value
		}
		f.fields = append(f.fields, fl)
	}
	return f
}

// value is what the field holds now.
func (fl *paramField) value() string {
	if fl.p.Kind == actions.ParamChoice {
		if fl.cursor < len(fl.p.Choices) {
			return fl.p.Choices[fl.cursor].Value
		}
		return ""
	}
	return fl.input.Value
}

// check validates the field's value, keeping the error to show (without
// the "bad parameter: NAME: " the field's title already says).
func (fl *paramField) check() bool {
	fl.err = ""
	if _, err := fl.p.Validate(fl.value()); err != nil {
		fl.err = strings.TrimPrefix(err.Error(), actions.ErrBadParam.Error()+": ")
		fl.err = strings.TrimPrefix(fl.err, fl.p.Name+": ")
		return false
	}
	return true
}

// key handles a key; done reports that every value passed its check and
// the preview may start.
func (f *paramForm) key(k tea.KeyPressMsg) (done bool) {
	if len(f.fields) == 0 {
		return true
	}
	fl := &f.fields[f.focus]
	switch k.String() {
	case "tab":
		f.focus = (f.focus + 1) % len(f.fields)
		return false
	case "shift+tab":
		f.focus = (f.focus + len(f.fields) - 1) % len(f.fields)
		return false
	case "enter":
		if !fl.check() {
			return false
		}
		for i := range f.fields { // the first field still wrong gets the focus
			if !f.fields[i].check() {
				f.focus = i
				return false
			}
		}
		return true
	}
	if fl.p.Kind == actions.ParamTime || fl.p.Kind == actions.ParamName {
		fl.input.HandleKey(k)
		fl.err = ""
		return false
	}
	if fl.p.Kind == actions.ParamChoice {
		switch k.String() {
		case "up", "k":
			fl.cursor = max(0, fl.cursor-1)
		case "down", "j":
			fl.cursor = min(len(fl.p.Choices)-1, fl.cursor+1)
		case "home", "g":
			fl.cursor = 0
		case "end", "G":
			fl.cursor = max(0, len(fl.p.Choices)-1)
		}
		fl.err = ""
		return false
	}
	switch k.String() {
	case "up", "+":
		fl.step(1)
	case "down", "-":
		fl.step(-1)
	default:
		if t := k.Text; t != "" && strings.Trim(t, "0123456789") != "" {
			return false // a count takes digits only
		}
		fl.input.HandleKey(k)
		fl.err = ""
	}
	return false
}

// step moves a count by d within its bounds.
func (fl *paramField) step(d int) {
	n, err := strconv.Atoi(strings.TrimSpace(fl.input.Value))
	if err != nil {
		n, _ = strconv.Atoi(fl.p.Current)
	}
	n += d
	n = max(n, fl.p.Min)
	if fl.p.Max >= fl.p.Min {
		n = min(n, fl.p.Max)
	}
	fl.input.Value = strconv.Itoa(n)
	fl.err = ""
}

// values are the form's values by parameter name (all checked).
func (f *paramForm) values() [][2]string {
	out := make([][2]string, 0, len(f.fields))
	for i := range f.fields {
		v, _ := f.fields[i].p.Validate(f.fields[i].value())
		out = append(out, [2]string{f.fields[i].p.Name, v})
	}
	return out
}

// render adds the form's lines (wrapped to w by add/addIndented) and
// returns the line the focused choice is on, for the panel to keep it in
// sight.
func (f *paramForm) render(th *common.Theme, w int, lines *[]string) (cursorLine int) {
	add := func(s string) { *lines = append(*lines, wrapTo(s, w)...) }
	for i := range f.fields {
		fl := &f.fields[i]
		focused := i == f.focus
		title := common.Sanitize(fl.p.Title)
		if focused {
			title = "▸ " + title
		} else {
			title = "  " + title
		}
		add(th.Header.Render(title))
		if fl.p.Help != "" {
			for _, l := range wrapTo(common.Sanitize(fl.p.Help), w-4) {
				*lines = append(*lines, "    "+th.Muted.Render(l))
			}
		}
		switch fl.p.Kind {
		case actions.ParamChoice:
			if len(fl.p.Choices) == 0 {
				add(th.Warn.Render("    nothing to choose from"))
			}
			for j, c := range fl.p.Choices {
				mark := "  "
				if j == fl.cursor {
					mark = "● "
				}
				s := common.Sanitize(c.Value + "  " + c.Label)
				if c.Unavailable != "" {
					s = "✗ " + s + " — " + common.Sanitize(c.Unavailable)
				}
				if focused && j == fl.cursor {
					cursorLine = len(*lines)
				}
				for k, l := range wrapTo(s, w-6) {
					lead := "      "
					if k == 0 {
						lead = "    " + mark
					}
					switch {
					case focused && j == fl.cursor:
						*lines = append(*lines, th.Selected.Render(lead+l))
					case c.Unavailable != "":
						*lines = append(*lines, th.Disabled.Render(lead+l))
					default:
						*lines = append(*lines, lead+l)
					}
				}
			}
		default:
			in := fl.input
			in.Prompt = "    " + common.Sanitize(fl.p.Name) + ": "
			if focused {
				cursorLine = len(*lines)
				add(in.View(th))
			} else {
				add(th.Prompt.Render(in.Prompt) + in.Value)
			}
		}
		if fl.err != "" { // one line: what the value lacks is in the hint above
			*lines = append(*lines, th.Error.Render(ansi.Truncate("    ✗ "+common.Sanitize(fl.err), w, "…")))
		}
	}
	return cursorLine
}

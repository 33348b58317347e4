package actions

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParamKind is the type of a parameter's value.
type ParamKind int

const (
	// ParamCount is a whole number between Min and Max (replicas, a
	// desired capacity).
	ParamCount ParamKind = iota
	// ParamChoice is one of Choices (a backup, a member to promote).
	ParamChoice
)

// Choice is one value a ParamChoice parameter may take.
type Choice struct {
	// Value is what the action receives (a backup id, a member name).
	Value string `json:"value"`
	// Label is what the user reads next to it: a backup's time and size, a
	// member's role, lag and health.
	Label string `json:"label"`
	// Unavailable, when set, says why this value cannot be chosen (an
	// unhealthy replica): it is listed, but Validate refuses it.
	Unavailable string `json:"unavailable,omitempty"`
}

// Param is one parameter an action takes, declared by the action so that
// the command line (the flag --Name) and the TUI's form ask for it the
// same way and check it with the same rule (Validate) before the preview.
type Param struct {
	// Name is the parameter and its command-line flag: replicas, desired,
	// backup, member.
	Name string `json:"name"`
	// Title is the form's label, e.g. "Replicas".
	Title string `json:"title"`
	// Help is one line under it, e.g. "current 3; 0 to 1000".
	Help string `json:"help,omitempty"`
	// Kind is the type of the value.
	Kind ParamKind `json:"kind"`
	// Min and Max bound a ParamCount (inclusive); Max < Min means no upper bound.
	Min int `json:"min"`
	Max int `json:"max"`
	// Current is the value the target has now ("3"), when it has one.
	Current string `json:"current,omitempty"`
	// Value is the value the action will use: its default until set.
	Value string `json:"value"`
	// Choices are the values of a ParamChoice, in the order shown (backups
	// newest first).
	Choices []Choice `json:"choices,omitempty"`
}

// Errors of parameters (both are bad usage: exit 2).
var (
	// ErrBadParam marks a value a parameter does not accept.
	ErrBadParam = errors.New("bad parameter")
	// ErrNoParam marks a parameter the action does not take.
	ErrNoParam = errors.New("no such parameter")
)

// CountParam is a ParamCount parameter from current to value, bounded by
// lo…hi (hi < lo: no upper bound), with its help line.
func CountParam(name, title string, current, value, lo, hi int) Param {
	p := Param{Name: name, Title: title, Kind: ParamCount, Min: lo, Max: hi, Current: strconv.Itoa(current), Value: strconv.Itoa(value)}
	if hi >= lo {
		p.Help = fmt.Sprintf("now %d; %d to %d", current, lo, hi)
	} else {
		p.Help = fmt.Sprintf("now %d; at least %d", current, lo)
	}
	return p
}

// Validate checks v against the parameter and returns it normalised
// (trimmed; a count without sign or leading zeros). The error wraps
// ErrBadParam and says what is accepted.
func (p Param) Validate(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch p.Kind {
	case ParamCount:
		n, err := strconv.Atoi(v)
		switch {
		case v == "":
			return "", fmt.Errorf("%w: %s: give a whole number", ErrBadParam, p.Name)
		case err != nil:
			return "", fmt.Errorf("%w: %s: %q is not a whole number", ErrBadParam, p.Name, v)
		case n < p.Min:
			return "", fmt.Errorf("%w: %s: %d is below the minimum %d", ErrBadParam, p.Name, n, p.Min)
		case p.Max >= p.Min && n > p.Max:
			return "", fmt.Errorf("%w: %s: %d is above the maximum %d", ErrBadParam, p.Name, n, p.Max)
		}
		return strconv.Itoa(n), nil
	case ParamChoice:
		var names []string
		for _, c := range p.Choices {
			if c.Value == v {
				if c.Unavailable != "" {
					return "", fmt.Errorf("%w: %s: %s cannot be chosen: %s", ErrBadParam, p.Name, v, c.Unavailable)
				}
				return v, nil
			}
			if c.Unavailable == "" {
				names = append(names, c.Value)
			}
		}
		if len(names) == 0 {
			return "", fmt.Errorf("%w: %s: there is nothing to choose from", ErrBadParam, p.Name)
		}
		return "", fmt.Errorf("%w: %s: no %q; one of: %s", ErrBadParam, p.Name, v, strings.Join(names, ", "))
	}
	return "", fmt.Errorf("%w: %s: unknown kind", ErrBadParam, p.Name)
}

// Parameterized is implemented by actions that take parameters. Params
// lists them with their current values; SetParam sets one, before the
// action is prepared (the value has passed Param.Validate; the action
// may still refuse it, e.g. a backup that has since gone).
type Parameterized interface {
	Params() []Param
	SetParam(name, value string) error
}

// ParamsOf returns the parameters an action takes (none for most).
func ParamsOf(a Action) []Param {
	if p, ok := a.(Parameterized); ok {
		return p.Params()
	}
	return nil
}

// SetParam validates value against the parameter name that a declares and
// sets it. A parameter a does not take is ErrNoParam (saying which it
// takes); a value it does not accept ErrBadParam.
func SetParam(a Action, name, value string) error {
	ps := ParamsOf(a)
	var names []string
	for _, p := range ps {
		if p.Name != name {
			names = append(names, "--"+p.Name)
			continue
		}
		v, err := p.Validate(value)
		if err != nil {
			return err
		}
		if err := a.(Parameterized).SetParam(name, v); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadParam, name, err)
		}
		return nil
	}
	takes := "no parameters"
	if len(names) > 0 {
		takes = strings.Join(names, ", ")
	}
	return fmt.Errorf("%w: %s takes no --%s (it takes %s)", ErrNoParam, a.Spec().Name, name, takes)
}

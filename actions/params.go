package actions

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParamKind is the type of a parameter's value.
type ParamKind int

const (
	// ParamCount is a whole number between Min and Max (replicas, a
	// desired capacity).
	ParamCount ParamKind = iota
	// ParamChoice is one of Choices (a backup, a member to promote).
	ParamChoice
	// ParamTime is a point in time: RFC 3339 ("2026-12-01T20:30:00Z"), or
	// relative to now as a negative Go duration ("-15m", "-1h30m"); within
	// Earliest…Latest where they are set (a restorable window).
	// Normalised to RFC 3339 in UTC, fractions of a second kept.
	ParamTime
	// ParamName is the name of a new object (a restored instance, a new
	// cluster): Rule's syntax, not Current (the live one), not one of
	// Taken (the names that exist).
	ParamName
)

// NameRule is the syntax a ParamName value must follow.
type NameRule int

const (
	// NameDNSLabel is an RFC 1123 label as Kubernetes checks it
	// (IsDNS1123Label): at most 63 lowercase letters, digits and '-',
	// starting and ending with a letter or a digit.
	NameDNSLabel NameRule = iota
	// NameRDSIdentifier is an RDS DB cluster identifier: 1 to 63 letters,
	// digits or hyphens, starting with a letter, no two consecutive
	// hyphens, not ending with one; case-insensitive (RDS stores it in
	// lowercase, so it is normalised to lowercase).
	NameRDSIdentifier
)

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	rdsID    = regexp.MustCompile(`^[a-z](-?[a-z0-9])*$`)
)

// check returns why name does not follow the rule, or "".
func (r NameRule) check(name string) string {
	switch r {
	case NameRDSIdentifier:
		if len(name) > 63 || !rdsID.MatchString(name) {
			return "is not a DB cluster identifier (1 to 63 letters, digits and single hyphens, starting with a letter, not ending with a hyphen)"
		}
	default:
		if len(name) > 63 || !dnsLabel.MatchString(name) {
			return "is not a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
		}
	}
	return ""
}

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
	// Optional accepts an empty value for a ParamTime or a ParamName: the
	// action then does without (no point in time) or picks its own (a
	// generated name).
	Optional bool `json:"optional,omitempty"`
	// Earliest and Latest bound a ParamTime (inclusive), where set: the
	// engine's restorable window as last read (the action checks it again
	// against a fresh read before it runs).
	Earliest time.Time `json:"earliest,omitzero"`
	Latest   time.Time `json:"latest,omitzero"`
	// Now is the clock a relative ParamTime counts from (nil: time.Now).
	Now func() time.Time `json:"-"`
	// Rule is the syntax of a ParamName.
	Rule NameRule `json:"rule,omitempty"`
	// Taken are the names a ParamName may not take: the objects that exist
	// (Current, the live one, is refused with its own reason).
	Taken []string `json:"taken,omitempty"`
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
	case ParamTime:
		if v == "" && p.Optional {
			return "", nil
		}
		t, err := p.parseTime(v)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrBadParam, p.Name, err)
		}
		const show = time.RFC3339
		switch {
		case !p.Earliest.IsZero() && t.Before(p.Earliest):
			return "", fmt.Errorf("%w: %s: %s is before the earliest restorable time %s", ErrBadParam, p.Name, t.UTC().Format(show), p.Earliest.UTC().Format(show))
		case !p.Latest.IsZero() && t.After(p.Latest):
			return "", fmt.Errorf("%w: %s: %s is after the latest restorable time %s", ErrBadParam, p.Name, t.UTC().Format(show), p.Latest.UTC().Format(show))
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	case ParamName:
		if v == "" {
			if p.Optional {
				return "", nil
			}
			return "", fmt.Errorf("%w: %s: give a name", ErrBadParam, p.Name)
		}
		if p.Rule == NameRDSIdentifier {
			v = strings.ToLower(v)
		}
		if why := p.Rule.check(v); why != "" {
			return "", fmt.Errorf("%w: %s: %q %s", ErrBadParam, p.Name, v, why)
		}
		if strings.EqualFold(v, p.Current) {
			return "", fmt.Errorf("%w: %s: %s is the live one: name a new one", ErrBadParam, p.Name, v)
		}
		if slices.ContainsFunc(p.Taken, func(n string) bool { return strings.EqualFold(n, v) }) {
			return "", fmt.Errorf("%w: %s: %s already exists", ErrBadParam, p.Name, v)
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: %s: unknown kind", ErrBadParam, p.Name)
}

// parseTime reads an RFC 3339 time, or a negative duration counted back
// from now.
func (p Param) parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, errors.New("give a time: RFC 3339 (2026-12-01T20:30:00Z) or relative (-15m)")
	}
	if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
		d, err := time.ParseDuration(v)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a duration such as -15m or -1h30m", v)
		}
		if d >= 0 {
			return time.Time{}, fmt.Errorf("%q is in the future: a relative time counts back, e.g. -15m", v)
		}
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		return now().Add(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-12-01T20:30:00Z) nor relative (-15m)", v)
	}
	return t, nil
}

// TimeValue is the time of a ParamTime value as Validate returned it
// (RFC 3339): the zero time for an empty (optional) one.
func TimeValue(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, v)
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

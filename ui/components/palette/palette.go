// Package palette parses the ":" command palette: the views' commands
// (from the page registry, see pages.Views) and the built-in ones.
package palette

import (
	"fmt"
	"slices"
	"strings"
)

// Command is one parsed palette command.
type Command struct {
	// Name is the canonical command: a view's name, or one of the
	// built-ins: region, env, trace, reach, refresh, help, quit.
	Name string
	// Arg is the argument of region, env and trace.
	Arg string
	// Args are the arguments of a command that takes several (reach).
	Args []string
}

// Spec describes one command for parsing and for the help list.
type Spec struct {
	// Name is the canonical command.
	Name string
	// Aliases are the other words for it.
	Aliases []string
	// Arg names the arguments ("" when the command takes none; a "?"
	// prefix makes a single one optional).
	Arg string
	// Help is the one-line help.
	Help string
}

// builtins are the commands that are not views, after the views.
var builtins = []Spec{
	{"region", nil, "?NAME", "show one region (no name or 'all': every region)"},
	{"env", nil, "NAME", "switch environment"},
	{"trace", nil, "ID", "open a trace by id"},
	{"reach", nil, "FROM TO PORT", "can FROM reach TO on a TCP port? (the rule that allows or blocks it)"},
	{"ctx", []string{"context", "contexts"}, "?NAME", "Kubernetes contexts: list, switch, or add one alongside (all: every one)"},
	{"ns", []string{"namespace"}, "?NAME", "Kubernetes namespace of every view (all: every one); 0-9 favourites"},
	{"present", nil, "", "present your view to the other sessions (console serve; again: stop)"},
	{"follow", nil, "?NAME", "follow NAME's presented view, read-only (console serve)"},
	{"unfollow", nil, "", "stop following (esc does too)"},
	{"approve", nil, "", "review another person's action waiting for approval (console serve; A)"},
	{"refresh", nil, "", "refresh every source now"},
	{"help", nil, "", "show all keys"},
	{"quit", []string{"q", "q!", "quit!", "exit"}, "", "quit"},
}

// Palette knows the commands: the views' then the built-ins.
type Palette struct{ specs []Spec }

// New returns the palette of the views' commands (in the registry's
// order) and the built-ins.
func New(views []Spec) *Palette {
	return &Palette{specs: append(slices.Clip(views), builtins...)}
}

// Parse parses the text typed after ":".
func (p *Palette) Parse(input string) (Command, error) {
	fields := strings.Fields(input)
	if len(fields) == 0 {
		return Command{}, fmt.Errorf("empty command: try :pods, :nodes, :topology")
	}
	word := strings.ToLower(fields[0])
	for _, s := range p.specs {
		if word != s.Name && !slices.Contains(s.Aliases, word) {
			continue
		}
		args := fields[1:]
		switch {
		case s.Arg == "" && len(args) > 0:
			return Command{}, fmt.Errorf(":%s takes no argument", s.Name)
		case strings.HasPrefix(s.Arg, "?") && len(args) > 1,
			s.Arg != "" && !strings.HasPrefix(s.Arg, "?") && len(args) != len(strings.Fields(s.Arg)):
			return Command{}, fmt.Errorf("usage: :%s %s", s.Name, strings.TrimPrefix(s.Arg, "?"))
		}
		c := Command{Name: s.Name}
		if len(strings.Fields(s.Arg)) > 1 {
			c.Args = args
		}
		if len(args) == 1 {
			c.Arg = args[0]
		}
		if c.Name == "region" && strings.EqualFold(c.Arg, "all") {
			c.Arg = ""
		}
		return c, nil
	}
	return Command{}, fmt.Errorf("unknown command %q: try :help", fields[0])
}

// Suggest returns the commands starting with what was typed, as
// ":name ARG — help" lines, for the palette's hint list.
func (p *Palette) Suggest(input string) []string {
	word := strings.ToLower(strings.TrimSpace(input))
	if i := strings.IndexByte(word, ' '); i >= 0 {
		word = word[:i]
	}
	var out []string
	for _, s := range p.specs {
		if strings.HasPrefix(s.Name, word) {
			line := ":" + s.Name
			if s.Arg != "" {
				line += " " + strings.TrimPrefix(s.Arg, "?")
			}
			out = append(out, line+" — "+s.Help)
		}
	}
	return out
}

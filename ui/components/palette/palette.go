// Package palette parses the ":" command palette.
package palette

import (
	"fmt"
	"strings"
)

// Command is one parsed palette command.
type Command struct {
	// Name is the canonical command: topology, pods, nodes, asg, lb, db,
	// traces, deps, stacks, actions, region, env, trace, quit, help, refresh.
	Name string
	// Arg is the argument of region, env and trace.
	Arg string
}

// spec describes one command for parsing and for the help list.
type spec struct {
	name    string
	aliases []string
	arg     string // "" when the command takes none; "optional" prefix allowed
	help    string
}

var specs = []spec{
	{"topology", []string{"top", "tree"}, "", "the estate as a tree"},
	{"pods", []string{"pod", "po"}, "", "pods"},
	{"nodes", []string{"node", "no"}, "", "Kubernetes nodes"},
	{"asg", []string{"asgs", "autoscaling"}, "", "autoscaling groups"},
	{"lb", []string{"lbs", "loadbalancers"}, "", "load balancers and target health"},
	{"db", []string{"dbs", "databases"}, "", "database clusters and members"},
	{"traces", []string{}, "", "recent traces"},
	{"deps", []string{"services", "graph"}, "", "service dependency graph: calls, errors, error rate"},
	{"stacks", []string{"stack", "tf", "terraform"}, "", "Terraform stacks: resources, last apply, drift, lock"},
	{"actions", []string{"runs"}, "", "running and past actions"},
	{"region", []string{}, "?NAME", "show one region (no name or 'all': every region)"},
	{"env", []string{}, "NAME", "switch environment"},
	{"trace", []string{}, "ID", "open a trace by id"},
	{"refresh", []string{}, "", "refresh every source now"},
	{"help", []string{}, "", "show all keys"},
	{"quit", []string{"q", "q!", "quit!", "exit"}, "", "quit"},
}

// Parse parses the text typed after ":".
func Parse(input string) (Command, error) {
	fields := strings.Fields(input)
	if len(fields) == 0 {
		return Command{}, fmt.Errorf("empty command: try :pods, :nodes, :topology")
	}
	word := strings.ToLower(fields[0])
	for _, s := range specs {
		if word != s.name && !contains(s.aliases, word) {
			continue
		}
		args := fields[1:]
		switch {
		case s.arg == "" && len(args) > 0:
			return Command{}, fmt.Errorf(":%s takes no argument", s.name)
		case strings.HasPrefix(s.arg, "?") && len(args) > 1,
			s.arg != "" && !strings.HasPrefix(s.arg, "?") && len(args) != 1:
			return Command{}, fmt.Errorf("usage: :%s %s", s.name, strings.TrimPrefix(s.arg, "?"))
		}
		c := Command{Name: s.name}
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Suggest returns the commands starting with what was typed, as
// ":name ARG — help" lines, for the palette's hint list.
func Suggest(input string) []string {
	word := strings.ToLower(strings.TrimSpace(input))
	if i := strings.IndexByte(word, ' '); i >= 0 {
		word = word[:i]
	}
	var out []string
	for _, s := range specs {
		if strings.HasPrefix(s.name, word) {
			line := ":" + s.name
			if s.arg != "" {
				line += " " + strings.TrimPrefix(s.arg, "?")
			}
			out = append(out, line+" — "+s.help)
		}
	}
	return out
}

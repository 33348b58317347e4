package terraform

import (
	"sort"
	"strings"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers/schedule"
)

// Stacks offers the Terraform actions of an environment's stacks
// (actions.Offerer):
//   - on a stack (Ref{Kind: "stack", Name: NAME}): plan, apply, teardown
//     and recreate; with a schedule also bring-up and skip-teardown;
//   - on a held lock (Ref{Kind: "lock", Namespace: STACK, Name: LOCK_ID},
//     what the TUI asks for when a stack's summary shows a lock): unlock;
//   - on a resource of a stack (Ref{Kind: "resource", Namespace: STACK,
//     Name: ADDRESS}): rebuild of that address (the preview refuses an
//     address that is not in the state); without a Namespace, rebuild where
//     a stack's Targets map to that address;
//   - on a topology object that a stack's Targets map to a resource address
//     (e.g. Ref{Kind: "asg", Name: "workers"} for "asg/workers", also
//     node/NAME, instance/ID, database/NAME): rebuild of that address.
type Stacks []*Stack

var _ actions.Offerer = Stacks(nil)

// Offer returns the actions ref supports, none for an unknown object.
func (ss Stacks) Offer(ref actions.Ref) []actions.Action {
	var out []actions.Action
	for _, s := range ss {
		switch ref.Kind {
		case actions.KindStack:
			if ref.Name == s.Name {
				out = append(out, s.Plan(), s.Apply(), s.Teardown(), s.Recreate())
				if s.Schedule != nil {
					out = append(out, s.BringUp(), s.SkipTeardown())
				}
			}
		case actions.KindLock:
			if ref.Namespace == s.Name && ref.Name != "" {
				out = append(out, s.Unlock(ref.Name))
			}
		case actions.KindResource:
			switch {
			case ref.Namespace == s.Name:
				if ref.Name != "" {
					out = append(out, s.Rebuild(ref.Name))
				}
			case ref.Namespace == "":
				for _, addr := range s.Targets {
					if addr == ref.Name {
						out = append(out, s.Rebuild(addr))
						break
					}
				}
			}
		default:
			key := string(ref.Kind) + "/" + ref.Name
			if _, ok := s.Targets[key]; ok {
				out = append(out, s.Rebuild(key))
			}
		}
	}
	return out
}

// Find returns the stack with this name.
func (ss Stacks) Find(name string) *Stack {
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// TargetKeys lists every mapped topology object ("asg/workers") of the stacks, sorted.
func (ss Stacks) TargetKeys() []string {
	var out []string
	for _, s := range ss {
		for k := range s.Targets {
			if strings.Contains(k, "/") {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// FromEnvironment returns the stacks an environment lists; relative
// directories resolve against base (the config file's directory).
func FromEnvironment(env config.Environment, base string) Stacks {
	var out Stacks
	for _, c := range env.Terraform {
		s := FromConfig(c, base)
		if s.Schedule != nil {
			s.Schedule.Env = env.Name
		}
		out = append(out, s)
	}
	return out
}

// WithAudit sets the audit log the stacks' schedules read their last
// recreate from, and record their skips beside (schedule.SkipsPath), and
// returns the stacks.
func (ss Stacks) WithAudit(auditLog string) Stacks {
	for _, s := range ss {
		if s.Schedule != nil {
			s.Schedule.AuditLog, s.Schedule.SkipsPath = auditLog, schedule.SkipsPath(auditLog)
		}
	}
	return ss
}

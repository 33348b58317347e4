// Package actions is the write side of the console: every change to the
// estate (Terraform, kubectl, AWS, databases, the demo) is an Action run by
// the one Executor, which owns every guard: read-only mode, preconditions,
// preview, confirmation, cancellation and timeout, audit and verification.
// No view or subcommand runs an Action any other way.
package actions

import (
	"context"
	"errors"
	"io"
	"time"
)

// Effect says how much an action changes.
type Effect int

const (
	// Safe actions change nothing (a plan, a dry run). They run in read-only mode.
	Safe Effect = iota
	// Mutating actions change the estate but destroy nothing; they need "y".
	Mutating
	// Destructive actions destroy, replace, terminate, promote or restore;
	// they need the target's name typed to confirm.
	Destructive
)

// String names the effect.
func (e Effect) String() string {
	switch e {
	case Safe:
		return "safe"
	case Mutating:
		return "mutating"
	default:
		return "destructive"
	}
}

// Ref names the inventory object an action applies to.
type Ref struct {
	Kind      Kind   `json:"kind"` // one of Kinds: deployment, statefulset, pod, node, asg, instance, database, member, stack, resource, lock
	Cluster   string `json:"cluster,omitempty"`
	Region    string `json:"region,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders the ref as kind/[namespace/]name.
func (r Ref) String() string {
	if r.Namespace != "" {
		return string(r.Kind) + "/" + r.Namespace + "/" + r.Name
	}
	return string(r.Kind) + "/" + r.Name
}

// Spec describes an action: what it does, to what, and how dangerous it is.
type Spec struct {
	// Name is the action's verb, one of Verbs: restart, drain, rebuild, teardown...
	Name Verb `json:"action"`
	// Target is the object acted on.
	Target Ref `json:"target"`
	// Env is the environment the action runs in.
	Env string `json:"env,omitempty"`
	// Runner names the tool: kubectl, terraform, aws, db, sim.
	Runner string `json:"runner"`
	// Effect decides the confirmation needed.
	Effect Effect `json:"-"`
	// Timeout bounds the run; zero means the executor's default.
	Timeout time.Duration `json:"-"`
	// Description is one human line, e.g. "kubectl rollout restart deployment/web -n shop".
	Description string `json:"description"`
	// Principal is who asked for it through a Session (zero: the
	// executor's own identity, no role: the local console and the CLI).
	Principal Principal `json:"-"`
	// RequestedBy and ApprovedBy are set by the executor on the audit
	// lines of a second person's confirmation (Session.Approve): who asked
	// for the action and who approved (or rejected) it.
	RequestedBy string `json:"-"`
	ApprovedBy  string `json:"-"`
}

// Plan is the preview of an action, read by the user before confirming.
type Plan struct {
	// Summary is one line, e.g. "1 to replace" or "deployment.apps/web restarted (server dry run)".
	Summary string `json:"summary"`
	// Text is the full human-readable preview.
	Text string `json:"-"`
	// Terraform-style counts (zero for other runners).
	Add       int      `json:"add"`
	Change    int      `json:"change"`
	Destroy   int      `json:"destroy"`
	Replace   int      `json:"replace"`
	Resources []string `json:"resources"`
	// Calls lists the commands (argv) or API calls the run will make.
	Calls []string `json:"calls,omitempty"`
	// NoChanges is true when the plan would change nothing.
	NoChanges bool `json:"no_changes"`
}

// Action is one thing the console can do to the estate. Implementations
// live with their runner (terraform, kubectl, aws, db) or source (sim) and
// are only ever run through an Executor.
type Action interface {
	// Spec describes the action.
	Spec() Spec
	// Check verifies the preconditions (the target exists and is in the
	// expected state). The executor calls it before the preview and again
	// right before running.
	Check(ctx context.Context) error
	// Preview computes what would happen, changing nothing. Progress output
	// (e.g. terraform's log) goes to out.
	Preview(ctx context.Context, out io.Writer) (Plan, error)
	// Run performs the action as previewed, streaming output to out. It must
	// stop promptly (killing any child process cleanly) when ctx is done.
	Run(ctx context.Context, plan Plan, out io.Writer) error
	// Verify re-reads the target after the run and reports whether the
	// intended state was reached, with a one-line explanation.
	Verify(ctx context.Context) (bool, string, error)
}

// Offerer is implemented by sources that can act on their objects: given an
// object it returns the actions that object supports (and only those).
type Offerer interface {
	Offer(ref Ref) []Action
}

// Permitter is implemented by actions that know whether the user may run
// them at all (e.g. a kubectl action RBAC forbids: providers/kube.Denied).
// The executor refuses (ErrRefused, audited) an action whose Allowed
// reports false before running its Check or Preview, and the TUI shows it
// greyed out with the reason. An action without it is allowed.
type Permitter interface {
	// Allowed reports whether the user may run the action, and if not why.
	Allowed() (bool, string)
}

// ErrRefused marks a refusal by a guard (read-only, a failed precondition,
// no permission, an unconfirmed destructive action). Commands map it to
// exit code 3.
var ErrRefused = errors.New("refused")

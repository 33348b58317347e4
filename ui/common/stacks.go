package common

import (
	"context"
	"fmt"
	"io"

	"github.com/opsconsole/console/actions/terraform"
)

// Stacks is what the Stacks view needs of the environment's Terraform
// stacks (an interface so that the view can be tested with fixed
// summaries; see TerraformStacks).
type Stacks interface {
	// List returns the configured stacks (no I/O).
	List() []*terraform.Stack
	// Summarize reads one stack's state summary; with drift it also runs a
	// refresh-only plan. It runs terraform: call it from a tea.Cmd.
	Summarize(ctx context.Context, name string, drift bool) (terraform.Summary, error)
}

// TerraformStacks serves the Stacks view from the environment's stacks.
func TerraformStacks(ss terraform.Stacks) Stacks { return stacksAdapter{ss} }

type stacksAdapter struct{ ss terraform.Stacks }

// List implements Stacks.
func (a stacksAdapter) List() []*terraform.Stack { return a.ss }

// Summarize implements Stacks (terraform's log is not shown).
func (a stacksAdapter) Summarize(ctx context.Context, name string, drift bool) (terraform.Summary, error) {
	s := a.ss.Find(name)
	if s == nil {
		return terraform.Summary{}, fmt.Errorf("no stack %q", name)
	}
	return s.Summarize(ctx, drift, io.Discard)
}

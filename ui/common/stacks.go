package common

import (
	"context"

	"github.com/opsconsole/console/actions/terraform"
)

// Stacks is what the Stacks view needs of the environment's Terraform
// stacks (an interface so that the view can be tested with fixed
// summaries; see the adapter in package ui).
type Stacks interface {
	// List returns the configured stacks (no I/O).
	List() []*terraform.Stack
	// Summarize reads one stack's state summary; with drift it also runs a
	// refresh-only plan. It runs terraform: call it from a tea.Cmd.
	Summarize(ctx context.Context, name string, drift bool) (terraform.Summary, error)
}

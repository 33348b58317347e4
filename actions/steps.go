package actions

import (
	"context"
	"io"
)

// Steps is an Action built from functions: the shared shape of actions
// whose state lives in their constructor's closure (AWS, databases, the
// demo), instead of one struct type per action with the same five methods.
// A nil Check passes; a nil Verify reports nothing to verify (true).
type Steps struct {
	// Def describes the action (Spec).
	Def Spec
	// DoCheck verifies the preconditions (Action.Check).
	DoCheck func(ctx context.Context) error
	// DoPreview computes the plan, changing nothing (Action.Preview).
	DoPreview func(ctx context.Context, out io.Writer) (Plan, error)
	// DoRun performs the action (Action.Run).
	DoRun func(ctx context.Context, plan Plan, out io.Writer) error
	// DoVerify re-reads the target after the run (Action.Verify).
	DoVerify func(ctx context.Context) (bool, string, error)
}

var _ Action = (*Steps)(nil)

// Spec describes the action.
func (s *Steps) Spec() Spec { return s.Def }

// Check runs DoCheck (nil passes).
func (s *Steps) Check(ctx context.Context) error {
	if s.DoCheck == nil {
		return ctx.Err()
	}
	return s.DoCheck(ctx)
}

// Preview runs DoPreview.
func (s *Steps) Preview(ctx context.Context, out io.Writer) (Plan, error) {
	return s.DoPreview(ctx, out)
}

// Run runs DoRun.
func (s *Steps) Run(ctx context.Context, plan Plan, out io.Writer) error {
	return s.DoRun(ctx, plan, out)
}

// Verify runs DoVerify (nil: nothing to verify).
func (s *Steps) Verify(ctx context.Context) (bool, string, error) {
	if s.DoVerify == nil {
		return true, "nothing to verify", nil
	}
	return s.DoVerify(ctx)
}

package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// Role is what a user of a shared console (console serve) may do in an
// environment.
type Role int

// Roles, least first. RoleNone is the local console and the CLI: no role
// check (read-only mode and the sources' permissions still apply).
const (
	RoleNone Role = iota
	// RoleViewer sees everything and runs only safe actions.
	RoleViewer
	// RoleOperator also runs mutating actions.
	RoleOperator
	// RoleAdmin also runs destructive ones.
	RoleAdmin
)

// Roles are the roles' names, least first.
var Roles = []string{"viewer", "operator", "admin"}

// ParseRole returns the role named s (viewer, operator, admin).
func ParseRole(s string) (Role, error) {
	for i, n := range Roles {
		if s == n {
			return Role(i + 1), nil
		}
	}
	return RoleNone, fmt.Errorf("unknown role %q (one of %s)", s, strings.Join(Roles, ", "))
}

// String is the role's name.
func (r Role) String() string {
	if r <= RoleNone || int(r) > len(Roles) {
		return "none"
	}
	return Roles[r-1]
}

// Principal is who asks for an action through a Session: the user (and
// their key), their role in the environment, and the session.
type Principal struct {
	// Who is recorded as the audit's "who", e.g. "alice (key SHA256:…)".
	Who string
	// User is the user's name alone.
	User string
	// Role is the user's role in the executor's environment.
	Role Role
	// Session identifies the session the actions belong to.
	Session string
}

// allows reports whether p's role lets it run s, and if not why.
func (p Principal) allows(s Spec) (bool, string) {
	var need Role
	switch {
	case p.Role == RoleNone:
		return true, ""
	case s.Effect == Destructive:
		need = RoleAdmin
	case s.Effect != Safe:
		need = RoleOperator
	default:
		return true, ""
	}
	if p.Role >= need {
		return true, ""
	}
	return false, fmt.Sprintf("role: %s is %s in %s; %s needs %s", p.User, p.Role, orDash(s.Env), s.Name, need)
}

func orDash(s string) string {
	if s == "" {
		return "this environment"
	}
	return s
}

// Session is one user's handle on a shared Executor (one SSH session of
// console serve): every attempt goes through the executor's guards plus
// the user's role, and is audited under the user's name; Close cancels
// the session's own runs and pending actions as Shutdown does for the
// whole console, leaving the executor and the other sessions' runs alone.
// Runs lists every run of the executor, so that a run is visible to every
// session.
type Session struct {
	e      *Executor
	p      Principal
	closed atomic.Bool
	// terminal: the session can hand its user's terminal to an attached
	// action (SetTerminal).
	terminal atomic.Bool
}

// sessionSeq numbers sessions.
var sessionSeq atomic.Int64

// Session returns a handle on e for principal p (p.Session is filled in
// when empty).
func (e *Executor) Session(p Principal) *Session {
	if p.Session == "" {
		p.Session = fmt.Sprintf("s%d", sessionSeq.Add(1))
	}
	if p.Role == RoleNone {
		p.Role = RoleViewer // a session always has a role: the least by default
	}
	return &Session{e: e, p: p}
}

// Principal is the session's user.
func (s *Session) Principal() Principal { return s.p }

// Executor is the shared executor.
func (s *Session) Executor() *Executor { return s.e }

// Options are the shared executor's.
func (s *Session) Options() Options { return s.e.Options() }

// ReadOnly reports whether the executor refuses mutating actions, or the
// user may run none of them (a viewer), and why.
func (s *Session) ReadOnly() (bool, string) {
	if ro, why := s.e.ReadOnly(); ro {
		return ro, why
	}
	if s.p.Role == RoleViewer {
		return true, fmt.Sprintf("%s is a viewer in %s", s.p.User, orDash(s.e.opts.Env))
	}
	return false, ""
}

// spec is the executor's spec of a, as asked by the session's user.
func (s *Session) spec(a Action) Spec {
	sp := s.e.spec(a)
	sp.Principal = s.p
	return sp
}

// SetTerminal says whether the session can hand its user's terminal to an
// attached action (console serve: the SSH session has a pty, relayed to
// one allocated on the bastion for the action). Without it Interactive
// actions are refused (NoTerminal).
func (s *Session) SetTerminal(on bool) { s.terminal.Store(on) }

// Availability is Executor.Availability with the user's role; an
// Interactive action is refused (NoTerminal) unless the session has a
// terminal to hand over (SetTerminal).
func (s *Session) Availability(a Action) (bool, string) {
	why := s.e.unavailable(a, s.spec(a))
	if _, ok := a.(Interactive); ok && why == "" && !s.terminal.Load() {
		why = NoTerminal
	}
	return why == "", why
}

// Prepare is Executor.Prepare on behalf of the session's user.
func (s *Session) Prepare(ctx context.Context, a Action, dataAt time.Time) (*Pending, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("%w: session %s closed", ErrRefused, s.p.Session)
	}
	p, _, err := s.e.prepareAs(ctx, s.p, a, dataAt, io.Discard)
	return p, err
}

// Start is Executor.Start for a pending action of this session.
func (s *Session) Start(p *Pending, confirmation string, more ...string) (*Run, error) {
	if p != nil && p.spec.Principal.Session != s.p.Session {
		return nil, fmt.Errorf("%w: that confirmation belongs to another session", ErrRefused)
	}
	return s.e.Start(p, confirmation, more...)
}

// Decline is Executor.Decline.
func (s *Session) Decline(p *Pending) { s.e.Decline(p) }

// Runs lists every run of the shared executor, newest first.
func (s *Session) Runs() []*Run { return s.e.Runs() }

// Close ends the session's attempts in progress (the session dropped or
// quit): its running actions are cancelled gracefully with reason as the
// cause and its pending ones declined, each audited, as Executor.Shutdown
// does; it waits for the runs to stop until ctx is done and returns how
// many it cancelled. Later Prepares of the session are refused.
//
// A run the user marked to keep running (KeepRunning) is not cancelled:
// it goes on, listed in every session's Runs with its owner, and Close
// audits it "left running" under the user's name with reason; its outcome
// line follows when it ends.
func (s *Session) Close(ctx context.Context, reason string) (int, error) {
	s.closed.Store(true)
	cause := fmt.Errorf("%w: %s", ErrSessionClosed, reason)
	own := func(sp Spec) bool { return sp.Principal.Session == s.p.Session }
	var errs []error
	for _, r := range s.e.Active() {
		if !own(r.spec) || !r.KeepsRunning() {
			continue
		}
		res := Result{Status: StatusLeftRunning, Error: "left running after disconnect: " + reason, Duration: time.Since(r.started)}
		if err := s.e.record(r.id, r.spec, r.plan, res); err != nil {
			errs = append(errs, err)
		}
		r.appendLine("(left running after disconnect: " + reason + ")")
	}
	n, err := s.e.cancelRunsWhere(ctx, cause, own, func(r *Run) bool { return !r.KeepsRunning() }, nil)
	return n, errors.Join(append(errs, err)...)
}

// KeepRunning marks the session's run r to keep running (on) or not when
// the session ends (the SSH connection drops, the user quits): the choice
// of the run's owner only, while it runs. Nothing about the run changes
// now; Close applies the choice.
func (s *Session) KeepRunning(r *Run, on bool) error {
	if r == nil {
		return errors.New("keep running: no run")
	}
	if r.spec.Principal.Session != s.p.Session {
		return fmt.Errorf("%w: run %s is %s's: only the session that started it chooses", ErrRefused, r.id, orDash(r.spec.Principal.User))
	}
	select {
	case <-r.Done():
		return fmt.Errorf("%w: run %s has ended", ErrRefused, r.id)
	default:
	}
	r.mu.Lock()
	r.kept = on
	r.mu.Unlock()
	r.signal()
	return nil
}

// Cancel cancels run r on behalf of the session's user: a run their own
// session started, or any run for an admin. The run's outcome line says
// who cancelled it. Another user's run is refused to a viewer or an
// operator, and the refusal is audited under their name: in a shared
// console one engineer's x must not end another's rollout unnoticed.
func (s *Session) Cancel(r *Run) error {
	if r == nil {
		return errors.New("cancel: no run")
	}
	if r.spec.Principal.Session != s.p.Session && s.p.Role != RoleAdmin {
		sp := r.spec
		sp.Principal = s.p
		return s.e.refuse(newID(), sp, Plan{Summary: "cancel run " + r.id}, time.Now(),
			"cancel of run %s (%s %s): it is %s's run: only its owner or an admin cancels it", r.id, r.spec.Name, r.spec.Target, orDash(r.spec.Principal.User))
	}
	r.cancelWith(fmt.Errorf("cancelled by %s", orDash(s.p.Who)))
	return nil
}

// ErrSessionClosed is the cause of the cancellations made by Session.Close
// (an SSH session dropped or quit).
var ErrSessionClosed = fmt.Errorf("session closed")

// NoTerminal is why a Session without a terminal to hand over
// (SetTerminal) refuses Interactive actions.
const NoTerminal = "a shell needs a terminal: this session has none to hand over (connect with ssh -t)"

// Attach is Executor.Attach on behalf of the session's user: the same
// guards plus the user's role, audited under their name, and the run is
// the session's (Close cancels it: the SSH connection dropping ends the
// shell). A session without a terminal (SetTerminal) refuses it, audited.
func (s *Session) Attach(ctx context.Context, a Action, dataAt time.Time) (*Attachment, error) {
	sp := s.spec(a)
	switch {
	case s.closed.Load():
		return nil, s.e.refuse(newID(), sp, Plan{Summary: sp.Description}, time.Now(), "%s %s: session %s closed", sp.Name, sp.Target, s.p.Session)
	case !s.terminal.Load():
		why := s.e.unavailable(a, sp)
		if why == "" {
			why = NoTerminal
		}
		return nil, s.e.refuse(newID(), sp, Plan{Summary: sp.Description}, time.Now(), "%s %s: %s", sp.Name, sp.Target, why)
	}
	return s.e.attachAs(ctx, s.p, a, dataAt)
}

package actions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Approval is an operator's destructive action, previewed and confirmed
// by them (Session.Request), waiting for a second person's approval in a
// shared console (console serve): it runs only when another user, with
// role operator or admin in the environment, approves it by typing the
// target's name (Session.Approve), before it expires and while the
// requester's session lasts. The requester may withdraw it
// (Session.Withdraw); another person may reject it (Session.Reject).
// Every step is audited under the audit id of the action, naming who did
// it.
type Approval struct {
	e         *Executor
	p         *Pending
	requested time.Time
	expires   time.Time
	timer     *time.Timer
	done      chan struct{}

	// guarded by e.mu
	claimed bool   // a decision is being made (Approve, Reject, Withdraw)
	state   string // "" while waiting, else one of the approval* states
	why     string // who decided, or the cause
	run     *Run
	err     error
}

// The ends of an approval.
const (
	approvalApproved  = "approved"
	approvalRejected  = "rejected"
	approvalWithdrawn = "withdrawn"
	approvalExpired   = "expired"
	approvalCancelled = "cancelled"
)

// ErrNotApproved is the cause of an Approval's outcome when its action did
// not run: rejected, withdrawn, expired, or cancelled with the requester's
// session.
var ErrNotApproved = errors.New("not approved")

// ID is the action's audit id.
func (a *Approval) ID() string { return a.p.id }

// Spec is the action's spec; Principal is the requester.
func (a *Approval) Spec() Spec { return a.p.spec }

// Plan is the preview the requester confirmed, the one the approver reads.
func (a *Approval) Plan() Plan { return a.p.plan }

// Pending is the prepared action the approval is for.
func (a *Approval) Pending() *Pending { return a.p }

// Requested is when the requester asked.
func (a *Approval) Requested() time.Time { return a.requested }

// Expires is when the request expires unless approved.
func (a *Approval) Expires() time.Time { return a.expires }

// Prompt tells the approver what to type to approve.
func (a *Approval) Prompt() string {
	return fmt.Sprintf("type %s to approve", a.p.spec.Target.Name)
}

// Done is closed when the request ends: approved (the run started, or was
// refused), rejected, withdrawn, expired or cancelled.
func (a *Approval) Done() <-chan struct{} { return a.done }

// Outcome is, once Done is closed, the run the approval started, or why
// there is none (ErrNotApproved with who or what ended the request, or the
// executor's refusal at start).
func (a *Approval) Outcome() (*Run, error) {
	a.e.mu.Lock()
	defer a.e.mu.Unlock()
	return a.run, a.err
}

// needsApproval reports whether s, asked by its principal, runs only
// with a second person's approval: a destructive action of an operator
// when approvals are on.
func (e *Executor) needsApproval(s Spec) bool {
	return e.opts.ApprovalExpiry > 0 && s.Effect == Destructive && s.Principal.Role == RoleOperator
}

// approvalReason is why Start refuses an action that needs approval.
func (e *Executor) approvalReason(s Spec) string {
	return fmt.Sprintf("%s is %s in %s: %s needs an admin or a second person's approval (another operator or admin approves it with :approve within %s)",
		s.Principal.User, s.Principal.Role, orDash(s.Env), s.Name, e.opts.ApprovalExpiry)
}

// changedApprovals wakes whoever waits on ApprovalsChanged. The caller
// holds e.mu.
func (e *Executor) changedApprovals() {
	close(e.approvalsChanged)
	e.approvalsChanged = make(chan struct{})
}

// ApprovalsChanged is closed at the next change of the requests waiting
// for approval (one asked, approved, rejected, withdrawn, expired): a
// session's UI waits on it, then reads Session.Approvals again.
func (e *Executor) ApprovalsChanged() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.approvalsChanged
}

// endApproval ends the waiting request with audit id id (state, and why:
// who or what ended it); false when there is none waiting.
func (e *Executor) endApproval(id, state, why string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.approvals[id]
	if !ok {
		return false
	}
	e.finishLocked(a, state, why, nil, fmt.Errorf("%w: %s %s", ErrNotApproved, state, why))
	return true
}

// finishLocked records the end of a (the caller holds e.mu).
func (e *Executor) finishLocked(a *Approval, state, why string, r *Run, err error) {
	delete(e.approvals, a.p.id)
	a.state, a.why, a.run, a.err = state, why, r, err
	if a.timer != nil {
		a.timer.Stop()
	}
	close(a.done)
	e.changedApprovals()
}

// claim takes a waiting request for a decision: false (and the reason)
// when it has ended or is being decided, or has expired (then ended as
// such, audited).
func (e *Executor) claim(a *Approval) (bool, string) {
	ok, why, expired := e.claimOrExpired(a)
	if expired {
		e.expire(a)
	}
	return ok, why
}

// claimOrExpired is claim, and whether the request has expired (to be ended).
func (e *Executor) claimOrExpired(a *Approval) (bool, string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case a.state != "":
		return false, fmt.Sprintf("the request was %s %s", a.state, a.why), false
	case a.claimed:
		return false, "another decision on the request is being made", false
	case !e.now().Before(a.expires):
		return false, "the request expired at " + a.expires.UTC().Format(time.RFC3339), true
	}
	a.claimed = true
	delete(e.approvals, a.p.id)
	return true, "", false
}

// expire ends a request nobody approved in time (audited under the
// requester, cancelled).
func (e *Executor) expire(a *Approval) {
	why := fmt.Sprintf("nobody approved it within %s", e.opts.ApprovalExpiry)
	if !e.endApproval(a.p.id, approvalExpired, "("+why+")") || !e.settle(a.p) {
		return
	}
	discard(a.p.action)
	_ = e.record(a.p.id, a.p.spec, a.p.plan, Result{Status: StatusCancelled, Error: "approval expired: " + why, Duration: time.Since(a.p.prepared)})
}

// NeedsApproval reports whether p, confirmed by the session's user, runs
// only once another person approves it (Request instead of Start): an
// operator's destructive action in a console serve with approvals on.
func (s *Session) NeedsApproval(p *Pending) bool {
	return p != nil && s.e.needsApproval(p.spec)
}

// ActionNeedsApproval is NeedsApproval for action a before it is
// prepared (the menu says so).
func (s *Session) ActionNeedsApproval(a Action) bool {
	return a != nil && s.e.needsApproval(s.spec(a))
}

// Request asks for a second person's approval of p, which the session's
// user confirmed (the answers to Prompts, as Start takes them): the
// action waits, audited "awaiting approval" under the user's name, until
// another operator or admin approves it (then it runs, owned by the
// requester), rejects it, the requester withdraws it, it expires
// (Options.ApprovalExpiry) or the requester's session ends.
func (s *Session) Request(p *Pending, confirmation string, more ...string) (*Approval, error) {
	e := s.e
	switch {
	case p == nil:
		return nil, errors.New("request: no pending action")
	case p.spec.Principal.Session != s.p.Session:
		return nil, fmt.Errorf("%w: that confirmation belongs to another session", ErrRefused)
	case !s.NeedsApproval(p):
		return nil, fmt.Errorf("%w: %s %s needs no approval: start it", ErrRefused, p.spec.Name, p.spec.Target)
	}
	if !p.confirmed(append([]string{confirmation}, more...)) {
		e.settle(p)
		discard(p.action)
		return nil, e.refuse(p.id, p.spec, p.plan, p.prepared, "%s %s: not confirmed (%s)", p.spec.Name, p.spec.Target, strings.Join(p.Prompts(), ", then "))
	}
	now := e.now()
	a := &Approval{e: e, p: p, requested: now, expires: now.Add(e.opts.ApprovalExpiry), done: make(chan struct{})}
	e.mu.Lock()
	_, waiting := e.pending[p]
	closed := s.closed.Load()
	if waiting && !closed {
		if _, dup := e.approvals[p.id]; dup {
			waiting = false
		} else {
			e.approvals[p.id] = a
		}
	}
	e.mu.Unlock()
	if !waiting || closed {
		return nil, fmt.Errorf("%w: %s %s: this confirmation was already used or cancelled", ErrRefused, p.spec.Name, p.spec.Target)
	}
	msg := fmt.Sprintf("waiting for a second person's approval (an operator or admin other than %s) until %s", s.p.User, a.expires.UTC().Format(time.RFC3339))
	if err := e.record(p.id, p.spec, p.plan, Result{Status: StatusAwaitingApproval, Error: msg}); err != nil {
		// fail closed: a request not on record is not offered to anyone
		if e.endApproval(p.id, approvalCancelled, "(not audited)") && e.settle(p) {
			discard(p.action)
		}
		return nil, fmt.Errorf("%w: %s %s: the audit record could not be written: %v", ErrRefused, p.spec.Name, p.spec.Target, err)
	}
	e.mu.Lock()
	if a.state == "" {
		a.timer = time.AfterFunc(e.opts.ApprovalExpiry, func() { e.expire(a) })
		e.changedApprovals()
	}
	e.mu.Unlock()
	return a, nil
}

// Approvals lists the requests waiting for approval, oldest first: the
// session's own (to withdraw) and the others' (to approve or reject when
// CanDecide allows).
func (s *Session) Approvals() []*Approval {
	s.e.mu.Lock()
	out := make([]*Approval, 0, len(s.e.approvals))
	for _, a := range s.e.approvals {
		out = append(out, a)
	}
	s.e.mu.Unlock()
	slices.SortFunc(out, func(x, y *Approval) int { return x.requested.Compare(y.requested) })
	return out
}

// MayApprove reports whether the session's user may approve others'
// requests at all, and if not why: approvals must be on and the user an
// operator or an admin in the environment.
func (s *Session) MayApprove() (bool, string) {
	switch {
	case s.e.opts.ApprovalExpiry <= 0:
		return false, "second-person approval is off (serve.approval_expiry): destructive actions need an admin"
	case s.closed.Load():
		return false, "the session has ended"
	case s.p.Role < RoleOperator:
		return false, fmt.Sprintf("%s is %s in %s: approving a destructive action needs operator or admin", s.p.User, s.p.Role, orDash(s.e.opts.Env))
	}
	if ro, why := s.e.ReadOnly(); ro {
		return false, why
	}
	return true, ""
}

// CanDecide reports whether the session's user may approve or reject a,
// and if not why: MayApprove, then a is another person's (another user,
// not only another session or key) and still waiting.
func (s *Session) CanDecide(a *Approval) (bool, string) {
	if ok, why := s.MayApprove(); !ok {
		return false, why
	}
	if a == nil {
		return false, "no request"
	}
	req := a.p.spec.Principal
	if req.User == s.p.User || req.Session == s.p.Session {
		return false, fmt.Sprintf("it is %s's own request: another person approves it", s.p.User)
	}
	s.e.mu.Lock()
	state, why, expired := a.state, a.why, !s.e.now().Before(a.expires)
	s.e.mu.Unlock()
	switch {
	case state != "":
		return false, fmt.Sprintf("the request was %s %s", state, why)
	case expired:
		s.e.expire(a) // its timer may not have fired yet
		return false, "the request expired at " + a.expires.UTC().Format(time.RFC3339)
	}
	return true, ""
}

// refuseDecision audits the refusal of the session user's approval or
// rejection of a, under their name.
func (s *Session) refuseDecision(a *Approval, verb, why string) error {
	sp := a.p.spec
	sp.Principal, sp.RequestedBy = s.p, a.p.spec.Principal.Who
	return s.e.refuse(newID(), sp, Plan{Summary: verb + " request " + a.p.id}, time.Now(),
		"%s of %s's %s %s: %s", verb, orDash(a.p.spec.Principal.User), a.p.spec.Name, a.p.spec.Target, why)
}

// Approve approves another person's request a, confirmed by typing the
// target's name (Prompt), and starts the action: its run belongs to the
// requester, and its audit lines name the approver (approved_by). The
// approval is audited "approved" under the approver's name before the
// run starts. Refused (audited under the approver's name) for a viewer,
// the requester themself (under any key or session), a request that
// expired or ended, and a wrong confirmation (the request then stays).
func (s *Session) Approve(a *Approval, confirmation string) (*Run, error) {
	if a == nil {
		return nil, errors.New("approve: no request")
	}
	if ok, why := s.CanDecide(a); !ok {
		return nil, s.refuseDecision(a, "approval", why)
	}
	if !a.p.Matches(confirmation) {
		return nil, s.refuseDecision(a, "approval", "not confirmed ("+a.Prompt()+")")
	}
	e := s.e
	if ok, why := e.claim(a); !ok {
		return nil, s.refuseDecision(a, "approval", why)
	}
	sp := a.p.spec
	sp.Principal, sp.RequestedBy = s.p, a.p.spec.Principal.Who
	if err := e.record(a.p.id, sp, a.p.plan, Result{Status: StatusApproved, Error: "approved the request of " + a.p.spec.Principal.Who}); err != nil {
		// fail closed: an approval not on record starts nothing
		e.mu.Lock()
		e.finishLocked(a, approvalCancelled, "(the approval could not be audited)", nil, fmt.Errorf("%w: approval not audited: %v", ErrNotApproved, err))
		e.mu.Unlock()
		if e.settle(a.p) {
			discard(a.p.action)
		}
		return nil, fmt.Errorf("%w: the approval could not be audited, so nothing runs: %v", ErrRefused, err)
	}
	r, err := e.startApproved(e.base, a.p, s.p.Who, nil)
	e.mu.Lock()
	a.state, a.why, a.run, a.err = approvalApproved, "by "+s.p.Who, r, err
	if a.timer != nil {
		a.timer.Stop()
	}
	close(a.done)
	e.changedApprovals()
	e.mu.Unlock()
	return r, err
}

// Reject rejects another person's request a: the action does not run;
// audited "rejected" under the rejecter's name. The same people may
// reject as may approve (CanDecide); a refusal is audited.
func (s *Session) Reject(a *Approval) error {
	if a == nil {
		return errors.New("reject: no request")
	}
	if ok, why := s.CanDecide(a); !ok {
		return s.refuseDecision(a, "rejection", why)
	}
	return s.end(a, approvalRejected, "by "+s.p.Who, func(sp *Spec) (Result, error) {
		sp.Principal, sp.RequestedBy = s.p, a.p.spec.Principal.Who
		return Result{Status: StatusRejected, Error: "rejected the request of " + a.p.spec.Principal.Who}, nil
	})
}

// Withdraw withdraws the session's own request a (the requester changed
// their mind): audited cancelled under their name.
func (s *Session) Withdraw(a *Approval) error {
	if a == nil {
		return errors.New("withdraw: no request")
	}
	if a.p.spec.Principal.Session != s.p.Session {
		return fmt.Errorf("%w: the request is %s's: only its requester withdraws it", ErrRefused, orDash(a.p.spec.Principal.User))
	}
	return s.end(a, approvalWithdrawn, "by "+s.p.Who, func(*Spec) (Result, error) {
		return Result{Status: StatusCancelled, Error: "withdrawn by the requester while awaiting approval"}, nil
	})
}

// end ends the waiting request a without running it (state, why) and
// audits the line line gives.
func (s *Session) end(a *Approval, state, why string, line func(*Spec) (Result, error)) error {
	e := s.e
	if ok, reason := e.claim(a); !ok {
		return fmt.Errorf("%w: %s", ErrRefused, reason)
	}
	e.mu.Lock()
	e.finishLocked(a, state, why, nil, fmt.Errorf("%w: %s %s", ErrNotApproved, state, why))
	e.mu.Unlock()
	if !e.settle(a.p) {
		return nil
	}
	discard(a.p.action)
	sp := a.p.spec
	res, _ := line(&sp)
	res.Duration = time.Since(a.p.prepared)
	return e.record(a.p.id, sp, a.p.plan, res)
}

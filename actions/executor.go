package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/opsconsole/console/internal/sanitize"
)

// Result statuses.
const (
	StatusPlanned   = "planned"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusRefused   = "refused"
	StatusCancelled = "cancelled"
	// StatusStarted is the audit record written (and synced) right before a
	// run changes anything; the run's outcome line follows with the same
	// audit id. A "started" line without an outcome means the console died
	// mid-run (e.g. SIGKILL or power loss).
	StatusStarted = "started"
	// StatusRunning is reported by Run.Result while the run is in progress.
	StatusRunning = "running"
	// StatusLeftRunning is the audit record written when the session that
	// started a run ended and the run was marked to keep running
	// (Session.KeepRunning): who left it, and why, under the run's audit
	// id; the run's outcome line follows when it ends. Like "started", a
	// "left running" line without an outcome means the console died
	// before the run ended.
	StatusLeftRunning = "left running"
	// StatusAwaitingApproval is the audit record of an operator's
	// destructive action, previewed and confirmed by them, that waits for
	// a second person's approval (Session.Request); the approval, the
	// rejection or the cancellation follows under the same audit id.
	StatusAwaitingApproval = "awaiting approval"
	// StatusApproved is the audit record of a second person's approval
	// (Session.Approve), under the approver's name; the run's "started"
	// line follows under the same audit id.
	StatusApproved = "approved"
	// StatusRejected is the audit record of a second person's rejection
	// (Session.Reject), under the rejecter's name: the action does not run.
	StatusRejected = "rejected"
)

// Defaults used when Options leave them zero.
const (
	// DefaultTimeout bounds one run when neither the Spec nor Options set one.
	DefaultTimeout = 30 * time.Minute
	// maxLines bounds the output kept per run (older lines are dropped).
	maxLines = 20000
)

// Options configure an Executor.
type Options struct {
	// Env names the environment actions run in (recorded in Spec.Env and the audit).
	Env string
	// ReadOnly refuses every action that is not Safe.
	ReadOnly bool
	// ReadOnlyReason explains why (shown to the user); a default is used when empty.
	ReadOnlyReason string
	// AuditPath is the JSONL audit log; empty disables auditing (tests only).
	AuditPath string
	// Identity is who runs actions: the OS user, plus the cloud/kube identity when known.
	// Empty means the current OS user.
	Identity string
	// DefaultTimeout bounds a run whose Spec has no Timeout (default 30m).
	DefaultTimeout time.Duration
	// MaxDataAge is the oldest the data an action was chosen from may be
	// (zero: not checked).
	MaxDataAge time.Duration
	// ApprovalExpiry, when set, lets an operator of a Session ask for a
	// destructive action, which then runs only once another person
	// (operator or admin) approves it within ApprovalExpiry
	// (Session.Request, Session.Approve). Zero: destructive actions need an
	// admin.
	ApprovalExpiry time.Duration
}

// Executor runs every action through the guards: read-only refusal,
// preconditions, preview, confirmation, a cancellable run with a timeout,
// audit and verification. It is safe for concurrent use.
type Executor struct {
	opts  Options
	audit *AuditLog

	// base is the parent of every preview and run; Shutdown cancels it.
	base       context.Context
	baseCancel context.CancelCauseFunc
	inflight   sync.WaitGroup // previews in progress

	mu       sync.Mutex
	runs     []*Run
	active   map[string]*Run // target key → running run
	pending  map[*Pending]struct{}
	closed   bool
	closeWhy error

	// approvals are the requests waiting for a second person, by audit
	// id; approvalsChanged is closed (and replaced) when they change.
	approvals        map[string]*Approval
	approvalsChanged chan struct{}
	// now is the clock approvals expire by (tests set it).
	now func() time.Time
}

// ErrShutdown is the cause of every cancellation made by Executor.Shutdown
// (the console is quitting or got a signal).
var ErrShutdown = errors.New("console shutting down")

// NewExecutor returns an executor with the given options.
func NewExecutor(o Options) (*Executor, error) {
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = DefaultTimeout
	}
	if o.Identity == "" {
		o.Identity = CurrentUser()
	}
	if o.ReadOnly && o.ReadOnlyReason == "" {
		env := o.Env
		if env == "" {
			env = "this environment"
		}
		o.ReadOnlyReason = fmt.Sprintf("environment %s is read-only", env)
	}
	e := &Executor{opts: o, active: map[string]*Run{}, pending: map[*Pending]struct{}{},
		approvals: map[string]*Approval{}, approvalsChanged: make(chan struct{}), now: time.Now}
	e.base, e.baseCancel = context.WithCancelCause(context.Background())
	if o.AuditPath != "" {
		a, err := OpenAuditLog(o.AuditPath)
		if err != nil {
			return nil, err
		}
		e.audit = a
	}
	return e, nil
}

// CurrentUser returns the OS user name (or $USER, or "unknown").
func CurrentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// Options returns the options the executor runs with (defaults applied).
func (e *Executor) Options() Options { return e.opts }

// ReadOnly reports whether mutating actions are refused, and why.
func (e *Executor) ReadOnly() (bool, string) {
	if !e.opts.ReadOnly {
		return false, ""
	}
	return true, e.opts.ReadOnlyReason
}

// Allowed reports whether an action with this effect may run at all in
// this mode (read-only refuses all but Safe ones), and if not why.
func (e *Executor) Allowed(effect Effect) (bool, string) {
	if effect != Safe && e.opts.ReadOnly {
		return false, readOnlyPrefix + e.opts.ReadOnlyReason
	}
	return true, ""
}

// Pending is an action that passed the read-only guard, its preconditions
// and its preview, and waits for the user's confirmation.
type Pending struct {
	id       string
	action   Action
	spec     Spec
	plan     Plan
	dataAt   time.Time
	prepared time.Time
	done     bool // started or cancelled
	// second is the phrase of the second typed confirmation ("" for none).
	second string
}

// SecondConfirmer is implemented by actions that need a second typed
// confirmation after the target's name, for what cannot be undone and is
// not the default (a restore over the live cluster: "overwrite NAME").
// The phrase is read when the action is prepared; "" needs none.
type SecondConfirmer interface {
	SecondConfirmation() string
}

// ID returns the audit id this attempt will be recorded under.
func (p *Pending) ID() string { return p.id }

// Spec describes the pending action.
func (p *Pending) Spec() Spec { return p.spec }

// Plan is the preview the user confirms.
func (p *Pending) Plan() Plan { return p.plan }

// Action returns the action itself.
func (p *Pending) Action() Action { return p.action }

// Prompt tells the user what to type to confirm.
func (p *Pending) Prompt() string {
	if p.spec.Effect == Destructive {
		return fmt.Sprintf("type %s to confirm", p.spec.Target.Name)
	}
	return "press y to confirm"
}

// Prompts tells the user what to type at each step of the confirmation:
// one step, or two for an action with a second confirmation (the target's
// name, then the phrase).
func (p *Pending) Prompts() []string {
	if p.second == "" {
		return []string{p.Prompt()}
	}
	return []string{p.Prompt(), fmt.Sprintf("type %s to confirm again", p.second)}
}

// MatchesStep reports whether input confirms step i of Prompts.
func (p *Pending) MatchesStep(i int, input string) bool {
	switch {
	case i == 0:
		return p.Matches(input)
	case i == 1 && p.second != "":
		return strings.TrimRight(input, "\r\n") == p.second
	}
	return false
}

// confirmed reports whether the answers confirm every step.
func (p *Pending) confirmed(answers []string) bool {
	if len(answers) != len(p.Prompts()) {
		return false
	}
	for i, a := range answers {
		if !p.MatchesStep(i, a) {
			return false
		}
	}
	return true
}

// Matches reports whether input confirms the action: the target's name
// typed exactly for a destructive action, "y" otherwise.
func (p *Pending) Matches(input string) bool {
	input = strings.TrimRight(input, "\r\n")
	if p.spec.Effect == Destructive {
		return p.spec.Target.Name != "" && input == p.spec.Target.Name
	}
	switch strings.TrimSpace(input) {
	case "y", "Y", "yes", "YES", "Yes":
		return true
	}
	return false
}

func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

func targetKey(s Spec) string {
	return s.Runner + "|" + s.Target.Cluster + "|" + s.Target.Region + "|" + s.Target.String()
}

// Locker is implemented by actions whose "same target" is wider than their
// Ref: every action with the same LockKey is one target for the
// one-run-per-target precondition (e.g. all actions on one Terraform state).
type Locker interface {
	LockKey() string
}

// Discarder is implemented by actions that hold resources between Preview
// and Run (e.g. a saved Terraform plan file): the executor calls Discard
// when the pending action will not run (declined, refused, plan only).
type Discarder interface {
	Discard()
}

func discard(a Action) {
	if d, ok := a.(Discarder); ok {
		d.Discard()
	}
}

func keyOf(a Action, s Spec) string {
	if l, ok := a.(Locker); ok {
		if k := l.LockKey(); k != "" {
			return "lock|" + k
		}
	}
	if _, ok := a.(Interactive); ok {
		// one per target too, but apart from the background runs: a shell
		// in a pod does not wait for a port-forward to it to end
		return "attached|" + targetKey(s)
	}
	return targetKey(s)
}

func (e *Executor) spec(a Action) Spec {
	s := a.Spec()
	if s.Env == "" {
		s.Env = e.opts.Env
	}
	if s.Timeout <= 0 {
		s.Timeout = e.opts.DefaultTimeout
	}
	return s
}

// refuse audits a refusal and returns the ErrRefused-wrapped error.
func (e *Executor) refuse(id string, s Spec, plan Plan, start time.Time, format string, args ...any) error {
	err := fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
	if aerr := e.record(id, s, plan, Result{Status: StatusRefused, Error: err.Error(), Duration: time.Since(start)}); aerr != nil {
		return fmt.Errorf("%w (not audited: %v)", err, aerr)
	}
	return err
}

// RecordRefusal audits an attempt that was refused before any action could
// be built (e.g. no source offers verb on target) and returns reason, so
// that every attempt, even one that never reached Prepare, leaves its line.
func (e *Executor) RecordRefusal(verb Verb, target Ref, reason error) error {
	s := Spec{Name: verb, Target: target, Env: e.opts.Env}
	if err := e.record(newID(), s, Plan{}, Result{Status: StatusRefused, Error: reason.Error()}); err != nil {
		return fmt.Errorf("%w (not audited: %v)", reason, err)
	}
	return reason
}

// preconditions checks what must hold before running: Availability
// (read-only, the action's permission, no other run on the same target),
// a writable audit log, fresh data, and the action's own Check.
func (e *Executor) preconditions(ctx context.Context, a Action, s Spec, dataAt time.Time) (string, error) {
	if why := e.unavailable(a, s); why != "" {
		return why, nil
	}
	if e.audit != nil {
		if err := e.audit.Check(); err != nil {
			return fmt.Sprintf("every action is audited and the audit log cannot be written (%v)", err), nil
		}
	}
	if e.opts.MaxDataAge > 0 && !dataAt.IsZero() {
		if age := time.Since(dataAt); age > e.opts.MaxDataAge {
			return fmt.Sprintf("the data %s was chosen from is %s old (limit %s): refresh and try again",
				s.Target, age.Round(time.Second), e.opts.MaxDataAge), nil
		}
	}
	if err := a.Check(ctx); err != nil {
		if ctx.Err() != nil {
			return "", err
		}
		return fmt.Sprintf("precondition failed: %v", err), nil
	}
	return "", nil
}

// Prepare runs the guards that come before confirmation: read-only, the
// preconditions and the preview. A refusal is audited and returned wrapped
// in ErrRefused; a failed preview is audited as failed. dataAt is when the
// data the action was chosen from was read (zero: not checked).
func (e *Executor) Prepare(ctx context.Context, a Action, dataAt time.Time) (*Pending, error) {
	p, _, err := e.prepare(ctx, a, dataAt, io.Discard)
	return p, err
}

// PrepareOutput is Prepare with the preview's progress (e.g. terraform's
// init and plan log) streamed to out, line by line and sanitised.
func (e *Executor) PrepareOutput(ctx context.Context, a Action, dataAt time.Time, out io.Writer) (*Pending, error) {
	if out == nil {
		out = io.Discard
	}
	p, _, err := e.prepare(ctx, a, dataAt, prefixWriter(out))
	return p, err
}

// prepare returns the pending action, or the audit id of the refused or
// failed attempt and the error.
func (e *Executor) prepare(ctx context.Context, a Action, dataAt time.Time, out io.Writer) (*Pending, string, error) {
	return e.prepareAs(ctx, Principal{}, a, dataAt, out)
}

// prepareAs is prepare on behalf of pr (a Session's user).
func (e *Executor) prepareAs(ctx context.Context, pr Principal, a Action, dataAt time.Time, out io.Writer) (*Pending, string, error) {
	start := time.Now()
	s := e.spec(a)
	s.Principal = pr
	id := newID()
	e.mu.Lock()
	closed, closeWhy := e.closed, e.closeWhy
	if !closed {
		e.inflight.Add(1)
	}
	e.mu.Unlock()
	if closed {
		return nil, id, e.refuse(id, s, Plan{}, start, "%s %s: %v", s.Name, s.Target, closeWhy)
	}
	defer e.inflight.Done()
	if _, ok := a.(Interactive); ok {
		return nil, id, e.refuse(id, s, Plan{Summary: s.Description}, start, "%s %s: %s", s.Name, s.Target, notAttached)
	}
	ctx, stop := e.withBase(ctx)
	defer stop()
	why, err := e.preconditions(ctx, a, s, dataAt)
	if err != nil {
		aerr := e.record(id, s, Plan{}, Result{Status: statusFor(ctx, err), Error: err.Error(), Duration: time.Since(start)})
		return nil, id, withAudit(fmt.Errorf("%s %s: %w", s.Name, s.Target, err), aerr)
	}
	if why != "" {
		return nil, id, e.refuse(id, s, Plan{}, start, "%s %s: %s", s.Name, s.Target, why)
	}
	plan, err := a.Preview(ctx, out)
	if err == nil {
		// The preview may raise the effect (an apply whose plan destroys).
		if after := a.Spec(); after.Effect > s.Effect {
			s.Effect = after.Effect
			if ok, why := e.allowedFor(s); !ok {
				discard(a)
				return nil, id, e.refuse(id, s, plan, start, "%s %s: %s", s.Name, s.Target, why)
			}
		}
	}
	if err != nil {
		if errors.Is(err, ErrRefused) {
			aerr := e.record(id, s, plan, Result{Status: StatusRefused, Error: err.Error(), Duration: time.Since(start)})
			return nil, id, withAudit(err, aerr)
		}
		aerr := e.record(id, s, plan, Result{Status: statusFor(ctx, err), Error: "preview: " + cancelMessage(ctx, err), Duration: time.Since(start)})
		return nil, id, withAudit(fmt.Errorf("%s %s: preview: %w", s.Name, s.Target, err), aerr)
	}
	p := &Pending{id: id, action: a, spec: s, plan: plan, dataAt: dataAt, prepared: start}
	if sc, ok := a.(SecondConfirmer); ok && s.Effect == Destructive {
		p.second = sc.SecondConfirmation()
	}
	e.mu.Lock()
	closed, closeWhy = e.closed, e.closeWhy
	if !closed {
		e.pending[p] = struct{}{}
	}
	e.mu.Unlock()
	if closed {
		p.done = true
		discard(a)
		err := fmt.Errorf("%s %s: %w", s.Name, s.Target, closeWhy)
		aerr := e.record(id, s, plan, Result{Status: StatusCancelled, Error: "cancelled before confirmation: " + closeWhy.Error(), Duration: time.Since(start)})
		return nil, id, withAudit(err, aerr)
	}
	return p, id, nil
}

// withBase returns ctx, also cancelled (with the same cause) when the
// executor shuts down.
func (e *Executor) withBase(ctx context.Context) (context.Context, func()) {
	cctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(e.base, func() { cancel(context.Cause(e.base)) })
	return cctx, func() { stop(); cancel(nil) }
}

// settle marks p used (started, declined or dropped); false when it was already.
func (e *Executor) settle(p *Pending) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p == nil || p.done {
		return false
	}
	p.done = true
	delete(e.pending, p)
	return true
}

// cancelMessage is err, with the cancellation's cause (e.g. the shutdown
// reason) when ctx was cancelled with one.
func cancelMessage(ctx context.Context, err error) string {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return cause.Error() + ": " + err.Error()
	}
	return err.Error()
}

func statusFor(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return StatusCancelled
	}
	return StatusFailed
}

// Decline records that the user declined the pending action (audited as
// cancelled, "declined at confirmation"); a running run is stopped with
// Run.Cancel instead.
func (e *Executor) Decline(p *Pending) {
	if !e.settle(p) {
		return
	}
	discard(p.action)
	// Nothing changed and Decline has no caller to tell; an audit log that
	// cannot be written refuses the next Prepare with the reason.
	_ = e.record(p.id, p.spec, p.plan, Result{Status: StatusCancelled, Error: "declined at confirmation", Duration: time.Since(p.prepared)})
}

// Start checks the confirmation (the answer to each of Prompts: more
// holds the answers after the first), re-checks the preconditions and
// runs the action in the background. It never blocks on the run itself.
func (e *Executor) Start(p *Pending, confirmation string, more ...string) (*Run, error) {
	if p == nil {
		return nil, errors.New("start: no pending action")
	}
	if !p.confirmed(append([]string{confirmation}, more...)) {
		e.settle(p)
		discard(p.action)
		return nil, e.refuse(p.id, p.spec, p.plan, p.prepared, "%s %s: not confirmed (%s)", p.spec.Name, p.spec.Target, strings.Join(p.Prompts(), ", then "))
	}
	if e.needsApproval(p.spec) {
		e.settle(p)
		discard(p.action)
		return nil, e.refuse(p.id, p.spec, p.plan, p.prepared, "%s %s: %s", p.spec.Name, p.spec.Target, e.approvalReason(p.spec))
	}
	return e.start(e.base, p, nil)
}

// start re-checks the preconditions and starts the run under parent.
func (e *Executor) start(parent context.Context, p *Pending, progress io.Writer) (*Run, error) {
	return e.startApproved(parent, p, "", progress)
}

// startApproved is start for an action approved by approvedBy ("" none),
// named on its audit lines.
func (e *Executor) startApproved(parent context.Context, p *Pending, approvedBy string, progress io.Writer) (*Run, error) {
	sp := p.spec
	sp.ApprovedBy = approvedBy
	if !e.settle(p) {
		return nil, fmt.Errorf("%w: %s %s: this confirmation was already used", ErrRefused, sp.Name, sp.Target)
	}
	parent, stopBase := e.withBase(parent)
	started := false
	defer func() {
		if !started {
			stopBase()
		}
	}()

	cctx, ccancel := context.WithTimeout(parent, time.Minute)
	why, err := e.preconditions(cctx, p.action, sp, p.dataAt)
	ccancel()
	if err != nil || why != "" {
		discard(p.action)
	}
	if err != nil {
		aerr := e.record(p.id, sp, p.plan, Result{Status: statusFor(parent, err), Error: err.Error(), Duration: time.Since(p.prepared)})
		return nil, withAudit(fmt.Errorf("%s %s: %w", sp.Name, sp.Target, err), aerr)
	}
	if why != "" {
		return nil, e.refuse(p.id, sp, p.plan, p.prepared, "%s %s: %s", sp.Name, sp.Target, why)
	}

	tctx, tcancel := context.WithTimeout(parent, sp.Timeout)
	ctx, causeCancel := context.WithCancelCause(tctx)
	cancel := func(cause error) {
		causeCancel(cause)
		tcancel()
		stopBase()
	}
	r := &Run{
		id:       p.id,
		spec:     sp,
		plan:     p.plan,
		started:  time.Now(),
		cancel:   cancel,
		updates:  make(chan struct{}, 1),
		done:     make(chan struct{}),
		progress: progress,
	}
	key := keyOf(p.action, sp)
	r.key = key
	e.mu.Lock()
	other := e.active[key]
	closed, closeWhy := e.closed, e.closeWhy
	if other == nil && !closed {
		e.active[key] = r
	}
	e.mu.Unlock()
	switch {
	case closed:
		cancel(nil)
		discard(p.action)
		aerr := e.record(p.id, sp, p.plan, Result{Status: StatusCancelled, Error: "cancelled before it started: " + closeWhy.Error(), Duration: time.Since(p.prepared)})
		return nil, withAudit(fmt.Errorf("%s %s: %w", sp.Name, sp.Target, closeWhy), aerr)
	case other != nil:
		cancel(nil)
		discard(p.action)
		return nil, e.refuse(p.id, sp, p.plan, p.prepared, "%s %s: %s is already running on it (run %s)", sp.Name, sp.Target, other.spec.Name, other.id)
	}
	// Fail closed: the attempt is on record (synced) before anything
	// changes, or it does not run.
	if err := e.record(p.id, sp, p.plan, Result{Status: StatusStarted}); err != nil {
		e.release(key, r)
		cancel(nil)
		discard(p.action)
		return nil, fmt.Errorf("%w: %s %s: the audit record could not be written, so the action does not run: %v", ErrRefused, sp.Name, sp.Target, err)
	}
	if e.audit != nil {
		if f, err := openOutput(e.audit.Path(), p.id); err != nil {
			r.appendLine(fmt.Sprintf("(%v: %v)", errNoOutput, err))
		} else {
			r.keep = f
		}
	}
	if approvedBy != "" {
		r.appendLine("(approved by " + approvedBy + ")")
	}
	e.mu.Lock()
	e.runs = append(e.runs, r)
	e.mu.Unlock()
	started = true
	go e.execute(ctx, cancel, p, r, key)
	return r, nil
}

// release frees the target key held by r.
func (e *Executor) release(key string, r *Run) {
	e.mu.Lock()
	if e.active[key] == r {
		delete(e.active, key)
	}
	e.mu.Unlock()
}

// execute runs the action, verifies it, audits it and releases the target.
func (e *Executor) execute(ctx context.Context, cancel func(error), p *Pending, r *Run, key string) {
	defer cancel(nil)
	w := sanitize.NewLineWriter(runLines{r})
	err := runSafely(ctx, p.action, p.plan, w)
	_ = w.Flush()
	res := Result{Action: p.spec.Name, Target: p.spec.Target.String(), Plan: p.plan, AuditID: p.id}
	switch {
	case err == nil:
		res.Status = StatusSucceeded
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Status = StatusFailed
		res.Error = fmt.Sprintf("timed out after %s: %v", p.spec.Timeout, err)
	case ctx.Err() != nil || r.cancelRequested():
		res.Status = StatusCancelled
		res.Error = "cancelled: " + cancelMessage(ctx, err)
	case errors.Is(err, ErrRefused):
		res.Status = StatusRefused
		res.Error = err.Error()
	default:
		res.Status = StatusFailed
		res.Error = err.Error()
	}
	if res.Status == StatusSucceeded {
		vctx, vstop := e.withBase(context.Background())
		vctx, vcancel := context.WithTimeout(vctx, 2*time.Minute)
		ok, msg, verr := p.action.Verify(vctx)
		vcancel()
		vstop()
		verdict(&res, ok, msg, verr)
		r.appendLine("verify: " + res.VerifyMessage)
	}
	r.closeKeep()
	res.Duration = time.Since(p.prepared)
	if r.claimAudit() {
		if aerr := e.record(p.id, r.spec, p.plan, res); aerr != nil {
			res.AuditError = aerr.Error()
		}
	}
	e.release(key, r)
	r.finish(res)
}

// verdict applies Verify's answer to a run that succeeded. A verification
// that found the intended state not reached fails the run: the result
// says what is missing (Error, VerifyMessage) and is never "succeeded"
// with verified false. A verification that could not read the target
// leaves the run succeeded but not verified, saying why.
func verdict(res *Result, ok bool, msg string, err error) {
	switch {
	case err != nil:
		res.Verified = false
		res.VerifyMessage = "could not verify: " + err.Error()
	case !ok:
		if strings.TrimSpace(msg) == "" {
			msg = "the intended state was not reached"
		}
		res.Status = StatusFailed
		res.Verified = false
		res.VerifyMessage = msg
		res.Error = "verification failed: " + msg
	default:
		res.Verified = true
		res.VerifyMessage = msg
	}
}

// runSafely calls a.Run, turning a panic into an error.
func runSafely(ctx context.Context, a Action, plan Plan, out io.Writer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("action panicked: %v", v)
		}
	}()
	return a.Run(ctx, plan, out)
}

// Execute runs an action non-interactively (subcommands). Without yes it
// prints the plan to progress and returns status "planned", changing
// nothing. With yes the confirmation is given by the caller's flag. Output
// streams to progress; cancelling ctx cancels the run.
func (e *Executor) Execute(ctx context.Context, a Action, yes bool, progress io.Writer) Result {
	return e.executeWith(ctx, a, yes, "", progress)
}

// ExecuteConfirmed is Execute with yes, and second the answer to the
// second confirmation of an action that needs one (SecondConfirmer): such
// an action is refused (audited) by Execute, and here unless second is its
// phrase exactly.
func (e *Executor) ExecuteConfirmed(ctx context.Context, a Action, second string, progress io.Writer) Result {
	return e.executeWith(ctx, a, true, second, progress)
}

func (e *Executor) executeWith(ctx context.Context, a Action, yes bool, second string, progress io.Writer) Result {
	if progress == nil {
		progress = io.Discard
	}
	s := e.spec(a)
	base := Result{Action: s.Name, Target: s.Target.String()}
	p, id, err := e.prepare(ctx, a, time.Time{}, prefixWriter(progress))
	if err != nil {
		base.AuditID = id
		base.Error = err.Error()
		base.Status = StatusFailed
		switch {
		case errors.Is(err, ErrRefused):
			base.Status = StatusRefused
		case ctx.Err() != nil:
			base.Status = StatusCancelled
		}
		return base
	}
	base.Plan = p.plan
	base.AuditID = p.id
	writePlan(progress, p)
	if !yes {
		e.settle(p)
		discard(p.action)
		base.Status = StatusPlanned
		base.Duration = time.Since(p.prepared)
		if p.spec.Effect != Safe {
			fmt.Fprintf(progress, "not confirmed: nothing changed (re-run with --yes to %s)\n", s.Name)
		}
		if err := e.record(p.id, s, p.plan, base); err != nil {
			base.AuditError = err.Error()
		}
		return base
	}
	if p.second != "" && !p.MatchesStep(1, second) {
		e.settle(p)
		discard(p.action)
		err := e.refuse(p.id, p.spec, p.plan, p.prepared, "%s %s: not confirmed: this action needs the second confirmation %q", p.spec.Name, p.spec.Target, p.second)
		base.Status, base.Error = StatusRefused, err.Error()
		return base
	}
	r, err := e.start(ctx, p, progress)
	if err != nil {
		base.Error = err.Error()
		base.Status = StatusFailed
		if errors.Is(err, ErrRefused) {
			base.Status = StatusRefused
		} else if ctx.Err() != nil {
			base.Status = StatusCancelled
		}
		return base
	}
	<-r.Done()
	res := r.Result()
	return res
}

func writePlan(w io.Writer, p *Pending) {
	s := p.spec
	fmt.Fprintf(w, "%s %s (%s, %s)\n", s.Name, s.Target, s.Runner, s.Effect)
	if s.Description != "" {
		fmt.Fprintf(w, "  %s\n", s.Description)
	}
	if p.plan.Summary != "" {
		fmt.Fprintf(w, "plan: %s\n", p.plan.Summary)
	}
	for _, c := range p.plan.Calls {
		fmt.Fprintf(w, "  will run: %s\n", c)
	}
	if p.second != "" {
		fmt.Fprintf(w, "  confirm: %s\n", strings.Join(p.Prompts(), ", then "))
	}
	if p.plan.Text != "" {
		for _, l := range strings.Split(strings.TrimRight(p.plan.Text, "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", sanitize.Output(l))
		}
	}
}

// prefixWriter sanitises preview output lines before they reach progress.
func prefixWriter(w io.Writer) io.Writer {
	if w == io.Discard {
		return w
	}
	return sanitize.NewLineWriter(w)
}

// Shutdown ends every attempt in progress, for a console that quits or got
// a signal: no new action is accepted (refused with reason); each running
// action is cancelled as its runner expects (the process group gets
// SIGINT, then SIGKILL after the runner's grace period, see actions/proc)
// with reason as the cause; previews in progress are cancelled; actions
// waiting for confirmation are declined and their saved plans removed.
// Shutdown waits for the runs to stop until ctx is done; a run still going
// then has its outcome line written now ("cancelled", it did not stop in
// time) so that every attempt is on record. It returns how many runs and
// pending actions it cancelled, and an error naming the runs that did not
// stop or whose audit line could not be written. Calling it again waits
// again and cancels what started since (nothing can).
func (e *Executor) Shutdown(ctx context.Context, reason string) (int, error) {
	cause := fmt.Errorf("%w: %s", ErrShutdown, reason)
	e.mu.Lock()
	if !e.closed {
		e.closed, e.closeWhy = true, cause
	}
	cause = e.closeWhy
	e.mu.Unlock()
	n, err := e.cancelWhere(ctx, cause, func(Spec) bool { return true }, func() { e.baseCancel(cause) })
	done := make(chan struct{})
	go func() { e.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("previews still running: %w", ctx.Err()))
	}
	return n, err
}

// cancelWhere cancels, with cause, every running action and every action
// waiting for confirmation whose spec match accepts (see Shutdown), waits
// for the runs to stop until ctx is done, and audits each; it returns how
// many it cancelled. then (when not nil) is called once the runs were
// told to stop.
func (e *Executor) cancelWhere(ctx context.Context, cause error, match func(Spec) bool, then func()) (int, error) {
	return e.cancelRunsWhere(ctx, cause, match, func(*Run) bool { return true }, then)
}

// cancelRunsWhere is cancelWhere, where a matching run is cancelled only
// when accept also accepts it.
func (e *Executor) cancelRunsWhere(ctx context.Context, cause error, match func(Spec) bool, accept func(*Run) bool, then func()) (int, error) {
	e.mu.Lock()
	var runs []*Run
	for _, r := range e.active {
		if match(r.spec) && accept(r) {
			runs = append(runs, r)
		}
	}
	var pend []*Pending
	for p := range e.pending {
		if match(p.spec) {
			pend = append(pend, p)
		}
	}
	e.mu.Unlock()

	// n counts what this call cancelled: a run that had already ended
	// between the listing and here, or a confirmation settled meanwhile,
	// is not counted.
	n := 0
	for _, r := range runs {
		select {
		case <-r.Done():
			continue
		default:
		}
		n++
		r.cancelWith(cause)
	}
	if then != nil {
		then()
	}
	var errs []error
	for _, p := range pend {
		if !e.settle(p) {
			continue
		}
		n++
		discard(p.action)
		at := "cancelled at confirmation: "
		if e.endApproval(p.id, approvalCancelled, "("+cause.Error()+")") {
			at = "cancelled awaiting approval: "
		}
		if err := e.record(p.id, p.spec, p.plan, Result{Status: StatusCancelled, Error: at + cause.Error(), Duration: time.Since(p.prepared)}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range runs {
		select {
		case <-r.Done():
			if res := r.Result(); res.AuditError != "" {
				errs = append(errs, fmt.Errorf("run %s: %s", r.id, res.AuditError))
			}
			continue
		case <-ctx.Done():
		}
		if !r.claimAudit() {
			continue
		}
		msg := fmt.Sprintf("cancelled: %v: the run had not stopped in time when the console exited", cause)
		res := Result{Status: StatusCancelled, Error: msg, Duration: time.Since(r.started)}
		errs = append(errs, fmt.Errorf("run %s (%s %s) had not stopped", r.id, r.spec.Name, r.spec.Target))
		if err := e.record(r.id, r.spec, r.plan, res); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// ShuttingDown reports whether Shutdown was called, and its cause.
func (e *Executor) ShuttingDown() (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed, e.closeWhy
}

// Active lists the runs in progress.
func (e *Executor) Active() []*Run {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Run, 0, len(e.active))
	for _, r := range e.runs {
		if e.active[r.key] == r {
			out = append(out, r)
		}
	}
	return out
}

// Runs lists the runs of this executor, running and past, newest first.
func (e *Executor) Runs() []*Run {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Run, 0, len(e.runs))
	for i := len(e.runs) - 1; i >= 0; i-- {
		out = append(out, e.runs[i])
	}
	return out
}

// Running reports the run in progress on the target of a, if any.
func (e *Executor) Running(a Action) *Run {
	s := e.spec(a)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active[keyOf(a, s)]
}

// record writes one audit line. Its error is returned for the caller to
// report where the user reads the outcome (the TUI's message line, the
// command's result): it is never printed over the screen.
func (e *Executor) record(id string, s Spec, plan Plan, res Result) error {
	if e.audit == nil {
		return nil
	}
	who := e.opts.Identity
	if s.Principal.Who != "" {
		who = s.Principal.Who
	}
	entry := AuditEntry{
		Time:       time.Now().UTC(),
		Who:        who,
		Env:        s.Env,
		Action:     string(s.Name),
		Runner:     s.Runner,
		Effect:     s.Effect.String(),
		Target:     s.Target.String(),
		Plan:       summarize(plan),
		Result:     res.Status,
		Error:      res.Error,
		Verified:   res.Verified,
		Verify:     res.VerifyMessage,
		DurationMS: res.Duration.Milliseconds(),
		AuditID:    id,

		RequestedBy: s.RequestedBy,
		ApprovedBy:  s.ApprovedBy,
	}
	return e.audit.Append(entry)
}

// Result is the outcome of one action attempt.
type Result struct {
	Action        Verb          `json:"action"`
	Target        string        `json:"target"`
	Status        string        `json:"status"` // planned, succeeded, failed, refused, cancelled
	Plan          Plan          `json:"plan"`
	AuditID       string        `json:"audit_id"`
	Error         string        `json:"error"`
	Verified      bool          `json:"verified"`
	VerifyMessage string        `json:"verify_message,omitempty"`
	Duration      time.Duration `json:"duration_ns"`
	// AuditError is set when the outcome's audit line could not be written
	// (the "started" record was: the attempt is on record, its outcome not).
	AuditError string `json:"audit_error,omitempty"`
}

// Run is one action running (or finished) in the background.
type Run struct {
	id       string
	key      string
	spec     Spec
	plan     Plan
	started  time.Time
	cancel   func(cause error)
	updates  chan struct{}
	done     chan struct{}
	progress io.Writer

	mu        sync.Mutex
	keep      *os.File // the output kept in full (redacted) with the audit id
	lines     []string
	dropped   int
	result    Result
	finished  bool
	cancelled bool
	audited   bool
	// kept: the run goes on when the session that started it ends
	// (Session.KeepRunning).
	kept bool
}

// KeepsRunning reports whether the run goes on when the session that
// started it ends (console serve; see Session.KeepRunning).
func (r *Run) KeepsRunning() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kept
}

// ID is the run's audit id.
func (r *Run) ID() string { return r.id }

// Spec describes the action run.
func (r *Run) Spec() Spec { return r.spec }

// Plan is the plan that was confirmed.
func (r *Run) Plan() Plan { return r.plan }

// Started is when the run began.
func (r *Run) Started() time.Time { return r.started }

// Lines returns a copy of the output so far (sanitised, one entry per line).
func (r *Run) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// Updates is signalled (coalesced) whenever output or state changes.
func (r *Run) Updates() <-chan struct{} { return r.updates }

// Cancel asks the run to stop; the runner stops its child process cleanly.
func (r *Run) Cancel() { r.cancelWith(errCancelledByUser) }

var errCancelledByUser = errors.New("cancelled by the user")

func (r *Run) cancelWith(cause error) {
	r.mu.Lock()
	r.cancelled = true
	r.mu.Unlock()
	r.cancel(cause)
}

// claimAudit reports whether the caller is the one to write the run's
// outcome line (exactly one per run: the run itself, or Shutdown when the
// run outlives it).
func (r *Run) claimAudit() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.audited {
		return false
	}
	r.audited = true
	return true
}

func (r *Run) cancelRequested() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cancelled
}

// Done is closed when the run has finished (including verification and audit).
func (r *Run) Done() <-chan struct{} { return r.done }

// Result is the outcome; while running its Status is "running".
func (r *Run) Result() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.finished {
		return Result{Action: r.spec.Name, Target: r.spec.Target.String(), Status: StatusRunning,
			Plan: r.plan, AuditID: r.id, Duration: time.Since(r.started)}
	}
	return r.result
}

func (r *Run) signal() {
	select {
	case r.updates <- struct{}{}:
	default:
	}
}

func (r *Run) appendLine(l string) {
	l = sanitize.Output(l)
	r.mu.Lock()
	r.lines = append(r.lines, l)
	if len(r.lines) > maxLines {
		n := len(r.lines) - maxLines
		r.lines = append([]string(nil), r.lines[n:]...)
		r.dropped += n
	}
	if r.keep != nil {
		if _, err := r.keep.WriteString(Redact(l) + "\n"); err != nil {
			r.keep.Close()
			r.keep = nil
		}
	}
	p := r.progress
	r.mu.Unlock()
	if p != nil {
		fmt.Fprintln(p, l)
	}
	r.signal()
}

// closeKeep closes the file keeping the run's output.
func (r *Run) closeKeep() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keep != nil {
		r.keep.Close()
		r.keep = nil
	}
}

func (r *Run) finish(res Result) {
	r.mu.Lock()
	r.result = res
	r.finished = true
	r.mu.Unlock()
	close(r.done)
	r.signal()
}

// runLines receives a run's output from a sanitize.LineWriter, one
// cleaned line per Write.
type runLines struct{ run *Run }

func (w runLines) Write(p []byte) (int, error) {
	w.run.appendLine(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// withAudit adds a failed audit write to err: the attempt was refused or
// cancelled (nothing changed), but its audit line is missing, and the
// caller must say so.
func withAudit(err, auditErr error) error {
	if auditErr == nil {
		return err
	}
	return errors.Join(err, fmt.Errorf("audit: %w", auditErr))
}

package actions

import "fmt"

// readOnlyPrefix starts the reason of a read-only refusal.
const readOnlyPrefix = "read-only: "

// Availability reports whether a may run now and, if not, why: the guards
// that need no I/O — read-only mode, the action's permission (Permitter)
// and another run of this executor on the same target. Prepare, Start and
// Execute refuse with this same reason; the TUI greys the action out with
// it and refuses its key, so what the menu says is what the executor does.
func (e *Executor) Availability(a Action) (ok bool, reason string) {
	why := e.unavailable(a, e.spec(a))
	return why == "", why
}

// unavailable is Availability's reason ("" when available) for a with spec s.
func (e *Executor) unavailable(a Action, s Spec) string {
	if ok, why := e.allowedFor(s); !ok {
		return why
	}
	if p, ok := a.(Permitter); ok {
		if allowed, why := p.Allowed(); !allowed {
			if why == "" {
				why = "not permitted"
			}
			return why
		}
	}
	e.mu.Lock()
	other := e.active[keyOf(a, s)]
	e.mu.Unlock()
	if other != nil {
		return fmt.Sprintf("%s is already running on %s (run %s)", other.spec.Name, s.Target, other.id)
	}
	return ""
}

// allowedFor is Allowed for s's effect, then the role of s's principal
// (a Session's user): a viewer runs only safe actions, an operator
// mutating ones, destructive ones need an admin.
func (e *Executor) allowedFor(s Spec) (bool, string) {
	if ok, why := e.Allowed(s.Effect); !ok {
		return false, why
	}
	if e.needsApproval(s) {
		return true, "" // it runs once another person approves (Session.Request)
	}
	return s.Principal.allows(s)
}

package ui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/ui/common"
)

// approver is a console serve session's side of a second person's
// confirmation (actions.Session.Request, Approve, Reject, Withdraw): the
// executor decides everything; the UI asks and shows.
type approver interface {
	// NeedsApproval: p, once confirmed, waits for another person;
	// ActionNeedsApproval: so will action a (the menu says it).
	NeedsApproval(p common.Pending) bool
	ActionNeedsApproval(a actions.Action) bool
	// Request asks another person to approve p (answers: the typed
	// confirmation's steps).
	Request(p common.Pending, answers []string) (*actions.Approval, error)
	// Withdraw withdraws the session's own request.
	Withdraw(a *actions.Approval) error
	// Outcome is the run an approval started, or why not.
	Outcome(a *actions.Approval) (common.Run, error)
	// Approvals are the requests waiting; MayApprove whether the user may
	// decide any (and why not); CanDecide whether they may decide a.
	Approvals() []*actions.Approval
	MayApprove() (bool, string)
	CanDecide(a *actions.Approval) (bool, string)
	// Approve approves a (confirmation: the target's name typed) and
	// starts it; Reject rejects it.
	Approve(a *actions.Approval, confirmation string) (common.Run, error)
	Reject(a *actions.Approval) error
	// ApprovalsChanged is closed at the next change of the requests.
	ApprovalsChanged() <-chan struct{}
}

// errLocalApproval is what a local console says of approvals.
var errLocalApproval = fmt.Errorf("a second person's approval is a console serve feature: a local console has no other person to ask")

// session is the console serve session behind the adapter (nil locally).
func (a execAdapter) session() *actions.Session {
	s, _ := a.e.(*actions.Session)
	return s
}

// NeedsApproval implements approver.
func (a execAdapter) NeedsApproval(p common.Pending) bool {
	ap, ok := p.(*actions.Pending)
	return ok && a.session() != nil && a.session().NeedsApproval(ap)
}

// ActionNeedsApproval implements approver.
func (a execAdapter) ActionNeedsApproval(act actions.Action) bool {
	return a.session() != nil && a.session().ActionNeedsApproval(act)
}

// Request implements approver.
func (a execAdapter) Request(p common.Pending, answers []string) (*actions.Approval, error) {
	ap, ok := p.(*actions.Pending)
	switch {
	case a.session() == nil:
		return nil, errLocalApproval
	case !ok:
		return nil, fmt.Errorf("ui: foreign pending action %T", p)
	case len(answers) == 0:
		return nil, fmt.Errorf("request: not confirmed")
	}
	return a.session().Request(ap, answers[0], answers[1:]...)
}

// Withdraw implements approver.
func (a execAdapter) Withdraw(ap *actions.Approval) error {
	if a.session() == nil {
		return errLocalApproval
	}
	return a.session().Withdraw(ap)
}

// Outcome implements approver.
func (a execAdapter) Outcome(ap *actions.Approval) (common.Run, error) {
	r, err := ap.Outcome()
	if r == nil {
		return nil, err
	}
	return runAdapter{r}, err
}

// Approvals implements approver.
func (a execAdapter) Approvals() []*actions.Approval {
	if a.session() == nil {
		return nil
	}
	return a.session().Approvals()
}

// MayApprove implements approver.
func (a execAdapter) MayApprove() (bool, string) {
	if a.session() == nil {
		return false, errLocalApproval.Error()
	}
	return a.session().MayApprove()
}

// CanDecide implements approver.
func (a execAdapter) CanDecide(ap *actions.Approval) (bool, string) {
	if a.session() == nil {
		return false, errLocalApproval.Error()
	}
	return a.session().CanDecide(ap)
}

// Approve implements approver.
func (a execAdapter) Approve(ap *actions.Approval, confirmation string) (common.Run, error) {
	if a.session() == nil {
		return nil, errLocalApproval
	}
	r, err := a.session().Approve(ap, confirmation)
	if r == nil {
		return nil, err
	}
	return runAdapter{r}, err
}

// Reject implements approver.
func (a execAdapter) Reject(ap *actions.Approval) error {
	if a.session() == nil {
		return errLocalApproval
	}
	return a.session().Reject(ap)
}

// ApprovalsChanged implements approver (nil locally: nothing changes).
func (a execAdapter) ApprovalsChanged() <-chan struct{} {
	if a.session() == nil {
		return nil
	}
	return a.session().Executor().ApprovalsChanged()
}

// approvalPanel is the approver's overlay (A, :approve): another
// person's request, its preview as the requester saw it, and the typed
// decision.
type approvalPanel struct {
	list   []*actions.Approval // the requests the user may decide
	cursor int
	scroll int
	input  common.Input
	err    string
	busy   bool
	req    int
}

// Messages of approvals.
type (
	// approvalsChangedMsg: the requests waiting changed.
	approvalsChangedMsg struct{}
	// requestedMsg: the requester's request was made (or refused).
	requestedMsg struct {
		req int
		a   *actions.Approval
		err error
	}
	// approvalEndedMsg: the requester's request ended.
	approvalEndedMsg struct {
		req int
		a   *actions.Approval
	}
	// decidedMsg: the approver's decision was made (or refused).
	decidedMsg struct {
		req    int
		reject bool
		run    common.Run
		err    error
	}
)

// approver is the executor's approvals (nil when it has none).
func (m *Model) approver() approver {
	if a, ok := m.d.exec.(approver); ok {
		return a
	}
	return nil
}

// watchApprovals waits for the next change of the requests waiting
// (nothing locally); it ends with the session.
func (m *Model) watchApprovals() tea.Cmd {
	ap := m.approver()
	if ap == nil {
		return nil
	}
	ch := ap.ApprovalsChanged()
	if ch == nil {
		return nil
	}
	done := m.d.ctx.Done()
	return func() tea.Msg {
		select {
		case <-ch:
			return approvalsChangedMsg{}
		case <-done:
			return nil
		}
	}
}

// decidable are the requests waiting that the user may decide.
func (m *Model) decidable() []*actions.Approval {
	ap := m.approver()
	if ap == nil {
		return nil
	}
	var out []*actions.Approval
	for _, a := range ap.Approvals() {
		if ok, _ := ap.CanDecide(a); ok {
			out = append(out, a)
		}
	}
	return out
}

// approvalsChanged refreshes the notice (and the open panel's list), and
// says a new request in the message line.
func (m *Model) approvalsChanged() tea.Cmd {
	before := map[string]bool{}
	for _, a := range m.toApprove {
		before[a.ID()] = true
	}
	m.toApprove = m.decidable()
	for _, a := range m.toApprove {
		if !before[a.ID()] && m.pres.follow == "" {
			s := a.Spec()
			m.setMsg(fmt.Sprintf("%s asks a second person to approve %s %s: A (or :approve) to review", s.Principal.User, s.Name, s.Target), false)
		}
	}
	if m.mode == modeApprove && !m.apv.busy {
		var cur string
		if m.apv.cursor < len(m.apv.list) {
			cur = m.apv.list[m.apv.cursor].ID()
		}
		m.apv.list, m.apv.cursor = m.toApprove, 0
		for i, a := range m.apv.list {
			if a.ID() == cur {
				m.apv.cursor = i
			}
		}
		if len(m.apv.list) == 0 {
			m.mode = modeNormal
			m.setMsg("the request was decided or withdrawn: nothing waits for your approval", false)
		} else if m.apv.list[m.apv.cursor].ID() != cur {
			m.apv.input.Value, m.apv.err = "", ""
		}
	}
	return m.watchApprovals()
}

// approveDisabled is why A (and :approve) is refused now ("" when it may
// open): the executor's reason when the user may not approve, else none
// waiting.
func (m *Model) approveDisabled() string {
	ap := m.approver()
	if ap == nil {
		return "actions are not available: no executor"
	}
	if ok, why := ap.MayApprove(); !ok {
		return why
	}
	return ""
}

// openApprovals is A and :approve: the panel of the requests the user
// may decide, or the reason it is refused.
func (m *Model) openApprovals() tea.Cmd {
	if why := m.approveDisabled(); why != "" {
		m.setMsg("approve: "+why, true)
		return nil
	}
	m.toApprove = m.decidable()
	if len(m.toApprove) == 0 {
		m.setMsg("no request waits for your approval (an operator's destructive action asks for one)", false)
		return nil
	}
	m.reqID++
	m.apv = approvalPanel{list: m.toApprove, req: m.reqID}
	m.apv.input = common.Input{Prompt: m.apv.prompt() + ": "}
	m.mode = modeApprove
	return nil
}

// rejectWord is what rejects request a: "reject", or "reject reject"
// when the target itself is named reject.
func rejectWord(a *actions.Approval) string {
	if a.Spec().Target.Name == "reject" {
		return "reject reject"
	}
	return "reject"
}

// prompt says what to type for the request under the cursor.
func (p *approvalPanel) prompt() string {
	a := p.list[p.cursor]
	return fmt.Sprintf("%s, or %s to reject", a.Prompt(), rejectWord(a))
}

// approvalKey handles the keys of the approver's panel.
func (m *Model) approvalKey(k tea.KeyPressMsg) tea.Cmd {
	p := &m.apv
	if p.busy {
		return nil
	}
	switch k.String() {
	case "esc":
		m.mode = modeNormal
		m.setMsg("nothing decided: the request still waits", false)
		return nil
	case "tab":
		p.cursor = (p.cursor + 1) % len(p.list)
		p.input, p.err, p.scroll = common.Input{Prompt: p.prompt() + ": "}, "", 0
		return nil
	case "down", "pgdown":
		p.scroll++
		return nil
	case "up", "pgup":
		p.scroll = max(0, p.scroll-1)
		return nil
	case "enter":
		a, typed := p.list[p.cursor], p.input.Value
		ap := m.approver()
		reject := typed == rejectWord(a)
		if !reject && typed != a.Spec().Target.Name {
			p.err = "confirmation does not match: " + p.prompt()
			return nil
		}
		p.busy, p.err = true, ""
		req := p.req
		return func() tea.Msg {
			if reject {
				return decidedMsg{req: req, reject: true, err: ap.Reject(a)}
			}
			r, err := ap.Approve(a, typed)
			return decidedMsg{req: req, run: r, err: err}
		}
	}
	p.input.HandleKey(k)
	return nil
}

// handleApprovalMsg handles the messages of approvals; it reports
// whether msg was one.
func (m *Model) handleApprovalMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case approvalsChangedMsg:
		return m.approvalsChanged(), true
	case decidedMsg:
		if msg.req != m.apv.req {
			return nil, true
		}
		m.apv.busy = false
		m.mode = modeNormal
		switch {
		case msg.err != nil && msg.run == nil:
			m.setMsg("not decided: "+common.ErrText(msg.err), true)
			return nil, true
		case msg.reject:
			m.setMsg("rejected: nothing was changed", false)
			return nil, true
		}
		s := msg.run.Spec()
		cmd := m.focus("actions", "run", msg.run.ID())
		m.setMsg(fmt.Sprintf("approved: %s on %s runs as %s's (x cancels)", s.Name, s.Target, s.Principal.User), false)
		return tea.Batch(cmd, listenRun(msg.run)), true
	case requestedMsg:
		f := &m.flow
		if msg.req != f.req {
			if msg.a != nil { // gone meanwhile: withdraw it
				ap, a := m.approver(), msg.a
				return func() tea.Msg { _ = ap.Withdraw(a); return nil }, true
			}
			return nil, true
		}
		f.starting = false
		if msg.err != nil {
			m.mode = modeNormal
			m.setMsg("not requested: "+common.ErrText(msg.err), true)
			return nil, true
		}
		f.approval = msg.a
		m.mode = modeAwait
		a, req := msg.a, f.req
		return func() tea.Msg { <-a.Done(); return approvalEndedMsg{req: req, a: a} }, true
	case approvalEndedMsg:
		f := &m.flow
		if msg.req != f.req || f.approval != msg.a {
			return nil, true
		}
		f.approval = nil
		if m.mode == modeAwait {
			m.mode = modeNormal
		}
		r, err := m.approver().Outcome(msg.a)
		if r == nil {
			m.setMsg("not run: "+common.ErrText(err), true)
			return nil, true
		}
		cmd := m.focus("actions", "run", r.ID())
		m.setMsg(fmt.Sprintf("approved by %s: started %s on %s (x cancels)", r.Spec().ApprovedBy, r.Spec().Name, r.Spec().Target), false)
		return tea.Batch(cmd, listenRun(r)), true
	}
	return nil, false
}

// requestApproval is the requester's confirmed action that needs a
// second person: asked for in a tea.Cmd.
func (f *actionFlow) requestApproval(m *Model, ap approver) tea.Cmd {
	f.err, f.starting = "", true
	p, req, answers := f.pending, f.req, f.answers
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		a, err := ap.Request(p, answers)
		return requestedMsg{req: req, a: a, err: err}
	})
}

// awaitKey is the requester's keyboard while the request waits: esc
// withdraws it.
func (f *actionFlow) awaitKey(m *Model, k tea.KeyPressMsg) tea.Cmd {
	if k.String() != "esc" || f.approval == nil {
		return nil
	}
	ap, a := m.approver(), f.approval
	f.approval = nil
	m.reqID++ // the end of the request is no longer awaited
	f.req = m.reqID
	m.mode = modeNormal
	m.setMsg("request withdrawn: nothing was changed", false)
	return func() tea.Msg {
		if err := ap.Withdraw(a); err != nil {
			return common.NoticeMsg{Text: "withdraw: " + common.ErrText(err), Err: true}
		}
		return nil
	}
}

// awaitLine is the requester's pinned line while the request waits.
func awaitLine(a *actions.Approval, now time.Time) string {
	left := a.Expires().Sub(now).Round(time.Second)
	return fmt.Sprintf("⧗ waiting for a second person's approval: another operator or an admin reviews it with A (or :approve) in their session; expires in %s (%s UTC) · esc withdraws",
		max(0, left), a.Expires().UTC().Format("15:04:05"))
}

// approvalContent is the approver's panel text: who asks, the same
// preview the requester confirmed, and the pinned prompt.
func (m *Model) approvalContent(w int) (lines []string, pinned []string) {
	th := m.ctx.Theme
	p := &m.apv
	a := p.list[p.cursor]
	s := a.Spec()
	head := fmt.Sprintf("Approve? %s asks for %s %s  [%s]", s.Principal.Who, s.Name, s.Target, s.Effect)
	if len(p.list) > 1 {
		head += fmt.Sprintf("  (request %d of %d · tab next)", p.cursor+1, len(p.list))
	}
	lines = append(lines, wrapTo(th.Title.Render(common.Sanitize(head)), w)...)
	left := max(0, a.Expires().Sub(m.ctx.Now()).Round(time.Second))
	lines = append(lines, wrapTo(th.Muted.Render(fmt.Sprintf("asked at %s UTC, expires in %s", a.Requested().UTC().Format("15:04:05"), left)), w)...)
	lines = append(lines, previewLines(m, s, a.Plan(), nil, w)...)
	if p.busy {
		pinned = append(pinned, wrapTo(m.spin.View()+" deciding…", w)...)
	} else {
		pinned = append(pinned, wrapTo(p.input.View(th), w)...)
	}
	if p.err != "" {
		pinned = append(pinned, wrapTo(th.Error.Render("✗ "+common.Sanitize(p.err)), w)...)
	}
	return lines, pinned
}

// approvalHints are the approver's panel's keys.
func (m *Model) approvalHints() []key.Binding {
	out := []key.Binding{key.NewBinding(key.WithHelp("enter", "decide"))}
	if len(m.apv.list) > 1 {
		out = append(out, key.NewBinding(key.WithHelp("tab", "next request")))
	}
	return append(out, key.NewBinding(key.WithHelp("esc", "close (nothing decided)")))
}

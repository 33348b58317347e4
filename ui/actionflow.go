package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
)

// prepareTimeout bounds a preview (terraform plan can be slow).
const prepareTimeout = 5 * time.Minute

// offer is one action offered for the selected object.
type offer struct {
	action  actions.Action
	spec    actions.Spec
	allowed bool
	reason  string
	// approval: it runs once a second person approves it (console serve).
	approval bool
	// params are the parameters the action declares, read off the UI
	// goroutine with the offers (a source may read its backups to list them)
	params []actions.Param
}

// actionFlow is the guarded path from `a` to a running action: offers →
// parameters (a form, when the action declares any) → prepare (preview,
// with a spinner) → plan and confirmation → start.
type actionFlow struct {
	req    int
	target string
	// verb narrows the offers to one verb (s: shell, F: port-forward; ""
	// every action).
	verb    actions.Verb
	loading bool
	offers  []offer
	cursor  int
	err     string
	chosen  *offer
	form    *paramForm // the chosen action's parameters (nil: it takes none)
	pending common.Pending
	input   common.Input
	// answers are the confirmation steps typed so far (an action with a
	// second confirmation asks twice).
	answers  []string
	scroll   int
	starting bool
	// approval is the request waiting for a second person (modeAwait).
	approval *actions.Approval
}

type (
	offersMsg struct {
		req    int
		offers []offer
	}
	preparedMsg struct {
		req     int
		pending common.Pending
		err     error
	}
	startedMsg struct {
		req int
		run common.Run
		err error
	}
	runUpdateMsg struct {
		run  common.Run
		done bool
	}
)

// open lists the actions the sources offer for the selected object.
func (f *actionFlow) open(m *Model) tea.Cmd {
	sel, ok := m.page().Selected()
	if !ok || len(sel.Refs) == 0 {
		m.setMsg("no actions for this object", false)
		return nil
	}
	return f.openFor(m, sel.Refs, "", sel.Refs[0].String())
}

// openFor lists what the sources offer on refs: every action, or only
// verb's (s: a shell in each container; F: a port-forward), in which case
// a single offer goes straight on (choose) and none is said in the
// message line.
func (f *actionFlow) openFor(m *Model, refs []actions.Ref, verb actions.Verb, target string) tea.Cmd {
	if m.d.offerers == nil || m.d.exec == nil {
		m.setMsg("actions are not available: no executor", true)
		return nil
	}
	m.reqID++
	*f = actionFlow{req: m.reqID, target: target, verb: verb, loading: true}
	m.mode = modeMenu
	offerers, exec, ap := m.d.offerers, m.d.exec, m.approver()
	req := f.req
	return func() tea.Msg {
		var out []offer
		for _, a := range actions.Catalog(offerers()).Offer(refs...) {
			of := offer{action: a, spec: a.Spec()}
			if verb != "" && of.spec.Name != verb {
				continue
			}
			of.allowed, of.reason = exec.Availability(a)
			of.approval = of.allowed && ap != nil && ap.ActionNeedsApproval(a)
			if of.allowed {
				of.params = actions.ParamsOf(a)
			}
			out = append(out, of)
		}
		return offersMsg{req: req, offers: out}
	}
}

// choose goes on with offer o: its parameters' form, else the
// terminal for an action that runs attached to it (a shell), else the
// preview. A greyed-out action goes on too: the executor refuses it with
// the reason and audits the attempt, as the CLI does.
func (f *actionFlow) choose(m *Model, o *offer) tea.Cmd {
	f.form = nil
	if len(o.params) > 0 {
		// the parameters are chosen, not implied: the form first
		f.chosen, f.err, f.form = o, "", newParamForm(o.params)
		m.mode = modeParams
		return nil
	}
	if _, ok := o.action.(actions.Interactive); ok || o.spec.Name == actions.VerbShell {
		return f.attach(m, o)
	}
	return f.prepare(m, o)
}

// dataAt is the time of the oldest source data on screen.
func (m *Model) dataAt() time.Time {
	var at time.Time
	if m.snap == nil {
		return at
	}
	for _, st := range m.snap.Inv.Sources {
		if st.Status == providers.StatusOK && (at.IsZero() || st.UpdatedAt.Before(at)) {
			at = st.UpdatedAt
		}
	}
	return at
}

// handle processes the flow's messages; it reports whether msg was one.
func (f *actionFlow) handle(m *Model, msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case offersMsg:
		if msg.req != f.req || m.mode != modeMenu {
			return nil, true
		}
		f.loading, f.offers, f.cursor = false, msg.offers, 0
		if f.verb != "" {
			switch len(f.offers) {
			case 0:
				m.mode = modeNormal
				m.setMsg(fmt.Sprintf("%s: no source offers it on %s", f.verb, f.target), false)
				return nil, true
			case 1:
				return f.choose(m, &f.offers[0]), true
			}
			if !slices.ContainsFunc(f.offers, func(o offer) bool { return o.allowed }) {
				// every choice refused (read-only, a viewer): the key is
				// refused, through the executor (audited), with the reason
				return f.choose(m, &f.offers[0]), true
			}
		}
		return nil, true
	case preparedMsg:
		if msg.req != f.req || m.mode != modePreparing {
			if msg.pending != nil { // the user went away: record the decline
				return m.declineCmd(msg.pending), true
			}
			return nil, true
		}
		if msg.err != nil {
			f.err = common.Sanitize(common.ErrText(msg.err))
			m.mode = modeMenu
			if f.form != nil && errors.Is(msg.err, actions.ErrBadParam) {
				m.mode = modeParams // the action refused a value: choose again
			}
			return nil, true
		}
		f.pending, f.scroll = msg.pending, 0
		f.input = common.Input{Prompt: msg.pending.Prompt() + ": "}
		f.answers = nil
		m.mode = modeConfirm
		return nil, true
	case startedMsg:
		if msg.req != f.req {
			return nil, true
		}
		f.starting = false
		m.mode = modeNormal
		if msg.err != nil {
			m.setMsg("not started: "+common.ErrText(msg.err), true)
			return nil, true
		}
		cmd := m.focus("actions", "run", msg.run.ID())
		m.setMsg("started "+string(msg.run.Spec().Name)+" on "+msg.run.Spec().Target.String()+" (x cancels)", false)
		return tea.Batch(cmd, listenRun(msg.run)), true
	case runUpdateMsg:
		cmd := m.toPages(common.RunChangedMsg{Run: msg.run, Done: msg.done}) // the pages that follow runs
		if msg.done {
			res := msg.run.Result()
			m.setMsg(fmt.Sprintf("%s on %s: %s", msg.run.Spec().Name, msg.run.Spec().Target, res.Status), res.Status != "succeeded")
			return tea.Batch(cmd, m.countProblems()), true
		}
		return tea.Batch(cmd, listenRun(msg.run)), true
	}
	return nil, false
}

// listenRun waits for the run's next update.
func listenRun(r common.Run) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-r.Updates():
			return runUpdateMsg{run: r}
		case <-r.Done():
			return runUpdateMsg{run: r, done: true}
		}
	}
}

func (m *Model) declineCmd(p common.Pending) tea.Cmd {
	exec := m.d.exec
	return func() tea.Msg { exec.Decline(p); return nil }
}

// key handles the keys while the flow has the keyboard.
func (f *actionFlow) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	keys := m.ctx.Keys
	switch m.mode {
	case modeMenu:
		switch {
		case key.Matches(k, keys.Back), key.Matches(k, keys.Quit):
			m.mode = modeNormal
		case key.Matches(k, keys.Up):
			f.cursor = max(0, f.cursor-1)
		case key.Matches(k, keys.Down):
			f.cursor = min(len(f.offers)-1, f.cursor+1)
		case key.Matches(k, keys.Enter):
			if f.cursor < 0 || f.cursor >= len(f.offers) {
				return nil
			}
			return f.choose(m, &f.offers[f.cursor])
		}
	case modeParams:
		switch k.String() {
		case "esc", "q":
			m.mode, f.err = modeMenu, ""
			return nil
		}
		f.err = ""
		if f.form.key(k) {
			return f.prepare(m, f.chosen)
		}
	case modePreparing:
		if key.Matches(k, keys.Back) {
			m.reqID++ // drop the answer (and decline it when it comes)
			f.req = m.reqID
			m.mode = modeNormal
		}
	case modeConfirm:
		switch k.String() {
		case "esc":
			m.mode = modeNormal
			m.setMsg("cancelled: nothing was changed", false)
			return m.declineCmd(f.pending)
		case "pgdown", "down":
			step := 1
			if k.String() == "pgdown" {
				_, h := f.panelSize(m)
				step = max(1, h/2)
			}
			f.scroll = min(f.maxScroll(m), f.scroll+step)
			return nil
		case "pgup", "up":
			step := 1
			if k.String() == "pgup" {
				_, h := f.panelSize(m)
				step = max(1, h/2)
			}
			f.scroll = max(0, f.scroll-step)
			return nil
		case "enter":
			return f.confirm(m, f.input.Value)
		}
		if f.input.Value == "" && k.String() == "y" && len(f.answers) == 0 && f.pending.Matches("y") {
			return f.confirm(m, "y")
		}
		f.input.HandleKey(k)
	}
	return nil
}

func (f *actionFlow) prepare(m *Model, o *offer) tea.Cmd {
	f.chosen, f.err = o, ""
	m.mode = modePreparing
	m.reqID++
	f.req = m.reqID
	exec, req, a, at := m.d.exec, f.req, o.action, m.dataAt()
	ctx := m.d.ctx
	var values [][2]string
	if f.form != nil {
		values = f.form.values()
	}
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		for _, v := range values { // the action's own check, then the executor's
			if err := actions.SetParam(a, v[0], v[1]); err != nil {
				return preparedMsg{req: req, err: err}
			}
		}
		cctx, cancel := context.WithTimeout(ctx, prepareTimeout)
		defer cancel()
		p, err := exec.Prepare(cctx, a, at)
		return preparedMsg{req: req, pending: p, err: err}
	})
}

func (f *actionFlow) confirm(m *Model, input string) tea.Cmd {
	prompts, step := f.pending.Prompts(), len(f.answers)
	if !f.pending.MatchesStep(step, input) {
		f.err = "confirmation does not match: " + prompts[min(step, len(prompts)-1)]
		return nil
	}
	f.answers = append(f.answers, input)
	if len(f.answers) < len(prompts) {
		// The next step: a second typed confirmation.
		f.err = ""
		f.input = common.Input{Prompt: prompts[len(f.answers)] + ": "}
		return nil
	}
	if ap := m.approver(); ap != nil && ap.NeedsApproval(f.pending) {
		return f.requestApproval(m, ap)
	}
	f.err, f.starting = "", true
	exec, p, req, answers := m.d.exec, f.pending, f.req, f.answers
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		r, err := exec.Start(p, answers[0], answers[1:]...)
		return startedMsg{req: req, run: r, err: err}
	})
}

func (f *actionFlow) hints(m *Model) []key.Binding {
	k := m.ctx.Keys
	switch m.mode {
	case modeMenu:
		return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithHelp("enter", "preview")), k.Back}
	case modeParams:
		return []key.Binding{key.NewBinding(key.WithHelp("↑/↓", "choose")), key.NewBinding(key.WithHelp("tab", "next field")),
			key.NewBinding(key.WithHelp("enter", "preview")), key.NewBinding(key.WithHelp("esc", "back"))}
	case modeConfirm:
		return []key.Binding{key.NewBinding(key.WithHelp("enter", "confirm")), key.NewBinding(key.WithHelp("pgup/pgdn ↑/↓", "scroll")), key.NewBinding(key.WithHelp("esc", "cancel"))}
	case modeAwait:
		return []key.Binding{key.NewBinding(key.WithHelp("esc", "withdraw the request"))}
	}
	return []key.Binding{key.NewBinding(key.WithHelp("esc", "abandon"))}
}

// flowChrome is the panel's border and padding: two cells each side
// horizontally, one line above and below.
const flowChrome = 4

// wrapTo wraps s (styled or not) to lines of at most w cells, breaking
// words that do not fit: nothing the user must read is ever cut.
func wrapTo(s string, w int) []string {
	return strings.Split(ansi.Wrap(s, max(1, w), ""), "\n")
}

// panelSize is the room inside the flow's panel on the current screen.
func (f *actionFlow) panelSize(m *Model) (int, int) {
	w, h := m.bodySize()
	return max(1, w-flowChrome), max(1, h-2)
}

// content is the flow's scrollable text, wrapped to w cells, the line
// the cursor is on (menu), and the lines pinned under it (the prompt and
// the error), wrapped too.
func (f *actionFlow) content(m *Model, w int) (lines []string, cursorLine int, pinned []string) {
	th := m.ctx.Theme
	add := func(s string) { lines = append(lines, wrapTo(s, w)...) }
	switch m.mode {
	case modeMenu:
		title := "Actions for "
		if f.verb != "" {
			title = string(f.verb) + ": "
		}
		add(th.Title.Render(title + common.Sanitize(f.target)))
		switch {
		case f.loading:
			add(th.Muted.Render("asking the sources…"))
		case len(f.offers) == 0:
			add(th.Muted.Render("no source offers an action for this object"))
		}
		if ro, why := m.readOnly(); ro && !f.loading {
			add(th.Warn.Render("READ-ONLY: " + common.Sanitize(why) + " — only safe actions can run"))
		}
		for i, o := range f.offers {
			mark := "  "
			if !o.allowed {
				mark = "✗ " // refused: said with a glyph, not only greyed
			}
			desc := o.spec.Description
			if !o.allowed && o.reason != "" && !strings.HasPrefix(o.reason, "read-only: ") {
				desc = o.reason + " — " + desc // the read-only reason is said once above
			}
			if o.approval {
				desc = "needs a second person's approval — " + desc
			}
			s := common.Sanitize(fmt.Sprintf("%s%-11s %-30s [%s] %s", mark, o.spec.Name, o.spec.Target.String(), o.spec.Effect, desc))
			if i == f.cursor {
				cursorLine = len(lines)
			}
			for j, l := range wrapTo(s, w-2) {
				lead := "  "
				if i == f.cursor && j == 0 {
					lead = "▸ "
				}
				switch {
				case i == f.cursor:
					lines = append(lines, th.Selected.Render(lead+l))
				case !o.allowed:
					lines = append(lines, th.Disabled.Render(lead+l))
				default:
					lines = append(lines, lead+l)
				}
			}
		}
	case modeParams:
		s := f.chosen.spec // its target may be a default the form changes: name the object chosen
		add(th.Title.Render(common.Sanitize(fmt.Sprintf("%s %s  [%s]", s.Name, f.target, s.Effect))))
		add(th.Muted.Render("choose the parameters; each is checked before the preview"))
		cursorLine = f.form.render(th, w, &lines)
	case modePreparing:
		add(th.Title.Render("Previewing " + common.Sanitize(string(f.chosen.spec.Name)+" "+f.chosen.spec.Target.String())))
		add(m.spin.View() + " checking preconditions and computing the plan… (esc abandons)")
	case modeConfirm, modeAwait:
		s, p := f.pending.Spec(), f.pending.Plan()
		add(th.Title.Render(common.Sanitize(fmt.Sprintf("%s %s  [%s]", s.Name, s.Target, s.Effect))))
		var with []string
		if f.form != nil {
			for _, v := range f.form.values() {
				with = append(with, v[0]+"="+v[1])
			}
		}
		lines = append(lines, previewLines(m, s, p, with, w)...)
		if m.mode == modeAwait && f.approval != nil {
			pinned = append(pinned, wrapTo(th.Warn.Render(awaitLine(f.approval, m.ctx.Now())), w)...)
		} else if f.starting {
			pinned = append(pinned, wrapTo(m.spin.View()+" starting…", w)...)
		} else {
			pinned = append(pinned, wrapTo(f.input.View(th), w)...)
		}
	}
	if f.err != "" {
		pinned = append(pinned, wrapTo(th.Error.Render("✗ "+f.err), w)...)
	}
	return lines, cursorLine, pinned
}

// previewLines are what a confirmation shows of action s: its
// description, the parameters chosen (with), and plan (summary, text,
// calls), wrapped to w cells: the requester's confirmation and the
// approver's review show the same.
func previewLines(m *Model, s actions.Spec, p actions.Plan, with []string, w int) []string {
	th := m.ctx.Theme
	lines := wrapTo(common.Sanitize(s.Description), w)
	if len(with) > 0 {
		lines = append(lines, wrapTo(th.Header.Render("with: ")+common.Sanitize(strings.Join(with, ", ")), w)...)
	}
	lines = append(lines, wrapTo(th.Header.Render("plan: ")+common.Sanitize(p.Summary), w)...)
	indented := func(s string) {
		for _, l := range wrapTo(s, w-2) {
			lines = append(lines, "  "+l)
		}
	}
	if p.Text != "" {
		for _, l := range strings.Split(p.Text, "\n") {
			indented(common.Sanitize(l))
		}
	}
	for _, c := range p.Calls {
		indented(common.Sanitize("$ " + c))
	}
	return lines
}

// maxScroll is the last useful scroll offset of the confirmation's text.
func (f *actionFlow) maxScroll(m *Model) int {
	w, h := f.panelSize(m)
	lines, _, pinned := f.content(m, w)
	room := h - len(pinned)
	if len(lines) <= room {
		return 0
	}
	return len(lines) - (room - 1) // one line says where the view is
}

// view draws the flow's panel: everything wrapped, never cut; when the
// text is longer than the panel it scrolls (pgup/pgdn, ↑/↓) with a line
// saying which part is shown, and the prompt stays in sight below it.
func (f *actionFlow) view(m *Model, w, h int) string {
	lines, cursorLine, pinned := f.content(m, max(1, w-flowChrome))
	return drawPanel(m, w, h, lines, cursorLine, pinned, f.scroll, m.mode == modeMenu || m.mode == modeParams)
}

// drawPanel draws a panel of w x h: lines (scrolled to scroll, or to
// show cursorLine when byCursor) above the pinned ones.
func drawPanel(m *Model, w, h int, lines []string, cursorLine int, pinned []string, scroll int, byCursor bool) string {
	th := m.ctx.Theme
	ch := max(1, h-2)
	if len(pinned) > ch {
		pinned = pinned[len(pinned)-ch:]
	}
	room := ch - len(pinned)
	var shown []string
	if len(lines) <= room {
		shown = lines
	} else if room > 1 {
		n := room - 1
		from := scroll
		if byCursor {
			from = max(0, cursorLine+1-n)
		}
		from = max(0, min(from, len(lines)-n))
		shown = append(shown, lines[from:from+n]...)
		shown = append(shown, th.Muted.Render(fmt.Sprintf("── lines %d–%d of %d · pgup/pgdn scroll ──", from+1, from+n, len(lines))))
	}
	shown = append(shown, pinned...)
	for len(shown) < ch {
		shown = append(shown, "")
	}
	return th.Border.Width(w).Height(h).Render(strings.Join(shown, "\n"))
}

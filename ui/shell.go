package ui

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/kube/podlogs"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// maxShellPods bounds the pods of a workload offered by s or F (each is
// read once to list its containers).
const maxShellPods = 10

// attachTimeout bounds the guards run before a shell is handed the
// terminal (RBAC, the pod read by its check).
const attachTimeout = time.Minute

type (
	// attachedMsg is the executor's answer to Attach: the action ready to
	// be handed the terminal, or the refusal.
	attachedMsg struct {
		req int
		att common.Attachment
		err error
	}
	// attachDoneMsg says the attached action ended and the terminal is
	// the console's again.
	attachDoneMsg struct {
		att common.Attachment
		err error
	}
)

// podRefs are the pods s and F act on: the selected pod, or the pods of
// the selected workload in the current view (the first maxShellPods by
// name); title names the selection.
func (m *Model) podRefs(sel pages.Selection) (refs []actions.Ref, title, why string) {
	own := slices.DeleteFunc(slices.Clone(sel.Refs), func(r actions.Ref) bool { return r.Kind == actions.KindNode })
	if len(own) == 0 {
		return nil, "", "not a pod or a workload"
	}
	t, why := m.logTargetOf(pages.Selection{Refs: own})
	if len(t.targets) == 0 {
		if why == "" {
			why = "not a pod or a workload"
		}
		return nil, "", why
	}
	slices.SortFunc(t.targets, func(a, b podlogs.Target) int { return strings.Compare(a.Pod, b.Pod) })
	for _, p := range t.targets[:min(len(t.targets), maxShellPods)] {
		refs = append(refs, actions.Ref{Kind: actions.KindPod, Cluster: t.cluster, Namespace: p.Namespace, Name: p.Pod})
	}
	return refs, t.title, ""
}

// openVerb offers verb on the selected pod (or the pods of the selected
// workload; a port-forward on a selected service is the service's own): one offer goes straight on (a shell is handed the terminal,
// a port-forward asks its ports), several (containers, pods) are a menu.
func (m *Model) openVerb(verb actions.Verb) tea.Cmd {
	sel, ok := m.page().Selected()
	if !ok {
		return nil
	}
	if verb == actions.VerbPortForward {
		// a service is forwarded to as itself (kubectl port-forward svc/)
		if i := slices.IndexFunc(sel.Refs, func(r actions.Ref) bool { return r.Kind == "services" }); i >= 0 {
			r := sel.Refs[i]
			return m.flow.openFor(m, []actions.Ref{r}, verb, "service "+r.Namespace+"/"+r.Name)
		}
	}
	refs, title, why := m.podRefs(sel)
	if len(refs) == 0 {
		m.setMsg(string(verb)+": "+why, false)
		return nil
	}
	return m.flow.openFor(m, refs, verb, title)
}

// attach runs the executor's guards on an action that runs attached to
// the terminal, off the UI goroutine; attachedMsg hands it the terminal.
func (f *actionFlow) attach(m *Model, o *offer) tea.Cmd {
	f.chosen, f.err = o, ""
	m.mode = modePreparing
	m.reqID++
	f.req = m.reqID
	exec, req, a, at, ctx := m.d.exec, f.req, o.action, m.dataAt(), m.d.ctx
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, attachTimeout)
		defer cancel()
		att, err := exec.Attach(cctx, a, at)
		return attachedMsg{req: req, att: att, err: err}
	})
}

// handleAttach hands the terminal to an attached action (tea.Exec: the
// program releases the terminal, the action runs on it, the program takes
// it back), and says how it ended.
func (m *Model) handleAttach(msg tea.Msg) (tea.Cmd, bool) {
	f := &m.flow
	switch msg := msg.(type) {
	case attachedMsg:
		if msg.req != f.req || m.mode != modePreparing {
			return nil, true // abandoned: nothing started, nothing to record
		}
		if msg.err != nil {
			// refused: said under the offers, greyed with their reason
			f.err = common.Sanitize(common.ErrText(msg.err))
			m.mode = modeMenu
			return nil, true
		}
		m.mode = modeNormal
		att := msg.att
		m.setMsg(string(att.Spec().Name)+" on "+att.Spec().Target.String()+"…", false)
		run := tea.Exec
		if m.d.execTerminal != nil {
			run = m.d.execTerminal
		}
		return run(att, func(err error) tea.Msg { return attachDoneMsg{att: att, err: err} }), true
	case attachDoneMsg:
		s, res := msg.att.Spec(), msg.att.Result()
		switch {
		case res.Status == actions.StatusSucceeded:
			m.setMsg(string(s.Name)+" on "+s.Target.String()+" ended: "+res.Verify, false)
		case res.Error != "":
			m.setMsg(string(s.Name)+" on "+s.Target.String()+": "+res.Status+": "+res.Error, true)
		case msg.err != nil:
			m.setMsg(string(s.Name)+" on "+s.Target.String()+": "+common.ErrText(msg.err), true)
		}
		// the whole screen again (the child drew over it), and the runs'
		// pages and the problem strip learn of the run
		cmds := []tea.Cmd{tea.ClearScreen, m.countProblems()}
		for _, r := range m.d.exec.Runs() {
			if r.ID() == msg.att.ID() {
				cmds = append(cmds, m.toPages(common.RunChangedMsg{Run: r, Done: true}))
				break
			}
		}
		return tea.Batch(cmds...), true
	}
	return nil, false
}

// keyDisabled is why key b cannot act now ("" when it can), lazygit's
// GetDisabledReason: the executor's Availability of what the key runs
// (read-only, the user's role, a serve session without a terminal to hand
// over). The footer greys the key and the help says why; the key itself
// still goes through the executor, which refuses it with that reason and
// audits the attempt.
func (m *Model) keyDisabled(b key.Binding) string {
	k := m.ctx.Keys
	if m.d.exec == nil {
		return ""
	}
	probe := keyProbe{spec: actions.Spec{Target: actions.Ref{Kind: actions.KindPod}, Runner: "kubectl", Effect: actions.Mutating}}
	var ok bool
	var why string
	switch b.Help() {
	case k.Shell.Help():
		probe.spec.Name = actions.VerbShell
		ok, why = m.d.exec.Availability(attachedProbe{probe})
	case k.Forward.Help():
		probe.spec.Name = actions.VerbPortForward
		ok, why = m.d.exec.Availability(probe)
	case k.Approve.Help():
		why = m.approveDisabled()
		ok = why == ""
	default:
		return ""
	}
	if ok {
		return ""
	}
	return why
}

// keyProbe is what a key would run, asked to Availability only (no I/O);
// it never runs.
type keyProbe struct{ spec actions.Spec }

var errProbe = errors.New("a key's probe never runs")

func (p keyProbe) Spec() actions.Spec          { return p.spec }
func (p keyProbe) Check(context.Context) error { return errProbe }
func (p keyProbe) Preview(context.Context, io.Writer) (actions.Plan, error) {
	return actions.Plan{}, errProbe
}
func (p keyProbe) Run(context.Context, actions.Plan, io.Writer) error { return errProbe }
func (p keyProbe) Verify(context.Context) (bool, string, error)       { return false, "", errProbe }

// attachedProbe is a keyProbe of an action attached to the terminal.
type attachedProbe struct{ keyProbe }

func (attachedProbe) Argv() []string { return nil }
func (attachedProbe) RunAttached(context.Context, actions.Terminal, io.Writer) (string, error) {
	return "", errProbe
}

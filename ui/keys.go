package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/palette"
	"github.com/opsconsole/console/ui/pages"
	"github.com/opsconsole/console/ui/podlog"
)

func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := m.ctx.Keys
	if m.quitAsked {
		return m.quitAnswer(k)
	}
	if k.String() == "ctrl+c" {
		return m.quitCmd()
	}
	if m.pendingJump != nil && m.pendingPage == m.active {
		// a key while a jump waits for its target: the user has moved on
		m.endJump()
		m.setMsg("", false)
	}
	if m.pres.follow != "" {
		return m.followKey(k)
	}
	switch m.mode {
	case modeFilter:
		return m.filterKey(k)
	case modePalette:
		return m.paletteKey(k)
	case modeHelp:
		switch {
		case key.Matches(k, keys.Back, keys.Help, keys.Quit):
			m.mode = m.helpFrom // back to the overlay the help was opened from
			m.layout()
		case key.Matches(k, keys.Down):
			m.helpOff++
		case key.Matches(k, keys.Up):
			m.helpOff = max(0, m.helpOff-1)
		case key.Matches(k, keys.PageDown):
			m.helpOff += 10
		case key.Matches(k, keys.PageUp):
			m.helpOff = max(0, m.helpOff-10)
		}
		return nil
	case modeAwait:
		return m.flow.awaitKey(m, k)
	case modeApprove:
		return m.approvalKey(k)
	case modeMenu, modeParams, modePreparing, modeConfirm:
		if k.String() == "?" { // never part of a name typed to confirm
			m.openHelp()
			return nil
		}
		return m.flow.key(m, k)
	case modeTrace:
		searching := false
		if s, ok := m.tracev.(interface{ Searching() bool }); ok {
			searching = s.Searching()
		}
		if !searching && key.Matches(k, keys.Help) {
			m.openHelp()
			return nil
		}
		// q closes the trace view like esc (ctrl+c quits the app), back
		// to the logs it was opened from, if any
		if !searching && (key.Matches(k, keys.Back) || k.String() == "q") {
			m.mode = modeNormal
			if m.logv != nil {
				m.mode = modeLogs
			}
			m.tracev, m.openTraceData = nil, nil
			return nil
		}
		if m.tracev != nil {
			var cmd tea.Cmd
			m.tracev, cmd = m.tracev.Update(k)
			return cmd
		}
		return nil
	case modeText:
		return m.textKey(k)
	case modeLogs:
		if m.logv != nil {
			return m.logsKey(k)
		}
		m.mode = modeNormal
	case modeDetail:
		switch {
		case key.Matches(k, keys.Help):
			m.openHelp()
			return nil
		case key.Matches(k, keys.Detail), key.Matches(k, keys.YAML):
			// on a Kubernetes object: describe or YAML over the pane
			if ok, cmd := m.openKubeText(key.Matches(k, keys.YAML)); ok {
				return cmd
			}
			if key.Matches(k, keys.YAML) {
				return nil
			}
			m.mode = modeNormal
			m.layout()
			return nil
		case key.Matches(k, keys.Back), k.String() == "q":
			m.mode = modeNormal
			m.layout()
			return nil
		case key.Matches(k, keys.PageDown):
			m.detail.Scroll(10)
			return nil
		case key.Matches(k, keys.PageUp):
			m.detail.Scroll(-10)
			return nil
		}
		// other keys act on the page behind; the pane follows the cursor
	}
	if !m.ready {
		// typed before the first frame: applied once the view is ready
		if len(m.early) < maxEarlyKeys {
			m.early = append(m.early, k)
		}
		return nil
	}
	if c, ok := m.page().(pages.Capturer); ok && c.Capturing() {
		if handled, cmd := m.page().HandleKey(k); handled {
			return cmd
		}
	}
	switch {
	case key.Matches(k, keys.Quit):
		return m.quitCmd()
	case key.Matches(k, keys.Help):
		m.openHelp()
		return nil
	case key.Matches(k, keys.Filter):
		m.mode = modeFilter
		m.input = common.Input{Prompt: "/", Value: m.filterText()}
		m.layout()
		return nil
	case key.Matches(k, keys.Palette):
		m.mode = modePalette
		m.input = common.Input{Prompt: ":"}
		return nil
	case key.Matches(k, keys.Refresh):
		m.setMsg("refreshing…", false)
		m.refreshing = true
		cmds := []tea.Cmd{m.refreshActive()}
		if m.d.refresh != nil {
			f := m.d.refresh
			cmds = append(cmds, func() tea.Msg { f(); return nil })
		}
		return tea.Batch(cmds...)
	case key.Matches(k, keys.NextView), key.Matches(k, keys.PrevView):
		step := 1
		if key.Matches(k, keys.PrevView) {
			step = len(m.pages) - 1
		}
		for i, p := range m.pages {
			if p.Name() == m.active {
				return m.switchTo(m.pages[(i+step)%len(m.pages)].Name())
			}
		}
		return nil
	case key.Matches(k, keys.Back) && m.traceLoad != nil:
		id := m.traceLoad.id
		m.cancelTraceLoad()
		m.setMsg("stopped loading trace "+id, false)
		return nil
	case key.Matches(k, keys.Back):
		return m.back()
	case key.Matches(k, keys.Actions):
		return m.flow.open(m)
	case key.Matches(k, keys.Approve):
		return m.openApprovals()
	case key.Matches(k, keys.Delete):
		// ctrl+d (k9s): straight to the delete's preview and typed confirmation
		sel, ok := m.page().Selected()
		if !ok || len(sel.Refs) == 0 {
			m.setMsg("nothing to delete here", false)
			return nil
		}
		// the object under the cursor only (a pod's refs name its workload too)
		return m.flow.openFor(m, sel.Refs[:1], actions.VerbDelete, sel.Refs[0].String())
	case key.Matches(k, keys.Worst):
		return m.jumpWorst()
	case key.Matches(k, keys.Snapshot):
		return m.writeSnapshot()
	case key.Matches(k, keys.Detail):
		if ok, cmd := m.openKubeText(false); ok {
			return cmd
		}
		m.openDetail()
		return nil
	case key.Matches(k, keys.YAML):
		if ok, cmd := m.openKubeText(true); ok {
			return cmd
		}
		m.setMsg(m.noKubeText("y", "YAML"), false)
		return nil
	}
	if cmd, ok := m.favouriteKey(k); ok {
		return cmd
	}
	handled, cmd := m.page().HandleKey(k)
	if handled {
		if m.mode == modeDetail {
			m.openDetail()
		}
		return cmd
	}
	switch {
	case key.Matches(k, keys.Shell):
		return m.openVerb(actions.VerbShell)
	case key.Matches(k, keys.Forward):
		return m.openVerb(actions.VerbPortForward)
	}
	if k.String() == "l" || k.String() == "L" {
		// l: logs of the pod, workload or node under the cursor (l is the
		// topology's expand: there the page has taken it already); L: of
		// the pod's workload, every pod of it merged
		if sel, ok := m.page().Selected(); ok {
			if k.String() == "L" {
				sel.Refs = slices.DeleteFunc(slices.Clone(sel.Refs), func(r actions.Ref) bool { return r.Kind == "pod" })
			}
			t, why := m.logTargetOf(sel)
			if len(t.targets) > 0 {
				return m.openLogs(t, podlog.Options{})
			}
			if why != "" {
				m.setMsg("logs: "+why, true)
			}
		}
		return nil
	}
	if key.Matches(k, keys.Enter) {
		if sel, ok := m.page().Selected(); ok && sel.Trace != "" {
			return m.openTrace(sel.Trace)
		} else if ok && sel.Jump != nil {
			j := sel.Jump
			if j.Name == "" && sel.JumpFilter != "" {
				// no row to focus: the page filtered (a Job's pods, a CronJob's jobs)
				cmd := m.switchTo(j.Page)
				m.setFilter(sel.JumpFilter)
				m.setMsg(common.Sanitize(j.What), false)
				return cmd
			}
			cmd := m.focusWhenBuilt(j.Page, common.Sanitize(j.What), [2]string{j.Kind, j.FocusName()})
			if sel.JumpFilter != "" && m.active == j.Page {
				m.setFilter(sel.JumpFilter)
			}
			return cmd
		}
		m.openDetail()
	}
	return nil
}

// openHelp shows the full help over what is open; closing it goes back
// there.
func (m *Model) openHelp() {
	if m.mode != modeHelp {
		m.helpFrom = m.mode
		m.helpOff = 0
	}
	m.mode = modeHelp
}

// back closes the innermost thing open: filter, detail, then the view.
func (m *Model) back() tea.Cmd {
	if m.filterText() != "" {
		m.setFilter("")
		return nil
	}
	if m.msg != "" {
		m.msg = ""
	}
	if n := len(m.history); n > 0 {
		prev := m.history[n-1]
		m.history = m.history[:n-1]
		return m.show(prev)
	}
	return nil
}

// quitCmd is the one way out: every quit key (q, ctrl+c) and :q come here.
// With actions running it asks first: quitting cancels them (the console
// then ends them through Executor.Shutdown: SIGINT to their process
// group, grace period, audited "cancelled").
func (m *Model) quitCmd() tea.Cmd {
	if n := m.runningActions(); n > 0 {
		m.quitAsked = true
		m.setMsg(fmt.Sprintf("%d action(s) running: y cancels them (gracefully, audited) and quits; any other key keeps waiting", n), true)
		return nil
	}
	m.quit = true
	return tea.Quit
}

// quitAnswer takes the answer to quitCmd's question.
func (m *Model) quitAnswer(k tea.KeyPressMsg) tea.Cmd {
	m.quitAsked = false
	if k.String() == "y" || k.String() == "Y" {
		m.quit = true
		return tea.Quit
	}
	m.setMsg("still running: nothing was cancelled", false)
	return nil
}

// runningActions counts the executor's runs in progress.
func (m *Model) runningActions() int {
	if m.d.exec == nil {
		return 0
	}
	n := 0
	for _, r := range m.d.exec.Runs() {
		if r.Result().Status == actions.StatusRunning {
			n++
		}
	}
	return n
}

// filterText returns the active page's filter.
func (m *Model) filterText() string { return m.filters()[m.active] }

func (m *Model) filters() map[string]string {
	if m.filterByPage == nil {
		m.filterByPage = map[string]string{}
	}
	return m.filterByPage
}

func (m *Model) setFilter(s string) {
	m.filters()[m.active] = s
	f := common.ParseFilter(s)
	m.filterErr = f.Err
	m.page().SetFilter(f)
}

func (m *Model) filterKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.mode = modeNormal
		m.setFilter("")
		m.layout()
		return nil
	case "enter":
		m.mode = modeNormal
		m.layout()
		return nil
	case "up", "down", "pgup", "pgdown":
		_, cmd := m.page().HandleKey(k)
		return cmd
	}
	if m.input.HandleKey(k) {
		m.setFilter(m.input.Value)
	}
	return nil
}

func (m *Model) paletteKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.mode = modeNormal
		return nil
	case "tab":
		if s, ok := m.followSuggestions(m.input.Value); ok {
			if f := strings.Fields(s[0]); strings.HasPrefix(s[0], ":follow ") && len(f) > 1 {
				m.input.Value = "follow " + f[1]
			}
			return nil
		}
		if s := m.palette.Suggest(m.input.Value); len(s) > 0 {
			name := strings.TrimPrefix(strings.Fields(s[0])[0], ":")
			m.input.Value = name
		}
		return nil
	case "enter":
		m.mode = modeNormal
		c, err := m.palette.Parse(m.input.Value)
		if err != nil {
			if m.pres.follow != "" {
				m.setMsg("following "+m.pres.follow+"'s view: :unfollow (or esc) first", true)
				return nil
			}
			if cmd, ok := m.openArg(m.input.Value); ok {
				return cmd
			}
			m.setMsg(err.Error(), true)
			return nil
		}
		return m.runCommand(c)
	}
	m.input.HandleKey(k)
	return nil
}

// openArg offers a palette word no command knows (one word, no
// argument) to the pages that take one (pages.Opener: `:deploy` shows the
// Kinds view of deployments) and shows the first that does.
func (m *Model) openArg(input string) (tea.Cmd, bool) {
	f := strings.Fields(input)
	if len(f) != 1 {
		return nil, false
	}
	for _, p := range m.pages {
		if o, ok := p.(pages.Opener); ok && o.Open(f[0]) {
			// another argument: the filter typed for the previous one goes
			delete(m.filters(), p.Name())
			p.SetFilter(common.ParseFilter(""))
			if p.Name() == m.active {
				return m.refreshActive(), true
			}
			return m.switchTo(p.Name()), true
		}
	}
	return nil, false
}

// runCommand executes a palette command.
func (m *Model) runCommand(c palette.Command) tea.Cmd {
	m.msg = ""
	if m.pres.follow != "" && c.Name != "unfollow" && c.Name != "follow" && c.Name != "quit" {
		m.setMsg("following "+m.pres.follow+"'s view: :unfollow (or esc) first", true)
		return nil
	}
	switch c.Name {
	case "present":
		return m.presentCommand()
	case "follow":
		return m.followCommand(c.Arg)
	case "unfollow":
		m.stopFollowing()
		return nil
	case "approve":
		return m.openApprovals()
	case "quit":
		return m.quitCmd()
	case "help":
		m.openHelp()
	case "refresh":
		return m.handleKey(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	case "region":
		if c.Arg != "" && !m.knownRegion(c.Arg) {
			m.setMsg("unknown region "+c.Arg+": "+strings.Join(m.regionNames(), ", "), true)
			return nil
		}
		m.region = c.Arg
		if c.Arg == "" {
			m.setMsg("showing every region", false)
		} else {
			m.setMsg("showing region "+c.Arg, false)
		}
		return tea.Batch(m.buildActive(), m.countProblems())
	case "env":
		if c.Arg == m.d.env {
			m.setMsg("already in environment "+c.Arg, false)
			return nil
		}
		if len(m.d.envs) > 0 && !slices.Contains(m.d.envs, c.Arg) {
			m.setMsg("unknown environment "+c.Arg+": "+strings.Join(m.d.envs, ", "), true)
			return nil
		}
		m.setMsg("switching environment needs a restart: run console --env "+c.Arg, true)
	case "trace":
		return m.openTrace(c.Arg)
	case "reach":
		return m.askReach(c.Args)
	case "ctx":
		return m.ctxCommand(c.Arg)
	case "ns":
		return m.nsCommand(c.Arg)
	default:
		if o, ok := m.byName[c.Name].(pages.Opener); ok {
			o.Open(c.Name) // its own name: the page's default (the Kinds view: the list of kinds)
			if c.Name == m.active {
				return m.refreshActive()
			}
		}
		return m.switchTo(c.Name)
	}
	return nil
}

func (m *Model) regionNames() []string {
	var out []string
	if m.snap != nil {
		for _, r := range m.snap.Inv.Regions {
			out = append(out, r.Name)
		}
	}
	return out
}

func (m *Model) knownRegion(r string) bool { return slices.Contains(m.regionNames(), r) }

// openDetail shows the detail pane of the selected object.
func (m *Model) openDetail() {
	sel, ok := m.page().Selected()
	if !ok {
		return
	}
	c := sel.Detail
	c.Events = sel.Events
	m.detail.SetContent(c)
	m.mode = modeDetail
	m.layout()
}

package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// problemsMsg carries the problems counted for request req.
type problemsMsg struct {
	req int
	p   pages.Problems
}

// countProblems counts what is wrong in the current snapshot (in the
// region shown) and the failed runs, off the UI goroutine; the answer of
// an earlier request is dropped. The count of the snapshot is shared by
// the sessions of a console serve (BuildCache.Problems); the failed runs
// are the session's.
func (m *Model) countProblems() tea.Cmd {
	snap := m.snap
	if snap == nil || !hasData(snap) {
		return nil
	}
	m.probReq++
	req, region, exec, ks, key := m.probReq, m.region, m.d.exec, *m.kscope, m.scopeKey()
	cache, latest := m.d.builds, m.d.latest
	return func() tea.Msg {
		snap := newest(snap, latest)
		p := cache.Problems(snap.Version, key, func() pages.Problems {
			return pages.FindProblems(narrowKube(narrow(snap.Inv, region), ks.Context, ks.Namespace))
		})
		if exec != nil {
			for _, r := range exec.Runs() {
				if r.Result().Status == actions.StatusFailed {
					s := r.Spec()
					p.AddFailedRun(r.ID(), string(s.Name)+" on "+s.Target.String()+" failed")
				}
			}
		}
		return problemsMsg{req: req, p: p}
	}
}

// problemStrip is the line under the header: what is wrong now, worst
// kinds first, and the key that jumps to the worst object.
func (m *Model) problemStrip() string {
	th := m.ctx.Theme
	p := m.problems
	if p == nil {
		return ""
	}
	// While a source's first list arrives, the rows are partial: say how
	// far it has come before what is wrong so far.
	loading := m.loadingText()
	if p.Total() == 0 {
		if loading != "" {
			return ansi.Truncate(th.Muted.Render(loading+" · ✓ nothing wrong so far"), m.ctx.Width, "…")
		}
		return th.Muted.Render("✓ nothing wrong now")
	}
	lead := ""
	if loading != "" {
		lead = th.Muted.Render(loading + " · ")
	}
	type part struct {
		n           int
		long, short string
	}
	parts := []part{
		{p.Alarms, "alarm%s firing", "alarm%s"},
		{p.Nodes, "node%s NotReady", "node%s"},
		{p.Pods, "pod%s not ready", "pod%s"},
		{p.DBs, "DB%s without one primary or lagging", "DB%s"},
		{p.Volumes, "volume%s over 80%% full", "full volume%s"},
		{p.Certs, "certificate%s expiring", "cert%s"},
		{p.Agents, "agent%s missing", "agent%s"},
		{p.Targets, "target%s unhealthy", "target%s"},
		{p.FailedRuns, "action%s failed", "failed run%s"},
	}
	hint := "  " + m.ctx.Keys.Worst.Help().Key + " " + m.ctx.Keys.Worst.Help().Desc
	line := func(short bool) string {
		var segs []string
		for _, x := range parts {
			if x.n == 0 {
				continue
			}
			f := x.long
			if short {
				f = x.short
			}
			plural := ""
			if x.n != 1 {
				plural = "s"
			}
			segs = append(segs, fmt.Sprintf("%d "+f, x.n, plural))
		}
		return "✗ " + strings.Join(segs, " · ")
	}
	room := m.ctx.Width - ansi.StringWidth(lead)
	s := line(false)
	if ansi.StringWidth(s+hint) > room {
		s = line(true)
	}
	s = ansi.Truncate(s, max(1, room-ansi.StringWidth(hint)), "…")
	return lead + th.Error.Render(s) + th.Muted.Render(hint)
}

// loadingText says how far the sources still loading their first view
// have come ("⟳ loading pods 4,500/20,000"; "" when none is).
func (m *Model) loadingText() string {
	if m.snap == nil {
		return ""
	}
	var parts []string
	for _, st := range m.snap.Inv.Sources {
		if st.Status != providers.StatusLoading || st.Progress == nil {
			continue
		}
		parts = append(parts, st.Progress.String())
	}
	if len(parts) == 0 {
		return ""
	}
	return common.Sanitize("⟳ loading " + strings.Join(parts, ", "))
}

// jumpWorst shows the worst object counted in the problem strip.
func (m *Model) jumpWorst() tea.Cmd {
	if m.problems == nil || m.problems.Total() == 0 {
		m.setMsg("nothing wrong now", false)
		return nil
	}
	w := m.problems.Worst
	return m.focusWhenBuilt(w.Page, "worst: "+common.Sanitize(w.What), [2]string{w.Kind, w.FocusName()})
}

package ui

import (
	"strconv"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/components/detail"
)

// reachMsg is the answer of :reach.
type reachMsg struct {
	ans *providers.ReachAnswer
	err error
}

// askReach answers ":reach FROM TO PORT" from the current snapshot, off
// the UI goroutine; the answer opens in the detail pane.
func (m *Model) askReach(args []string) tea.Cmd {
	port, err := strconv.Atoi(args[2])
	if err != nil || port < 1 || port > 65535 {
		m.setMsg("usage: :reach FROM TO PORT (a port 1-65535)", true)
		return nil
	}
	if m.snap == nil {
		m.setMsg("no data yet", true)
		return nil
	}
	inv := m.snap.Inv
	from, to := args[0], args[1]
	return func() tea.Msg {
		ans, err := providers.Reach(inv, from, to, port)
		return reachMsg{ans: ans, err: err}
	}
}

// showReach opens the answer in the detail pane: the verdict, the rule
// that decides, every check and the assumptions.
func (m *Model) showReach(msg reachMsg) {
	if msg.err != nil {
		m.setMsg("reach: "+msg.err.Error(), true)
		return
	}
	a := msg.ans
	c := detail.Content{Title: "reach " + a.From + " → " + a.To + " tcp/" + strconv.Itoa(a.Port) + ": " + a.Verdict}
	c.Fields = append(c.Fields, detail.Field{Key: "verdict", Value: a.Verdict}, detail.Field{Key: "reason", Value: a.Reason}, detail.Field{Key: "checks"})
	for _, s := range a.Steps {
		mark := "✓ "
		if !s.OK {
			mark = "✗ "
		}
		v := s.Rule
		if s.Detail != "" {
			v += " (" + s.Detail + ")"
		}
		c.Fields = append(c.Fields, detail.Field{Key: mark + s.Check, Value: v, Indent: 1})
	}
	c.Fields = append(c.Fields, detail.Field{Key: "assumptions"})
	for _, s := range a.Assumptions {
		c.Fields = append(c.Fields, detail.Field{Key: "-", Value: s, Indent: 1})
	}
	m.detail.SetContent(c)
	m.mode = modeDetail
}

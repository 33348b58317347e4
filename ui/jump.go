package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// jumpPage is the page a jump opens: the topology, where every pod, node,
// instance and zone has a row.
const jumpPage = "topology"

// jump is where a trace span ran (from the trace view's JumpMsg).
type jump struct{ Pod, Node, Zone, Host, Service string }

// handleJump opens the topology focused on the pod (else node, host, zone)
// a span ran on.
func (m *Model) handleJump(msg tea.Msg) (tea.Cmd, bool) {
	j, ok := toJump(msg)
	if !ok {
		return nil, false
	}
	return m.jumpTo(j), true
}

func (m *Model) jumpTo(j jump) tea.Cmd {
	m.mode = modeNormal
	m.tracev = nil
	m.region = ""
	type target struct{ kind, name string }
	var ts []target
	if j.Pod != "" {
		ts = append(ts, target{"pod", j.Pod})
	}
	if j.Node != "" {
		ts = append(ts, target{"node", j.Node})
	}
	if j.Host != "" {
		ts = append(ts, target{"node", j.Host}, target{"instance", j.Host})
	}
	if j.Zone != "" {
		ts = append(ts, target{"zone", j.Zone})
	}
	if len(ts) == 0 {
		m.setMsg("the span names no pod, node, host or zone", true)
		return nil
	}
	var targets [][2]string
	for _, t := range ts {
		targets = append(targets, [2]string{t.kind, t.name})
	}
	return m.focusWhenBuilt(jumpPage, "", targets...)
}

// focusWhenBuilt shows page with its filter cleared and the cursor on the
// first of targets (kind, name) it has, once its rows are built for the
// current snapshot; note (when not empty) is the message said then.
func (m *Model) focusWhenBuilt(page, note string, targets ...[2]string) tea.Cmd {
	p, ok := m.byName[page]
	if !ok || len(targets) == 0 {
		return nil
	}
	m.mode = modeNormal
	m.tracev = nil
	if page != m.active {
		m.history = append(m.history, m.active)
	}
	m.release(m.active, page)
	m.active = page
	m.filters()[page] = ""
	p.SetFilter(common.Filter{})
	m.pendingPage, m.pendingJump, m.jumpNote = page, targets, note
	m.layout()
	cmd := tea.Batch(m.buildActive(), m.refreshActive())
	if _, builds := p.(pages.Builder); !builds || !m.state[page].building {
		m.applyJump(page) // built already (or not built from the snapshot)
	}
	return cmd
}

// applyJump focuses the first pending jump target found, once page (just
// built) is the page the jump opened.
func (m *Model) applyJump(page string) {
	if len(m.pendingJump) == 0 || page != m.pendingPage {
		return
	}
	targets, note := m.pendingJump, m.jumpNote
	m.pendingJump, m.jumpNote = nil, ""
	f, ok := m.byName[page].(pages.Focuser)
	if !ok {
		return
	}
	for _, t := range targets {
		if f.Focus(t[0], t[1]) {
			if note == "" {
				note = "jumped to " + t[0] + " " + t[1]
			}
			m.setMsg(note, false)
			return
		}
	}
	m.setMsg("not in the "+m.byName[page].Title()+" view: "+targets[0][0]+" "+targets[0][1], true)
}

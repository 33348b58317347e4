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
	m.pendingPage, m.pendingJump, m.jumpNote, m.jumpTicks = page, targets, note, 0
	m.layout()
	cmd := tea.Batch(m.buildActive(), m.refreshActive())
	if _, builds := p.(pages.Builder); !builds || !m.state[page].building {
		m.applyJump(page, !builds) // built already (or not built from the snapshot: no later build to wait for)
	}
	return cmd
}

// jumpPatience is how many ticks (seconds) a jump waits for its target to
// appear in the page's builds: an object the sources have not shown yet
// (a Service just created, a pod the informer has not delivered) is
// focused when it comes, rather than the jump failing at once. A key
// typed meanwhile ends the wait (the user has moved on).
const jumpPatience = 3

// applyJump focuses the first pending jump target found, once page (just
// built) is the page the jump opened. Not found, the jump waits for the
// page's next builds (jumpPatience) unless final.
func (m *Model) applyJump(page string, final bool) {
	if len(m.pendingJump) == 0 || page != m.pendingPage {
		return
	}
	targets, note := m.pendingJump, m.jumpNote
	f, ok := m.byName[page].(pages.Focuser)
	if !ok {
		m.endJump()
		return
	}
	for _, t := range targets {
		if f.Focus(t[0], t[1]) {
			if note == "" {
				note = "jumped to " + t[0] + " " + t[1]
			}
			m.endJump()
			m.setMsg(note, false)
			return
		}
	}
	if !final {
		m.setMsg("looking for "+targets[0][0]+" "+targets[0][1]+" in the "+m.byName[page].Title()+" view…", false)
		return
	}
	m.endJump()
	m.setMsg("not in the "+m.byName[page].Title()+" view: "+targets[0][0]+" "+targets[0][1], true)
}

// endJump drops the pending jump.
func (m *Model) endJump() { m.pendingJump, m.jumpNote, m.jumpTicks = nil, "", 0 }

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
	m.history = append(m.history, m.active)
	m.active = jumpPage
	m.pendingJump = nil
	for _, t := range ts {
		m.pendingJump = append(m.pendingJump, [2]string{t.kind, t.name})
	}
	m.layout()
	if cmd := m.buildActive(); cmd != nil {
		return cmd // focus once the topology is built (see applyJump)
	}
	m.applyJump(jumpPage)
	return nil
}

// applyJump focuses the first jump target found in the topology, once
// page (just built) is the topology.
func (m *Model) applyJump(page string) {
	if len(m.pendingJump) == 0 || page != jumpPage {
		return
	}
	targets := m.pendingJump
	m.pendingJump = nil
	m.filters()[jumpPage] = ""
	topo := m.byName[jumpPage]
	topo.SetFilter(common.Filter{})
	f, ok := topo.(pages.Focuser)
	if !ok {
		return
	}
	for _, t := range targets {
		if f.Focus(t[0], t[1]) {
			m.setMsg("jumped to "+t[0]+" "+t[1], false)
			return
		}
	}
	m.setMsg("not in the topology: "+targets[0][0]+" "+targets[0][1], true)
}

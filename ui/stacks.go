package ui

import (
	"context"
	"fmt"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// summaryTimeout bounds one stack's summary (init, state pull, show) and
// driftTimeout its refresh-only plan.
const (
	summaryTimeout = 2 * time.Minute
	driftTimeout   = 10 * time.Minute
)

// stackSummaryMsg carries one stack's summary (drift: from a refresh-only plan).
type stackSummaryMsg struct {
	req   int
	stack string
	drift bool
	sum   terraform.Summary
	err   error
}

// stacksAdapter serves the Stacks view from the environment's stacks.
type stacksAdapter struct{ ss terraform.Stacks }

// List implements common.Stacks.
func (a stacksAdapter) List() []*terraform.Stack { return a.ss }

// Summarize implements common.Stacks (terraform's log is not shown).
func (a stacksAdapter) Summarize(ctx context.Context, name string, drift bool) (terraform.Summary, error) {
	s := a.ss.Find(name)
	if s == nil {
		return terraform.Summary{}, fmt.Errorf("no stack %q", name)
	}
	return s.Summarize(ctx, drift, io.Discard)
}

func (m *Model) stacksPage() *pages.Stacks { return m.byName["stacks"].(*pages.Stacks) }

// loadStacks (re)reads every stack's summary, one tea.Cmd per stack; the
// answers of an earlier round are dropped.
func (m *Model) loadStacks() tea.Cmd {
	src := m.d.stacks
	if src == nil {
		return nil
	}
	m.reqID++
	m.stackReq = m.reqID
	m.stacksLoaded = true
	list := src.List()
	p := m.stacksPage()
	p.SetStacks(list, m.ctx.Now())
	busy := m.busyStacks()
	var cmds []tea.Cmd
	for _, s := range list {
		if busy[s.Name] {
			continue // terraform is running there: read it when the run ends
		}
		p.SetLoading(s.Name)
		cmds = append(cmds, summarize(m.d.ctx, src, m.stackReq, s.Name, false))
	}
	return tea.Batch(cmds...)
}

// busyStacks names the stacks a Terraform run of this console is running
// on (their working directory is in use: no init beside it).
func (m *Model) busyStacks() map[string]bool {
	busy := map[string]bool{}
	if m.d.exec == nil {
		return busy
	}
	for _, r := range m.d.exec.Runs() {
		s := r.Spec()
		if s.Runner != "terraform" || r.Result().Status != "running" {
			continue
		}
		if s.Target.Kind == "stack" {
			busy[s.Target.Name] = true
		} else if s.Target.Namespace != "" {
			busy[s.Target.Namespace] = true
		}
	}
	return busy
}

// summarize reads one summary off the UI goroutine.
func summarize(ctx context.Context, src common.Stacks, req int, name string, drift bool) tea.Cmd {
	return func() tea.Msg {
		t := summaryTimeout
		if drift {
			t = driftTimeout
		}
		cctx, cancel := context.WithTimeout(ctx, t)
		defer cancel()
		sum, err := src.Summarize(cctx, name, drift)
		return stackSummaryMsg{req: req, stack: name, drift: drift, sum: sum, err: err}
	}
}

// handleStacksMsg processes the Stacks view's messages; it reports
// whether msg was one.
func (m *Model) handleStacksMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case pages.DriftRequestMsg:
		if m.d.stacks == nil {
			return nil, true
		}
		m.reqID++
		if m.driftReq == nil {
			m.driftReq = map[string]int{}
		}
		m.driftReq[msg.Stack] = m.reqID
		m.stacksPage().SetDriftChecking(msg.Stack)
		m.setMsg("checking drift of "+msg.Stack+" (terraform plan -refresh-only)…", false)
		return summarize(m.d.ctx, m.d.stacks, m.reqID, msg.Stack, true), true
	case stackSummaryMsg:
		if msg.drift {
			if m.driftReq[msg.stack] != msg.req {
				return nil, true // stale
			}
			delete(m.driftReq, msg.stack)
			if msg.err != nil {
				m.setMsg("drift of "+msg.stack+": "+msg.err.Error(), true)
			} else {
				m.setMsg(fmt.Sprintf("drift of %s: %d drifted", msg.stack, len(msg.sum.Drift)), false)
			}
		} else if msg.req != m.stackReq {
			return nil, true // stale
		}
		m.stacksPage().SetSummary(msg.stack, msg.sum, msg.err, msg.drift, m.ctx.Now())
		if m.mode == modeDetail && m.active == "stacks" {
			m.openDetail()
		}
		return nil, true
	}
	return nil, false
}

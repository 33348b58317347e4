package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/ui/common"
)

// TestQuitAsksWhileActionsRun: q and ctrl+c with a run in progress ask
// first; y quits (the console then cancels the run through
// Executor.Shutdown), any other key keeps waiting.
func TestQuitAsksWhileActionsRun(t *testing.T) {
	running := &fakeRun{id: "r1", spec: actions.Spec{Name: "apply"}, res: common.RunResult{Status: actions.StatusRunning}}
	done := &fakeRun{id: "r0", spec: actions.Spec{Name: "plan"}, res: common.RunResult{Status: actions.StatusSucceeded}}
	for _, quitKey := range []string{"q", "ctrl+c"} {
		t.Run(quitKey, func(t *testing.T) {
			ex := &fakeExec{runs: []common.Run{running, done}}
			m := newTestModel(t, fixtureSnapshot(), nil, 120, 30, func(d *deps) { d.exec = ex })
			if cmd := m.handleKey(keyMsg(quitKey)); cmd != nil || m.quit {
				t.Fatalf("%s quit at once with an action running", quitKey)
			}
			if !strings.Contains(screen(m), "1 action(s) running: y cancels them") {
				t.Errorf("no question on the message line:\n%s", screen(m))
			}
			if cmd := m.handleKey(keyMsg("n")); cmd != nil || m.quit || !strings.Contains(screen(m), "nothing was cancelled") {
				t.Errorf("n should keep waiting:\n%s", screen(m))
			}
			if running.cancels != 0 {
				t.Error("the UI cancelled the run itself: only the executor's Shutdown may")
			}
			m.handleKey(keyMsg(quitKey))
			if cmd := m.handleKey(keyMsg("y")); cmd == nil || !m.quit {
				t.Error("y should quit")
			}
		})
	}
	// Nothing running: q quits at once.
	m := newTestModel(t, fixtureSnapshot(), nil, 120, 30, func(d *deps) { d.exec = &fakeExec{runs: []common.Run{done}} })
	if cmd := m.handleKey(keyMsg("q")); cmd == nil || !m.quit {
		t.Error("q with nothing running should quit")
	}
}

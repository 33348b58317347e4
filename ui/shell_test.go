package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
)

// testShell is an action attached to the terminal: it writes what it got
// on the terminal's input to its output, and ends with status 0.
type testShell struct {
	fakeAction
	container string
}

func (a *testShell) Argv() []string {
	return []string{"kubectl", "exec", "-it", a.spec.Target.Name, "-c", a.container}
}
func (a *testShell) RunAttached(_ context.Context, t actions.Terminal, _ io.Writer) (string, error) {
	b, _ := io.ReadAll(t.In)
	fmt.Fprintf(t.Out, "in %s: %s", a.container, b)
	return "the shell exited with status 0", nil
}

// shellOfferer offers a shell in each of its containers on every pod.
type shellOfferer struct{ containers []string }

func (o shellOfferer) Offer(r actions.Ref) []actions.Action {
	if r.Kind != actions.KindPod {
		return nil
	}
	var out []actions.Action
	for _, c := range o.containers {
		out = append(out, &testShell{fakeAction{actions.Spec{Name: actions.VerbShell, Target: r, Runner: "kubectl", Effect: actions.Mutating,
			Description: "shell in container " + c + " of pod " + r.Namespace + "/" + r.Name}}, c})
	}
	return out
}

// shellModel is the demo's Pods view with the real executor (its audit
// log in a temporary directory) offering shells in containers; the
// terminal handed over is term (the attachment runs in place).
func shellModel(t *testing.T, readOnly bool, containers []string, term *bytes.Buffer, handed *int) (*Model, string) {
	t.Helper()
	snap, s := demoSnapshot(t, sim.Options{})
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", ReadOnly: readOnly, AuditPath: audit})
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, snap, s, 120, 30, func(d *deps) {
		d.exec = execAdapter{ex}
		d.offerers = func() []actions.Offerer { return []actions.Offerer{shellOfferer{containers}} }
		d.execTerminal = func(c tea.ExecCommand, fn tea.ExecCallback) tea.Cmd {
			return func() tea.Msg {
				*handed++
				c.SetStdin(strings.NewReader("ls\n"))
				c.SetStdout(term)
				c.SetStderr(io.Discard)
				return fn(c.Run())
			}
		}
	})
	typeText(m, ":pods")
	press(m, "enter")
	return m, audit
}

// TestShellKey: s on a pod hands the terminal to a shell in its one
// container through the executor (audited started and ended); with
// several containers it asks which; in read-only mode the footer greys
// s, the help says why, and the key is refused with that reason, audited,
// without touching the terminal.
func TestShellKey(t *testing.T) {
	t.Run("one container", func(t *testing.T) {
		var term bytes.Buffer
		handed := 0
		m, audit := shellModel(t, false, []string{"app"}, &term, &handed)
		sel, _ := m.page().Selected()
		press(m, "s")
		if handed != 1 || term.String() != "in app: ls\n" {
			t.Fatalf("terminal handed %d times, got %q", handed, term.String())
		}
		if m.mode != modeNormal || !strings.Contains(m.msg, "ended: the shell exited with status 0") {
			t.Errorf("mode %d, message %q", m.mode, m.msg)
		}
		es, _, err := actions.ReadAudit(audit, 0)
		if err != nil || len(es) != 1 || es[0].Action != "shell" || es[0].Result != actions.StatusSucceeded ||
			es[0].Target != sel.Refs[0].String() || es[0].Verify != "the shell exited with status 0" {
			t.Fatalf("audit = %+v, %v", es, err)
		}
	})
	t.Run("two containers", func(t *testing.T) {
		var term bytes.Buffer
		handed := 0
		m, _ := shellModel(t, false, []string{"app", "sidecar"}, &term, &handed)
		press(m, "s")
		if m.mode != modeMenu || handed != 0 || !strings.Contains(screen(m), "container sidecar") {
			t.Fatalf("no choice of container:\n%s", screen(m))
		}
		press(m, "down", "enter")
		if handed != 1 || term.String() != "in sidecar: ls\n" {
			t.Fatalf("terminal handed %d times, got %q", handed, term.String())
		}
	})
	t.Run("read-only", func(t *testing.T) {
		var term bytes.Buffer
		handed := 0
		m, audit := shellModel(t, true, []string{"app", "sidecar"}, &term, &handed)
		if why := m.keyDisabled(m.ctx.Keys.Shell); !strings.Contains(why, "read-only") {
			t.Errorf("s is not disabled in read-only mode: %q", why)
		}
		press(m, "?")
		if scr := screen(m); !strings.Contains(scr, "shell ✗") || !strings.Contains(scr, "read-only: environment") {
			t.Errorf("the help does not say why s is disabled:\n%s", screen(m))
		}
		press(m, "esc", "s")
		if handed != 0 || m.mode != modeMenu || !strings.Contains(m.flow.err, "refused") || !strings.Contains(m.flow.err, "read-only") {
			t.Fatalf("handed %d, mode %d, error %q", handed, m.mode, m.flow.err)
		}
		es, _, err := actions.ReadAudit(audit, 0)
		if err != nil || len(es) != 1 || es[0].Result != actions.StatusRefused {
			t.Fatalf("audit = %+v, %v", es, err)
		}
	})
}

// forwardOfferer offers a port-forward on every service and records the
// refs it was asked about.
type forwardOfferer struct{ asked *[]actions.Ref }

func (o forwardOfferer) Offer(r actions.Ref) []actions.Action {
	*o.asked = append(*o.asked, r)
	if r.Kind != "services" {
		return nil
	}
	return []actions.Action{&fakeAction{actions.Spec{Name: actions.VerbPortForward, Target: r, Runner: "kubectl", Effect: actions.Mutating,
		Description: "kubectl port-forward svc/" + r.Name}}}
}

// TestForwardKeyOnService: F on a row of the Services view asks the
// sources for that service's port-forward (its Ref) and opens it.
func TestForwardKeyOnService(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	var asked []actions.Ref
	m := newTestModel(t, snap, s, 120, 30, func(d *deps) {
		d.exec = execAdapter{ex}
		d.offerers = func() []actions.Offerer { return []actions.Offerer{forwardOfferer{&asked}} }
	})
	typeText(m, ":svc")
	press(m, "enter")
	sel, ok := m.page().Selected()
	if !ok || len(sel.Refs) != 1 || sel.Refs[0].Kind != "services" {
		t.Fatalf("the Services view's selection carries no service ref: %+v", sel.Refs)
	}
	press(m, "F")
	if len(asked) == 0 || asked[0] != sel.Refs[0] {
		t.Fatalf("F asked for %+v, want %+v", asked, sel.Refs[0])
	}
	if m.mode == modeNormal || !strings.Contains(screen(m), "port-forward svc/"+sel.Refs[0].Name) {
		t.Errorf("F did not open the service's port-forward:\n%s", screen(m))
	}
}

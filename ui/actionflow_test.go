package ui

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
)

// TestConfirmScrolls: a preview longer than the panel scrolls (pgdn, ↓,
// pgup) with a line saying which part is shown, every line of it is
// reachable, and the prompt stays in sight.
func TestConfirmScrolls(t *testing.T) {
	m := demoModel(t, 80, 16)
	typeText(m, ":db")
	press(m, "enter", "a")
	for i, o := range m.flow.offers {
		if o.spec.Name == "restore" {
			for range i {
				press(m, "down")
			}
		}
	}
	press(m, "enter")
	if m.mode != modeParams {
		t.Fatalf("no form for the backup:\n%s", screen(m))
	}
	press(m, "enter") // the newest backup
	if m.mode != modeConfirm {
		t.Fatalf("no confirmation:\n%s", screen(m))
	}
	w, _ := m.flow.panelSize(m)
	all, _, _ := m.flow.content(m, w)
	seen := map[string]bool{}
	for range len(all) + 2 {
		scr := screen(m)
		if !strings.Contains(scr, m.flow.pending.Prompt()) {
			t.Fatalf("the prompt is not in sight:\n%s", scr)
		}
		if !strings.Contains(scr, "pgup/pgdn scroll") {
			t.Fatalf("no scroll indicator on a long preview:\n%s", scr)
		}
		for _, l := range strings.Split(scr, "\n") {
			seen[strings.TrimSpace(strings.Trim(l, "│ "))] = true
		}
		press(m, "down")
	}
	for _, l := range all {
		if l := strings.TrimSpace(ansi.Strip(l)); l != "" && !seen[l] {
			t.Errorf("line never shown while scrolling: %q", l)
		}
	}
	if m.flow.scroll != m.flow.maxScroll(m) {
		t.Errorf("scroll %d, want it held at the end %d", m.flow.scroll, m.flow.maxScroll(m))
	}
	press(m, "pgup", "pgup", "pgup")
	if m.flow.scroll != 0 || !strings.Contains(screen(m), "lines 1–") {
		t.Errorf("pgup should go back to the top (scroll %d):\n%s", m.flow.scroll, screen(m))
	}
}

// TestParamFormInTheFlow: an action that declares parameters opens the
// form before the preview; esc goes back to the menu; the preview shows
// the value chosen.
func TestParamFormInTheFlow(t *testing.T) {
	m := demoModel(t, 80, 24)
	typeText(m, ":db")
	press(m, "enter", "a")
	at := slices.IndexFunc(m.flow.offers, func(o offer) bool { return o.spec.Name == actions.VerbPromote })
	if at < 0 {
		t.Fatal("no promote offered")
	}
	for range at {
		press(m, "down")
	}
	press(m, "enter")
	if m.mode != modeParams || !strings.Contains(screen(m), "Replica to promote") {
		t.Fatalf("no form:\n%s", screen(m))
	}
	press(m, "esc")
	if m.mode != modeMenu {
		t.Fatalf("esc should go back to the menu, mode %v", m.mode)
	}
	press(m, "enter", "down")
	second := m.flow.form.fields[0].p.Choices[1].Value
	press(m, "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "with: member="+second) || m.flow.pending.Spec().Target.Name != second {
		t.Fatalf("the confirmation should promote %s:\n%s", second, screen(m))
	}
	press(m, "esc")
}

// demoModel is the demo at w×h with the real executor and the sim's offers.
func demoModel(t *testing.T, w, h int) *Model {
	t.Helper()
	snap, s := demoSnapshot(t, sim.Options{})
	ex, err := actions.NewExecutor(actions.Options{Env: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	return newTestModel(t, snap, s, w, h, func(d *deps) {
		d.exec = execAdapter{ex}
		d.offerers = func() []actions.Offerer { return []actions.Offerer{s} }
	})
}

// overwriteAction is a destructive action with a second confirmation.
type overwriteAction struct{ *actions.Steps }

func (a overwriteAction) SecondConfirmation() string { return "overwrite " + a.Def.Target.Name }

type overwriteOfferer struct{ ran *atomic.Int32 }

func (o overwriteOfferer) Offer(ref actions.Ref) []actions.Action {
	if ref.Kind != actions.KindDatabase {
		return nil
	}
	return []actions.Action{overwriteAction{&actions.Steps{
		Def: actions.Spec{Name: actions.VerbRestore, Target: ref, Runner: "test", Effect: actions.Destructive, Description: "restore over the live cluster"},
		DoPreview: func(context.Context, io.Writer) (actions.Plan, error) {
			return actions.Plan{Summary: "overwrite " + ref.Name}, nil
		},
		DoRun: func(context.Context, actions.Plan, io.Writer) error { o.ran.Add(1); return nil },
	}}}
}

// TestSecondConfirmationFlow: an action that needs a second typed
// confirmation asks for the target's name, then for the phrase; a wrong
// phrase is refused in place and nothing runs until both match.
func TestSecondConfirmationFlow(t *testing.T) {
	snap, _ := demoSnapshot(t, sim.Options{})
	ex, err := actions.NewExecutor(actions.Options{Env: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	m := newTestModel(t, snap, nil, 120, 30, func(d *deps) {
		d.exec = execAdapter{ex}
		d.offerers = func() []actions.Offerer { return []actions.Offerer{overwriteOfferer{&ran}} }
	})
	typeText(m, ":db")
	press(m, "enter")
	sel, ok := m.page().Selected()
	name, isDB := strings.CutPrefix(sel.Key, "database/")
	if !ok || !isDB {
		t.Fatalf("the cursor is on %q, not a database", sel.Key)
	}
	press(m, "a", "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "type "+name+" to confirm") {
		t.Fatalf("no first confirmation:\n%s", screen(m))
	}
	typeText(m, name)
	press(m, "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "type overwrite "+name+" to confirm again") {
		t.Fatalf("no second confirmation after the name:\n%s", screen(m))
	}
	typeText(m, name)
	press(m, "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "confirmation does not match") || ran.Load() != 0 {
		t.Fatalf("a wrong second answer:\n%s", screen(m))
	}
	press(m, "esc")
	press(m, "a", "enter")
	typeText(m, name)
	press(m, "enter")
	typeText(m, "overwrite "+name)
	press(m, "enter")
	for _, r := range ex.Runs() {
		<-r.Done()
	}
	if ran.Load() != 1 {
		t.Fatalf("ran %d times after both confirmations\n%s", ran.Load(), screen(m))
	}
}

// TestCtrlDDeletes: ctrl+d on a pod goes straight to delete's preview
// and asks for the pod's name typed (y is not enough); on an object no
// source deletes it says so; with a read-only executor the delete is
// refused with the reason, as choosing it in the menu is.
func TestCtrlDDeletes(t *testing.T) {
	m := demoModel(t, 80, 24)
	typeText(m, ":pods")
	press(m, "enter")
	sel, ok := m.page().Selected()
	if !ok || len(sel.Refs) == 0 || sel.Refs[0].Kind != actions.KindPod {
		t.Fatalf("no pod selected: %+v", sel)
	}
	name := sel.Refs[0].Name
	press(m, "ctrl+d")
	if m.mode != modeConfirm || m.flow.pending.Spec().Name != actions.VerbDelete || m.flow.pending.Spec().Target.Name != name {
		t.Fatalf("ctrl+d should ask to confirm the delete of %s (mode %v):\n%s", name, m.mode, screen(m))
	}
	if scr := screen(m); !strings.Contains(scr, "type "+name+" to confirm") {
		t.Errorf("no typed confirmation:\n%s", scr)
	}
	press(m, "y", "enter")
	if m.mode != modeConfirm || !strings.Contains(screen(m), "confirmation does not match") {
		t.Fatalf("y confirmed a destructive delete (mode %v):\n%s", m.mode, screen(m))
	}
	press(m, "esc")

	typeText(m, ":asg")
	press(m, "enter", "ctrl+d")
	if m.mode != modeNormal || !strings.Contains(m.msg, "delete: no source offers it on asg/") {
		t.Errorf("ctrl+d on a group: mode %v, message %q", m.mode, m.msg)
	}
}

func TestCtrlDRefusedReadOnly(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	ex, err := actions.NewExecutor(actions.Options{Env: "prod", ReadOnly: true, ReadOnlyReason: "environment prod is read-only"})
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, snap, s, 80, 24, func(d *deps) {
		d.exec = execAdapter{ex}
		d.offerers = func() []actions.Offerer { return []actions.Offerer{s} }
	})
	typeText(m, ":pods")
	press(m, "enter", "ctrl+d")
	if m.mode != modeMenu || !strings.Contains(m.flow.err, "read-only") {
		t.Fatalf("ctrl+d read-only: mode %v, err %q:\n%s", m.mode, m.flow.err, screen(m))
	}
	if scr := screen(m); !strings.Contains(scr, "✗ delete") && !strings.Contains(scr, "read-only") {
		t.Errorf("the menu does not show the refused delete:\n%s", scr)
	}
}

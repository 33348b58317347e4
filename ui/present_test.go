package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/ui/pages"
)

// send delivers keys to m through Update (as the program does: a
// presenting session publishes its view after each).
func send(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		drain(m, cmd)
	}
}

// followCmd runs the palette text typed (:follow NAME) as enter does,
// without running the wait on the hub that it returns (catchUp reads it).
func followCmd(t *testing.T, m *Model) {
	t.Helper()
	c, err := m.palette.Parse(m.input.Value)
	if err != nil {
		t.Fatal(err)
	}
	m.mode = modeNormal
	m.runCommand(c)
}

// catchUp applies the followed presenter's states received so far (the
// program waits on the hub's channel; here it is read without waiting).
func catchUp(t *testing.T, m *Model) {
	t.Helper()
	for m.pres.followCh != nil {
		select {
		case st, ok := <-m.pres.followCh:
			if !ok {
				m.handleFollowMsg(followEndedMsg{req: m.pres.followReq})
				return
			}
			m.pres.want = st
			drain(m, m.applyFollowed())
		default:
			return
		}
	}
}

// TestPresenterMode: alice presents, bob follows through one hub; bob's
// session shows alice's page, filter, cursor and detail pane at his own
// size, with the banner; his keys do nothing but esc/q/:unfollow; alice
// leaving ends the follow with a message. A local console says presenter
// mode needs console serve.
func TestPresenterMode(t *testing.T) {
	hub := NewPresenceHub()
	snap, s := demoSnapshot(t, sim.Options{})
	alice := newTestModel(t, snap, s, 160, 40, func(d *deps) { d.presence = hub.Session("alice") })
	bob := newTestModel(t, snap, s, 90, 30, func(d *deps) { d.presence = hub.Session("bob") })

	send(bob, ":")
	typeText(bob, "follow alice")
	send(bob, "enter")
	if !strings.Contains(screen(bob), "alice does not present") && !strings.Contains(screen(bob), "nobody presents") {
		t.Fatalf("following nobody: %s", screen(bob))
	}

	send(alice, ":")
	typeText(alice, "present")
	send(alice, "enter")
	if got := hub.Session("carol").Presenters(); len(got) != 1 || got[0] != "alice" {
		t.Fatalf("presenters = %v", got)
	}
	send(bob, ":")
	typeText(bob, "follow ")
	if out := screen(bob); !strings.Contains(out, ":follow alice") {
		t.Fatalf("the palette does not complete the presenters:\n%s", out)
	}
	send(bob, "tab")
	followCmd(t, bob)
	catchUp(t, bob)
	if bob.pres.follow != "alice" || !strings.Contains(screen(bob), "following alice's view (esc to stop)") {
		t.Fatalf("bob does not follow alice:\n%s", screen(bob))
	}
	if !strings.Contains(screen(alice), "PRESENTING · 1 following") {
		t.Fatalf("alice's header:\n%s", screen(alice))
	}

	// alice: pods, a filter, the cursor down, the detail pane
	send(alice, ":")
	typeText(alice, "pods")
	send(alice, "enter", "/")
	typeText(alice, "checkout")
	send(alice, "enter", "down", "d")
	catchUp(t, bob)
	want := alice.viewState()
	if want.Page != "pods" || want.Filter != "checkout" || want.Cursor == "" || !want.Detail {
		t.Fatalf("alice's view state = %+v", want)
	}
	if got := bob.viewState(); got != want {
		t.Fatalf("bob's view = %+v, alice's = %+v", got, want)
	}
	if bob.ctx.Width != 90 || !strings.Contains(screen(bob), "[Pods]") {
		t.Fatalf("bob's screen (his own size):\n%s", screen(bob))
	}

	// bob's keys do nothing but esc/q/:unfollow
	send(bob, "up", "/", "a", "tab", "x")
	catchUp(t, bob)
	if got := bob.viewState(); got != want || bob.mode != modeDetail {
		t.Fatalf("a follower's keys acted: %+v (mode %v)", got, bob.mode)
	}
	send(bob, ":")
	typeText(bob, "nodes")
	send(bob, "enter")
	if bob.active != "pods" || !strings.Contains(screen(bob), ":unfollow (or esc) first") {
		t.Fatalf("a follower switched views:\n%s", screen(bob))
	}

	// alice leaves: the follow ends with a message
	alice.closePresence()
	catchUp(t, bob)
	if bob.pres.follow != "" || !strings.Contains(screen(bob), "alice stopped presenting") {
		t.Fatalf("alice left; bob:\n%s", screen(bob))
	}
	if got := hub.Session("carol").Presenters(); len(got) != 0 {
		t.Fatalf("presenters after alice left = %v", got)
	}
	send(bob, "tab") // bob's keys are his again
	if bob.active == "pods" {
		t.Fatal("bob's keys do nothing after the follow ended")
	}

	// esc stops following
	presentAndFollow(t, alice, bob)
	send(bob, "esc")
	if bob.pres.follow != "" || hub.Session("alice").Followers() != 0 {
		t.Fatalf("esc did not stop following (%d followers)", hub.Session("alice").Followers())
	}

	local := newTestModel(t, snap, s, 90, 30)
	for _, c := range []string{"present", "follow alice"} {
		send(local, ":")
		typeText(local, c)
		send(local, "enter")
		if !strings.Contains(screen(local), "needs console serve") {
			t.Errorf(":%s in a local console:\n%s", c, screen(local))
		}
	}
}

// presentAndFollow: alice presents (:present), bob follows her
// (:follow alice).
func presentAndFollow(t *testing.T, alice, bob *Model) {
	t.Helper()
	send(alice, ":")
	typeText(alice, "present")
	send(alice, "enter")
	send(bob, ":")
	typeText(bob, "follow alice")
	followCmd(t, bob)
}

// TestPresenterOverlays: a follower sees the presenter's overlays (help,
// the palette being typed, the action menu and the typed confirmation)
// and the topology's expanded rows, drawn at the follower's own size with
// the banner; the follower's keys never reach the mirrored confirmation.
func TestPresenterOverlays(t *testing.T) {
	hub := NewPresenceHub()
	snap, s := demoSnapshot(t, sim.Options{})
	e, err := actions.NewExecutor(actions.Options{Env: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	with := func(name string) func(*deps) {
		return func(d *deps) {
			d.presence = hub.Session(name)
			d.exec = execAdapter{e}
			d.offerers = func() []actions.Offerer { return []actions.Offerer{s} }
		}
	}
	alice := newTestModel(t, snap, s, 160, 40, with("alice"))
	bob := newTestModel(t, snap, s, 90, 30, with("bob"))
	presentAndFollow(t, alice, bob)
	catchUp(t, bob)

	// the topology: alice collapses the first row; bob's rows follow
	send(alice, "space")
	catchUp(t, bob)
	ae, be := alice.page().(pages.Expander).ExpandState(), bob.page().(pages.Expander).ExpandState()
	if ae == "" || ae != be {
		t.Fatalf("expanded rows: alice %q, bob %q", ae, be)
	}

	// help
	send(alice, "?")
	catchUp(t, bob)
	if out := screen(bob); !strings.Contains(out, "everywhere") || !strings.Contains(out, "following alice's view") {
		t.Fatalf("bob does not see alice's help:\n%s", out)
	}
	send(alice, "esc")

	// the palette being typed
	send(alice, ":")
	send(alice, "p", "o", "d")
	catchUp(t, bob)
	if out := screen(bob); !strings.Contains(out, ":pod") || !strings.Contains(out, ":pods") {
		t.Fatalf("bob does not see alice's palette:\n%s", out)
	}
	send(alice, "s")
	send(alice, "enter")

	// the action menu, then the typed confirmation of a delete
	send(alice, "a")
	catchUp(t, bob)
	if out := screen(bob); !strings.Contains(out, "Actions for pod/") {
		t.Fatalf("bob does not see alice's action menu:\n%s", out)
	}
	send(alice, "esc", "ctrl+d")
	name := alice.flow.pending.Spec().Target.Name
	send(alice, strings.Split(name[:3], "")...)
	catchUp(t, bob)
	out := screen(bob)
	if !strings.Contains(out, "[destructive]") || !strings.Contains(out, "to confirm: "+name[:3]) || !strings.Contains(out, "following alice's view") {
		t.Fatalf("bob does not see alice's confirmation:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if ansi.StringWidth(l) > 90 {
			t.Fatalf("bob's frame is wider than his terminal (%d): %q", ansi.StringWidth(l), l)
		}
	}
	// bob's keys: nothing runs, nothing is his to confirm
	for _, k := range []string{"enter", "y", "backspace"} {
		send(bob, k)
	}
	send(bob, "f", "r", "o", "n", "t", "enter") // (q would stop following)
	if bob.mode != modeNormal || bob.pres.follow != "alice" || bob.flow.pending != nil || len(e.Runs()) != 0 {
		t.Fatalf("a follower acted through the mirrored confirmation: mode %v, runs %d", bob.mode, len(e.Runs()))
	}
	send(alice, "esc")
	catchUp(t, bob)
	if out := screen(bob); strings.Contains(out, "[destructive]") {
		t.Fatalf("the confirmation stays on bob's screen after alice closed it:\n%s", out)
	}
}

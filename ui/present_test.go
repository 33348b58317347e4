package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/providers/sim"
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
	send(alice, ":")
	typeText(alice, "present")
	send(alice, "enter")
	send(bob, ":")
	typeText(bob, "follow alice")
	followCmd(t, bob)
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

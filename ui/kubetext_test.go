package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/ui/pages"
)

// TestDescribeYAML: d on a pod of a kube source opens its describe
// output (read through the KubeReader in a tea.Cmd), searchable with /
// and n; y its YAML; esc goes back; on an object of no kube source d
// opens the detail pane as before.
func TestDescribeYAML(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	pod := snap.Inv.Pods[0]
	fk := &fakeKube{cluster: pod.Cluster}
	m := newTestModel(t, snap, s, 100, 30, func(d *deps) {
		d.kube = func() []providers.KubeReader { return []providers.KubeReader{fk} }
	})
	typeText(m, ":pods")
	press(m, "enter")
	typeText(m, "/"+pod.Name)
	press(m, "enter", "d")
	if m.mode != modeText || len(fk.read) != 1 || fk.read[0] != "describe pod "+pod.Namespace+"/"+pod.Name {
		t.Fatalf("mode %v, reads %v:\n%s", m.mode, fk.read, screen(m))
	}
	if sc := screen(m); !strings.Contains(sc, "describe pod "+pod.Namespace+"/"+pod.Name) || !strings.Contains(sc, "Image:   nginx") || !strings.Contains(sc, "1-23/48") {
		t.Fatalf("describe not shown:\n%s", sc)
	}
	typeText(m, "/backoff")
	press(m, "enter")
	if sc := screen(m); !strings.Contains(sc, "Back-off restarting failed container app") || !strings.Contains(sc, "match 1/1") {
		t.Fatalf("search did not show the match:\n%s", sc)
	}
	press(m, "G")
	if sc := screen(m); !strings.Contains(sc, "26-48/48") {
		t.Errorf("G should show the end:\n%s", sc)
	}
	press(m, "esc")
	if m.mode != modeNormal {
		t.Fatalf("esc should close the viewer, mode %v", m.mode)
	}
	press(m, "y")
	if m.mode != modeText || !strings.Contains(screen(m), "kind: Pod") {
		t.Fatalf("y should show the YAML:\n%s", screen(m))
	}
	press(m, "q")
	if m.mode != modeNormal || m.quit {
		t.Fatalf("q should close the viewer, not quit (mode %v)", m.mode)
	}
	// from the detail pane: d describes, esc goes back to the pane
	press(m, "enter")
	if m.mode != modeDetail {
		t.Fatalf("enter should open the detail pane, mode %v", m.mode)
	}
	press(m, "d")
	if m.mode != modeText {
		t.Fatalf("d in the pane should describe, mode %v", m.mode)
	}
	press(m, "esc")
	if m.mode != modeDetail {
		t.Errorf("esc should go back to the pane, mode %v", m.mode)
	}

	// no kube source for ASGs: d is the detail pane, y says what it does
	press(m, "esc", "esc")
	typeText(m, ":asg")
	press(m, "enter", "d")
	if m.mode != modeDetail {
		t.Errorf("d on an ASG should open the detail pane, mode %v", m.mode)
	}
	press(m, "esc", "y")
	if m.mode != modeNormal || !strings.Contains(screen(m), "y shows the YAML of a Kubernetes object") {
		t.Errorf("y on an ASG:\n%s", screen(m))
	}
}

// TestHelpScrolls: a help taller than the screen says so and scrolls, so
// no key or command is cut off at 80x24.
func TestHelpScrolls(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 80, 24)
	press(m, "?")
	if sc := screen(m); !strings.Contains(sc, "↑/↓ pgup/pgdn scroll") || strings.Contains(sc, ":refresh  :help  :q") {
		t.Fatalf("the help at 80x24 should be cut and say it scrolls:\n%s", sc)
	}
	press(m, "pgdown")
	if sc := screen(m); !strings.Contains(sc, ":refresh  :help  :q") {
		t.Fatalf("pgdn should show the end of the help:\n%s", sc)
	}
	press(m, "esc")
	if m.mode != modeNormal {
		t.Errorf("esc should close the help, mode %v", m.mode)
	}
}

// TestKindsAndEvents: :deployments.apps (a word no view takes: :deploy is
// the Deployments view) shows the Kinds view with the server's columns (priority 0 only, NAMESPACE first); :kinds lists the kinds and
// enter opens one; an unknown word says so; :events groups by object,
// warnings first; d on an event's object describes it; the page reloads
// while shown, not while hidden.
func TestKindsAndEvents(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	fk := &fakeKube{cluster: "prod"}
	m := newTestModel(t, snap, s, 120, 30, func(d *deps) {
		d.kube = func() []providers.KubeReader { return []providers.KubeReader{fk} }
	})
	typeText(m, ":deployments.apps")
	press(m, "enter")
	sc := screen(m)
	if m.active != "kinds" || !strings.Contains(sc, "NAMESPACE") || !strings.Contains(sc, "UP-TO-DATE") || strings.Contains(sc, "CONTAINERS") ||
		!strings.Contains(sc, "2/3") || !strings.Contains(sc, "[deployments.apps]") || !strings.Contains(sc, "2 deployments.apps · kube:prod") {
		t.Fatalf(":deploy should show the deployments' table (active %s):\n%s", m.active, sc)
	}
	press(m, "y")
	if m.mode != modeText || fk.read[len(fk.read)-1] != "yaml deployments.apps shop/web" {
		t.Fatalf("y on a deployment row: mode %v, reads %v", m.mode, fk.read)
	}
	press(m, "esc")
	if sel, _ := m.page().Selected(); len(sel.Refs) != 1 || sel.Refs[0].Kind != "deployment" || sel.Refs[0].Cluster != "prod" {
		t.Errorf("a deployment row should offer the deployment's actions: %+v", sel.Refs)
	}

	typeText(m, ":kinds")
	press(m, "enter")
	if sc := screen(m); !strings.Contains(sc, "crontabs.stable.example.com") || !strings.Contains(sc, "4 kinds") {
		t.Fatalf(":kinds should list the kinds:\n%s", sc)
	}
	typeText(m, "/pvc")
	press(m, "enter", "enter")
	if sc := screen(m); !strings.Contains(sc, "data-invoice-0") || !strings.Contains(sc, "STORAGECLASS") || !strings.Contains(sc, "gp3") {
		t.Fatalf("enter on pvc should show the claims:\n%s", sc)
	}

	typeText(m, ":nosuchkind")
	press(m, "enter")
	if sc := screen(m); !strings.Contains(sc, `doesn't have a resource type "nosuchkind"`) {
		t.Errorf("an unknown kind should say so:\n%s", sc)
	}

	typeText(m, ":events")
	press(m, "enter")
	sc = screen(m)
	warn, normal := strings.Index(sc, "Pod/web-7d9f-abcde"), strings.Index(sc, "Deployment/web")
	if m.active != "events" || warn < 0 || normal < 0 || warn > normal || !strings.Contains(sc, "BackOff,Pulled") {
		t.Fatalf(":events should group by object, warnings first:\n%s", sc)
	}
	press(m, "enter")
	if sc := screen(m); m.mode != modeDetail || !strings.Contains(sc, "(x12 since 29m") || !strings.Contains(sc, "ago) from kubelet: Back-off restarting") {
		t.Errorf("the detail of an object's events should list them in full:\n%s", sc)
	}
	press(m, "d")
	if m.mode != modeText || fk.read[len(fk.read)-1] != "describe pod shop/web-7d9f-abcde" {
		t.Errorf("d on an event's object should describe it: mode %v, reads %v", m.mode, fk.read)
	}
	press(m, "esc", "esc")

	// reloads while shown, every period; never while hidden
	n := len(fk.read)
	m.Update(tickMsg(frozen.Add(time.Second)))
	if cmd := m.page().(pages.Poller).Poll(frozen.Add(time.Second)); cmd != nil {
		t.Errorf("a reload 1s after the last one")
	}
	drain(m, m.page().(pages.Poller).Poll(frozen.Add(10*time.Second)))
	if len(fk.read) != n+1 || fk.read[n] != "events" {
		t.Errorf("the events should be read again after the period: %v", fk.read[n:])
	}
	typeText(m, ":pods")
	press(m, "enter")
	n = len(fk.read)
	_, cmd := m.Update(tickMsg(frozen.Add(time.Hour)))
	_ = cmd // the tick's commands: the next tick only (the Pods view does not poll)
	if _, ok := m.page().(pages.Poller); ok || len(fk.read) != n {
		t.Errorf("nothing should be read while the Kubernetes views are hidden")
	}
}

// TestKubeScope: :ns narrows the Kubernetes views and the header says
// where; 0 clears it, 1 goes back to the favourite; :ctx lists the
// contexts, switches to one shown, adds another alongside through
// addKube, and refuses one the kubeconfig does not have.
func TestKubeScope(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	pod := snap.Inv.Pods[0]
	readers := []providers.KubeReader{&fakeKube{cluster: pod.Cluster}}
	var added []string
	m := newTestModel(t, snap, s, 200, 30, func(d *deps) {
		d.kube = func() []providers.KubeReader { return readers }
		d.kubeContexts = func() ([]string, error) { return []string{pod.Cluster, "lab2"}, nil }
		d.addKube = func(name string) error {
			added = append(added, name)
			readers = append(readers, &fakeKube{cluster: name})
			return nil
		}
	})
	typeText(m, ":pods")
	press(m, "enter")
	all := m.page().Status()
	typeText(m, ":ns "+pod.Namespace)
	press(m, "enter")
	sc := screen(m)
	if !strings.Contains(sc, "ns "+pod.Namespace) || m.page().Status() == all {
		t.Fatalf(":ns should narrow the pods (%s → %s) and say so:\n%s", all, m.page().Status(), sc)
	}
	for _, p := range snap.Inv.Pods {
		if p.Namespace != pod.Namespace && strings.Contains(sc, " "+p.Name+" ") {
			t.Fatalf("pod %s/%s shown under :ns %s", p.Namespace, p.Name, pod.Namespace)
		}
	}
	press(m, "0")
	if m.page().Status() != all || !strings.Contains(screen(m), "ns all") {
		t.Errorf("0 should show every namespace: %s", m.page().Status())
	}
	press(m, "1")
	if m.kscope.Namespace != pod.Namespace {
		t.Errorf("1 should go back to the favourite namespace, got %q", m.kscope.Namespace)
	}
	typeText(m, ":ctx")
	press(m, "enter")
	if sc := screen(m); !strings.Contains(sc, "contexts: "+pod.Cluster) || !strings.Contains(sc, "lab2") {
		t.Errorf(":ctx should list the contexts:\n%s", sc)
	}
	typeText(m, ":ctx lab2")
	press(m, "enter")
	if len(added) != 1 || added[0] != "lab2" || m.kscope.Context != "lab2" || !strings.Contains(screen(m), "ctx lab2") {
		t.Fatalf(":ctx lab2 should add it and show it: added %v, scope %+v\n%s", added, *m.kscope, screen(m))
	}
	typeText(m, ":ctx "+pod.Cluster)
	press(m, "enter")
	if len(added) != 1 || m.kscope.Context != pod.Cluster {
		t.Errorf("switching to a context shown adds nothing: added %v scope %+v", added, *m.kscope)
	}
	typeText(m, ":ctx nope")
	press(m, "enter")
	if sc := screen(m); !strings.Contains(sc, "unknown context nope") {
		t.Errorf(":ctx nope:\n%s", sc)
	}
}

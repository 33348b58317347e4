package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
)

// fakeKube is a KubeReader answering fixed text; it records what was read.
type fakeKube struct {
	cluster string
	read    []string // "describe pod ns/name", "yaml ..."
}

func (f *fakeKube) Context() string { return f.cluster }

func (f *fakeKube) Describe(_ context.Context, o providers.KubeObject) (string, error) {
	f.read = append(f.read, "describe "+o.Resource+" "+o.Namespace+"/"+o.Name)
	var b strings.Builder
	fmt.Fprintf(&b, "Name:         %s\nNamespace:    %s\nContainers:\n  app:\n    Image:   nginx\n", o.Name, o.Namespace)
	for i := range 40 {
		fmt.Fprintf(&b, "    Env%02d:   value\n", i)
	}
	b.WriteString("Events:\n  Type     Reason   Age  From     Message\n  Warning  BackOff  1m   kubelet  Back-off restarting failed container app\n")
	return b.String(), nil
}

func (f *fakeKube) YAML(_ context.Context, o providers.KubeObject) (string, error) {
	f.read = append(f.read, "yaml "+o.Resource+" "+o.Namespace+"/"+o.Name)
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + o.Name + "\n", nil
}

func (f *fakeKube) Events(context.Context, string) ([]providers.KubeEvent, error) { return nil, nil }

func (f *fakeKube) Resources(context.Context) ([]providers.KubeResource, error) { return nil, nil }

func (f *fakeKube) Table(context.Context, string, string) (*providers.KubeTable, error) {
	return &providers.KubeTable{}, nil
}

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

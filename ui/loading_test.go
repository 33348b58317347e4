package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
)

// TestLoadingShown: while a source's first list arrives, the rows that
// have come are shown, and the problem strip and the header say how far
// the list has come; the complete view drops it.
func TestLoadingShown(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	snap.Inv.Sources = append(snap.Inv.Sources, providers.SourceStatus{Name: "kube:big", Kind: "kube", Status: providers.StatusLoading,
		UpdatedAt: frozen, Progress: &providers.Progress{What: "pods", Done: 4500, Total: 20000}})
	m := newTestModel(t, snap, s, 200, 30)
	drain(m, m.countProblems())
	typeText(m, ":pods")
	press(m, "enter")
	sc := screen(m)
	if !strings.Contains(sc, "⟳ loading pods 4,500/20,000") {
		t.Errorf("the problem strip should say how far the list has come:\n%s", sc)
	}
	if !strings.Contains(sc, "kube:big loading pods 4,500/20,000") {
		t.Errorf("the header should say the source is loading:\n%s", sc)
	}
	if !strings.Contains(sc, snap.Inv.Pods[0].Name) {
		t.Errorf("the pods that have come should be shown:\n%s", sc)
	}

	done := *snap
	inv := *snap.Inv
	inv.Sources = []providers.SourceStatus{snap.Inv.Sources[0], {Name: "kube:big", Kind: "kube", Status: providers.StatusOK, UpdatedAt: frozen}}
	done.Inv, done.Version = &inv, snap.Version+1
	_, cmd := m.Update(snapshotMsg{&done})
	drain(m, cmd)
	if sc := screen(m); strings.Contains(sc, "loading") {
		t.Errorf("the complete view should not say loading:\n%s", sc)
	}
}

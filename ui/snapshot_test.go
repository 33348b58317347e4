package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsconsole/console/providers/sim"
)

// TestSnapshotKey: P writes the view as shown to a text and an HTML file
// in the snapshot directory and says where.
func TestSnapshotKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snapshots")
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 100, 30, func(d *deps) { d.snapshotDir = dir })
	press(m, ":")
	typeText(m, "problems")
	press(m, "enter")
	press(m, "P")
	got := screen(m)
	if !strings.Contains(got, "snapshot written: "+dir) {
		t.Fatalf("P should say where the snapshot went:\n%s", got)
	}
	txt, err := filepath.Glob(filepath.Join(dir, "problems-*.txt"))
	if err != nil || len(txt) != 1 {
		t.Fatalf("text snapshot: %v %v", txt, err)
	}
	b, err := os.ReadFile(txt[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "pod recommendations-") || strings.ContainsRune(string(b), 0x1b) {
		t.Errorf("text snapshot:\n%q", b)
	}
	if html, _ := filepath.Glob(filepath.Join(dir, "problems-*.html")); len(html) != 1 {
		t.Errorf("html snapshot: %v", html)
	}
}

// TestSnapshotKeyNoDir: without a snapshot directory P says why.
func TestSnapshotKeyNoDir(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 100, 30)
	press(m, "P")
	if got := screen(m); !strings.Contains(got, "no snapshot directory") {
		t.Fatalf("P without a directory should say why:\n%s", got)
	}
}

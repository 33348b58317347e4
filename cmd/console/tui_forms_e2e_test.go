package main

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIParameterForms runs the real binary on the demo at 80x24 and
// chooses an action's parameters in its form: a backup other than the
// newest for a restore, a replica count for a scale; each shows in the
// preview, and declining changes nothing.
func TestTUIParameterForms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 80, 24, nil, "--demo", "--view", "db")
	s.waitScreen("the DBs view", "[DBs]", "demo ")

	s.pickAction("restore")
	scr := s.waitScreen("the backup form", "Backup to restore", "newest first", "UTC")
	s.keys("Down")
	scr = s.waitUntil("the second backup chosen", func(next string) bool { return lineWith(next, "● ") != lineWith(scr, "● ") })
	chosen := strings.Fields(strings.SplitN(lineWith(scr, "● "), "● ", 2)[1])[0]
	s.keys("Enter")
	s.waitScreen("the restore preview", "with: backup="+chosen, "writes after it", "to confirm:")
	s.keys("Escape")
	s.waitScreen("the decline", "cancelled: nothing was changed")

	// scale: 7 replicas of a deployment, from the Pods view
	s.keys(":pods", "Enter")
	s.waitScreen("the Pods view", "[Pods]", "NAMESPACE")
	s.keys("/frontend", "Enter")
	s.waitUntil("the filter kept", func(scr string) bool {
		return !strings.Contains(scr, "/frontend█") && strings.Contains(selectedLine(scr), "frontend-")
	})
	s.pickAction("scale")
	s.waitScreen("the replicas form", "Replicas", "replicas: ")
	s.keys("C-u", "7", "Enter")
	s.waitScreen("the scale preview", "with: replicas=7", "to 7 replicas", "press y to confirm")
	s.keys("Escape")
	s.waitScreen("the decline", "cancelled: nothing was changed")

	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/opsconsole/console/e2e/lab"
)

// TestTUITablesAt80x24 runs the real binary on the demo at 80x24 (the
// bastion case): with a filter and a sort the tab bar says both and the
// cursor position, whole, and it follows the cursor; the demo's database
// members that differ only at their end (payments-aurora-instance-1/2/3)
// stay apart.
func TestTUITablesAt80x24(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 80, 24, nil, "--demo", "--view", "pods")
	s.waitScreen("the Pods view", "[Pods]", "NAMESPACE")
	keys := func(k ...string) { s.run(append([]string{"send-keys", "-t", "console"}, k...)...) }
	keys("/")
	keys("-l", "checkout")
	keys("Enter")
	for range 3 { // NAMESPACE, NAME, STATUS
		keys("o")
	}
	status := regexp.MustCompile(`filter checkout · sort STATUS ▲ · (\d+)/(\d+)\s*$`)
	tabs := func(scr string) string {
		for _, l := range strings.Split(scr, "\n") {
			if strings.Contains(l, "[Pods]") {
				return l
			}
		}
		return ""
	}
	scr := s.waitScreen("the sort by status", "sort STATUS ▲ · 1/")
	m := status.FindStringSubmatch(tabs(scr))
	if m == nil || m[1] != "1" {
		t.Fatalf("the tab bar should end with the filter, the sort and the cursor position 1/N: %q\n%s", tabs(scr), scr)
	}
	keys("j")
	scr = s.waitScreen("the cursor on the second row", "· 2/"+m[2])
	if !status.MatchString(tabs(scr)) {
		t.Errorf("after j the status should still be whole: %q", tabs(scr))
	}

	keys(":")
	keys("-l", "db")
	keys("Enter")
	s.waitScreen("the DBs view", "[DBs]", "ROLE/ENGINE")
	keys("/")
	keys("-l", "payments")
	keys("Enter")
	scr = s.waitScreen("the payments members", "filter payments", "instance-1", "instance-2", "instance-3")
	seen := map[string]bool{}
	for _, l := range strings.Split(scr, "\n") {
		if i := strings.Index(l, "payments-au"); i >= 0 && strings.Contains(l, "instance-") {
			name := strings.Fields(l[i:])[0]
			if seen[name] {
				t.Errorf("two members look the same (%q):\n%s", name, scr)
			}
			seen[name] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("want 3 distinct payments members, saw %v:\n%s", seen, scr)
	}
	keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

// TestTUIActionOutputKept runs a demo backup in the real binary, quits,
// starts it again (same audit log) and opens that run's output from the
// Actions view: it is listed as an earlier session's run, and enter shows
// its whole output, read from the file kept with its audit id.
func TestTUIActionOutputKept(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 80, 24, nil, "--demo", "--view", "db")
	s.waitScreen("the DBs view", "[DBs]", "ROLE/ENGINE")
	keys := func(s *tmuxSession, k ...string) { s.run(append([]string{"send-keys", "-t", "console"}, k...)...) }
	keys(s, "a")
	scr := s.waitScreen("the actions", "take a backup")
	// the menu's line under the cursor
	cursor := func(scr string) string {
		for _, l := range strings.Split(scr, "\n") {
			if strings.Contains(l, "▸") {
				return l
			}
		}
		return ""
	}
	for i := 0; !strings.Contains(cursor(scr), " backup "); i++ {
		if i == 6 {
			t.Fatalf("no backup in the demo's database actions:\n%s", scr)
		}
		// one key at a time: the next only once the cursor moved (the
		// screen may change for other reasons meanwhile)
		before := cursor(scr)
		keys(s, "j")
		scr = s.waitUntil("the cursor to move from "+strings.TrimSpace(before), func(scr string) bool { return cursor(scr) != before })
	}
	keys(s, "Enter")
	// the preview computed (a key typed while it is prepared is dropped)
	s.waitScreen("the backup's confirmation", "press y to confirm")
	keys(s, "y")
	scr = s.waitScreen("the backup's end", "✓ succeeded", "completed")
	m := regexp.MustCompile(`output of ([0-9a-f]{16})`).FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no run id on the screen:\n%s", scr)
	}
	keys(s, "q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}

	dir := filepath.Dir(bin)
	if err := os.Remove(filepath.Join(dir, "exit")); err != nil {
		t.Fatal(err)
	}
	s2, wait2 := startInTmux(t, bin, 80, 24, nil, "--demo", "--view", "actions")
	s2.waitScreen("the earlier run", "[Actions]", m[1][:8])
	keys(s2, "Enter")
	scr = s2.waitScreen("its kept output", "output of "+m[1], "completed", "lines 1–")
	if strings.Contains(scr, "no output kept") {
		t.Errorf("the kept output should be read back:\n%s", scr)
	}
	keys(s2, "q") // closes the output
	s2.waitScreen("the runs again", "RUN ", "enter: all of it")
	keys(s2, "q")
	if got := wait2(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s2.capture())
	}
}

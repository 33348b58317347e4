package main

import (
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
		keys("s")
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

package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/ui/common"
)

// tableLines are the body lines of a frame from its column titles on
// (the line holding title) to the footer.
func tableLines(t *testing.T, m *Model, scr, title string) []string {
	t.Helper()
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		if strings.Contains(l, title) {
			return lines[i : len(lines)-footerLines]
		}
	}
	t.Fatalf("no %q on the screen:\n%s", title, scr)
	return nil
}

// TestGoldenTables covers the tables' readability on the demo estate at
// 80x24 and 200x50: the status (filter, sort, cursor position) on the
// tab bar, names that differ only at their end, a wide terminal showing
// every cell, the column scroll and the full row.
func TestGoldenTables(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	cases := []struct {
		name  string
		size  [2]int
		keys  []string
		check func(t *testing.T, m *Model, scr string)
	}{
		{"pods_filter_sort_80x24", [2]int{80, 24}, []string{":pods", "enter", "/checkout", "enter", "o", "o", "o"},
			func(t *testing.T, m *Model, scr string) {
				tabs := strings.Split(scr, "\n")[m.headerLines()-1]
				if !regexp.MustCompile(`filter checkout · sort STATUS ▲ · 1/\d+$`).MatchString(tabs) {
					t.Errorf("the tab bar should end with the filter, the sort and the position: %q", tabs)
				}
			}},
		{"topology_80x24", [2]int{80, 24}, nil,
			func(t *testing.T, m *Model, scr string) {
				// the nodes' DNS names share their end: cut there, they stay apart
				seen, n := map[string]bool{}, 0
				for _, l := range tableLines(t, m, scr, "HEALTH") {
					if i := strings.Index(l, "node ip-"); i >= 0 {
						name := strings.Fields(l[i:])[1]
						if seen[name] {
							t.Errorf("two nodes show as %q:\n%s", name, scr)
						}
						seen[name] = true
						n++
					}
				}
				if n < 3 {
					t.Errorf("want the first zone's nodes on screen:\n%s", scr)
				}
			}},
		{"db_80x24", [2]int{80, 24}, []string{":db", "enter", "/payments", "enter"}, distinctMembers},
		{"db_200x50", [2]int{200, 50}, []string{":db", "enter", "/payments", "enter"}, distinctMembers},
		{"nodes_200x50", [2]int{200, 50}, []string{":nodes", "enter"},
			func(t *testing.T, m *Model, scr string) {
				for _, l := range tableLines(t, m, scr, "INSTANCE") {
					if strings.Contains(l, "…") {
						t.Errorf("a cell is cut at 200 columns: %q", l)
					}
				}
				for _, n := range snap.Inv.Nodes[:5] {
					if !strings.Contains(scr, n.InstanceID) || !strings.Contains(scr, n.InstanceType) {
						t.Errorf("node %s: instance %s (%s) not shown in full", n.Name, n.InstanceID, n.InstanceType)
					}
				}
			}},
		{"pods_scrolled_80x24", [2]int{80, 24}, []string{":pods", "enter", ">", ">", ">"},
			func(t *testing.T, m *Model, scr string) {
				head := tableLines(t, m, scr, "NAME")[0]
				if !strings.HasPrefix(head, "‹") || !strings.Contains(head, "OWNER") || !strings.Contains(head, "NAME") {
					t.Errorf("scrolled: OWNER should show beside NAME, ‹ marking the scroll: %q", head)
				}
			}},
		{"pods_full_row_80x24", [2]int{80, 24}, []string{":pods", "enter", "w"},
			func(t *testing.T, m *Model, scr string) {
				p := snap.Inv.Pods[0]
				if !strings.Contains(scr, "full row") || !strings.Contains(scr, "OWNER "+p.Owner) {
					t.Errorf("the full row of %s (owner %s) is not shown", p.Name, p.Owner)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, snap, s, c.size[0], c.size[1])
			for _, k := range c.keys {
				if len(k) > 1 && (k[0] == ':' || k[0] == '/') {
					typeText(m, k)
				} else {
					press(m, k)
				}
			}
			scr := screen(m)
			if n := strings.Count(scr, "\n") + 1; n != c.size[1] {
				t.Errorf("frame has %d lines, want %d", n, c.size[1])
			}
			c.check(t, m, scr)
			golden.RequireEqual(t, body(m, scr)) // the tab bar (other views) is TestGoldenFrame's
		})
	}
}

// distinctMembers checks that the demo's payments-aurora-instance-1/2/3
// rows stay apart.
func distinctMembers(t *testing.T, m *Model, scr string) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range tableLines(t, m, scr, "ROLE/ENGINE") {
		if !strings.Contains(l, "payments-au") {
			continue
		}
		f := strings.Fields(strings.TrimPrefix(l, "▸"))
		if seen[f[1]] {
			t.Errorf("two members show as %q:\n%s", f[1], scr)
		}
		seen[f[1]] = true
	}
	if len(seen) < 3 {
		t.Errorf("want the 3 payments members, saw %v:\n%s", seen, scr)
	}
}

// logRuns is an executor holding a finished run with a long output (120
// lines, a few of them errors).
func logRuns() *fakeExec {
	lines := make([]string, 120)
	for i := range lines {
		lines[i] = fmt.Sprintf("step %03d: applying change to payments-aurora-instance-%d", i+1, i%3+1)
		if i%40 == 7 {
			lines[i] = fmt.Sprintf("step %03d: error: instance payments-aurora-instance-%d did not answer in 30s, retrying with a longer timeout", i+1, i%3+1)
		}
	}
	return &fakeExec{runs: []common.Run{&fakeRun{id: "0f1e2d3c4b5a", started: frozen.Add(-time.Minute), lines: lines,
		spec: actions.Spec{Name: "restart", Runner: "sim", Effect: actions.Mutating,
			Target: actions.Ref{Kind: "deployment", Namespace: "shop", Name: "payments"}},
		res:     common.RunResult{Status: "failed", Duration: 50 * time.Second},
		updates: make(chan struct{}, 1), done: make(chan struct{})}}}
}

// TestGoldenActionLog opens a run's output whole in the Actions view and
// searches it: all 120 lines are there (scrolled to), long lines wrap,
// n goes to the next match and the status says which.
func TestGoldenActionLog(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("search_%dx%d", size[0], size[1]), func(t *testing.T) {
			m := newTestModel(t, snap, s, size[0], size[1], func(d *deps) { d.exec = logRuns() })
			typeText(m, ":actions")
			press(m, "enter", "enter")
			scr := screen(m)
			if !strings.Contains(scr, "step 120:") || !strings.Contains(scr, "following") {
				t.Fatalf("the open output should show its end:\n%s", scr)
			}
			press(m, "g")
			if scr = screen(m); !strings.Contains(scr, "step 001:") {
				t.Fatalf("g should show the first line:\n%s", scr)
			}
			typeText(m, "/error")
			press(m, "enter", "n")
			scr = screen(m)
			if !strings.Contains(scr, "/error 2/3") || !strings.Contains(scr, "step 048: error") {
				t.Errorf("n should go to the second of 3 matches (step 048):\n%s", scr)
			}
			if m.mode != modeNormal || m.filterText() != "" {
				t.Errorf("/ in the open output searches it, not the view's filter")
			}
			golden.RequireEqual(t, body(m, scr)) // the tab bar (other views) is TestGoldenFrame's
			press(m, "esc")
			if scr = screen(m); !strings.Contains(scr, "RUN ") || !strings.Contains(scr, "output of 0f1e2d3c4b5a (120 lines)") {
				t.Errorf("esc should close the output back to the runs:\n%s", scr)
			}
		})
	}
}

// TestActionsPastRuns: the Actions view lists the runs of an earlier
// session from the audit log (after this session's) and opens the output
// kept with their audit id, whole and searchable; an attempt that did not
// run says so.
func TestActionsPastRuns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	log, err := actions.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	ran, declined := "00aa11bb22cc33dd", "44ee55ff66aa77bb"
	for _, e := range []actions.AuditEntry{
		{Time: frozen.Add(-2 * time.Hour), Who: "alice", Env: "demo", Action: "restart", Runner: "sim", Target: "deployment/shop/payments",
			Result: actions.StatusFailed, Error: "2 of 3 pods ready", DurationMS: 61000, AuditID: ran},
		{Time: frozen.Add(-time.Hour), Who: "alice", Env: "demo", Action: "restore", Runner: "sim", Target: "database/orders",
			Result: actions.StatusCancelled, Error: "declined at confirmation", AuditID: declined},
		{Time: frozen.Add(-time.Hour), Who: "alice", Env: "demo", Action: "scale", Runner: "sim", Target: "asg/workers",
			Result: actions.StatusRefused, Error: "read-only", AuditID: "8899aabbccddeeff"},
	} {
		if err := log.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	out, err := actions.OutputPath(path, ran)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for i := 1; i <= 40; i++ {
		kept = append(kept, fmt.Sprintf("pod payments-%d: waiting for ready", i))
	}
	kept = append(kept, "verify: 2 of 3 pods ready: payments-3 not ready")
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ex, err := actions.NewExecutor(actions.Options{Env: "demo", AuditPath: path})
	if err != nil {
		t.Fatal(err)
	}
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 80, 24, func(d *deps) { d.exec = execAdapter{ex} })
	typeText(m, ":actions")
	press(m, "enter")
	scr := screen(m)
	if !strings.Contains(scr, "deployment/shop/payments") || !strings.Contains(scr, "database/orders") || strings.Contains(scr, "asg/workers") {
		t.Fatalf("the earlier runs (not the refused attempt) should be listed:\n%s", scr)
	}
	press(m, "j", "enter") // newest first: the declined attempt, then the run
	scr = screen(m)
	if !strings.Contains(scr, "output of "+ran) || !strings.Contains(scr, "payments-3 not ready") || !strings.Contains(scr, "of 41") {
		t.Fatalf("enter should open the kept output whole (41 lines, its end shown):\n%s", scr)
	}
	typeText(m, "/payments-7")
	press(m, "enter")
	if scr = screen(m); !strings.Contains(scr, "/payments-7 1/1") {
		t.Errorf("the kept output should be searchable:\n%s", scr)
	}
	press(m, "esc", "k")
	if scr = screen(m); !strings.Contains(scr, "no output kept") {
		t.Errorf("a declined attempt has no output, and says so:\n%s", scr)
	}
}

package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
)

// tmuxSession drives the real binary in a detached tmux server of its own.
type tmuxSession struct {
	t      *testing.T
	socket string
	env    []string
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) capture() string {
	cmd := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-t", "console")
	cmd.Env = s.env
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// waitScreen polls capture-pane until every want is on the screen.
func (s *tmuxSession) waitScreen(what string, want ...string) string {
	s.t.Helper()
	return s.waitAll(what, want...)
}

// pickAction opens the actions menu (a) and runs the entry naming verb:
// the cursor moved to it (down or up: the menu may open where the last
// choice was), then enter.
func (s *tmuxSession) pickAction(verb string) {
	s.t.Helper()
	s.keys("a")
	scr := s.waitUntil("the actions, "+verb+" among them", func(scr string) bool {
		return strings.Contains(scr, "Actions for") && menuIndex(scr, verb) >= 0
	})
	key := "Down"
	n := menuIndex(scr, verb) - menuIndex(scr, "")
	if n < 0 {
		key, n = "Up", -n
	}
	for range n {
		s.keys(key)
	}
	s.waitUntil("the cursor on "+verb, func(scr string) bool { return strings.Contains(lineWith(scr, "│ ▸ "), " "+verb+" ") })
	s.keys("Enter")
}

// menuIndex is the place in the actions menu on scr of the entry naming
// verb, of the entry under the cursor when verb is "" (-1: none). An
// entry's first line is "│ ▸   VERB …" under the cursor, "│     VERB …"
// otherwise; a wrapped description continues on "│   …".
func menuIndex(scr, verb string) int {
	i := 0
	for _, l := range strings.Split(scr, "\n") {
		if j := strings.Index(l, "│"); j >= 0 {
			l = l[j:] // the panel's left border
		}
		rest, cursor := strings.CutPrefix(l, "│ ▸   ")
		if !cursor {
			var ok bool
			if rest, ok = strings.CutPrefix(l, "│     "); !ok || strings.HasPrefix(rest, " ") {
				continue
			}
		}
		if verb == "" && cursor || verb != "" && strings.HasPrefix(rest, verb+" ") {
			return i
		}
		i++
	}
	return -1
}

// startConsole builds the binary and runs it with args in a tmux server of
// its own (120x40); the returned function waits for its exit status.
func startConsole(t *testing.T, args ...string) (*tmuxSession, func() string) {
	t.Helper()
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return startInTmux(t, bin, 120, 40, nil, args...)
}

// TestTUIEndToEnd runs the real binary in tmux on the demo: wait for the
// topology, open :pods, filter, open the help, quit; assert on the screen
// and on the exit status.
func TestTUIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	start := time.Now()
	s, wait := startConsole(t, "--demo")
	scr := s.waitScreen("the topology", "DEMO", "[Topology]", "region us-east-1", "region eu-west-1", "zone eu-west-1a")
	t.Logf("topology on screen %v after start (go build, tmux start and polling included)", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(scr, "--kubeconfig") {
		t.Errorf("the demo header should say how to point at real systems:\n%s", scr)
	}

	s.run("send-keys", "-t", "console", ":pods", "Enter")
	s.waitScreen(":pods", "[Pods]", "NAMESPACE", "RESTARTS")

	s.run("send-keys", "-t", "console", "/checkout")
	scr = s.waitScreen("the filter", "/checkout█", "filter checkout")
	for _, line := range strings.Split(scr, "\n") {
		if strings.Contains(line, "frontend-") {
			t.Errorf("the filter checkout kept a frontend pod: %q", line)
		}
	}
	if !strings.Contains(scr, "checkout-") {
		t.Errorf("the filter checkout shows no checkout pod:\n%s", scr)
	}
	s.run("send-keys", "-t", "console", "Enter")

	s.run("send-keys", "-t", "console", "?")
	s.waitScreen("the help", "navigate", "commands", ":region NAME")
	s.run("send-keys", "-t", "console", "Escape")
	s.waitScreen("the help closed", "NAMESPACE")

	s.run("send-keys", "-t", "console", "q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
	// the terminal is restored: the alternate screen is gone
	if scr := s.capture(); strings.Contains(scr, "[Pods]") {
		t.Errorf("the console's screen is still shown after quitting:\n%s", scr)
	}
}

// TestTUIKubeEndToEnd points the real binary at a real kube-apiserver (the
// lab's etcd + kube-apiserver, seeded with nodes and pods): the nodes and
// pods show, a crash-looping pod is marked bad, and a pod deleted through
// the API disappears from the screen (live watch → store → UI).
func TestTUIKubeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and runs the binary")
	}
	k := lab.Kube(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	est, err := lab.SeedKube(ctx, k.Client(), lab.SyntheticInstances(3, "us-east-1"), lab.KubeSeedOptions{Namespaces: []string{"shop"}})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	if len(est.Unhealthy) == 0 || len(est.Pods) < 3 {
		t.Fatalf("seeded estate too small: %+v", est)
	}
	s, wait := startConsole(t, "--kubeconfig", k.Kubeconfig)
	scr := s.waitScreen("the topology", "[Topology]", "region us-east-1", "zone us-east-1a", "read-write")
	if strings.Contains(scr, "DEMO") {
		t.Errorf("a real cluster must not show the DEMO badge:\n%s", scr)
	}

	s.run("send-keys", "-t", "console", ":nodes", "Enter")
	s.waitScreen("the nodes", "[Nodes]", est.Nodes[0][:24], "✓ Ready")

	bad := est.Unhealthy[0][strings.IndexByte(est.Unhealthy[0], '/')+1:]
	s.run("send-keys", "-t", "console", ":pods", "Enter")
	s.run("send-keys", "-t", "console", "/"+bad, "Enter")
	scr = s.waitScreen("the unhealthy pod", "[Pods]", bad, "1/1")
	for _, line := range strings.Split(scr, "\n") {
		if strings.Contains(line, "shop ") && strings.Contains(line, bad) && !strings.Contains(line, "✗") {
			t.Errorf("the crash-looping pod is not marked ✗: %q", line)
		}
	}

	// delete a healthy pod through the API: it leaves the screen
	var gone string
	for _, p := range est.Pods {
		if p != est.Unhealthy[0] {
			gone = p
			break
		}
	}
	ns, name := gone[:strings.IndexByte(gone, '/')], gone[strings.IndexByte(gone, '/')+1:]
	// reopen the filter, clear it (ctrl+u) and type the other name; an
	// Escape followed at once by "/" would read as alt+/
	s.run("send-keys", "-t", "console", "/", "C-u", name, "Enter")
	s.waitScreen("the pod to delete", name, "1/1")
	// no kubelet runs here: delete at once rather than leave it Terminating
	zero := int64(0)
	if err := k.Client().CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	s.waitScreen("the deleted pod to go", "nothing to show", "0/0")

	s.run("send-keys", "-t", "console", "q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

// TestTUIProblemsAndSort runs the real binary in tmux at 80x24 on the
// demo, started in the Pods view (--view pods): the problem strip is on
// the first screen, sorting by STATUS puts the worst pods at the top, and
// ! jumps to the worst object.
func TestTUIProblemsAndSort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 80, 24, nil, "--demo", "--view", "pods")
	// The problems are counted by a command of their own, beside the
	// table's build: the first frame with the table may precede the strip,
	// so wait for the strip (its line, under the header) too.
	strip := func(scr string) string {
		if lines := strings.Split(scr, "\n"); len(lines) > 1 {
			return lines[1]
		}
		return ""
	}
	scr := s.waitUntil("the Pods view with the problem strip under the header at 80x24", func(scr string) bool {
		st := strip(scr)
		return strings.Contains(scr, "[Pods]") && strings.Contains(scr, "NAMESPACE") && strings.Contains(scr, "demo ") &&
			(strings.HasPrefix(st, "✗ ") || strings.HasPrefix(st, "✓ nothing wrong now"))
	})
	problems := strip(scr)
	for range 3 { // NAMESPACE, NAME, STATUS
		s.run("send-keys", "-t", "console", "o")
	}
	// the first row under the column titles
	top := func(scr string) string {
		lines := strings.Split(scr, "\n")
		for i, l := range lines {
			if strings.Contains(l, "NAMESPACE") && i+1 < len(lines) {
				return lines[i+1]
			}
		}
		return ""
	}
	s.waitScreen("the sort by status", "STATUS ▲")
	if strings.Contains(problems, " pod") {
		// the sort and its rows are one frame, but a capture can catch
		// the terminal half-way through drawing it: wait for the rows
		s.waitUntil("the worst pod first after the sort by status (the strip counts bad pods)", func(scr string) bool {
			row := top(scr)
			return strings.Contains(scr, "STATUS ▲") && strings.HasPrefix(row, "▸") && strings.Contains(row, "✗")
		})
	}
	if strings.HasPrefix(problems, "✗ ") {
		s.run("send-keys", "-t", "console", "!")
		s.waitScreen("the jump to the worst", "worst: ")
	}
	s.run("send-keys", "-t", "console", "q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	deadline := time.Now().Add(30 * time.Second)
	var scr string
	for time.Now().Before(deadline) {
		scr = s.capture()
		ok := true
		for _, w := range want {
			if !strings.Contains(scr, w) {
				ok = false
				break
			}
		}
		if ok {
			return scr
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("timed out waiting for %s (%q); screen:\n%s", what, want, scr)
	return ""
}

// TestTUIEndToEnd runs the real binary in tmux on the demo: wait for the
// topology, open :pods, filter, open the help, quit; assert on the screen
// and on the exit status.
func TestTUIEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("tmux is required in CI: %v", err)
		}
		t.Skip("tmux not installed")
	}
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "console")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"), "TERM=xterm-256color")
	s := &tmuxSession{t: t, socket: fmt.Sprintf("console-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), env: env}
	t.Cleanup(func() {
		cmd := exec.Command("tmux", "-L", s.socket, "kill-server")
		cmd.Env = env
		_ = cmd.Run()
	})
	exitFile := filepath.Join(dir, "exit")
	shell := fmt.Sprintf("cd %s && ./console --demo; echo EXIT=$? > %s; sleep 60", dir, exitFile)
	start := time.Now()
	s.run("new-session", "-d", "-s", "console", "-x", "120", "-y", "40", "sh", "-c", shell)

	scr := s.waitScreen("the topology", "DEMO", "[Topology]", "region us-east-1", "region eu-west-1", "zone eu-west-1a")
	t.Logf("topology on screen after %v (including tmux start and polling)", time.Since(start).Round(time.Millisecond))
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
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(exitFile)
		if err == nil && strings.Contains(string(b), "EXIT=") {
			if got := strings.TrimSpace(string(b)); got != "EXIT=0" {
				t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("console did not exit after q; screen:\n%s", s.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// the terminal is restored: the alternate screen is gone
	if scr := s.capture(); strings.Contains(scr, "[Pods]") {
		t.Errorf("the console's screen is still shown after quitting:\n%s", scr)
	}
}

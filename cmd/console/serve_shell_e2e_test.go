package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// shellPrompt reports whether the screen shows a shell's prompt and not
// the console (the Pods view).
func shellPrompt(scr string) bool {
	if strings.Contains(scr, "[Pods]") {
		return false
	}
	for _, l := range strings.Split(scr, "\n") {
		if l = strings.TrimSpace(l); strings.HasSuffix(l, "$") || strings.HasSuffix(l, "#") {
			return true
		}
	}
	return false
}

// sessionGoroutines are the stacks of the goroutines that belong to an SSH
// session of console serve (its SSH handling, its bubbletea program, its
// terminal and a shell's relay, an action's run or process) rather than to
// the shared server and sources.
func sessionGoroutines() []string {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	var out []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		for _, mark := range []string{"charm.land/ssh.(*session)", "charm.land/wish", "bubbletea", "ultraviolet",
			"cmd/console.(*sessionTerm)", "cmd/console.(*sessionCommand)", "cmd/console.(*server).middleware",
			"opsconsole/console/actions"} {
			if strings.Contains(g, mark) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// TestServeShellAgainstKube: console serve (in this process) against the
// lab's API server and kubelet, the real OpenSSH client in tmux. alice
// (operator) opens a shell in a pod with s: the SSH session's terminal is
// the shell's (a command's output shows, the pty has her window's size and
// follows a resize of it), exit gives the console back redrawn with the
// keyboard, and the audit names her and her key with the exit status. bob
// (viewer) sees s greyed with the role's reason in the help and is refused
// (audited under his name). A second shell of alice's whose SSH connection
// drops is cancelled and audited with the reason, and the session leaves
// no goroutine behind.
func TestServeShellAgainstKube(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and the kubelet, runs ssh clients in tmux")
	}
	lab.RequireProgram(t, "kubectl")
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pods, err := lab.RunDeployment(ctx, k.Client(), lab.RunSpec{Namespace: "shop", Name: "web", Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "app", Command: []string{"sh", "-c", "while :; do sleep 1; done"}}}})
	if err != nil {
		t.Fatal(err)
	}
	pod := pods[0]
	f := startServeEnv(t, "lab", fmt.Sprintf("    kube:\n      - kubeconfig: %s\n        context: %s\n", k.Kubeconfig, lab.KubeContext))
	st := f.srv.opts.Store

	alice := f.connect("alice", 120, 30)
	bob := f.connect("bob", 120, 30)
	for _, s := range []*tmuxSession{alice, bob} {
		s.waitAll("the console", "[Topology]")
		s.keys(":pods", "Enter")
		s.waitAll("the pod running", "[Pods]", pod, "Running")
		s.keys("/"+pod, "Enter")
		s.waitAll("the filter", pod, "1/1")
	}

	// bob (viewer): s greyed with the role's reason, refused, audited
	bob.keys("?")
	bob.waitAll("the help saying why s is disabled", "shell ✗", "role: bob is viewer in", "lab; shell needs operator")
	bob.keys("Escape")
	bob.waitAll("the help closed", "RESTARTS")
	bob.keys("s")
	bob.waitAll("the refusal", "refused", "bob is viewer in lab")
	if scr := bob.capture(); !strings.Contains(scr, "[Pods]") {
		t.Errorf("bob's terminal was handed over:\n%s", scr)
	}
	waitAudit(t, f.audit, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.Action == "shell" && e.Result == actions.StatusRefused && strings.HasPrefix(e.Who, "bob (key SHA256:") &&
				strings.Contains(e.Error, "bob is viewer in lab") {
				return true
			}
		}
		return false
	})

	// alice (operator): the shell on her SSH session's terminal
	alice.keys("s")
	alice.waitUntil("the shell's prompt, the console gone", shellPrompt)
	// the pane's size, as stty prints it (rows cols)
	paneSize := func() string {
		return strings.TrimSpace(alice.run("display-message", "-p", "-t", "console", "#{pane_height} #{pane_width}"))
	}
	alice.keys(`echo serve-marker-$((40+2)) "size:$(stty size)"`, "Enter")
	alice.waitAll("the command's output and the pty's size", "serve-marker-42 size:"+paneSize())
	alice.run("resize-window", "-t", "console", "-x", "100", "-y", "25")
	resized := paneSize()
	if !strings.HasSuffix(resized, " 100") {
		t.Fatalf("tmux resized the pane to %q", resized)
	}
	alice.keys(`echo "size:$(stty size)"`, "Enter")
	alice.waitAll("the pty following the window", "size:"+resized)
	alice.keys("exit", "Enter")
	scr := alice.waitAll("the console back, redrawn", "[Pods]", "RESTARTS", pod, "ended: the shell exited with status 0")
	if strings.Contains(scr, "serve-marker") || strings.Contains(scr, "size:") {
		t.Errorf("the shell's lines are still on the screen:\n%s", scr)
	}
	alice.keys("/")
	alice.waitAll("the keyboard the console's again: the filter prompt", "/"+pod)
	alice.keys("Enter")
	var shell actions.AuditEntry
	waitAudit(t, f.audit, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.Action == "shell" && strings.HasPrefix(e.Who, "alice") && e.Result != actions.StatusStarted {
				shell = e
				return true
			}
		}
		return false
	})
	if shell.Result != actions.StatusSucceeded || !strings.HasPrefix(shell.Who, "alice (key SHA256:") || shell.Target != "pod/shop/"+pod ||
		!strings.Contains(shell.Plan.Summary, "shell in container app of pod shop/"+pod) || shell.Verify != "the shell exited with status 0" {
		t.Errorf("shell audit = %+v", shell)
	}

	// a shell whose SSH connection drops: cancelled, audited, nothing left
	alice.keys("s")
	alice.waitUntil("the second shell's prompt", shellPrompt)
	alice.keys("echo second-$((6*7))", "Enter")
	alice.waitAll("the second shell running", "second-42")
	alice.run("kill-server")
	var dropped actions.AuditEntry
	waitAudit(t, f.audit, func(es []actions.AuditEntry) bool {
		n := 0
		for _, e := range es {
			if e.Action == "shell" && strings.HasPrefix(e.Who, "alice") && e.Result != actions.StatusStarted {
				if n++; n == 2 {
					dropped = e
					return true
				}
			}
		}
		return false
	})
	if dropped.Result != actions.StatusCancelled || !strings.HasPrefix(dropped.Who, "alice (key SHA256:") ||
		!strings.Contains(dropped.Error, "the SSH session of alice ended (SIGHUP)") {
		t.Errorf("the dropped shell's audit = %+v", dropped)
	}
	bob.run("kill-server")
	waitFor(t, "every session to end", func() bool { return f.srv.sessionCount() == 0 && st.Subscribers() == 0 })
	var left []string
	defer func() {
		if len(left) > 0 {
			t.Logf("goroutines of the sessions left:\n%s", strings.Join(left, "\n\n"))
		}
	}()
	waitFor(t, "the sessions' goroutines to end", func() bool { left = sessionGoroutines(); return len(left) == 0 })
	if rs := f.srv.exec.Active(); len(rs) != 0 {
		t.Errorf("runs still active: %v", rs)
	}
}

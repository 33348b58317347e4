package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
)

// serveFixture is a console serve of the demo, in this process, with
// three users: alice (operator), bob (viewer) and carol (admin), each
// with a key made by the real ssh-keygen.
type serveFixture struct {
	t     *testing.T
	dir   string
	srv   *server
	addr  net.Addr
	audit string
}

func startServe(t *testing.T) *serveFixture {
	t.Helper()
	return startServeEnv(t, "demo", "    demo: true\n")
}

// startServeEnv is startServe of environment env, configured by envYAML
// (its keys, indented by four spaces): alice is its operator, bob a
// viewer, carol its admin.
func startServeEnv(t *testing.T, env, envYAML string) *serveFixture {
	t.Helper()
	for _, p := range []string{"ssh", "ssh-keygen", "tmux"} {
		lab.RequireProgram(t, p)
	}
	dir := t.TempDir()
	writeServeKeys(t, dir)
	audit := filepath.Join(dir, "audit.jsonl")
	conf := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf("default_env: %[1]s\naudit_log: %[2]s\nenvironments:\n  %[1]s:\n%[3]sserve:\n  authorized_keys: keys\n  users:\n    alice: {%[1]s: operator}\n    bob: {\"*\": viewer}\n    carol: {%[1]s: admin}\n", env, audit, envYAML)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := config.Load(config.Flags{Config: conf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := newServer(ctx, s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan net.Addr, 1)
	srv.ready = ready
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx, &app{stdout: io.Discard, stderr: io.Discard}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return &serveFixture{t: t, dir: dir, srv: srv, addr: addr, audit: audit}
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return nil
}

// writeServeKeys makes alice's, bob's and carol's keys with the real
// ssh-keygen in dir (private keys dir/alice, dir/bob, dir/carol) and the
// authorized keys directory dir/keys.
func writeServeKeys(t *testing.T, dir string) {
	t.Helper()
	keys := filepath.Join(dir, "keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", u, "-f", filepath.Join(dir, u)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
		pub, err := os.ReadFile(filepath.Join(dir, u+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(keys, u+".pub"), pub, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// connect runs the real OpenSSH client as user in a tmux server of its
// own (w x h).
func (f *serveFixture) connect(user string, w, h int) *tmuxSession {
	f.t.Helper()
	_, port, _ := net.SplitHostPort(f.addr.String())
	s := &tmuxSession{t: f.t, socket: fmt.Sprintf("console-serve-%s-%d-%d", user, os.Getpid(), time.Now().UnixNano()),
		env: append(os.Environ(), "TERM=xterm-256color")}
	f.t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.run("new-session", "-d", "-s", "console", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"ssh", "-t", "-p", port, "-i", filepath.Join(f.dir, user), "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", user+"@127.0.0.1")
	return s
}

// waitFor polls cond until it holds (lab.Wait: CI is loaded).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	lab.WaitFor(t, what, lab.Wait, func() (bool, string) { return cond(), "(the condition did not hold)" })
}

// TestServeTwoUsers: two users with their own keys and roles connect with
// the real OpenSSH client to one console serve of the demo; each sees the
// console with their name and role; the viewer is refused what the
// operator runs, the audit names the operator and their key; dropped
// connections leave no session, subscription or goroutine behind, and the
// sessions share one store.
func TestServeTwoUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ssh clients in tmux")
	}
	f := startServe(t)
	st := f.srv.opts.Store
	baseGoroutines := runtime.NumGoroutine()

	alice := f.connect("alice", 120, 40)
	bob := f.connect("bob", 90, 30)
	alice.waitScreen("alice's console", "alice (operator)", "read-write", "[Topology]")
	bob.waitScreen("bob's console", "bob (viewer)", "READ-ONLY", "[Topology]")
	if n := st.Subscribers(); n != 2 {
		t.Errorf("the store has %d subscribers with two sessions, want 2 (one store for both)", n)
	}

	// bob (viewer): every mutating action greyed with the role's reason
	bob.run("send-keys", "-t", "console", ":pods", "Enter")
	bob.waitScreen("bob's pods", "[Pods]")
	bob.run("send-keys", "-t", "console", "a")
	bob.waitScreen("bob's action menu", "role: bob is viewer in demo;", "restart needs operator")

	// alice (operator): restart runs; delete (destructive) needs a second
	// person's approval (TestServeApproval)
	alice.run("send-keys", "-t", "console", ":pods", "Enter")
	alice.waitScreen("alice's pods", "[Pods]")
	alice.run("send-keys", "-t", "console", "a")
	alice.waitScreen("alice's action menu", "needs a second person's approval")
	alice.run("send-keys", "-t", "console", "Down", "Enter")
	alice.waitScreen("the confirmation", "press y to confirm")
	alice.run("send-keys", "-t", "console", "y")
	var who string
	waitFor(t, "alice's restart in the audit log", func() bool {
		es, _, _ := actions.ReadAudit(f.audit, 0)
		for _, e := range es {
			if e.Action == "restart" && e.Result == actions.StatusSucceeded {
				who = e.Who
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(who, "alice (key SHA256:") {
		t.Errorf("the audit's who is %q, want alice and her key's fingerprint", who)
	}
	es, _, _ := actions.ReadAudit(f.audit, 0)
	for _, e := range es {
		if strings.HasPrefix(e.Who, "bob") && e.Result != actions.StatusRefused {
			t.Errorf("bob (viewer) ran something: %+v", e)
		}
	}

	// dropped connections: the ssh clients are killed
	bob.run("kill-server")
	waitFor(t, "bob's session to end", func() bool { return f.srv.sessionCount() == 1 && st.Subscribers() == 1 })
	alice.run("kill-server")
	waitFor(t, "every session to end", func() bool { return f.srv.sessionCount() == 0 && st.Subscribers() == 0 })
	waitFor(t, "the sessions' goroutines to end", func() bool { return runtime.NumGoroutine() <= baseGoroutines+2 })
}

// TestServeMemory measures the server's heap with one session and with
// CONSOLE_SERVE_MEMORY sessions of the real ssh client (a one-off
// measurement for docs/performance.md; skipped unless the variable is
// set). CONSOLE_SERVE_PODS scales the demo (e.g. 50000 pods on 1,000
// nodes); CONSOLE_SERVE_MEMPROFILE=FILE writes the heap profile with
// every session open to FILE, and with one session to FILE.1 (compare
// them with go tool pprof -base FILE.1 FILE).
func TestServeMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CONSOLE_SERVE_MEMORY"))
	if n < 2 {
		t.Skip("set CONSOLE_SERVE_MEMORY=20 to measure 20 sessions against one")
	}
	if pods, _ := strconv.Atoi(os.Getenv("CONSOLE_SERVE_PODS")); pods > 0 {
		saved := demoOptions
		demoOptions.Nodes, demoOptions.Pods = max(1, pods/50), pods
		t.Cleanup(func() { demoOptions = saved })
	}
	f := startServe(t)
	// The heap moves with the demo's snapshot every second (a version
	// being built while the last is shown): 5 readings a second apart,
	// the median compared, the range shown.
	heap := func() (median uint64, spread string) {
		var xs []uint64
		for i := range 5 {
			if i > 0 {
				time.Sleep(time.Second)
			}
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			xs = append(xs, ms.HeapInuse)
		}
		slices.Sort(xs)
		return xs[2], fmt.Sprintf("%.1f-%.1f", float64(xs[0])/(1<<20), float64(xs[4])/(1<<20))
	}
	users := []string{"alice", "bob"}
	var sessions []*tmuxSession
	open := func(k int) {
		for len(sessions) < k {
			u := users[len(sessions)%2]
			s := f.connect(u, 120, 40)
			s.waitScreen(u+"'s console", "[Topology]", "region eu-west-1")
			s.run("send-keys", "-t", "console", ":pods", "Enter")
			s.waitScreen(u+"'s pods", "[Pods]", "NAMESPACE")
			sessions = append(sessions, s)
		}
	}
	profile := func(path string) {
		if path == "" {
			return
		}
		pf, err := os.Create(path)
		if err != nil {
			t.Fatalf("heap profile: %v", err)
		}
		defer pf.Close()
		if err := pprof.WriteHeapProfile(pf); err != nil {
			t.Fatalf("heap profile: %v", err)
		}
	}
	path := os.Getenv("CONSOLE_SERVE_MEMPROFILE")
	base, baseSpread := heap()
	open(1)
	one, oneSpread := heap()
	if path != "" {
		profile(path + ".1")
	}
	open(n)
	all, allSpread := heap()
	profile(path)
	t.Logf("heap in use (median of 5 readings, range): %.1f MiB (%s) before any session, %.1f MiB (%s) with 1 session, %.1f MiB (%s) with %d sessions (%.2fx one session's total; %.2f MiB per added session); store subscribers %d",
		float64(base)/(1<<20), baseSpread, float64(one)/(1<<20), oneSpread, float64(all)/(1<<20), allSpread, n, float64(all)/float64(one),
		(float64(all)-float64(one))/float64(n-1)/(1<<20), f.srv.opts.Store.Subscribers())
}

// TestServePresenter: over the real ssh client, alice presents and bob
// follows her view at his own size: her page and filter show in his
// session with the banner; alice quitting ends his follow with a message.
func TestServePresenter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ssh clients in tmux")
	}
	f := startServe(t)
	alice := f.connect("alice", 120, 40)
	bob := f.connect("bob", 90, 30)
	alice.waitAll("alice's console", "alice (operator)", "[Topology]")
	bob.waitAll("bob's console", "bob (viewer)", "[Topology]")

	alice.keys(":present", "Enter")
	alice.waitAll("alice presenting", "PRESENTING · 0 following")
	bob.keys(":follow ")
	bob.waitAll("the presenters in bob's palette", ":follow alice")
	bob.keys("Tab", "Enter")
	bob.waitAll("bob following", "following alice's view (esc to stop)")
	alice.waitAll("alice's follower counted", "PRESENTING · 1 following")

	alice.keys(":pods", "Enter", "/checkout", "Enter")
	alice.waitAll("alice's pods", "[Pods]", "filter checkout")
	bob.waitAll("alice's view in bob's session", "[Pods]", "filter checkout", "following alice's view")

	// her overlays: the action menu, then a delete's typed confirmation,
	// drawn in bob's 90 columns; bob's keys do not reach it
	alice.keys("a")
	alice.waitAll("alice's action menu", "Actions for pod/")
	bob.waitAll("alice's action menu in bob's session", "Actions for pod/", "following alice's view")
	alice.keys("Escape") // alone: escape then a key would read as alt+key
	alice.waitUntil("alice's action menu closed", func(scr string) bool { return !strings.Contains(scr, "Actions for pod/") })
	alice.keys("C-d")
	alice.waitAll("alice's delete confirmation", "[destructive]", " to confirm: ")
	bob.waitAll("alice's confirmation in bob's session", "[destructive]", " to confirm: ", "following alice's view")
	alice.keys("Escape")
	alice.waitAll("alice's confirmation closed", "cancelled: nothing was changed")
	bob.waitUntil("the confirmation gone from bob's session", func(scr string) bool {
		return !strings.Contains(scr, "[destructive]") && strings.Contains(scr, "following alice's view")
	})

	alice.keys("q")
	bob.waitAll("the end of the follow", "alice stopped presenting")
	waitFor(t, "alice's session to end", func() bool { return f.srv.sessionCount() == 1 })
}

// TestServeApproval: over the real ssh client, alice (operator) deletes a
// pod of the demo: after the preview and her typed confirmation it waits
// for a second person (nothing runs); carol (admin) sees the notice,
// opens the request with A, reads the same preview and approves it by
// typing the pod's name; the delete then runs as alice's, and the audit
// names both: the request and the run under alice, the approval under
// carol, each with their key.
func TestServeApproval(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ssh clients in tmux")
	}
	f := startServe(t)
	alice := f.connect("alice", 120, 40)
	carol := f.connect("carol", 160, 40)
	alice.waitAll("alice's console", "alice (operator)", "[Topology]")
	carol.waitAll("carol's console", "carol (admin)", "[Topology]")

	alice.keys(":pods", "Enter")
	alice.waitAll("alice's pods", "[Pods]", "NAMESPACE")
	alice.keys("C-d")
	scr := alice.waitAll("alice's delete preview", "[destructive]", " to confirm: ")
	m := regexp.MustCompile(`type (\S+) to confirm: `).FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no typed confirmation on alice's screen:\n%s", scr)
	}
	pod := m[1]
	alice.keys("-l", pod)
	alice.keys("Enter")
	alice.waitAll("alice's request waiting", "waiting for a second person's approval", "esc withdraws")
	entries := func() []actions.AuditEntry {
		es, _, _ := actions.ReadAudit(f.audit, 0)
		return es
	}
	var id string
	waitFor(t, "alice's request in the audit log", func() bool {
		for _, e := range entries() {
			if e.Action == "delete" && e.Result == actions.StatusAwaitingApproval && strings.HasPrefix(e.Who, "alice (key SHA256:") {
				id = e.AuditID
				return true
			}
		}
		return false
	})
	for _, e := range entries() {
		if e.AuditID == id && e.Result != actions.StatusAwaitingApproval {
			t.Fatalf("the delete went on before any approval: %+v", e)
		}
	}

	carol.waitAll("carol's notice", "1 TO APPROVE (A)")
	carol.keys("A")
	carol.waitAll("carol's review", "Approve? alice (key SHA256:", "asks for delete", pod, "to approve, or reject to reject")
	carol.keys("-l", pod)
	carol.keys("Enter")

	f.checkApproved(id, pod)
	// alice's Actions view shows her run and, in its output, who approved it
	alice.waitAll("alice's run and its approver", "[Actions]", "delete pod/", "succeeded", "(approved by carol (key SHA256:")
}

// checkApproved waits for the audit lines of attempt id approved by carol
// and run, and checks that they name carol as the approver, alice as the
// requester and the one who ran it, and that the delete of pod succeeded.
func (f *serveFixture) checkApproved(id, pod string) {
	f.t.Helper()
	var approved, ran actions.AuditEntry
	waitAudit(f.t, f.audit, func(es []actions.AuditEntry) bool {
		for _, e := range es {
			if e.AuditID != id {
				continue
			}
			switch e.Result {
			case actions.StatusApproved:
				approved = e
			case actions.StatusSucceeded, actions.StatusFailed:
				ran = e
			}
		}
		return approved.Result != "" && ran.Result != ""
	})
	if !strings.HasPrefix(approved.Who, "carol (key SHA256:") || !strings.HasPrefix(approved.RequestedBy, "alice (key SHA256:") {
		f.t.Errorf("the approval line does not name carol (who) and alice (requested by): %+v", approved)
	}
	if ran.Result != actions.StatusSucceeded || !strings.HasPrefix(ran.Who, "alice (key SHA256:") || ran.ApprovedBy != approved.Who ||
		!strings.HasPrefix(ran.Target, "pod/") || !strings.HasSuffix(ran.Target, "/"+pod) {
		f.t.Errorf("the delete's outcome: %+v (want succeeded on pod %s, alice's, approved by %s)", ran, pod, approved.Who)
	}
}

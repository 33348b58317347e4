package proc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be a guard (RunGuardIfAsked) and a
// console that runs one child and is then SIGKILLed (PROC_TEST_PARENT).
func TestMain(m *testing.M) {
	RunGuardIfAsked()
	if pidfile := os.Getenv("PROC_TEST_PARENT"); pidfile != "" {
		if err := EnableGuard(); err != nil {
			os.Exit(3)
		}
		script := `trap 'echo interrupted > "$PIDFILE.int"; exit 130' INT; sleep 300 & echo $! > "$PIDFILE.tmp"; mv "$PIDFILE.tmp" "$PIDFILE"; wait`
		_ = Run(context.Background(), Cmd{Argv: []string{"sh", "-c", script}, Env: []string{"PIDFILE=" + pidfile}, Grace: 2 * time.Second})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestGuardStopsTheGroupWhenTheConsoleIsKilled: a console SIGKILLed while
// its child runs cannot stop it; the guard does, gracefully (the child
// gets SIGINT first) and for the whole group (its background grandchild).
func TestGuardStopsTheGroupWhenTheConsoleIsKilled(t *testing.T) {
	if !guardSupported {
		t.Skip("Pdeathsig is Linux only")
	}
	pidfile := filepath.Join(t.TempDir(), "pid")
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), "PROC_TEST_PARENT="+pidfile)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var b []byte
	for {
		var err error
		if b, err = os.ReadFile(pidfile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = parent.Process.Kill()
			t.Fatal("the child never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	sleepPid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	waitGone(t, sleepPid)
	// The child was asked to stop before being killed.
	deadline = time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(pidfile + ".int"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child got no SIGINT: the guard did not stop the group gracefully")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package proc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
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
	t.Cleanup(func() { _ = parent.Process.Kill() })
	b := lab.WaitFor(t, "the child to start (its pid file)", lab.Wait, func() (bool, string) {
		b, err := os.ReadFile(pidfile)
		return err == nil, string(b)
	})
	sleepPid, err := strconv.Atoi(strings.TrimSpace(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	waitGone(t, sleepPid)
	// The child was asked to stop before being killed.
	lab.WaitFor(t, "the child's SIGINT (the guard stops the group gracefully)", 20*time.Second, func() (bool, string) {
		_, err := os.Stat(pidfile + ".int")
		return err == nil, fmt.Sprint(err)
	})
}

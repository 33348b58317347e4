package proc

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// guardEnv makes the console's own executable run as a group guard:
// "PGID CHILD GRACE_NS PARENT".
const guardEnv = "CONSOLE_PROC_GUARD"

// guardSignal is the guard's death signal: ignored by default (never sent
// to a process group that is not in the terminal's foreground).
const guardSignal = syscall.SIGWINCH

var guardExe atomic.Pointer[string]

// EnableGuard makes Run start a guard beside each child, for a console
// that is itself SIGKILLed (it cannot run Executor.Shutdown): the guard is
// this executable re-run (main must call RunGuardIfAsked first), joins
// the child's process group, and gets a signal when the console dies
// (Pdeathsig with SIGWINCH, Linux); it then stops the whole group as Run would — SIGINT,
// the grace period, SIGKILL — so no provisioner child outlives the
// console. Without it (or off Linux) the child itself gets SIGKILL when
// the console dies, and the rest of its group may survive.
func EnableGuard() error {
	if !guardSupported {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("proc guard: %w", err)
	}
	guardExe.Store(&exe)
	return nil
}

// RunGuardIfAsked runs the process as a guard and exits when Run started
// it as one; otherwise it returns at once. Call it first in main.
func RunGuardIfAsked() {
	v, ok := os.LookupEnv(guardEnv)
	if !ok {
		return
	}
	var pgid, child, parent int
	var grace time.Duration
	if _, err := fmt.Sscanf(v, "%d %d %d %d", &pgid, &child, &grace, &parent); err != nil || pgid <= 1 {
		os.Exit(2)
	}
	// The group's SIGINT is for the child; the guard waits for its own.
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP)
	died := make(chan os.Signal, 1)
	signal.Notify(died, guardSignal)
	// The death signal is one whose default action is to be ignored, so
	// that one arriving before Notify cannot kill the guard; it is then
	// lost, but the guard's parent is no longer the console.
	if os.Getppid() != parent {
		died <- guardSignal
	}
	<-died
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && syscall.Kill(child, 0) == nil {
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // the rest of the group, the guard too
	os.Exit(0)
}

// startGuard starts the guard of the child pid's group; nil when guards
// are not enabled or it could not start.
func startGuard(pid int, grace time.Duration) *exec.Cmd {
	exe := guardExe.Load()
	if exe == nil {
		return nil
	}
	g := exec.Command(*exe)
	g.Env = append(os.Environ(), guardEnv+"="+strconv.Itoa(pid)+" "+strconv.Itoa(pid)+" "+strconv.FormatInt(int64(grace), 10)+" "+strconv.Itoa(os.Getpid()))
	g.SysProcAttr = guardProcAttr(pid)
	if err := g.Start(); err != nil {
		return nil
	}
	return g
}

// stopGuard ends a guard whose child is done.
func stopGuard(g *exec.Cmd) {
	if g == nil {
		return
	}
	_ = g.Process.Kill()
	_ = g.Wait()
}

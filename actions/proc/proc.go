// Package proc runs child processes for the action runners: argv only
// (never a shell string), output streamed line by line, each child in its
// own process group, and a graceful stop on cancellation (SIGINT to the
// group, then SIGKILL after a grace period).
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/opsconsole/console/internal/sanitize"
)

// DefaultGrace is how long a cancelled child may take to stop after SIGINT
// before the whole group is killed.
const DefaultGrace = 10 * time.Second

// Cmd is one child process.
type Cmd struct {
	// Argv is the program and its arguments. Argv[0] is looked up on PATH.
	Argv []string
	// Dir is the working directory ("" = current).
	Dir string
	// Env is added to the current environment (KEY=VALUE).
	Env []string
	// Stdin feeds the child (nil = no input).
	Stdin io.Reader
	// Out receives stdout and stderr, one complete line per Write (split and
	// cleaned by sanitize.LineWriter), never two Writes at once.
	Out io.Writer
	// Stdout, when set, receives stdout raw instead of Out (e.g. JSON to parse).
	Stdout io.Writer
	// Signal is sent to the process group on cancellation (default SIGINT).
	Signal syscall.Signal
	// Grace is how long to wait after Signal before SIGKILL (default DefaultGrace).
	Grace time.Duration
}

// ExitError is returned when the child exits non-zero.
type ExitError struct {
	// Argv is the command run.
	Argv []string
	// Code is the exit status (-1 when killed by a signal).
	Code int
	// Stderr is the tail of the child's standard error.
	Stderr string
}

// Error renders the command, status and the last stderr lines.
func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s: exit status %d", Quote(e.Argv[:1]), e.Code)
	if e.Code < 0 {
		msg = fmt.Sprintf("%s: killed", Quote(e.Argv[:1]))
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

// maxTail bounds the stderr kept for ExitError.
const maxTail = 8 * 1024

// Run starts the child and waits for it. When ctx is done the child's
// process group gets Signal, then SIGKILL after Grace; Run returns an
// error wrapping ctx.Err(). No process of the group is left behind.
func Run(ctx context.Context, c Cmd) error {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return errors.New("proc: empty command")
	}
	if c.Signal == 0 {
		c.Signal = syscall.SIGINT
	}
	if c.Grace <= 0 {
		c.Grace = DefaultGrace
	}
	out := c.Out
	if out == nil {
		out = io.Discard
	}
	shared := &lockedWriter{w: out}
	outLines, errLines := sanitize.NewLineWriter(shared), sanitize.NewLineWriter(shared)
	tail := &tailBuffer{max: maxTail}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdin = c.Stdin
	cmd.SysProcAttr = sysProcAttr()
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	} else {
		cmd.Stdout = outLines
	}
	cmd.Stderr = io.MultiWriter(errLines, tail)
	cmd.Cancel = func() error {
		// The whole group: terraform's plugins, kubectl's helpers.
		return syscall.Kill(-cmd.Process.Pid, c.Signal)
	}
	cmd.WaitDelay = c.Grace
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", Quote(c.Argv[:1]), err)
	}
	pid := cmd.Process.Pid
	guard := startGuard(pid, c.Grace)
	err := cmd.Wait()
	stopGuard(guard)
	_ = outLines.Flush()
	_ = errLines.Flush()
	if ctx.Err() != nil {
		// Whatever of the group survived the signal and the grace period.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return fmt.Errorf("%s stopped: %w", Quote(c.Argv[:1]), ctx.Err())
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return &ExitError{Argv: c.Argv, Code: ee.ExitCode(), Stderr: tail.String()}
		}
		return fmt.Errorf("%s: %w", Quote(c.Argv[:1]), err)
	}
	return nil
}

// Output runs the child and returns its stdout; stderr lines go to c.Out.
func Output(ctx context.Context, c Cmd) ([]byte, error) {
	var buf bytes.Buffer
	c.Stdout = &buf
	err := Run(ctx, c)
	return buf.Bytes(), err
}

// Quote renders argv for display, quoting arguments that need it.
func Quote(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>*?()[]{}!#~") {
			parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			parts[i] = a
		}
	}
	return strings.Join(parts, " ")
}

// lockedWriter serialises the Writes of the stdout and stderr line writers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

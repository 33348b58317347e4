package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
)

// ShellScript is what the shell runs in the container: bash when the
// image has it, else sh (as k9s does).
const ShellScript = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"

// ShellTimeout bounds one shell; the user ends it earlier with exit.
const ShellTimeout = 12 * time.Hour

// ShellAction is `kubectl exec -it POD -c CONTAINER -- sh -c SCRIPT`, run
// attached to the user's terminal (actions.Interactive): the executor
// checks it (read-only, role, RBAC create pods/exec) and audits who opened
// it in which context, namespace, pod and container, and how it ended.
// What is typed in it is never recorded.
type ShellAction struct {
	t         Target
	container string
}

// Shell opens a shell in the pod's container.
func Shell(t Target, container string) *ShellAction {
	t.Kind = actions.KindPod
	return &ShellAction{t: t, container: container}
}

// Container is the container the shell runs in.
func (a *ShellAction) Container() string { return a.container }

// Argv implements actions.Interactive: the kubectl command.
func (a *ShellAction) Argv() []string {
	base := (&Action{t: a.t}).base()
	return append(base, "exec", "-it", a.t.Name, "-c", a.container, "--", "sh", "-c", ShellScript)
}

// what names the shell for people and the audit.
func (a *ShellAction) what() string {
	s := fmt.Sprintf("shell in container %s of pod %s/%s", a.container, a.t.Namespace, a.t.Name)
	if a.t.Context != "" {
		s += " (context " + a.t.Context + ")"
	}
	return s
}

// Spec implements actions.Action: mutating (a shell can change anything
// the container can), so refused in read-only mode and to viewers.
func (a *ShellAction) Spec() actions.Spec {
	return actions.Spec{Name: actions.VerbShell, Target: actions.Ref{Kind: actions.KindPod, Cluster: a.t.Context, Namespace: a.t.Namespace, Name: a.t.Name},
		Runner: "kubectl", Effect: actions.Mutating, Timeout: ShellTimeout, Description: a.what() + ": " + proc.Quote(withoutKubeconfig(a.Argv()))}
}

// LockKey implements actions.Locker: one shell per container at a time,
// apart from the pod's other runs (a port-forward).
func (a *ShellAction) LockKey() string {
	return "kubectl exec|" + a.t.Context + "|" + a.t.Namespace + "|" + a.t.Name + "|" + a.container
}

// Check implements actions.Action: the pod exists and a container is named.
func (a *ShellAction) Check(ctx context.Context) error {
	if a.container == "" {
		return fmt.Errorf("%w: no container named", actions.ErrRefused)
	}
	_, err := (&Action{verb: VerbDeletePod, t: a.t}).get(ctx)
	return err
}

// Preview implements actions.Action: the command, nothing run.
func (a *ShellAction) Preview(context.Context, io.Writer) (actions.Plan, error) {
	argv := proc.Quote(withoutKubeconfig(a.Argv()))
	return actions.Plan{Summary: a.what(), Text: "$ " + argv + "\n", Calls: []string{argv},
		Resources: []string{"context/" + a.t.Context, "namespace/" + a.t.Namespace, "pod/" + a.t.Name, "container/" + a.container}}, nil
}

// Run implements actions.Action: a shell needs a terminal (the executor
// refuses it on this path; this is the last word if it ever gets here).
func (a *ShellAction) Run(context.Context, actions.Plan, io.Writer) error {
	return fmt.Errorf("%w: a shell runs attached to a terminal (s in the console)", actions.ErrRefused)
}

// Verify implements actions.Action: nothing to re-read.
func (a *ShellAction) Verify(context.Context) (bool, string, error) { return true, "", nil }

// remoteExit is kubectl's line for a command that ended non-zero in the
// container ("command terminated with exit code 3").
var remoteExit = regexp.MustCompile(`command terminated with exit code (\d+)`)

// RunAttached implements actions.Interactive: kubectl runs on the
// terminal (in the console's process group, the terminal's foreground, so
// it may read it; or, when t.Controlling, in a session of its own on the
// pty console serve allocated for the SSH session) until the shell exits. The shell's own exit status,
// even non-zero, is how it ended (kubectl reports it as "command
// terminated with exit code N"); kubectl failing to open it is an error.
// Cancelling ctx (the console quitting) sends SIGTERM, then SIGKILL after
// 5 s.
func (a *ShellAction) RunAttached(ctx context.Context, t actions.Terminal, log io.Writer) (string, error) {
	argv := a.Argv()
	fmt.Fprintf(log, "$ %s (attached to the terminal)\n", proc.Quote(withoutKubeconfig(argv)))
	tail := &tailWriter{max: 4096}
	errOut := t.Err
	if errOut == nil {
		errOut = io.Discard
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = t.In, t.Out, io.MultiWriter(errOut, tail)
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	if t.Controlling {
		// a terminal of its own (console serve's pty for an SSH session):
		// kubectl leads a new session with it as controlling terminal, so
		// that resizing it sends kubectl SIGWINCH (forwarded to the
		// container) and its hang-up ends kubectl
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		fmt.Fprintln(log, "the shell exited with status 0")
		return "the shell exited with status 0", nil
	case ctx.Err() != nil:
		return "", fmt.Errorf("kubectl exec: %w", ctx.Err())
	case errors.As(err, &ee):
		if m := remoteExit.FindStringSubmatch(tail.String()); m != nil && m[1] == strconv.Itoa(ee.ExitCode()) {
			end := "the shell exited with status " + m[1]
			fmt.Fprintln(log, end)
			return end, nil
		}
		msg := lastLine(strings.TrimSpace(tail.String()))
		if msg == "" {
			msg = err.Error()
		}
		fmt.Fprintf(log, "kubectl exec: exit status %d: %s\n", ee.ExitCode(), msg)
		return "", fmt.Errorf("kubectl exec: exit status %d: %s", ee.ExitCode(), msg)
	default:
		return "", fmt.Errorf("kubectl exec: %w", err)
	}
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	max int
	b   []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = w.b[len(w.b)-w.max:]
	}
	return len(p), nil
}

func (w *tailWriter) String() string { return string(w.b) }

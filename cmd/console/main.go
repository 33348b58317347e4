// Command console is a terminal ops console for on-call engineers: it shows
// the estate (regions, zones, subnets, autoscaling groups, nodes, pods, load
// balancers, databases), runs guarded actions, and follows traces to their
// root cause. With no configuration it opens a built-in demo estate.
//
// Exit codes: 0 ok, 1 operation failed, 2 bad usage or bad input,
// 3 refused (read-only, failed precondition, no permission, audit log
// unwritable), 4 cancelled by a signal (SIGHUP, SIGTERM, SIGINT) or by
// quitting with actions in progress (each cancelled, stopped and audited).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/errtext"
	"github.com/opsconsole/console/internal/sanitize"
)

// Exit codes (documented in docs/exit-codes.md).
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitRefused = 3
	// exitCancelled: a signal or quitting cancelled actions in progress
	// (through Executor.Shutdown: stopped, audited "cancelled").
	exitCancelled = 4
)

// errUsage marks bad usage or bad input (exit code 2).
var errUsage = errors.New("bad usage")

// usageErrorf returns an error that exits with code 2.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// app is shared by every subcommand: the global flags and the streams.
type app struct {
	flags  config.Flags
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
	// hungUp is set on SIGHUP: the terminal may be gone, so nothing more
	// is written to it (see ttyWriter).
	hungUp *atomic.Bool
}

// settings loads the configuration with the global flags applied.
func (a *app) settings() (config.Settings, error) {
	return config.Load(a.flags)
}

// subcommands is the registry of the console's subcommands, each built by
// the file that owns it. Adding a subcommand is its file and one entry here.
var subcommands = []func(*app) *cobra.Command{
	newActionCmd,    // action.go
	newAuditCmd,     // audit.go
	newDBCmd,        // db.go
	newInventoryCmd, // inventory.go
	newManCmd,       // man.go (hidden)
	newReachCmd,     // reach.go
	newServeCmd,     // serve.go
	newSnapshotCmd,  // snapshot.go
	newTraceCmd,     // trace.go
	newVersionCmd,   // version.go
}

// rootHooks are run, in this order, on the root command once every
// subcommand is added: flags and help topics first, then completions
// (which may complete any of them).
var rootHooks = []func(*cobra.Command, *app){
	addVersionFlags,     // version.go: --version
	addViewFlag,         // tui.go: --view
	addKeysHelpTopic,    // man.go: console help keys
	registerCompletions, // completion.go
}

func main() {
	// A console killed outright (SIGKILL) cannot cancel its runs: each
	// child's process group gets a guard, this binary re-run, that stops
	// the group when the console dies (actions/proc).
	proc.RunGuardIfAsked()
	_ = proc.EnableGuard() // without it, the child alone is killed
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hungUp := new(atomic.Bool)
	stdout, stderr = newTTYWriter(stdout, hungUp), newTTYWriter(stderr, hungUp)
	a := &app{stdout: stdout, stderr: stderr, stdin: stdin, hungUp: hungUp}
	root := newRoot(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ctx, stop := trapSignals(context.Background(), hungUp, actions.HoldsOwnTerminal)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	fmt.Fprintln(stderr, "console: "+sanitize.Line(errtext.Explain(err)))
	return code
}

// signalError is the cause of the command's context when a signal ended it.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string {
	switch e.sig {
	case syscall.SIGHUP:
		return "SIGHUP (the terminal or SSH session went away)"
	case syscall.SIGTERM:
		return "SIGTERM"
	default:
		return "SIGINT (interrupted)"
	}
}

// trapSignals returns a context cancelled, with a *signalError cause, by
// the first SIGHUP, SIGTERM or SIGINT: the commands then end through
// Executor.Shutdown (every action cancelled gracefully and audited)
// instead of dying by the signal. SIGHUP also sets hungUp. SIGPIPE is
// caught so that a write to a closed pipe or terminal fails instead of
// killing the console before its audit lines are written. A SIGINT while
// childsInt reports true (a shell holds the console's terminal:
// actions.HoldsOwnTerminal) is the child's ctrl+c and leaves the console
// running.
func trapSignals(parent context.Context, hungUp *atomic.Bool, childsInt func() bool) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				switch sig {
				case syscall.SIGPIPE:
					continue
				case syscall.SIGINT:
					if childsInt != nil && childsInt() {
						continue
					}
				case syscall.SIGHUP:
					hungUp.Store(true)
				}
				cancel(&signalError{sig: sig})
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// cancelledError reports actions cancelled by a signal or by quitting
// (exit code 4).
type cancelledError struct {
	n     int
	cause error
	err   error // Shutdown's error (runs that did not stop, audit failures)
}

func (e *cancelledError) Error() string {
	msg := fmt.Sprintf("%s: cancelled %d action(s) in progress, each stopped and audited as cancelled", e.cause, e.n)
	if e.err != nil {
		msg += "; " + e.err.Error()
	}
	return msg
}

// ExitCode is exitCancelled.
func (e *cancelledError) ExitCode() int { return exitCancelled }

// shutdownWait bounds how long a signalled console waits for its runs to
// stop; the runners' own grace periods (SIGINT, then SIGKILL of the group)
// are shorter (30s for terraform by default).
const shutdownWait = 90 * time.Second

// shutdownOnDone ends every attempt of e through Executor.Shutdown when
// ctx is cancelled (a signal). The returned wait reports, once the caller
// is done with e, how many attempts were cancelled and why (nil when ctx
// was never cancelled).
func shutdownOnDone(ctx context.Context, e *actions.Executor) (wait func() *cancelledError) {
	res := make(chan *cancelledError, 1)
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		cause := context.Cause(ctx)
		n, err := e.Shutdown(sctx, cause.Error())
		res <- &cancelledError{n: n, cause: cause, err: err}
	})
	return func() *cancelledError {
		if stop() {
			return nil
		}
		return <-res
	}
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ec interface{ ExitCode() int }
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ec):
		return ec.ExitCode()
	case errors.Is(err, actions.ErrRefused):
		return exitRefused
	case errors.Is(err, errUsage), errors.Is(err, config.ErrBadConfig):
		return exitUsage
	case strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "unknown flag"),
		strings.HasPrefix(err.Error(), "unknown shorthand flag"), strings.Contains(err.Error(), "flag needs an argument"),
		strings.HasPrefix(err.Error(), "invalid argument"), strings.Contains(err.Error(), "accepts "),
		strings.HasPrefix(err.Error(), "required flag"):
		return exitUsage // cobra's own usage errors
	default:
		return exitFailed
	}
}

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "console",
		Short:         "A terminal ops console: see the estate, act on it safely, find the root cause",
		Long:          "console shows regions, zones, subnets, autoscaling groups, nodes, pods, load balancers and databases live,\nruns guarded actions (Terraform, kubectl, AWS, databases), and follows traces to their root cause.\nWith no configuration it opens a built-in demo estate.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), a)
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.Config, "config", "", "configuration file (default $XDG_CONFIG_HOME/console/config.yaml)")
	pf.StringVar(&a.flags.Env, "env", "", "environment to open (default: the file's default_env)")
	pf.BoolVar(&a.flags.Demo, "demo", false, "open the built-in demo estate")
	pf.BoolVar(&a.flags.ReadOnly, "readonly", false, "refuse every mutating action")
	pf.StringVar(&a.flags.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	pf.StringArrayVar(&a.flags.Contexts, "context", nil, "kube context to show (repeatable)")
	pf.StringSliceVar(&a.flags.Regions, "regions", nil, "AWS regions to show, comma-separated")
	pf.StringVar(&a.flags.Jaeger, "jaeger", "", "Jaeger query gRPC address host:port")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fmt.Errorf("%w: %v", errUsage, err) })

	for _, f := range subcommands {
		root.AddCommand(f(a))
	}
	for _, f := range rootHooks {
		f(root, a)
	}
	return root
}

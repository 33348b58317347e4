// Command console is a terminal ops console for on-call engineers: it shows
// the estate (regions, zones, subnets, autoscaling groups, nodes, pods, load
// balancers, databases), runs guarded actions, and follows traces to their
// root cause. With no configuration it opens a built-in demo estate.
//
// Exit codes: 0 ok, 1 operation failed, 2 bad usage or bad input,
// 3 refused (read-only, failed precondition, no permission).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/sanitize"
)

// Exit codes (documented in docs/exit-codes.md).
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitRefused = 3
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

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
}

// settings loads the configuration with the global flags applied.
func (a *app) settings() (config.Settings, error) {
	return config.Load(a.flags)
}

// subcommands are added by the files of this package (init functions),
// each owning one subcommand.
var subcommands []func(*app) *cobra.Command

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, stdin: stdin}
	root := newRoot(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	fmt.Fprintln(stderr, "console: "+sanitize.Line(err.Error()))
	return code
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

	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.stdout, "console %s\n", version)
			return nil
		},
	})
	for _, f := range subcommands {
		root.AddCommand(f(a))
	}
	return root
}

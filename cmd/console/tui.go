package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui"
	"github.com/opsconsole/console/ui/podlog"
)

// traceSourceFactory returns the trace source the settings call for (e.g.
// the Jaeger client for --jaeger), nil when they name none
// (wire_jaeger.go).
var traceSourceFactory func(ctx context.Context, s config.Settings) (traces.Source, error) = jaegerTraceSource

// startViewKey carries --view to runTUI in the command's context.
type startViewKey struct{}

// logLinesKey carries --log-lines to runTUI in the command's context.
type logLinesKey struct{}

// addViewFlag adds --view (the view the console opens in, as k9s's -c).
func addViewFlag(root *cobra.Command, _ *app) {
	view := root.Flags().String("view", "", "view to start in: "+strings.Join(ui.ViewNames(), ", ")+" (or a palette alias)")
	logLines := root.Flags().Int("log-lines", podlog.DefaultLines, "lines the logs view keeps (the oldest are dropped)")
	run := root.RunE
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if *logLines < 1 {
			return fmt.Errorf("%w: --log-lines %d: must be at least 1", errUsage, *logLines)
		}
		cmd.SetContext(context.WithValue(cmd.Context(), logLinesKey{}, *logLines))
		if *view != "" {
			if _, ok := ui.ViewName(*view); !ok {
				return fmt.Errorf("%w: --view %s: no such view (one of %s)", errUsage, *view, strings.Join(ui.ViewNames(), ", "))
			}
			cmd.SetContext(context.WithValue(cmd.Context(), startViewKey{}, *view))
		}
		return run(cmd, args)
	}
}

// runTUI opens the interactive console: settings → store → executor → UI.
// Nothing heavy happens before the first frame: the store starts its
// providers in the background and the UI draws as soon as they answer.
func runTUI(ctx context.Context, a *app) error {
	s, err := a.settings()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := startStore(ctx, s)
	if err != nil {
		return err
	}
	exec, err := newExecutor(s)
	if err != nil {
		return err
	}
	src, err := tuiTraceSource(ctx, s, st)
	if err != nil {
		return err
	}
	// A signal (SIGHUP when the SSH session drops, SIGTERM, SIGINT) cancels
	// ctx: the UI ends and every action in progress is cancelled through
	// the executor's one shutdown path, audited, before the console exits.
	wait := shutdownOnDone(ctx, exec)
	view, _ := ctx.Value(startViewKey{}).(string)
	logLines, _ := ctx.Value(logLinesKey{}).(int)
	o := ui.Options{Store: st, Executor: exec, Settings: s, TraceSource: src, Stacks: tuiStacks(s), StartView: view, LogLines: logLines}
	o.KubeContexts, o.AddKube = kubeSwitching(s)
	err = ui.Run(ctx, o)
	if ce := wait(); ce != nil {
		if ce.n > 0 {
			return ce
		}
		return nil
	}
	// The UI ended by itself (the user quit): whatever still runs is
	// cancelled the same way, never left to die with the console.
	if n := len(exec.Active()); n > 0 {
		fmt.Fprintf(a.stderr, "console: cancelling %d action(s): waiting for them to stop…\n", n)
	}
	sctx, scancel := context.WithTimeout(context.Background(), shutdownWait)
	defer scancel()
	if n, serr := exec.Shutdown(sctx, "the console quit"); n > 0 {
		return &cancelledError{n: n, cause: errors.New("quit"), err: serr}
	}
	return err
}

// tuiStacks returns the environment's Terraform stacks (relative
// directories resolve against the config file's directory).
func tuiStacks(s config.Settings) terraform.Stacks {
	stacks := envStacks(s)
	if s.Demo {
		if st, err := demoStack(s); err == nil {
			stacks = append(stacks, st)
		}
	}
	return stacks
}

// tuiTraceSource returns the configured trace source, else the traces held
// by a provider (the demo keeps its traces in memory).
func tuiTraceSource(ctx context.Context, s config.Settings, st *providers.Store) (traces.Source, error) {
	if traceSourceFactory != nil {
		src, err := traceSourceFactory(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("traces: %w", err)
		}
		if src != nil {
			return src, nil
		}
	}
	for _, p := range st.Providers() {
		switch tp := p.(type) {
		case interface{ TraceSource() traces.Source }:
			return tp.TraceSource(), nil
		case interface{ Traces() []*traces.Trace }:
			return traces.NewMemorySource(tp.Traces()), nil
		}
	}
	return nil, nil
}

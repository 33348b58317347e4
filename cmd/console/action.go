package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/kubectl"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// actionJSON is what `console action ... --json` prints (docs/actions.md).
type actionJSON struct {
	Action        actions.Verb   `json:"action"`
	Target        string         `json:"target"`
	Status        string         `json:"status"`
	Plan          actionPlanJSON `json:"plan"`
	AuditID       string         `json:"audit_id"`
	Error         string         `json:"error"`
	Verified      bool           `json:"verified"`
	VerifyMessage string         `json:"verify_message,omitempty"`
	DurationMS    int64          `json:"duration_ms"`
}

type actionPlanJSON struct {
	Summary   string   `json:"summary"`
	Add       int      `json:"add"`
	Change    int      `json:"change"`
	Destroy   int      `json:"destroy"`
	Replace   int      `json:"replace"`
	Resources []string `json:"resources"`
}

// actionOpts are the flags shared by every action subcommand.
type actionOpts struct {
	yes    bool
	asJSON bool
	// confirm is the answer to a second confirmation ("overwrite NAME").
	confirm string
}

func (o *actionOpts) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.yes, "yes", false, "run it (without --yes: print the plan and change nothing); also confirms destructive actions")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the result as JSON on stdout")
	cmd.Flags().StringVar(&o.confirm, "confirm", "", `with --yes, the second confirmation an action asks for, typed exactly (e.g. "overwrite NAME" for a restore --in-place)`)
}

func newActionCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "action",
		Short: "Run a guarded action (Terraform, kubectl, demo) through the executor",
		Long: `Run one action through the executor: read-only refusal, preconditions, preview,
confirmation, run, audit, verify. Without --yes the plan is printed and nothing
changes (exit 0). --yes confirms, destructive actions included. Progress goes to
stderr; the result to stdout (--json for JSON). Exit codes: 0 planned/succeeded,
1 failed or cancelled, 2 bad usage, 3 refused (audit log unwritable too),
4 cancelled by SIGHUP/SIGTERM/SIGINT (audited). See docs/actions.md and docs/exit-codes.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErrorf("name an action: plan, apply, rebuild, teardown, recreate, unlock, restart, scale, cordon, uncordon, drain, delete")
		},
	}
	for _, k := range []actions.Verb{terraform.KindPlan, terraform.KindApply, terraform.KindRebuild,
		terraform.KindTeardown, terraform.KindRecreate, terraform.KindUnlock} {
		cmd.AddCommand(newTerraformActionCmd(a, k))
	}
	cmd.AddCommand(newStackStateCmd(a))
	cmd.AddCommand(newOfferedActionCmd(a))
	for _, v := range []actions.Verb{kubectl.VerbRestart, kubectl.VerbScale, kubectl.VerbCordon,
		kubectl.VerbUncordon, kubectl.VerbDrain, kubectl.VerbDeletePod} {
		cmd.AddCommand(newKubeActionCmd(a, v))
	}
	return cmd
}

var terraformShort = map[actions.Verb]string{
	terraform.KindPlan:     "Plan a Terraform stack (safe; runs in read-only mode)",
	terraform.KindApply:    "Plan a stack, then apply exactly that plan",
	terraform.KindRebuild:  "Replace one resource of a stack (plan -replace, then apply that plan)",
	terraform.KindTeardown: "Destroy every resource of a stack (destructive)",
	terraform.KindRecreate: "Destroy a stack, then apply it again (destructive)",
	terraform.KindUnlock:   "Force-unlock a stack's state lock held by a dead run (destructive)",
}

func newTerraformActionCmd(a *app, kind actions.Verb) *cobra.Command {
	var o actionOpts
	var stack, target, lockID string
	cmd := &cobra.Command{
		Use:   string(kind) + " --stack STACK",
		Short: terraformShort[kind],
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			st, err := resolveStack(s, stack)
			if err != nil {
				return err
			}
			var act actions.Action
			switch kind {
			case terraform.KindPlan:
				act = st.Plan()
			case terraform.KindApply:
				act = st.Apply()
			case terraform.KindRebuild:
				if target == "" {
					return usageErrorf("rebuild needs --target ADDRESS (a resource address, or a target key of the stack such as asg/NAME)")
				}
				act = st.Rebuild(target)
			case terraform.KindTeardown:
				act = st.Teardown()
			case terraform.KindRecreate:
				act = st.Recreate()
			case terraform.KindUnlock:
				if lockID == "" {
					return usageErrorf("unlock needs --lock-id ID (terraform prints it in the lock error)")
				}
				act = st.Unlock(lockID)
			}
			return runAction(cmd.Context(), a, s, act, o)
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack name from the config file, or a directory")
	if kind == terraform.KindRebuild {
		cmd.Flags().StringVar(&target, "target", "", "resource address (or a target key of the stack, e.g. asg/workers)")
	}
	if kind == terraform.KindUnlock {
		cmd.Flags().StringVar(&lockID, "lock-id", "", "the lock ID to release")
	}
	o.register(cmd)
	return cmd
}

// newStackStateCmd prints a stack's state summary (changes nothing, so it
// is not an action and is not audited).
func newStackStateCmd(a *app) *cobra.Command {
	var stack string
	var drift, asJSON bool
	cmd := &cobra.Command{
		Use:   "state --stack STACK",
		Short: "Show a Terraform stack's state: resources, serial, last apply, lock, drift (--drift)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			st, err := resolveStack(s, stack)
			if err != nil {
				return err
			}
			sum, err := st.Summarize(cmd.Context(), drift, sanitize.NewLineWriter(a.stderr))
			if err != nil {
				return err
			}
			if asJSON {
				if sum.Resources == nil {
					sum.Resources = []terraform.Resource{}
				}
				return sanitize.EncodeJSON(a.stdout, sum)
			}
			fmt.Fprintf(a.stdout, "stack %s (%s)\n", sanitize.Line(sum.Stack), sanitize.Line(sum.Dir))
			if sum.Workspace != "" {
				fmt.Fprintf(a.stdout, "workspace  %s\n", sanitize.Line(sum.Workspace))
			}
			fmt.Fprintf(a.stdout, "serial     %d  lineage %s\n", sum.Serial, sanitize.Line(sum.Lineage))
			if !sum.LastApply.IsZero() {
				fmt.Fprintf(a.stdout, "last apply %s (%s ago)\n", sum.LastApply.Local().Format(time.RFC3339), time.Since(sum.LastApply).Round(time.Second))
			}
			if sum.Lock != nil {
				fmt.Fprintf(a.stdout, "LOCKED     %s\n", sanitize.Line(sum.Lock.String()))
			}
			switch {
			case !sum.DriftChecked:
				fmt.Fprintln(a.stdout, "drift      not checked (--drift runs a refresh-only plan)")
			case len(sum.Drift) == 0:
				fmt.Fprintln(a.stdout, "drift      none")
			default:
				fmt.Fprintf(a.stdout, "drift      %d: %s\n", len(sum.Drift), sanitize.Line(strings.Join(sum.Drift, ", ")))
			}
			fmt.Fprintf(a.stdout, "resources  %d\n", len(sum.Resources))
			for _, r := range sum.Resources {
				fmt.Fprintf(a.stdout, "  %s  %s\n", sanitize.Line(r.Address), sanitize.Line(r.ID))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack name from the config file, or a directory")
	cmd.Flags().BoolVar(&drift, "drift", false, "also run a refresh-only plan to find drift")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// newOfferedActionCmd runs any action a source of the environment offers
// on an object (AWS, databases, the demo): the sources are started, read
// once, and asked for the object's actions.
func newOfferedActionCmd(a *app) *cobra.Command {
	var o actionOpts
	var namespace, region string
	params := map[string]*string{}
	var inPlace bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "do VERB KIND/NAME",
		Short: "Run an action a source offers on an object, e.g. do promote database/DB --member M, do set-desired-capacity asg/NAME --desired 3",
		Long: "Run an action a source offers on an object (AWS, databases, the demo): the same verbs on the demo and on the real estate.\n\n" +
			"VERB is one of: " + joined(actions.Verbs) + " (also accepted: set-desired, failover, snapshot, rollback).\n" +
			"KIND is one of: " + joined(actions.Kinds) + ", or any other Kubernetes resource as kubectl names it\n" +
			"(services, crontabs.stable.example.com), on which delete is offered.\n\n" +
			"Parameters are the ones the action declares (the TUI's form asks for the same, with the same checks):\n" +
			"--replicas N (scale), --desired N (set-desired-capacity, within the group's min and max), --backup ID\n" +
			"(restore; default the newest restorable), --member M (promote on a database: the replica to promote),\n" +
			"--revision N (undo: the revision of the pod template to roll back to; default the one before the current),\n" +
			"--at TIME (restore to a point in time: RFC 3339 or relative such as -15m, within the restorable window),\n" +
			"--target NAME (restore: the new instance's or cluster's name; not the live one, not one that exists);\n" +
			"--count N is --replicas or --desired, whichever the action takes.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			verb, known := actions.ParseVerb(args[0])
			if !known {
				verb = actions.Verb(strings.ToLower(args[0])) // refused below, audited, with the verbs the object supports
			}
			kind, name, ok := strings.Cut(args[1], "/")
			if !ok || kind == "" || name == "" {
				return usageErrorf("want KIND/NAME, got %q", args[1])
			}
			s, err := a.settings()
			if err != nil {
				return err
			}
			ref := actions.Ref{Kind: actions.Kind(strings.ToLower(kind)), Namespace: namespace, Region: region, Name: name}
			if len(a.flags.Contexts) > 0 {
				ref.Cluster = a.flags.Contexts[0]
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			ps, err := buildProviders(ctx, s)
			if err != nil {
				return err
			}
			st := providers.NewStore(ps...)
			st.Start(ctx)
			wctx, wcancel := context.WithTimeout(ctx, timeout)
			st.WaitReady(wctx)
			wcancel()
			act, err := auditedOffer(s, ps, ref, verb)
			if err != nil {
				return err
			}
			if err := setParams(cmd, act, params); err != nil {
				return err
			}
			if inPlace {
				ic, ok := act.(interface{ SetInPlace(bool) error })
				if !ok {
					return usageErrorf("%s on %s takes no --in-place", verb, ref)
				}
				if err := ic.SetInPlace(true); err != nil {
					return usageErrorf("%v", err)
				}
			}
			return runAction(ctx, a, s, act, o)
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "namespace (for a database member: its database)")
	cmd.Flags().StringVar(&region, "region", "", "region of the object")
	registerParams(cmd, params)
	cmd.Flags().BoolVar(&inPlace, "in-place", false, `restore over the live instance instead of into a new one (asks for a second confirmation: --confirm "overwrite NAME")`)
	cmd.Flags().DurationVar(&timeout, "wait", 30*time.Second, "how long to wait for the sources to answer")
	o.register(cmd)
	return cmd
}

// paramFlags are the command-line flags of the action parameters
// (actions.Param.Name), with their help.
var paramFlags = []struct{ name, help string }{
	{"replicas", "scale: the new replica count"},
	{"desired", "set-desired-capacity: the new desired capacity (within the group's min and max)"},
	{"backup", "restore: the backup to restore (default: the newest restorable; see console db backups NAME)"},
	{"member", "promote on a database: the replica to promote (default: the healthiest, least lagging)"},
	{"revision", "undo: the revision to roll back to (default: the one before the current; see kubectl rollout history)"},
	{"at", "restore: the point in time, RFC 3339 (2026-12-01T20:30:00Z) or relative (-15m), within the restorable window console db list shows"},
	{"target", "restore: the name of the new instance or cluster (a DNS-1123 label; for Aurora/RDS a DB cluster identifier)"},
	{"count", "the count of an action that takes one: --replicas or --desired"},
}

// registerParams adds the parameter flags to cmd, their values in params.
func registerParams(cmd *cobra.Command, params map[string]*string) {
	for _, f := range paramFlags {
		params[f.name] = cmd.Flags().String(f.name, "", f.help)
	}
}

// setParams sets the parameters given as flags through the action's own
// declaration (actions.SetParam: the same check as the TUI's form); a
// flag the action does not take, or a value it refuses, is bad usage.
func setParams(cmd *cobra.Command, act actions.Action, params map[string]*string) error {
	for _, f := range paramFlags {
		if !cmd.Flags().Changed(f.name) {
			continue
		}
		name := f.name
		if name == "count" { // the older spelling: whichever count the action takes
			for _, p := range actions.ParamsOf(act) {
				if p.Kind == actions.ParamCount {
					name = p.Name
				}
			}
		}
		if err := actions.SetParam(act, name, *params[f.name]); err != nil {
			return usageErrorf("%v", err)
		}
	}
	return nil
}

// joined is the names, comma-separated.
func joined[T ~string](names []T) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return strings.Join(out, ", ")
}

// resolveStack finds a stack by name in the environment, else takes the
// argument as a directory.
func resolveStack(s config.Settings, name string) (*terraform.Stack, error) {
	if name == "" {
		return nil, usageErrorf("--stack is required (a stack name from the config file, or a directory)")
	}
	var names []string
	for _, st := range envStacks(s) {
		if st.Name == name {
			return st, nil
		}
		names = append(names, st.Name)
	}
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return terraform.FromDir(name), nil
	}
	if len(names) == 0 {
		return nil, usageErrorf("no stack %q: environment %s lists no terraform stacks and %q is not a directory", name, s.Env.Name, name)
	}
	sort.Strings(names)
	return nil, usageErrorf("no stack %q in environment %s (have: %s), and it is not a directory", name, s.Env.Name, strings.Join(names, ", "))
}

var kubeShort = map[actions.Verb]string{
	kubectl.VerbRestart:   "Rolling restart: restart deployment/NAME -n NS (or statefulset/NAME)",
	kubectl.VerbScale:     "Scale: scale deployment/NAME -n NS --replicas N",
	kubectl.VerbCordon:    "Mark a node unschedulable: cordon node/NAME",
	kubectl.VerbUncordon:  "Mark a node schedulable: uncordon node/NAME",
	kubectl.VerbDrain:     "Cordon a node and evict its pods: drain node/NAME (destructive)",
	kubectl.VerbDeletePod: "Delete a pod: delete pod/NAME -n NS (destructive)",
}

func newKubeActionCmd(a *app, verb actions.Verb) *cobra.Command {
	var o actionOpts
	var namespace string
	var replicas int
	var drainTimeout time.Duration
	cmd := &cobra.Command{
		Use:   string(verb) + " KIND/NAME",
		Short: kubeShort[verb],
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, name, err := kubectl.ParseRef(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			if err := kindFits(verb, kind); err != nil {
				return err
			}
			if verb == kubectl.VerbScale && !cmd.Flags().Changed("replicas") {
				return usageErrorf("scale needs --replicas N")
			}
			if replicas < 0 {
				return usageErrorf("--replicas must be >= 0")
			}
			s, err := a.settings()
			if err != nil {
				return err
			}
			ref := actions.Ref{Kind: kind, Name: name}
			if kind != "node" {
				ref.Namespace = namespace
			}
			if len(a.flags.Contexts) > 0 {
				ref.Cluster = a.flags.Contexts[0]
			}
			var act actions.Action
			if s.Demo {
				act, err = findOffered(cmd.Context(), s, ref, verb)
				if err != nil {
					return err
				}
				if verb == kubectl.VerbScale {
					if err := actions.SetParam(act, "replicas", strconv.Itoa(replicas)); err != nil {
						return usageErrorf("%v", err)
					}
				}
			} else {
				t, err := kubeTarget(a, s)
				if err != nil {
					return err
				}
				t.Namespace, t.Kind, t.Name = namespace, kind, name
				switch verb {
				case kubectl.VerbRestart:
					act = kubectl.Restart(t)
				case kubectl.VerbScale:
					act = kubectl.Scale(t, replicas)
				case kubectl.VerbCordon:
					act = kubectl.Cordon(t)
				case kubectl.VerbUncordon:
					act = kubectl.Uncordon(t)
				case kubectl.VerbDrain:
					act = kubectl.Drain(t, drainTimeout)
				case kubectl.VerbDeletePod:
					act = kubectl.DeletePod(t)
				}
			}
			return runAction(cmd.Context(), a, s, act, o)
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "namespace of the object (default: the context's namespace)")
	if verb == kubectl.VerbScale {
		cmd.Flags().IntVar(&replicas, "replicas", 0, "the new replica count")
	}
	if verb == kubectl.VerbDrain {
		cmd.Flags().DurationVar(&drainTimeout, "timeout", kubectl.DefaultDrainTimeout, "kubectl drain --timeout")
	}
	o.register(cmd)
	return cmd
}

func kindFits(verb actions.Verb, kind actions.Kind) error {
	ok := false
	switch verb {
	case kubectl.VerbRestart:
		ok = kind == "deployment" || kind == "statefulset" || kind == "daemonset"
	case kubectl.VerbScale:
		ok = kind == "deployment" || kind == "statefulset"
	case kubectl.VerbCordon, kubectl.VerbUncordon, kubectl.VerbDrain:
		ok = kind == "node"
	case kubectl.VerbDeletePod:
		ok = kind == "pod"
	}
	if !ok {
		return usageErrorf("cannot %s a %s", verb, kind)
	}
	return nil
}

// kubeTarget picks the cluster: --context (and --kubeconfig) if given,
// else the environment's only kube entry.
func kubeTarget(a *app, s config.Settings) (kubectl.Target, error) {
	var t kubectl.Target
	if len(a.flags.Contexts) > 1 {
		return t, usageErrorf("name one --context for an action")
	}
	if len(a.flags.Contexts) == 1 {
		t.Context = a.flags.Contexts[0]
		t.Kubeconfig = a.flags.Kubeconfig
		for _, k := range s.Env.Kube {
			if k.Context == t.Context && t.Kubeconfig == "" {
				t.Kubeconfig = k.Kubeconfig
			}
		}
		return t, nil
	}
	switch len(s.Env.Kube) {
	case 0:
		t.Kubeconfig = a.flags.Kubeconfig
		return t, nil
	case 1:
		return kubectl.Target{Kubeconfig: s.Env.Kube[0].Kubeconfig, Context: s.Env.Kube[0].Context}, nil
	}
	var names []string
	for _, k := range s.Env.Kube {
		names = append(names, k.Context)
	}
	return t, usageErrorf("environment %s has several clusters (%s): pick one with --context", s.Env.Name, strings.Join(names, ", "))
}

// statusError carries an action's outcome to the exit code.
type statusError struct {
	res actions.Result
}

func (e *statusError) Error() string {
	msg := e.res.Error
	if msg == "" {
		msg = e.res.Status
	}
	if strings.Contains(msg, e.res.Target) {
		return msg
	}
	return fmt.Sprintf("%s %s: %s: %s", e.res.Action, e.res.Target, e.res.Status, msg)
}

// ExitCode maps the status: refused 3, failed/cancelled 1.
func (e *statusError) ExitCode() int {
	if e.res.Status == actions.StatusRefused {
		return exitRefused
	}
	return exitFailed
}

// Unwrap makes a refusal errors.Is(actions.ErrRefused).
func (e *statusError) Unwrap() error {
	if e.res.Status == actions.StatusRefused {
		return actions.ErrRefused
	}
	return nil
}

// runAction runs act through the executor built from the settings and
// reports the result.
func runAction(ctx context.Context, a *app, s config.Settings, act actions.Action, o actionOpts) error {
	e, err := newExecutor(s)
	if err != nil {
		return err
	}
	// A signal ends the attempt through the executor's one shutdown path,
	// not by cancelling Execute's context.
	wait := shutdownOnDone(ctx, e)
	var res actions.Result
	if o.yes && o.confirm != "" {
		res = e.ExecuteConfirmed(context.WithoutCancel(ctx), act, o.confirm, a.stderr)
	} else {
		res = e.Execute(context.WithoutCancel(ctx), act, o.yes, a.stderr)
	}
	ce := wait()
	if o.asJSON {
		out := actionJSON{Action: res.Action, Target: res.Target, Status: res.Status, AuditID: res.AuditID,
			Error: res.Error, Verified: res.Verified, VerifyMessage: res.VerifyMessage, DurationMS: res.Duration.Milliseconds(),
			Plan: actionPlanJSON{Summary: res.Plan.Summary, Add: res.Plan.Add, Change: res.Plan.Change,
				Destroy: res.Plan.Destroy, Replace: res.Plan.Replace, Resources: res.Plan.Resources}}
		if out.Plan.Resources == nil {
			out.Plan.Resources = []string{}
		}
		if err := sanitize.EncodeJSON(a.stdout, out); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	} else {
		line := fmt.Sprintf("%s %s: %s", res.Action, res.Target, res.Status)
		if res.Plan.Summary != "" {
			line += " (" + res.Plan.Summary + ")"
		}
		if res.VerifyMessage != "" {
			line += "; verify: " + res.VerifyMessage
		}
		if res.AuditID != "" {
			line += "; audit " + res.AuditID
		}
		fmt.Fprintln(a.stdout, sanitize.Line(line))
	}
	switch {
	case ce != nil && res.Status == actions.StatusCancelled:
		ce.n = max(ce.n, 1) // a preview cancelled is an attempt cancelled too
		return ce
	case res.AuditError != "":
		return fmt.Errorf("%s %s: %s, but its outcome could not be audited: %s", res.Action, res.Target, res.Status, res.AuditError)
	case res.Status == actions.StatusPlanned, res.Status == actions.StatusSucceeded:
		return nil
	default:
		return &statusError{res: res}
	}
}

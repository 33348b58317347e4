package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/kubectl"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/pages"
)

// completionTimeout caps how long one completion may wait for the estate's
// sources (kube API, AWS, databases, Jaeger): the shell is waiting. What
// answered by then is offered; a slow source offers nothing.
var completionTimeout = 2 * time.Second

// compFunc is a cobra completion function.
type compFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// registerCompletions gives the commands' flags and arguments completions
// of real names, read from the configuration, the kubeconfig and the live
// estate (cobra's dynamic completion: `console completion bash|zsh|fish`).
func registerCompletions(root *cobra.Command, a *app) {
	c := &completer{a: a}
	reg := func(cmd *cobra.Command, flag string, f compFunc) {
		if cmd.Flags().Lookup(flag) != nil || cmd.PersistentFlags().Lookup(flag) != nil {
			_ = cmd.RegisterFlagCompletionFunc(flag, f)
		}
	}
	reg(root, "env", c.envs)
	reg(root, "context", c.kubeContexts)
	reg(root, "regions", c.regions)
	reg(root, "view", c.views) // when the root has a --view flag
	walk(root, func(cmd *cobra.Command) {
		switch path := cmd.CommandPath(); {
		case path == "console action do":
			cmd.ValidArgsFunction = c.offered
			reg(cmd, "namespace", c.namespaces(true))
			reg(cmd, "region", c.regions)
		case strings.HasPrefix(path, "console action "):
			reg(cmd, "stack", c.stacks)
			if verb := cmd.Name(); slices.Contains(kubeVerbs, actions.Verb(verb)) {
				cmd.ValidArgsFunction = c.kubeObjects(actions.Verb(verb))
				reg(cmd, "namespace", c.namespaces(false))
			}
		case path == "console trace find":
			reg(cmd, "service", c.services)
		}
	})
}

// kubeVerbs are the `console action` subcommands that act on a
// Kubernetes object (KIND/NAME).
var kubeVerbs = []actions.Verb{kubectl.VerbRestart, kubectl.VerbScale, kubectl.VerbCordon,
	kubectl.VerbUncordon, kubectl.VerbDrain, kubectl.VerbDeletePod}

func walk(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, c := range cmd.Commands() {
		walk(c, f)
	}
}

// completer answers the completions; it reads the global flags already
// parsed from the command line (--config, --env, --demo, --context...).
type completer struct {
	a *app
}

func (c *completer) settings() (config.Settings, bool) {
	// cobra's __complete parses the root's flags twice: a repeatable flag
	// (--context, --regions) holds each value twice.
	c.a.flags.Contexts = unique(c.a.flags.Contexts)
	c.a.flags.Regions = unique(c.a.flags.Regions)
	s, err := c.a.settings()
	return s, err == nil
}

// unique returns xs without its repeated values, in order.
func unique(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// matching returns the names that start with prefix, sorted, without
// duplicates.
func matching(names []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if n != "" && strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

const noFiles = cobra.ShellCompDirectiveNoFileComp

// envs completes --env with the configuration file's environments.
func (c *completer) envs(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	f := c.a.flags
	f.Env = "" // an unknown --env being typed must not fail the load
	s, err := config.Load(f)
	if err != nil || s.Path == "" {
		return nil, noFiles
	}
	var names []string
	for name := range s.File.Environments {
		names = append(names, name)
	}
	return matching(names, prefix), noFiles
}

// kubeContexts completes --context with the kubeconfig's contexts
// (--kubeconfig, else KUBECONFIG, else ~/.kube/config).
func (c *completer) kubeContexts(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = c.a.flags.Kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).RawConfig()
	if err != nil {
		return nil, noFiles
	}
	var names []string
	for name := range cfg.Contexts {
		names = append(names, name)
	}
	return matching(names, prefix), noFiles
}

// regions completes a region with the environment's configured regions
// and those of the estate.
func (c *completer) regions(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, ok := c.settings()
	if !ok {
		return nil, noFiles
	}
	names := slices.Clone(s.Env.Regions)
	if inv := c.inventory(cmd.Context(), s); inv != nil {
		for _, r := range inv.Regions {
			names = append(names, r.Name)
		}
	}
	return matching(names, prefix), noFiles
}

// views completes a view name (the page registry's).
func (c *completer) views(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var names []string
	for _, v := range pages.Views() {
		names = append(names, v.Name)
	}
	return matching(names, prefix), noFiles
}

// stacks completes --stack with the environment's Terraform stacks, else
// directories.
func (c *completer) stacks(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, ok := c.settings()
	if !ok {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	var names []string
	for _, st := range s.Env.Terraform {
		names = append(names, st.Name)
	}
	if out := matching(names, prefix); len(out) > 0 {
		return out, noFiles
	}
	return nil, cobra.ShellCompDirectiveFilterDirs // a stack may be a directory
}

// services completes a trace service with the trace source's services.
func (c *completer) services(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, ok := c.settings()
	if !ok {
		return nil, noFiles
	}
	src, closeSrc, err := cliTraceSource(s)
	if err != nil {
		return nil, noFiles
	}
	defer closeSrc()
	ctx, cancel := context.WithTimeout(compContext(cmd), completionTimeout)
	defer cancel()
	names, err := src.Services(ctx)
	if err != nil {
		return nil, noFiles
	}
	return matching(names, prefix), noFiles
}

// namespaces completes -n with the estate's namespaces and, when members
// is set (console action do), its databases (a member's namespace).
func (c *completer) namespaces(members bool) compFunc {
	return func(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		s, ok := c.settings()
		if !ok {
			return nil, noFiles
		}
		inv := c.inventory(cmd.Context(), s)
		if inv == nil {
			return nil, noFiles
		}
		var names []string
		for _, p := range inv.Pods {
			names = append(names, p.Namespace)
		}
		for _, w := range inv.Workloads {
			names = append(names, w.Namespace)
		}
		if members {
			for _, d := range inv.Databases {
				names = append(names, d.Name)
			}
		}
		return matching(names, prefix), noFiles
	}
}

// kubeObjects completes the KIND/NAME of a kubectl action with the
// objects of the kinds the verb takes (in -n NAMESPACE when given).
func (c *completer) kubeObjects(verb actions.Verb) compFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, noFiles
		}
		s, ok := c.settings()
		if !ok {
			return nil, noFiles
		}
		inv := c.inventory(cmd.Context(), s)
		if inv == nil {
			return nil, noFiles
		}
		ns, _ := cmd.Flags().GetString("namespace")
		var names []string
		for _, r := range objectRefs(inv) {
			if kindFits(verb, r.Kind) == nil && (ns == "" || r.Namespace == ns) {
				names = append(names, string(r.Kind)+"/"+r.Name)
			}
		}
		return matching(names, prefix), noFiles
	}
}

// offered completes `console action do VERB KIND/NAME`: the verbs the
// sources offer on the estate's objects, then the objects offering VERB
// (in -n NAMESPACE when given).
func (c *completer) offered(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 1 {
		return nil, noFiles
	}
	s, ok := c.settings()
	if !ok {
		return nil, noFiles
	}
	ctx, cancel := context.WithTimeout(compContext(cmd), completionTimeout)
	defer cancel()
	ps, inv := c.estate(ctx, s)
	if inv == nil {
		return nil, noFiles
	}
	ns, _ := cmd.Flags().GetString("namespace")
	refs := objectRefs(inv)
	offers := func(r actions.Ref) []string {
		var verbs []string
		for _, p := range ps {
			if o, ok := p.(actions.Offerer); ok {
				for _, act := range o.Offer(r) {
					verbs = append(verbs, string(act.Spec().Name))
				}
			}
		}
		return verbs
	}
	// What a kind offers is asked of up to verbSample objects of it (what
	// is offered depends on the object's state: a replica, not a primary,
	// is promoted).
	const verbSample = 50
	verbsOf, asked := map[actions.Kind][]string{}, map[actions.Kind]int{}
	for _, r := range refs {
		if asked[r.Kind] < verbSample && ctx.Err() == nil {
			asked[r.Kind]++
			verbsOf[r.Kind] = append(verbsOf[r.Kind], offers(r)...)
		}
	}
	var names []string
	if len(args) == 0 {
		for _, vs := range verbsOf {
			names = append(names, vs...)
		}
		return matching(names, prefix), noFiles
	}
	// The objects offering VERB, each asked (until the deadline).
	for _, r := range refs {
		if ctx.Err() != nil {
			break
		}
		if slices.Contains(verbsOf[r.Kind], args[0]) && (ns == "" || r.Namespace == ns) && slices.Contains(offers(r), args[0]) {
			names = append(names, string(r.Kind)+"/"+r.Name)
		}
	}
	return matching(names, prefix), noFiles
}

// objectRefs lists the estate's objects an action may name, with the
// kinds the sources' Offer takes.
func objectRefs(inv *providers.Inventory) []actions.Ref {
	var out []actions.Ref
	for _, w := range inv.Workloads {
		out = append(out, actions.Ref{Kind: actions.Kind(strings.ToLower(w.Kind)), Namespace: w.Namespace, Name: w.Name, Cluster: w.Cluster})
	}
	for _, p := range inv.Pods {
		out = append(out, actions.Ref{Kind: actions.KindPod, Namespace: p.Namespace, Name: p.Name, Cluster: p.Cluster})
	}
	for _, n := range inv.Nodes {
		out = append(out, actions.Ref{Kind: actions.KindNode, Name: n.Name, Cluster: n.Cluster, Region: n.Region})
	}
	for _, g := range inv.AutoscalingGroups {
		out = append(out, actions.Ref{Kind: actions.KindASG, Name: g.Name, Region: g.Region})
	}
	for _, in := range inv.Instances {
		out = append(out, actions.Ref{Kind: actions.KindInstance, Name: in.ID, Region: in.Region})
	}
	for _, d := range inv.Databases {
		out = append(out, actions.Ref{Kind: actions.KindDatabase, Name: d.Name, Region: d.Region})
		for _, m := range d.Members {
			out = append(out, actions.Ref{Kind: actions.KindMember, Namespace: d.Name, Name: m.Name, Region: d.Region})
		}
	}
	return out
}

// inventory reads the estate once, waiting at most completionTimeout.
func (c *completer) inventory(ctx context.Context, s config.Settings) *providers.Inventory {
	ctx, cancel := context.WithTimeout(orBackground(ctx), completionTimeout)
	defer cancel()
	_, inv := c.estate(ctx, s)
	return inv
}

// estate starts the settings' sources, waits until they answered or ctx
// is done, and returns the providers and what they reported (nil when
// none could start). The sources stop with ctx.
func (c *completer) estate(ctx context.Context, s config.Settings) ([]providers.Provider, *providers.Inventory) {
	ps, err := buildProviders(ctx, s)
	if err != nil {
		return nil, nil
	}
	st := providers.NewStore(ps...)
	st.Start(ctx)
	snap := st.WaitReady(ctx)
	if snap == nil {
		return ps, nil
	}
	return ps, snap.Inv
}

func compContext(cmd *cobra.Command) context.Context { return orBackground(cmd.Context()) }

func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

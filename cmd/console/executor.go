package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// maxDataAge is how old the data an action was chosen from may be before
// the executor refuses it (the TUI passes the snapshot time).
const maxDataAge = 5 * time.Minute

// newExecutor builds the one executor every action (TUI and subcommands)
// runs through, from the settings: environment name, read-only mode and
// the audit log.
func newExecutor(s config.Settings) (*actions.Executor, error) {
	return newExecutorWith(s, 0)
}

// newExecutorWith is newExecutor with an operator's destructive actions
// waiting for a second person's approval for up to approvals (console
// serve; zero: they need an admin).
func newExecutorWith(s config.Settings, approvals time.Duration) (*actions.Executor, error) {
	reason := ""
	if s.Env.ReadOnly {
		reason = fmt.Sprintf("environment %s is read-only (readonly: true in the config, or --readonly)", s.Env.Name)
	}
	e, err := actions.NewExecutor(actions.Options{
		Env:            s.Env.Name,
		ReadOnly:       s.Env.ReadOnly,
		ReadOnlyReason: reason,
		AuditPath:      s.AuditLog,
		Identity:       identity(s),
		MaxDataAge:     maxDataAge,
		ApprovalExpiry: approvals,
	})
	if err != nil {
		return nil, fmt.Errorf("executor: %w", err)
	}
	return e, nil
}

// identity is the OS user plus the kube users and AWS profile the
// environment acts as, when known: "alice (kube lab:admin; aws profile prod)".
func identity(s config.Settings) string {
	who := actions.CurrentUser()
	var extra []string
	for _, k := range s.Env.Kube {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if k.Kubeconfig != "" {
			rules.ExplicitPath = k.Kubeconfig
		}
		raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: k.Context}).RawConfig()
		if err != nil {
			continue
		}
		name := k.Context
		if name == "" {
			name = raw.CurrentContext
		}
		if c, ok := raw.Contexts[name]; ok && c.AuthInfo != "" {
			extra = append(extra, "kube "+name+":"+c.AuthInfo)
		}
	}
	if s.Env.AWS.Profile != "" {
		extra = append(extra, "aws profile "+s.Env.AWS.Profile)
	}
	if len(extra) == 0 || s.Demo {
		return who
	}
	return who + " (" + strings.Join(extra, "; ") + ")"
}

// findOffered asks every provider of the settings that implements
// actions.Offerer (the demo, kube, AWS, databases) for the actions it
// offers on ref, and returns the one named verb.
func findOffered(ctx context.Context, s config.Settings, ref actions.Ref, verb actions.Verb) (actions.Action, error) {
	ps, err := buildProviders(ctx, s)
	if err != nil {
		return nil, err
	}
	return auditedOffer(s, ps, ref, verb)
}

// auditedOffer finds the action named verb that one of ps offers on ref
// (actions.Catalog.Find). A refusal (no source offers verb on ref) is
// recorded in the audit log like every other attempt; an ambiguous ref is
// bad usage.
func auditedOffer(s config.Settings, ps []providers.Provider, ref actions.Ref, verb actions.Verb) (actions.Action, error) {
	var stacks terraform.Stacks
	if ref.Kind == actions.KindStack {
		stacks = tuiStacks(s) // bring-up, skip-teardown of a scheduled stack (the demo's too)
	}
	a, err := actions.CatalogOf(ps, stacks).Find(ref, verb)
	switch {
	case errors.Is(err, actions.ErrAmbiguous):
		return nil, fmt.Errorf("%w: %w (name the cluster with --context)", errUsage, err)
	case errors.Is(err, actions.ErrNotOffered):
		e, eerr := newExecutor(s)
		if eerr != nil {
			return nil, eerr
		}
		return nil, e.RecordRefusal(verb, ref, err)
	}
	return a, err
}

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// providerFactory builds the providers of one source family (sim, kube,
// aws, db, jaeger) from the settings; it returns none when the settings do
// not name that family.
type providerFactory func(ctx context.Context, s config.Settings) ([]providers.Provider, error)

// providerFamily is one source family: its name and its factory (in its
// own wire_NAME.go file).
type providerFamily struct {
	name  string
	build providerFactory
}

// providerFamilies is the registry of source families, in the order their
// providers are built, listed in the inventory and asked for actions.
// Adding a source is its wire_NAME.go file and one line here.
var providerFamilies = []providerFamily{
	{"aws", newAWSProviders},
	{"db", dbProviders},
	{"jaeger", jaegerProviders},
	{"kube", newKubeProviders},
	{"sim", simProviders},
}

// buildProviders returns every provider the settings call for.
func buildProviders(ctx context.Context, s config.Settings) ([]providers.Provider, error) {
	var out []providers.Provider
	for _, f := range providerFamilies {
		ps, err := f.build(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		out = append(out, ps...)
	}
	// Terraform stacks are not providers (the Stacks view and the stack
	// actions read them): an environment of stacks alone still opens.
	if len(out) == 0 && len(s.Env.Terraform) == 0 {
		return nil, fmt.Errorf("%w: nothing to show: environment %q names no source", config.ErrBadConfig, s.Env.Name)
	}
	return out, nil
}

// startStore builds the providers and starts the store; the store stops
// with ctx.
func startStore(ctx context.Context, s config.Settings) (*providers.Store, error) {
	ps, err := buildProviders(ctx, s)
	if err != nil {
		return nil, err
	}
	st := providers.NewStore(ps...)
	st.Start(ctx)
	return st, nil
}

// waitSnapshot starts the store and waits until every source answered or
// timeout passed.
func waitSnapshot(ctx context.Context, s config.Settings, timeout time.Duration) (*providers.Snapshot, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := startStore(ctx, s)
	if err != nil {
		return nil, err
	}
	wctx, wcancel := context.WithTimeout(ctx, timeout)
	defer wcancel()
	return st.WaitReady(wctx), nil
}

package main

import (
	"context"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
)

// demoOptions are the demo estate's: the fixed seed (tests in this
// package scale it, e.g. console serve's memory at 50,000 pods).
var demoOptions = sim.Options{Seed: sim.DefaultSeed}

// simProviders returns the built-in demo estate when the settings ask for
// the demo. The seed is fixed so that screens are reproducible.
func simProviders(_ context.Context, s config.Settings) ([]providers.Provider, error) {
	if !s.Demo {
		return nil, nil
	}
	return []providers.Provider{sim.New(demoOptions)}, nil
}

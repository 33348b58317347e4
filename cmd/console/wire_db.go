package main

import (
	"context"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/db"
)

// dbProviders returns the database provider when the environment lists
// databases (config `databases:`).
func dbProviders(_ context.Context, s config.Settings) ([]providers.Provider, error) {
	if s.Demo || len(s.Env.Databases) == 0 {
		return nil, nil
	}
	return []providers.Provider{db.New(s.Env.Databases, db.Options{})}, nil
}

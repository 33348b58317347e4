package main

import (
	"context"
	"fmt"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	awsprov "github.com/opsconsole/console/providers/aws"
)

// newAWSProviders builds the AWS provider when the environment names
// regions (config `regions:` or --regions). Credentials, profile and
// endpoint come from the standard AWS configuration, overridden by the
// environment's `aws:` settings.
func newAWSProviders(ctx context.Context, s config.Settings) ([]providers.Provider, error) {
	if len(s.Env.Regions) == 0 || s.Demo {
		return nil, nil
	}
	p, err := awsprov.New(ctx, awsprov.Options{
		Env:         s.Env.Name,
		Regions:     s.Env.Regions,
		Profile:     s.Env.AWS.Profile,
		EndpointURL: s.Env.AWS.EndpointURL,
		Refresh:     s.Env.AWS.Refresh.Or(awsprov.DefaultRefresh),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", config.ErrBadConfig, err)
	}
	return []providers.Provider{p}, nil
}
